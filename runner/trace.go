package runner

import (
	"context"
	"encoding/json"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// traced reports whether an execution's state machine (the revision or version it runs)
// has tracingConfiguration enabled. Revisions and versions never change, so the answer is
// kept per revision (or version) after one store read.
func (n *Node) traced(row *store.Execution) bool {
	key := row.VersionArn
	if key == "" {
		key = row.StateMachineArn + "#" + row.RevisionID
	}
	if v, ok := n.tracing.Load(key); ok {
		return v.(bool)
	}
	sm, err := n.machineFor(n.ctx, row, row.RevisionID)
	if err != nil {
		return false
	}
	var c struct {
		Tracing struct {
			Enabled bool `json:"enabled"`
		} `json:"tracingConfiguration"`
	}
	_ = json.Unmarshal([]byte(sm.Config), &c) // a row written before Config was kept holds "{}"
	n.tracing.Store(key, c.Tracing.Enabled)
	return c.Tracing.Enabled
}

// HistoryBefore returns arn's events before the id before, oldest first: tracing follows
// them when it first sees an execution past its start (a takeover, a restart).
func (n *Node) HistoryBefore(ctx context.Context, arn string, before int64) ([]history.Event, error) {
	return n.st.History(ctx, arn, 0, int(before-1), false)
}

// ParentOf returns the execution that started arn ("" for none) and the trace header arn was
// started with ("" for none): tracing follows them to put a child in its parent's trace.
func (n *Node) ParentOf(ctx context.Context, arn string) (parent, traceHeader string, err error) {
	row, err := n.st.GetExecution(ctx, arn)
	if err != nil {
		return "", "", err
	}
	return row.ParentArn, row.TraceHeader, nil
}
