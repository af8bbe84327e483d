package api

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/store"
)

// Aliases: Create/Describe/Update/Delete/ListStateMachineAliases. An alias's ARN is its
// state machine's ARN with ":<name>"; it routes executions to one or two versions.

var aliasNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_\-.]+$`)

const aliasNameRule = `^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`

var aliasNotFound = apiErr("ResourceNotFound", "Request references a resource that does not exist.")

// checkAliasName applies the name constraints of CreateStateMachineAlias (coral's messages).
func checkAliasName(name string) []string {
	var problems []string
	if name == "" {
		problems = append(problems, "Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if utf8.RuneCountInString(name) > 80 {
		problems = append(problems, fmt.Sprintf("Value '%s' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80", name))
	}
	// The pattern's lookahead: at least one character that is not a digit.
	if !aliasNamePattern.MatchString(name) || strings.Trim(name, "0123456789") == "" {
		problems = append(problems, fmt.Sprintf("Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", name, aliasNameRule))
	}
	return problems
}

func checkAliasDescription(desc *string) []string {
	if desc != nil && utf8.RuneCountInString(*desc) > 256 {
		return []string{"Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 256"}
	}
	return nil
}

// checkRoutingShape applies the model's constraints on a routing configuration: 1 to 2
// items, weights 0 to 100.
func checkRoutingShape(routes []store.Route) []string {
	var problems []string
	if len(routes) == 0 {
		problems = append(problems, "Value '[]' at 'routingConfiguration' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(routes) > 2 {
		items := make([]string, len(routes))
		for i, r := range routes {
			items[i] = fmt.Sprintf("RoutingConfigurationListItem(stateMachineVersionArn=%s, weight=%d)", r.VersionArn, r.Weight)
		}
		problems = append(problems, fmt.Sprintf("Value '[%s]' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2", strings.Join(items, ", ")))
	}
	for i, r := range routes {
		switch {
		case r.Weight > 100:
			problems = append(problems, fmt.Sprintf("Value '%d' at 'routingConfiguration.%d.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100", r.Weight, i+1))
		case r.Weight < 0:
			problems = append(problems, fmt.Sprintf("Value '%d' at 'routingConfiguration.%d.member.weight' failed to satisfy constraint: Member must have value greater than or equal to 0", r.Weight, i+1))
		}
	}
	return problems
}

// checkRouting applies Step Functions' rules on a routing configuration that has the right
// shape, and returns the state machine its versions belong to.
func (s *Server) checkRouting(ctx context.Context, routes []store.Route) (string, error) {
	arns := make([]string, len(routes))
	weights := make([]string, len(routes))
	sum := 0
	for i, r := range routes {
		arns[i], weights[i] = r.VersionArn, fmt.Sprint(r.Weight)
		sum += r.Weight
	}
	for _, arn := range arns {
		if !isVersionArn(arn) {
			return "", apiErr("ValidationException", "Routing configuration must contain state machine version ARNs. Received: [%s]", strings.Join(arns, ", "))
		}
	}
	if len(arns) == 2 && arns[0] == arns[1] {
		return "", apiErr("ValidationException", "Routing configuration must contain distinct state machine version ARNs. Received: [%s]", strings.Join(arns, ", "))
	}
	if sum != 100 {
		return "", apiErr("ValidationException", "Sum of routing configuration weights must equal 100. Received: [%s]", strings.Join(weights, ", "))
	}
	base, _ := splitQualified(arns[0])
	for _, arn := range arns {
		if b, _ := splitQualified(arn); b != base {
			// UNCONFIRMED message: AWS's wording for versions of two state machines is not recorded.
			return "", apiErr("ValidationException", "Routing configuration must contain versions of the same state machine. Received: [%s]", strings.Join(arns, ", "))
		}
		if _, err := s.Store.GetVersion(ctx, arn); errors.Is(err, store.ErrNotFound) {
			return "", aliasNotFound
		} else if err != nil {
			return "", err
		}
	}
	return base, nil
}

func (s *Server) createStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	var req struct {
		Name                 string        `json:"name"`
		Description          *string       `json:"description"`
		RoutingConfiguration []store.Route `json:"routingConfiguration"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	problems := append(checkAliasName(req.Name), checkAliasDescription(req.Description)...)
	if problems = append(problems, checkRoutingShape(req.RoutingConfiguration)...); len(problems) > 0 {
		return nil, validation(problems...)
	}
	smArn, err := s.checkRouting(ctx, req.RoutingConfiguration)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	a := &store.Alias{Arn: smArn + ":" + req.Name, StateMachineArn: smArn, Name: req.Name,
		Routing: req.RoutingConfiguration, CreatedAt: now, UpdatedAt: now}
	if req.Description != nil {
		a.Description = *req.Description
	}
	err = s.Store.CreateAlias(ctx, a)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", smArn)
	case errors.Is(err, store.ErrExists):
		// Idempotent for the same configuration.
		old, gerr := s.Store.GetAlias(ctx, a.Arn)
		if gerr != nil {
			return nil, gerr
		}
		if old.Description != a.Description || !slices.Equal(old.Routing, a.Routing) {
			return nil, apiErr("ConflictException", "Failed to create alias because an alias with the same name and a different routing configuration already exists.")
		}
		a = old
	case err != nil:
		return nil, err
	}
	return map[string]any{"stateMachineAliasArn": a.Arn, "creationDate": epoch(a.CreatedAt)}, nil
}

