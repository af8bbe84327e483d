package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/store"
)

// mapRun looks up a Distributed Map run by ARN with AWS's errors, and reads its record.
func (s *Server) mapRun(ctx context.Context, arn string) (*store.MapRun, *engine.MapRunRecord, error) {
	if err := checkArn(arn, "mapRun"); err != nil {
		return nil, nil, err
	}
	row, err := s.Store.GetMapRun(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, apiErr("ResourceNotFound", "Request references a resource that does not exist.")
	}
	if err != nil {
		return nil, nil, err
	}
	var rec engine.MapRunRecord
	if err := json.Unmarshal([]byte(row.Record), &rec); err != nil {
		return nil, nil, fmt.Errorf("decode map run %s: %w", arn, err)
	}
	return row, &rec, nil
}

// mapRunCounts renders item or execution counts as DescribeMapRun does. failuresNotRedrivable
// and pendingRedrive are left out while they are zero, as in AWS's recordings of runs that
// were never redriven.
func mapRunCounts(c engine.MapRunCounts) map[string]any {
	return map[string]any{
		"pending": c.Pending, "running": c.Running, "succeeded": c.Succeeded, "failed": c.Failed,
		"timedOut": c.TimedOut, "aborted": c.Aborted, "total": c.Total, "resultsWritten": c.ResultsWritten,
	}
}

