package api

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// Versions: PublishStateMachineVersion, ListStateMachineVersions, DeleteStateMachineVersion,
// DescribeStateMachine on a version ARN, and publishing from Create/UpdateStateMachine.
// A version ARN is the state machine's ARN with ":<number>"; an alias ARN has ":<name>",
// and alias names always hold a letter, '_', '-' or '.', so the two never collide.

// splitQualified splits arn:...:stateMachine:NAME:QUALIFIER into the state machine's ARN
// and the qualifier ("" for an unqualified ARN).
func splitQualified(arn string) (base, qualifier string) {
	// Eight fields, the sixth "stateMachine", the last not empty (without strings.Split: every
	// start asks).
	last := strings.LastIndexByte(arn, ':')
	if strings.Count(arn, ":") != 7 || resourceType(arn) != "stateMachine" || last == len(arn)-1 {
		return arn, ""
	}
	return arn[:last], arn[last+1:]
}

func isVersionQualifier(q string) bool {
	if q == "" {
		return false
	}
	for _, r := range q {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// isVersionArn reports whether arn names a version of a state machine.
func isVersionArn(arn string) bool {
	_, q := splitQualified(arn)
	return strings.HasPrefix(arn, "arn:") && isVersionQualifier(q)
}

// versionDescription checks versionDescription against publish as Create/UpdateStateMachine
// do.
func versionDescription(publish bool, desc *string) (string, error) {
	if desc == nil {
		return "", nil
	}
	if !publish {
		return "", apiErr("ValidationException", "Version description can only be set when publish is true")
	}
	if utf8.RuneCountInString(*desc) > 256 {
		return "", validation("Value at 'versionDescription' failed to satisfy constraint: Member must have length less than or equal to 256")
	}
	return *desc, nil
}

// publish publishes sm's current revision (or finds the newest version, if it has it).
func (s *Server) publish(ctx context.Context, sm *store.StateMachine, description string) (*store.Version, error) {
	v := &store.Version{
		StateMachineArn: sm.Arn, Definition: sm.Definition, RoleArn: sm.RoleArn, RevisionID: sm.RevisionID,
		Description: description, Config: sm.Config, CreatedAt: time.Now().UTC(), RevisedAt: sm.UpdatedAt,
	}
	err := s.Store.PublishVersion(ctx, v)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", sm.Arn)
	}
	return v, err
}

// maybePublish adds stateMachineVersionArn to a Create/UpdateStateMachine response when the
// request asked to publish.
func (s *Server) maybePublish(ctx context.Context, out map[string]any, sm *store.StateMachine, publish bool, desc string) (any, error) {
	if !publish {
		return out, nil
	}
	v, err := s.publish(ctx, sm, desc)
	if err != nil {
		return nil, err
	}
	out["stateMachineVersionArn"] = v.Arn
	return out, nil
}

func (s *Server) publishStateMachineVersion(ctx context.Context, body []byte) (any, error) {
	var req struct {
		StateMachineArn string  `json:"stateMachineArn"`
		RevisionID      *string `json:"revisionId"`
		Description     *string `json:"description"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	desc := ""
	if req.Description != nil {
		if utf8.RuneCountInString(*req.Description) > 256 {
			return nil, validation("Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 256")
		}
		desc = *req.Description
	}
	sm, err := s.stateMachine(ctx, req.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if req.RevisionID != nil && *req.RevisionID != sm.RevisionID {
		return nil, apiErr("ConflictException", "Failed to publish the State Machine version for revision %s. The current State Machine revision is %s.", *req.RevisionID, sm.RevisionID)
	}
	v, err := s.publish(ctx, sm, desc)
	if err != nil {
		return nil, err
	}
	return map[string]any{"stateMachineVersionArn": v.Arn, "creationDate": epoch(v.CreatedAt)}, nil
}

func (s *Server) listStateMachineVersions(ctx context.Context, body []byte) (any, error) {
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
	sm, err := s.stateMachine(ctx, req.StateMachineArn)
	if err != nil {
		return nil, err
	}
	vs, next, err := s.Store.ListVersions(ctx, sm.Arn, pg)
	if err != nil {
		return nil, tokenErr(err)
	}
	items := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		items = append(items, map[string]any{"stateMachineVersionArn": v.Arn, "creationDate": epoch(v.CreatedAt)})
	}
	return listed("stateMachineVersions", items, next), nil
}

func (s *Server) deleteStateMachineVersion(ctx context.Context, body []byte) (any, error) {
	var req struct {
		StateMachineVersionArn string `json:"stateMachineVersionArn"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := checkArn(req.StateMachineVersionArn, "stateMachine"); err != nil {
		return nil, err
	}
	if !isVersionArn(req.StateMachineVersionArn) {
		return nil, apiErr("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: stateMachine'")
	}
	base, _ := splitQualified(req.StateMachineVersionArn)
	aliases, err := s.allAliases(ctx, base)
	if err != nil {
		return nil, err
	}
	var using []string
	for _, a := range aliases {
		for _, r := range a.Routing {
			if r.VersionArn == req.StateMachineVersionArn {
				using = append(using, a.Name)
			}
		}
	}
	if len(using) > 0 {
		return nil, apiErr("ConflictException", "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [%s]", strings.Join(using, ", "))
	}
	// AWS answers 200 for a version that does not exist.
	if err := s.Store.DeleteVersion(ctx, req.StateMachineVersionArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return struct{}{}, nil
}

// version looks up a version and its state machine with AWS's errors.
func (s *Server) version(ctx context.Context, arn string) (*store.StateMachine, *store.Version, error) {
	missing := apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	v, err := s.Store.GetVersion(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, missing
	}
	if err != nil {
		return nil, nil, err
	}
	sm, err := s.Store.GetStateMachine(ctx, v.StateMachineArn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, missing
	}
	return sm, v, err
}

// describeVersion answers DescribeStateMachine on a version ARN.
func (s *Server) describeVersion(ctx context.Context, arn string) (any, error) {
	sm, v, err := s.version(ctx, arn)
	if err != nil {
		return nil, err
	}
	out := describeSM(runner.VersionMachine(sm, v))
	out["stateMachineArn"] = v.Arn
	out["creationDate"] = epoch(v.CreatedAt)
	delete(out, "revisionId")
	// The state machine's first revision has no name (DescribeStateMachine omits it).
	if !v.RevisedAt.Equal(sm.CreatedAt) {
		out["revisionId"] = v.RevisionID
	}
	if v.Description != "" {
		out["description"] = v.Description
	}
	return out, nil
}

// StartTarget is startTarget for a task that starts an execution (integration.Starter),
// which may not name a Distributed Map's labelled child machine either.
func (s *Server) StartTarget(ctx context.Context, arn string) (sm *store.StateMachine, versionArn, aliasArn string, err error) {
	if err := refuseLabeled(arn); err != nil {
		return nil, "", "", err
	}
	return s.startTarget(ctx, arn)
}

// startTarget resolves the state machine ARN of StartExecution: an unqualified ARN runs the
// state machine's latest revision; a version ARN that version; an alias ARN one of the
// alias's versions, chosen at random by weight as AWS does.
func (s *Server) startTarget(ctx context.Context, arn string) (sm *store.StateMachine, versionArn, aliasArn string, err error) {
	_, q := splitQualified(arn)
	if q == "" || !strings.HasPrefix(arn, "arn:") {
		sm, err := s.startMachine(ctx, arn)
		return sm, "", "", err
	}
	if err := checkArn(arn, "stateMachine"); err != nil {
		return nil, "", "", err
	}
	versionArn = arn
	if !isVersionQualifier(q) {
		a, err := s.Store.GetAlias(ctx, arn)
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", "", apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
		}
		if err != nil {
			return nil, "", "", err
		}
		versionArn, aliasArn = pickRoute(a.Routing, rand.IntN(100)), a.Arn
	}
	base, v, err := s.version(ctx, versionArn)
	if err != nil {
		return nil, "", "", err
	}
	return runner.VersionMachine(base, v), v.Arn, aliasArn, nil
}

// pickRoute chooses the version for a roll in [0, 100): the first route takes rolls below
// its weight, the second the rest.
func pickRoute(routes []store.Route, roll int) string {
	for _, r := range routes {
		if roll < r.Weight {
			return r.VersionArn
		}
		roll -= r.Weight
	}
	return routes[len(routes)-1].VersionArn
}

// origin is the version and alias an execution is started on.
type origin struct{ version, alias string }

// addOrigin adds the version and alias an execution was started on to a DescribeExecution
// or ListExecutions item.
func addOrigin(out map[string]any, ex *store.Execution) {
	if ex.VersionArn != "" {
		out["stateMachineVersionArn"] = ex.VersionArn
	}
	if ex.AliasArn != "" {
		out["stateMachineAliasArn"] = ex.AliasArn
	}
}

// versionForExecution is what DescribeStateMachineForExecution shows for an execution of a
// version: the version's definition and revision under the state machine's ARN.
func (s *Server) versionForExecution(ctx context.Context, sm *store.StateMachine, versionArn string) (*store.StateMachine, error) {
	v, err := s.Store.GetVersion(ctx, versionArn)
	if errors.Is(err, store.ErrNotFound) {
		return sm, nil // deleted since: the state machine is all there is
	}
	if err != nil {
		return nil, err
	}
	out := runner.VersionMachine(sm, v)
	out.CreatedAt = sm.CreatedAt // so that the first revision stays unnamed
	return out, nil
}

// listTarget resolves ListExecutions' stateMachineArn: a version or alias ARN lists the
// executions started on it.
func (s *Server) listTarget(ctx context.Context, arn string) (*store.StateMachine, store.ExecutionFilter, error) {
	_, q := splitQualified(arn)
	switch {
	case q == "" || !strings.HasPrefix(arn, "arn:"):
		sm, err := s.stateMachine(ctx, arn)
		if err != nil {
			return nil, store.ExecutionFilter{}, err
		}
		return sm, store.ExecutionFilter{StateMachineArn: sm.Arn}, nil
	case isVersionQualifier(q):
		if err := checkArn(arn, "stateMachine"); err != nil {
			return nil, store.ExecutionFilter{}, err
		}
		sm, v, err := s.version(ctx, arn)
		if err != nil {
			return nil, store.ExecutionFilter{}, err
		}
		return sm, store.ExecutionFilter{StateMachineArn: sm.Arn, VersionArn: v.Arn}, nil
	}
	a, err := s.alias(ctx, arn)
	if err != nil {
		return nil, store.ExecutionFilter{}, err
	}
	sm, err := s.stateMachine(ctx, a.StateMachineArn)
	if err != nil {
		return nil, store.ExecutionFilter{}, err
	}
	return sm, store.ExecutionFilter{StateMachineArn: sm.Arn, AliasArn: a.Arn}, nil
}
