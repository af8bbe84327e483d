package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

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
	on := TracingEnabled(sm.Config)
	n.tracing.Store(key, on)
	return on
}

// TracingEnabled reports whether a state machine's stored configuration
// (store.StateMachine.Config) has tracingConfiguration enabled; a row written before Config
// was kept holds "{}".
func TracingEnabled(config string) bool {
	if !strings.Contains(config, "tracingConfiguration") {
		return false
	}
	var c struct {
		Tracing struct {
			Enabled bool `json:"enabled"`
		} `json:"tracingConfiguration"`
	}
	return json.Unmarshal([]byte(config), &c) == nil && c.Tracing.Enabled
}

// TraceHeaderProblems are the constraints of StartExecution's traceHeader (at most 256
// characters, ASCII) that h breaks, worded as the API's ValidationException words them; none
// for a usable header. The API checks a start's traceHeader with them, and a startExecution
// task's TraceHeader.
func TraceHeaderProblems(h string) []string {
	var problems []string
	if utf8.RuneCountInString(h) > 256 {
		problems = append(problems, fmt.Sprintf("Value '%s' at 'traceHeader' failed to satisfy constraint: Member must have length less than or equal to 256", h))
	}
	for i := 0; i < len(h); i++ {
		if h[i] >= utf8.RuneSelf {
			problems = append(problems, fmt.Sprintf("Value '%s' at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{ASCII}*", h))
			break
		}
	}
	return problems
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