func (s *Server) describeMapRun(ctx context.Context, body []byte) (any, error) {
	var req struct {
		MapRunArn string `json:"mapRunArn"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	row, rec, err := s.mapRun(ctx, req.MapRunArn)
	if err != nil {
		return nil, err
	}
	// Without ItemBatcher each child carries one item: the two counts are the same.
	execCounts := rec.Counts
	if rec.ExecutionCounts != nil {
		execCounts = *rec.ExecutionCounts
	}
	out := map[string]any{
		"mapRunArn": row.Arn, "executionArn": row.ExecutionArn, "status": row.Status,
		"startDate": epoch(row.StartedAt), "maxConcurrency": rec.MaxConcurrency,
		"toleratedFailurePercentage": rec.ToleratedFailurePercentage, "toleratedFailureCount": rec.ToleratedFailureCount,
		"itemCounts": mapRunCounts(rec.Counts), "executionCounts": mapRunCounts(execCounts),
	}
	if row.StoppedAt != nil {
		out["stopDate"] = epoch(*row.StoppedAt)
	}
	return out, nil
}

func (s *Server) listMapRuns(ctx context.Context, body []byte) (any, error) {
	var req struct {
		ExecutionArn string `json:"executionArn"`
		paging
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	pg, err := req.page()
	if err != nil {
		return nil, err
	}
	ex, err := s.execution(ctx, req.ExecutionArn)
	if err != nil {
		return nil, err
	}
	runs, next, err := s.Store.ListMapRuns(ctx, ex.Arn, pg)
	if err != nil {
		return nil, tokenErr(err)
	}
	items := make([]map[string]any, 0, len(runs))
	for _, r := range runs {
		item := map[string]any{"executionArn": r.ExecutionArn, "mapRunArn": r.Arn,
			"stateMachineArn": r.StateMachineArn, "startDate": epoch(r.StartedAt)}
		if r.StoppedAt != nil {
			item["stopDate"] = epoch(*r.StoppedAt)
		}
		items = append(items, item)
	}
	return listed("mapRuns", items, next), nil
}

func (s *Server) updateMapRun(ctx context.Context, body []byte) (any, error) {
	var req struct {
		MapRunArn                  string   `json:"mapRunArn"`
		MaxConcurrency             *int64   `json:"maxConcurrency"`
		ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage"`
		ToleratedFailureCount      *int64   `json:"toleratedFailureCount"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	var problems []string
	if v := req.MaxConcurrency; v != nil && *v < 0 {
		problems = append(problems, fmt.Sprintf("Value '%d' at 'maxConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 0", *v))
	}
	if v := req.ToleratedFailurePercentage; v != nil && *v < 0 {
		problems = append(problems, fmt.Sprintf("Value '%v' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value greater than or equal to 0", *v))
	}
	if v := req.ToleratedFailurePercentage; v != nil && *v > 100 {
		problems = append(problems, fmt.Sprintf("Value '%v' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value less than or equal to 100", *v))
	}
	if v := req.ToleratedFailureCount; v != nil && *v < 0 {
		problems = append(problems, fmt.Sprintf("Value '%d' at 'toleratedFailureCount' failed to satisfy constraint: Member must have value greater than or equal to 0", *v))
	}
	if len(problems) > 0 {
		return nil, validation(problems...)
	}
	row, _, err := s.mapRun(ctx, req.MapRunArn)
	if err != nil {
		return nil, err
	}
	if req.MaxConcurrency == nil && req.ToleratedFailurePercentage == nil && req.ToleratedFailureCount == nil {
		return nil, apiErr("ValidationException", "At least one of maxConcurrency, toleratedFailurePercentage or toleratedFailureCount must be given")
	}
	if row.Status != engine.MapRunRunning {
		return nil, apiErr("ValidationException", "Map Run '%s' is %s and cannot be updated", row.Arn, row.Status)
	}
	if err := s.Node.UpdateMapRun(ctx, row.ExecutionArn, engine.MapRunUpdate{
		MapRunArn: row.Arn, MaxConcurrency: req.MaxConcurrency,
		ToleratedFailurePercentage: req.ToleratedFailurePercentage, ToleratedFailureCount: req.ToleratedFailureCount,
	}); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// listExecutionsFilter reads ListExecutions' target: a state machine (or a version or an
// alias of one), or a Distributed Map run, whose child executions it lists.
func (s *Server) listExecutionsFilter(ctx context.Context, stateMachineArn, mapRunArn string) (store.ExecutionFilter, error) {
	if stateMachineArn != "" && mapRunArn != "" {
		return store.ExecutionFilter{}, apiErr("ValidationException", "Only one of stateMachineArn and mapRunArn may be given")
	}
	if mapRunArn != "" {
		row, _, err := s.mapRun(ctx, mapRunArn)
		if err != nil {
			return store.ExecutionFilter{}, err
		}
		return store.ExecutionFilter{MapRunArn: row.Arn}, nil
	}
	sm, filter, err := s.listTarget(ctx, stateMachineArn)
	if err != nil {
		return store.ExecutionFilter{}, err
	}
	if sm.Type == "EXPRESS" {
		return store.ExecutionFilter{}, apiErr("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
	}
	return filter, nil
}

// describeMapRunMachine is DescribeStateMachineForExecution for a Distributed Map's child
// execution: its "state machine" is the Map state's ItemProcessor, named after the run
// (MACHINE/LABEL), with the parent's role, and the run's ARN and label.
func (s *Server) describeMapRunMachine(ctx context.Context, ex *store.Execution) (any, error) {
	_, rec, err := s.mapRun(ctx, ex.MapRunArn)
	if err != nil {
		return nil, err
	}
	parent, err := s.Store.GetExecution(ctx, rec.ExecutionArn)
	if err != nil {
		return nil, err
	}
	sm, err := s.machineOf(ctx, parent)
	if err != nil {
		return nil, err
	}
	processor := itemProcessor(json.RawMessage(sm.Definition), rec.StateName)
	if processor == nil {
		return nil, apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", ex.StateMachineArn)
	}
	name := ex.StateMachineArn[strings.LastIndex(ex.StateMachineArn, ":")+1:]
	label := strings.TrimPrefix(name, sm.Name+"/")
	return map[string]any{
		"stateMachineArn": ex.StateMachineArn, "name": name, "definition": string(processor), "roleArn": sm.RoleArn,
		"updateDate": epoch(sm.UpdatedAt), "mapRunArn": ex.MapRunArn, "label": label,
		"loggingConfiguration": parseConfig(sm.Config).logging(), "tracingConfiguration": parseConfig(sm.Config).tracing(),
		"encryptionConfiguration": parseConfig(sm.Config).encryption(),
	}, nil
}

// itemProcessor finds the Map state named name anywhere in a definition (in Parallel
// branches and Map processors too) and returns its ItemProcessor (or Iterator) as written.
func itemProcessor(graph json.RawMessage, name string) json.RawMessage {
	var g struct {
		States map[string]struct {
			ItemProcessor json.RawMessage
			Iterator      json.RawMessage
			Branches      []json.RawMessage
		}
	}
	if json.Unmarshal(graph, &g) != nil {
		return nil
	}
	for n, st := range g.States {
		proc := st.ItemProcessor
		if proc == nil {
			proc = st.Iterator
		}
		if n == name && proc != nil {
			return proc
		}
		for _, sub := range append(st.Branches, proc) {
			if sub == nil {
				continue
			}
			if found := itemProcessor(sub, name); found != nil {
				return found
			}
		}
	}
	return nil
}
