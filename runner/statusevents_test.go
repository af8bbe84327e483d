package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// TestStatusEventsOrder: an execution that starts (or is redriven) and ends in one step
// reports RUNNING, then how it ended, by reference, as one change (store.JoinStarted); when one of the two cannot be kept by reference (an output on
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
	if len(c.Outbox) != 0 || len(c.StatusChanges) != 1 || c.StatusChanges[0].Status != "SUCCEEDED" {
		t.Fatalf("succeeded in one step: %d whole, changes %+v; want SUCCEEDED, with RUNNING, by reference", len(c.Outbox), c.StatusChanges)
	}
	started, ok := c.StatusChanges[0].Started()
	if !ok || started.Status != "RUNNING" || started.StoppedAt != nil || started.EventID == c.StatusChanges[0].EventID ||
		started.RedriveReason != "Execution is RUNNING and cannot be redriven" {
		t.Fatalf("succeeded in one step: the RUNNING change kept with SUCCEEDED is %+v, %v", started, ok)
	}

	// Redriven and ended in one step: the same, with the redrive's count and date.
	redriven := now.Add(time.Minute)
	r := row("SUCCEEDED", &out)
	r.RedriveCount, r.RedriveDate = 1, &redriven
	c = store.Commit{Execution: r}
	n.statusEvents(&c, *row("FAILED", nil))
	if len(c.StatusChanges) != 1 {
		t.Fatalf("redriven and ended in one step: changes %+v; want one", c.StatusChanges)
	}
	if started, ok := c.StatusChanges[0].Started(); !ok || started.RedriveCount != 1 || !started.RedriveDate.Equal(redriven) {
		t.Fatalf("redriven and ended in one step: the RUNNING change kept is %+v, %v", started, ok)
	}

	c = store.Commit{Execution: row("FAILED", &out)}
	n.statusEvents(&c, store.Execution{})
	if len(c.StatusChanges) != 0 || len(c.Outbox) != 2 ||
		!strings.Contains(c.Outbox[0], `"status":"RUNNING"`) || !strings.Contains(c.Outbox[1], `"status":"FAILED"`) {
		t.Fatalf("failed with an output in one step: changes %+v, whole %q; want RUNNING then FAILED whole", c.StatusChanges, c.Outbox)
	}
}
