package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

func (s *Server) smArn(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", s.Region, s.Account, name)
}

// checkDefinition validates a definition as CreateStateMachine does.
func checkDefinition(def, typ string) error {
	diags := asl.Validate([]byte(def), asl.ValidateOptions{Type: typ})
	for _, d := range diags {
		if d.Severity == asl.SeverityError {
			return apiErr("InvalidDefinition", "%s", asl.DefinitionErrorMessage(def, diags))
		}
	}
	return nil
}

func (s *Server) createStateMachine(ctx context.Context, body []byte) (any, error) {
	var req struct {
		Name               string    `json:"name"`
		Definition         string    `json:"definition"`
		RoleArn            string    `json:"roleArn"`
		Type               string    `json:"type"`
		Tags               []tagJSON `json:"tags"`
		Publish            bool      `json:"publish"`
		VersionDescription *string   `json:"versionDescription"`

		LoggingConfiguration    *loggingConfiguration    `json:"loggingConfiguration"`
		TracingConfiguration    *tracingConfiguration    `json:"tracingConfiguration"`
		EncryptionConfiguration *encryptionConfiguration `json:"encryptionConfiguration"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	tags, err := checkTags(req.Tags)
	if err != nil {
		return nil, err
	}
	var missing []string
	if problem := runner.NameLength(req.Name); problem != "" {
		missing = append(missing, problem) // absent, it is refused before (checkRequired)
	}
	// Absent or null, these were refused before (checkRequired): here they are empty. The
	// definition is a sensitive member, named without its value.
	if req.Definition == "" {
		missing = append(missing, "Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if req.RoleArn == "" {
		missing = append(missing, "Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(missing) > 0 {
		return nil, validation(missing...)
	}
	versionDesc, err := versionDescription(req.Publish, req.VersionDescription)
	if err != nil {
		return nil, err
	}
	if req.Type == "" {
		req.Type = "STANDARD"
	}
	if req.Type != "STANDARD" && req.Type != "EXPRESS" {
		return nil, validation(fmt.Sprintf("Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", req.Type))
	}
	if !runner.ValidName(req.Name) {
		return nil, apiErr("InvalidName", "Invalid Name: '%s'", req.Name)
	}
	if err := checkRole(req.RoleArn); err != nil {
		return nil, err
	}
	if err := checkDefinition(req.Definition, req.Type); err != nil {
		return nil, err
	}
	logging, err := checkLogging(req.LoggingConfiguration)
	if err != nil {
		return nil, err
	}
	encryption, err := checkEncryption(req.EncryptionConfiguration)
	if err != nil {
		return nil, err
	}
	if err := checkTagCount(s.smArn(req.Name), len(tags)); err != nil {
		return nil, err
	}
	config := smConfig{Logging: logging, Tracing: req.TracingConfiguration, Encryption: encryption}
	now := time.Now().UTC()
	sm := &store.StateMachine{
		Arn: s.smArn(req.Name), Name: req.Name, Type: req.Type, Definition: req.Definition,
		RoleArn: req.RoleArn, Status: "ACTIVE", RevisionID: ids.UUID(), Config: config.String(),
		CreatedAt: now, UpdatedAt: now, Tags: tags, // with it, in its transaction
	}
	err = s.Store.CreateStateMachine(ctx, sm)
	s.ExecutionLogs.Forget(sm.Arn)
	s.smCache.drop(sm.Arn) // a state machine deleted and created again under its name
	if errors.Is(err, store.ErrExists) {
		old, gerr := s.Store.GetStateMachine(ctx, sm.Arn)
		if gerr != nil {
			return nil, gerr
		}
		if old.Definition != sm.Definition || old.Type != sm.Type || !parseConfig(old.Config).sameAs(config) {
			return nil, apiErr("StateMachineAlreadyExists", "State Machine Already Exists: '%s'", sm.Arn)
		}
		sm = old
	} else if err != nil {
		return nil, err
	}
	out := map[string]any{"stateMachineArn": sm.Arn, "creationDate": epoch(sm.CreatedAt)}
	return s.maybePublish(ctx, out, sm, req.Publish, versionDesc)
}

func checkRole(arn string) error {
	if len(arn) < 1 || len(arn) > 256 {
		return validation(fmt.Sprintf("Value '%s' at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 256", arn))
	}
	if len(arn) < 4 || arn[:4] != "arn:" {
		return apiErr("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: %s'", arn)
	}
	return nil
}

// refuseLabeled answers ValidationException for the ARN of a Distributed Map state
// (arn:...:stateMachine:NAME/LABEL, the state machine ARN ListMapRuns gives): the API reference
// says DescribeStateMachine, UpdateStateMachine, DeleteStateMachine and StartExecution fail
// with it (reason API_DOES_NOT_SUPPORT_LABELED_ARNS). AWS's message is not recorded; this one
// is Stepwise's.
func refuseLabeled(arn string) error {
	if !strings.HasPrefix(arn, "arn:") || resourceType(arn) != "stateMachine" {
		return nil
	}
	if name, _ := arnField(arn, 6); strings.ContainsRune(name, '/') {
		return apiErr("ValidationException", "The ARN '%s' refers to a Distributed Map state: this operation does not support labeled state machine ARNs", arn)
	}
	return nil
}

// stateMachine looks up a state machine by ARN with AWS's errors.
func (s *Server) stateMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	if err := checkArn(arn, "stateMachine"); err != nil {
		return nil, err
	}
	sm, err := s.Store.GetStateMachine(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	}
	return sm, err
}

// startMachine is stateMachine for StartExecution and StartSyncExecution: a state machine
// read less than a second ago is used again (smCache).
func (s *Server) startMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	if err := checkArn(arn, "stateMachine"); err != nil {
		return nil, err
	}
	sm, err := s.smCache.get(ctx, arn, s.Store.GetStateMachine)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	}
	return sm, err
}

func (s *Server) describeStateMachine(ctx context.Context, body []byte) (any, error) {
	var req struct {
		StateMachineArn string `json:"stateMachineArn"`
		IncludedData    string `json:"includedData"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := checkIncludedData(req.IncludedData); err != nil {
		return nil, err
	}
	if err := refuseLabeled(req.StateMachineArn); err != nil {
		return nil, err
	}
	if isVersionArn(req.StateMachineArn) {
		return s.describeVersion(ctx, req.StateMachineArn)
	}
	sm, err := s.stateMachine(ctx, req.StateMachineArn)
	if err != nil {
		return nil, err
	}
	return describeSM(sm), nil
}

func describeSM(sm *store.StateMachine) map[string]any {
	config := parseConfig(sm.Config)
	out := map[string]any{
		"stateMachineArn":         sm.Arn,
		"name":                    sm.Name,
		"status":                  sm.Status,
		"definition":              sm.Definition,
		"roleArn":                 sm.RoleArn,
		"type":                    sm.Type,
		"creationDate":            epoch(sm.CreatedAt),
		"loggingConfiguration":    config.logging(),
		"tracingConfiguration":    config.tracing(),
		"encryptionConfiguration": config.encryption(),
	}
	if !sm.UpdatedAt.Equal(sm.CreatedAt) {
		out["revisionId"] = sm.RevisionID
	}
	if refs := asl.VariableReferences([]byte(sm.Definition)); refs != nil {
		m := make(map[string]any, len(refs))
		for state, names := range refs {
			list := make([]any, len(names))
			for i, n := range names {
				list[i] = n
			}
			m[state] = list
		}
		out["variableReferences"] = m
	}
	return out
}

func (s *Server) updateStateMachine(ctx context.Context, body []byte) (any, error) {
	var req struct {
		StateMachineArn    string  `json:"stateMachineArn"`
		Definition         *string `json:"definition"`
		RoleArn            *string `json:"roleArn"`
		Publish            bool    `json:"publish"`
		VersionDescription *string `json:"versionDescription"`

		LoggingConfiguration    *loggingConfiguration    `json:"loggingConfiguration"`
		TracingConfiguration    *tracingConfiguration    `json:"tracingConfiguration"`
		EncryptionConfiguration *encryptionConfiguration `json:"encryptionConfiguration"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := refuseLabeled(req.StateMachineArn); err != nil {
		return nil, err
	}
	sm, err := s.stateMachine(ctx, req.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if req.Definition == nil && req.RoleArn == nil && req.LoggingConfiguration == nil && req.TracingConfiguration == nil && req.EncryptionConfiguration == nil {
		return nil, apiErr("MissingRequiredParameter", "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	}
	versionDesc, err := versionDescription(req.Publish, req.VersionDescription)
	if err != nil {
		return nil, err
	}
	// An update that changes nothing makes no new revision (and publishing it again finds
	// the version already published).
	before := *sm
	if req.Definition != nil {
		if err := checkDefinition(*req.Definition, sm.Type); err != nil {
			return nil, err
		}
		sm.Definition = *req.Definition
	}
	if req.RoleArn != nil {
		if err := checkRole(*req.RoleArn); err != nil {
			return nil, err
		}
		sm.RoleArn = *req.RoleArn
	}
	config := parseConfig(sm.Config)
	if req.LoggingConfiguration != nil {
		if config.Logging, err = checkLogging(req.LoggingConfiguration); err != nil {
			return nil, err
		}
	}
	if req.TracingConfiguration != nil {
		config.Tracing = req.TracingConfiguration
	}
	if req.EncryptionConfiguration != nil {
		if config.Encryption, err = checkEncryption(req.EncryptionConfiguration); err != nil {
			return nil, err
		}
	}
	sm.Config = config.String()
	updated := time.Now().UTC()
	if sm.Definition != before.Definition || sm.RoleArn != before.RoleArn || !parseConfig(before.Config).sameAs(config) {
		sm.RevisionID = ids.UUID()
		sm.UpdatedAt = updated
		err := s.Store.UpdateStateMachine(ctx, sm)
		s.smCache.drop(sm.Arn)
		s.ExecutionLogs.Forget(sm.Arn)
		if err != nil {
			return nil, err
		}
	}
	out := map[string]any{"updateDate": epoch(updated)}
	if !sm.UpdatedAt.Equal(sm.CreatedAt) {
		out["revisionId"] = sm.RevisionID
	}
	return s.maybePublish(ctx, out, sm, req.Publish, versionDesc)
}

func (s *Server) deleteStateMachine(ctx context.Context, body []byte) (any, error) {
	var req struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := checkArn(req.StateMachineArn, "stateMachine"); err != nil {
		return nil, err
	}
	if err := refuseLabeled(req.StateMachineArn); err != nil {
		return nil, err
	}
	// AWS answers 200 for a state machine that does not exist.
	err := s.Store.DeleteStateMachine(ctx, req.StateMachineArn)
	s.smCache.drop(req.StateMachineArn)
	s.ExecutionLogs.Forget(req.StateMachineArn)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := s.dropTags(ctx, req.StateMachineArn); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Server) listStateMachines(ctx context.Context, body []byte) (any, error) {
	var req struct {
		paging
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	pg, err := req.page()
	if err != nil {
		return nil, err
	}
	sms, next, err := s.Store.ListStateMachines(ctx, pg)
	if err != nil {
		return nil, tokenErr(err)
	}
	items := make([]map[string]any, 0, len(sms))
	for _, sm := range sms {
		items = append(items, map[string]any{"stateMachineArn": sm.Arn, "name": sm.Name, "type": sm.Type, "creationDate": epoch(sm.CreatedAt)})
	}
	return listed("stateMachines", items, next), nil
}

func (s *Server) validateDefinition(ctx context.Context, body []byte) (any, error) {
	var req struct {
		Definition string `json:"definition"`
		Type       string `json:"type"`
		Severity   string `json:"severity"`
		MaxResults int    `json:"maxResults"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	// The model's bounds, as AWS's request validation applies them before the definition is
	// read (the definition is a sensitive member, named without its value).
	var problems []string
	if req.Definition == "" {
		problems = append(problems, "Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if req.Type != "" && req.Type != "STANDARD" && req.Type != "EXPRESS" {
		problems = append(problems, fmt.Sprintf("Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", req.Type))
	}
	if req.Severity != "" && req.Severity != "ERROR" && req.Severity != "WARNING" {
		problems = append(problems, fmt.Sprintf("Value '%s' at 'severity' failed to satisfy constraint: Member must satisfy enum value set: [ERROR, WARNING]", req.Severity))
	}
	if req.MaxResults < 0 {
		problems = append(problems, fmt.Sprintf("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0", req.MaxResults))
	}
	if req.MaxResults > 100 {
		problems = append(problems, fmt.Sprintf("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100", req.MaxResults))
	}
	if len(problems) > 0 {
		return nil, validation(problems...)
	}
	diags := asl.Validate([]byte(req.Definition), asl.ValidateOptions{Type: req.Type})
	result := "OK"
	var kept []asl.Diagnostic
	for _, d := range diags {
		if d.Severity == asl.SeverityError {
			result = "FAIL"
		}
		if d.Severity == asl.SeverityError || req.Severity == "WARNING" {
			kept = append(kept, d)
		}
	}
	limit := req.MaxResults
	if limit == 0 {
		limit = 100
	}
	truncated := len(kept) > limit
	if truncated {
		kept = kept[:limit]
	}
	if kept == nil {
		kept = []asl.Diagnostic{}
	}
	return map[string]any{"result": result, "diagnostics": kept, "truncated": truncated}, nil
}