// alias looks up an alias by ARN with AWS's errors.
func (s *Server) alias(ctx context.Context, arn string) (*store.Alias, error) {
	if err := checkArn(arn, "stateMachine"); err != nil {
		return nil, err
	}
	if _, q := splitQualified(arn); q == "" || isVersionQualifier(q) {
		return nil, aliasNotFound
	}
	a, err := s.Store.GetAlias(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, aliasNotFound
	}
	return a, err
}

func (s *Server) describeStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	var req struct {
		StateMachineAliasArn string `json:"stateMachineAliasArn"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	a, err := s.alias(ctx, req.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"stateMachineAliasArn": a.Arn, "name": a.Name, "routingConfiguration": a.Routing,
		"creationDate": epoch(a.CreatedAt), "updateDate": epoch(a.UpdatedAt),
	}
	if a.Description != "" {
		out["description"] = a.Description
	}
	return out, nil
}

func (s *Server) updateStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	var req struct {
		StateMachineAliasArn string        `json:"stateMachineAliasArn"`
		Description          *string       `json:"description"`
		RoutingConfiguration []store.Route `json:"routingConfiguration"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	problems := checkAliasDescription(req.Description)
	if req.RoutingConfiguration != nil {
		problems = append(problems, checkRoutingShape(req.RoutingConfiguration)...)
	}
	if len(problems) > 0 {
		return nil, validation(problems...)
	}
	if req.Description == nil && req.RoutingConfiguration == nil {
		// UNCONFIRMED message: AWS documents the rule, not its wording.
		return nil, apiErr("ValidationException", "Either the description or the routing configuration must be specified")
	}
	a, err := s.alias(ctx, req.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	if req.RoutingConfiguration != nil {
		smArn, err := s.checkRouting(ctx, req.RoutingConfiguration)
		if err != nil {
			return nil, err
		}
		if smArn != a.StateMachineArn {
			return nil, apiErr("ValidationException", "Routing configuration must contain versions of the same state machine. Received: [%s]", req.RoutingConfiguration[0].VersionArn)
		}
		a.Routing = req.RoutingConfiguration
	}
	if req.Description != nil {
		a.Description = *req.Description
	}
	a.UpdatedAt = time.Now().UTC()
	if err := s.Store.UpdateAlias(ctx, a); errors.Is(err, store.ErrNotFound) {
		return nil, aliasNotFound
	} else if err != nil {
		return nil, err
	}
	return map[string]any{"updateDate": epoch(a.UpdatedAt)}, nil
}

func (s *Server) deleteStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	var req struct {
		StateMachineAliasArn string `json:"stateMachineAliasArn"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := checkArn(req.StateMachineAliasArn, "stateMachine"); err != nil {
		return nil, err
	}
	// AWS answers 200 for an alias that does not exist.
	if err := s.Store.DeleteAlias(ctx, req.StateMachineAliasArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

// allAliases lists every alias of a state machine.
func (s *Server) allAliases(ctx context.Context, smArn string) ([]*store.Alias, error) {
	var all []*store.Alias
	token := ""
	for {
		page, next, err := s.Store.ListAliases(ctx, smArn, store.Page{Token: token, Limit: 1000})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if token = next; token == "" {
			return all, nil
		}
	}
}

func (s *Server) listStateMachineAliases(ctx context.Context, body []byte) (any, error) {
	var req struct {
		StateMachineArn string `json:"stateMachineArn"`
		paging
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	pg, err := req.page()
	if err != nil {
		return nil, err
	}
	var aliases []*store.Alias
	next := ""
	if isVersionArn(req.StateMachineArn) {
		// A version ARN lists the aliases that route to it (one page: a state machine has
		// few aliases).
		if _, _, err := s.version(ctx, req.StateMachineArn); err != nil {
			return nil, err
		}
		base, _ := splitQualified(req.StateMachineArn)
		all, err := s.allAliases(ctx, base)
		if err != nil {
			return nil, err
		}
		for _, a := range all {
			if slices.ContainsFunc(a.Routing, func(r store.Route) bool { return r.VersionArn == req.StateMachineArn }) {
				aliases = append(aliases, a)
			}
		}
	} else {
		sm, err := s.stateMachine(ctx, req.StateMachineArn)
		if err != nil {
			return nil, err
		}
		if aliases, next, err = s.Store.ListAliases(ctx, sm.Arn, pg); err != nil {
			return nil, tokenErr(err)
		}
	}
	items := make([]map[string]any, 0, len(aliases))
	for _, a := range aliases {
		items = append(items, map[string]any{"stateMachineAliasArn": a.Arn, "creationDate": epoch(a.CreatedAt)})
	}
	return listed("stateMachineAliases", items, next), nil
}
