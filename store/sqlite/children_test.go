package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// TestChildOverlapNamed: a step whose children are written in one statement, one of which
// has events not after its stored ones, fails naming that child's first event, as a
// statement for each child did.
func TestChildOverlapNamed(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	t0 := time.Unix(1700000000, 0).UTC()
	const arn = "arn:aws:states:us-east-1:123456789012:execution:sm:parent"
	ev := func(id int64) history.Event {
		return history.Event{ID: id, Type: "PassStateEntered", Timestamp: history.Time{Time: t0},
			Details: &history.StateEntered{Name: "P", Input: "{}"}}
	}
	children := func(firsts ...int64) []store.ChildStep {
		var cs []store.ChildStep
		for i, f := range firsts {
			cs = append(cs, store.ChildStep{Execution: store.Execution{
				Arn: fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm/L:c%d", i), Name: fmt.Sprint("c", i),
				StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm/L", Status: "RUNNING", StartedAt: t0,
				LastEventID: f + 1, MapRunArn: "arn:aws:states:us-east-1:123456789012:mapRun:sm/L:1",
			}, Events: []history.Event{ev(f), ev(f + 1)}})
		}
		return cs
	}
	parent := &store.Execution{Arn: arn, StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
		Name: "parent", Status: "RUNNING", Input: "{}", StartedAt: t0, State: "{}"}
	if err := s.CreateExecution(ctx, store.Commit{Execution: parent, Events: []history.Event{ev(1)}, Children: children(1, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	next := *parent
	next.Version = 1
	err := s.Commit(ctx, store.Commit{Execution: &next, Events: []history.Event{ev(2)}, Children: children(3, 2, 3)})
	if err == nil || !strings.Contains(err.Error(), "events from 2 are not after") {
		t.Fatalf("Commit: %v, want the overlap of the child whose events are from 2", err)
	}
}
