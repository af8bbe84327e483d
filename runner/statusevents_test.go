package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// TestStatusEventsOrder: an execution that starts and ends in one step reports RUNNING, then
// how it ended, by reference; when one of the two cannot be kept by reference (an output on
// an execution that did not succeed), both are written whole, in the same order.
func TestStatusEventsOrder(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	n := &Node{opts: NodeOptions{Now: func() time.Time { return now }, Region: "us-east-1", Account: "123456789012"}}
	stop := now.Add(time.Second)
	out := `{"x":1}`
	row := func(status string, output *string) *store.Execution {
		return &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:sm:e", Name: "e",
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", Status: status,
			Input: "{}", Output: output, StartedAt: now, StoppedAt: &stop}
	}

	c := store.Commit{Execution: row("SUCCEEDED", &out)}
	n.statusEvents(&c, store.Execution{})
	if len(c.Outbox) != 0 || len(c.StatusChanges) != 2 || c.StatusChanges[0].Status != "RUNNING" ||
		c.StatusChanges[1].Status != "SUCCEEDED" || c.StatusChanges[0].StoppedAt != nil {
		t.Fatalf("succeeded in one step: %d whole, changes %+v; want RUNNING then SUCCEEDED by reference", len(c.Outbox), c.StatusChanges)
	}

	c = store.Commit{Execution: row("FAILED", &out)}
	n.statusEvents(&c, store.Execution{})
	if len(c.StatusChanges) != 0 || len(c.Outbox) != 2 ||
		!strings.Contains(c.Outbox[0], `"status":"RUNNING"`) || !strings.Contains(c.Outbox[1], `"status":"FAILED"`) {
		t.Fatalf("failed with an output in one step: changes %+v, whole %q; want RUNNING then FAILED whole", c.StatusChanges, c.Outbox)
	}
}
