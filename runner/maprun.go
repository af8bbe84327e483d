package runner

import (
	"encoding/json"
	"fmt"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/store"
)

// mapRunRow is the stored form of the engine's record of a Distributed Map run.
func mapRunRow(r *engine.MapRunRecord) (store.MapRun, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return store.MapRun{}, fmt.Errorf("encode map run: %w", err)
	}
	row := store.MapRun{Arn: r.MapRunArn, ExecutionArn: r.ExecutionArn, StateMachineArn: r.StateMachineArn,
		Status: r.Status, StartedAt: r.StartDate, Record: string(body)}
	if !r.StopDate.IsZero() {
		t := r.StopDate
		row.StoppedAt = &t
	}
	return row, nil
}

// childStep is the stored form of a step of a Distributed Map iteration's child execution.
func childStep(ce *engine.ChildExecution) store.ChildStep {
	e := store.Execution{
		Arn: ce.ExecutionArn, StateMachineArn: ce.StateMachineArn, Name: ce.Name, Status: string(ce.Status),
		Output: ce.Output, Error: ce.Error, Cause: ce.Cause, StartedAt: ce.StartDate,
		MapRunArn: ce.MapRunArn, LastEventID: ce.LastEventID,
	}
	if ce.Input != nil {
		e.Input = *ce.Input
	}
	if !ce.StopDate.IsZero() {
		t := ce.StopDate
		e.StoppedAt = &t
	}
	if ce.RedriveCount > 0 {
		t := ce.RedriveDate
		e.RedriveCount, e.RedriveDate = ce.RedriveCount, &t
	}
	return store.ChildStep{Execution: e, Events: ce.Events}
}
