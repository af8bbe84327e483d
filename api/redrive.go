package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/store"
)

// redriveExecution serves RedriveExecution: it restarts a failed, timed-out or aborted
// Standard execution where it stopped (runner.Node.Redrive) and answers with the redrive's
// date once the redrive is committed.
func (s *Server) redriveExecution(ctx context.Context, body []byte) (any, error) {
	var req struct {
		ExecutionArn string  `json:"executionArn"`
		ClientToken  *string `json:"clientToken"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	token := ""
	if req.ClientToken != nil {
		token = *req.ClientToken
		if err := checkClientToken(token); err != nil {
			return nil, err
		}
	}
	ex, err := s.execution(ctx, req.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if ex.MapRunArn != "" {
		// A Distributed Map's child runs again when its parent is redriven.
		return nil, apiErr("ExecutionNotRedrivable", "%s", childRedriveReason(ex))
	}
	at, err := s.Node.Redrive(ctx, ex.Arn, token)
	var nr *engine.NotRedrivableError
	switch {
	case errors.As(err, &nr):
		return nil, apiErr("ExecutionNotRedrivable", "%s", nr.Reason)
	case errors.Is(err, store.ErrNotFound):
		return nil, apiErr("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", ex.Arn)
	case err != nil:
		return nil, err
	}
	return map[string]any{"redriveDate": epoch(at)}, nil
}

// checkClientToken applies the API's constraints on a client token: 1 to 64 printable ASCII
// characters.
func checkClientToken(token string) error {
	switch {
	case len(token) < 1:
		return validation("Value at 'clientToken' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(token) > 64:
		return validation("Value at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to 64")
	}
	for _, r := range token {
		if r < '!' || r > '~' {
			return validation(fmt.Sprintf("Value '%s' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [!-~]+", token))
		}
	}
	return nil
}

// addRedrive adds DescribeExecution's redrive members: redriveCount, redriveDate once
// redriven, and whether it can be redriven now (redriveStatusReason when not).
func (s *Server) addRedrive(out *object, ex *store.Execution) {
	out.int("redriveCount", int64(ex.RedriveCount))
	if ex.RedriveDate != nil {
		out.epoch("redriveDate", *ex.RedriveDate)
	}
	if ex.MapRunArn != "" {
		switch ex.Status {
		case "FAILED", "TIMED_OUT", "ABORTED":
			out.str("redriveStatus", "REDRIVABLE_BY_MAP_RUN")
		default:
			out.str("redriveStatus", "NOT_REDRIVABLE")
			out.str("redriveStatusReason", childRedriveReason(ex))
		}
		return
	}
	if reason := s.Node.RedriveReason(ex); reason != "" {
		out.str("redriveStatus", "NOT_REDRIVABLE")
		out.str("redriveStatusReason", reason)
		return
	}
	out.str("redriveStatus", "REDRIVABLE")
}

// childRedriveReason says why a Distributed Map's child cannot be redriven by itself.
func childRedriveReason(ex *store.Execution) string {
	switch ex.Status {
	case "RUNNING", "SUCCEEDED":
		return "Execution is " + ex.Status + " and cannot be redriven"
	}
	return "Execution is a child workflow execution of a Map Run: redrive its parent execution"
}
