package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

func mapRunArn(sm, label, id string) string {
	return account + ":mapRun:" + sm + "/" + label + ":" + id
}

// testMapRuns: a step's map run records are stored with it and replace older ones; a step
// that fails its version check stores none; listings are per execution, newest first, paged.
func testMapRuns(t *testing.T, s store.Store) {
	ctx := context.Background()
	e := newExecution("sm", "parent")
	run := store.MapRun{
		Arn: mapRunArn("sm", "L", "1"), ExecutionArn: e.Arn, StateMachineArn: smArn("sm") + "/L",
		Status: running, StartedAt: t0, Record: `{"n":1}`,
	}
	if _, err := s.GetMapRun(ctx, run.Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetMapRun before create: %v, want ErrNotFound", err)
	}
	if err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, 1), MapRuns: []store.MapRun{run}}); err != nil {
		t.Fatal(err)
	}
	checkMapRun(t, s, &run)

	// A later step replaces the record; the start stays.
	cur := get(t, s, e.Arn)
	done := run
	done.Status = "SUCCEEDED"
	stop := t0.Add(time.Minute)
	done.StoppedAt = &stop
	done.Record = `{"n":2}`
	second := store.MapRun{Arn: mapRunArn("sm", "L", "2"), ExecutionArn: e.Arn, StateMachineArn: smArn("sm") + "/L",
		Status: running, StartedAt: stop, Record: `{}`}
	next := *cur
	if err := s.Commit(ctx, store.Commit{Execution: &next, Events: events(2, 1), MapRuns: []store.MapRun{done, second}}); err != nil {
		t.Fatal(err)
	}
	checkMapRun(t, s, &done)
	checkMapRun(t, s, &second)

	// A stale step stores nothing.
	stale := *cur
	bad := done
	bad.Status = "FAILED"
	if err := s.Commit(ctx, store.Commit{Execution: &stale, Events: events(3, 1), MapRuns: []store.MapRun{bad}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale Commit: %v, want ErrConflict", err)
	}
	checkMapRun(t, s, &done)

	other := newExecution("sm", "other")
	if err := s.CreateExecution(ctx, store.Commit{Execution: other, Events: events(1, 1), MapRuns: []store.MapRun{{
		Arn: mapRunArn("sm", "L", "3"), ExecutionArn: other.Arn, StateMachineArn: smArn("sm") + "/L", Status: running, StartedAt: t0, Record: `{}`,
	}}}); err != nil {
		t.Fatal(err)
	}
	page1, tok, err := s.ListMapRuns(ctx, e.Arn, store.Page{Limit: 1})
	if err != nil || len(page1) != 1 || page1[0].Arn != second.Arn || tok == "" {
		t.Fatalf("ListMapRuns page 1: %v %q %v", page1, tok, err)
	}
	page2, tok, err := s.ListMapRuns(ctx, e.Arn, store.Page{Limit: 1, Token: tok})
	if err != nil || len(page2) != 1 || page2[0].Arn != done.Arn || tok != "" {
		t.Fatalf("ListMapRuns page 2: %v %q %v", page2, tok, err)
	}
	if _, _, err := s.ListMapRuns(ctx, e.Arn, store.Page{Token: "nonsense"}); !errors.Is(err, store.ErrInvalidToken) {
		t.Fatalf("ListMapRuns with a bad token: %v, want ErrInvalidToken", err)
	}
	if none, _, err := s.ListMapRuns(ctx, execArn("sm", "nobody"), store.Page{}); err != nil || len(none) != 0 {
		t.Fatalf("ListMapRuns of an execution without runs: %v %v", none, err)
	}
}

func checkMapRun(t *testing.T, s store.Store, want *store.MapRun) {
	t.Helper()
	got, err := s.GetMapRun(context.Background(), want.Arn)
	if err != nil {
		t.Fatalf("GetMapRun(%s): %v", want.Arn, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GetMapRun(%s) = %+v, want %+v", want.Arn, got, want)
	}
}

// testMapRunChildren: a step's Distributed Map children are stored with their events,
// updated by later steps, listed by their run, and never offered to a runner.
func testMapRunChildren(t *testing.T, s store.Store) {
	ctx := context.Background()
	parent := newExecution("sm", "parent")
	runArn := mapRunArn("sm", "L", "1")
	child := store.Execution{
		Arn: account + ":execution:sm/L:c1", StateMachineArn: smArn("sm") + "/L", Name: "c1",
		Status: running, Input: `1`, StartedAt: t0, LastEventID: 2, MapRunArn: runArn,
	}
	if err := s.CreateExecution(ctx, store.Commit{Execution: parent, Events: events(1, 1),
		Children: []store.ChildStep{{Execution: child, Events: events(1, 2)}}}); err != nil {
		t.Fatal(err)
	}
	want := child
	want.Version = 1
	checkExecution(t, get(t, s, child.Arn), &want)
	checkEvents(t, hist(t, s, child.Arn, 0, 0, false), events(1, 2))
	if arns, err := s.Unleased(ctx, t0.Add(time.Hour), 100); err != nil || len(arns) != 1 || arns[0] != parent.Arn {
		t.Fatalf("Unleased = %v, %v; want only the parent", arns, err)
	}

	// A later step ends the child; its input stays.
	end := child
	end.Input = ""
	end.Status = "SUCCEEDED"
	end.Output = history.Str(`2`)
	stop := t0.Add(time.Second)
	end.StoppedAt = &stop
	end.LastEventID = 3
	next := *get(t, s, parent.Arn)
	if err := s.Commit(ctx, store.Commit{Execution: &next, Events: events(2, 1),
		Children: []store.ChildStep{{Execution: end, Events: events(3, 1)}}}); err != nil {
		t.Fatal(err)
	}
	want = end
	want.Input = child.Input
	want.Version = 1
	checkExecution(t, get(t, s, child.Arn), &want)
	checkEvents(t, hist(t, s, child.Arn, 0, 0, false), events(1, 3))
	checkEvents(t, hist(t, s, parent.Arn, 0, 0, false), events(1, 2))

	// A step whose child events do not all come after the child's stored ones fails and
	// writes nothing: event 3 again, with a 4th, is a row keyed by 4, which collides with none.
	again, overlap := *get(t, s, parent.Arn), end
	overlap.LastEventID = 4
	if err := s.Commit(ctx, store.Commit{Execution: &again, Events: events(3, 1),
		Children: []store.ChildStep{{Execution: overlap, Events: events(3, 2)}}}); err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Commit of a child's events not after its stored ones: %v, want a failure other than ErrConflict or ErrNotFound", err)
	}
	checkEvents(t, hist(t, s, child.Arn, 0, 0, false), events(1, 3))
	checkEvents(t, hist(t, s, parent.Arn, 0, 0, false), events(1, 2))
	checkExecution(t, get(t, s, child.Arn), &want)

	byRun, _, err := s.ListExecutions(ctx, store.ExecutionFilter{MapRunArn: runArn}, store.Page{})
	if err != nil || len(byRun) != 1 || byRun[0].Arn != child.Arn || byRun[0].MapRunArn != runArn {
		t.Fatalf("ListExecutions by map run: %v %v", byRun, err)
	}
	bySM, _, err := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineArn: smArn("sm")}, store.Page{})
	if err != nil || len(bySM) != 1 || bySM[0].Arn != parent.Arn || bySM[0].MapRunArn != "" {
		t.Fatalf("ListExecutions by state machine: %v %v", bySM, err)
	}
}

// testMapRunChildTwice: a step may carry a child more than once (a driver that applies
// several events in one commit gathers their steps); each is written after the one before,
// as steps of their own would be, whether the child is new or stored, and one whose events
// do not follow those before it fails the step.
func testMapRunChildTwice(t *testing.T, s store.Store) {
	ctx := context.Background()
	runArn := mapRunArn("sm", "L", "1")
	child := store.Execution{
		Arn: account + ":execution:sm/L:c1", StateMachineArn: smArn("sm") + "/L", Name: "c1",
		Status: running, Input: `1`, StartedAt: t0, LastEventID: 2, MapRunArn: runArn,
	}
	other := child
	other.Arn, other.Name, other.Input = account+":execution:sm/L:c2", "c2", `2`
	later := func(e store.Execution, last int64) store.Execution {
		e.Input, e.LastEventID = "", last
		return e
	}
	out, stop := `{"done":true}`, t0.Add(time.Second)
	ended := later(child, 6)
	ended.Status, ended.Output, ended.StoppedAt = "SUCCEEDED", &out, &stop

	// New children, each twice: created by the first, updated by the second.
	parent := newExecution("sm", "parent")
	if err := s.CreateExecution(ctx, store.Commit{Execution: parent, Events: events(1, 1), Children: []store.ChildStep{
		{Execution: child, Events: events(1, 2)}, {Execution: other, Events: events(1, 2)},
		{Execution: later(child, 3), Events: events(3, 1)}, {Execution: later(other, 4), Events: events(3, 2)},
	}}); err != nil {
		t.Fatal(err)
	}
	want, wantOther := later(child, 3), later(other, 4)
	want.Input, want.Version, wantOther.Input, wantOther.Version = child.Input, 1, other.Input, 1
	checkExecution(t, get(t, s, child.Arn), &want)
	checkExecution(t, get(t, s, other.Arn), &wantOther)
	checkEvents(t, hist(t, s, child.Arn, 0, 0, false), events(1, 3))
	checkEvents(t, hist(t, s, other.Arn, 0, 0, false), events(1, 4))

	// A stored child twice; the second ends it.
	next := *get(t, s, parent.Arn)
	if err := s.Commit(ctx, store.Commit{Execution: &next, Events: events(2, 1), Children: []store.ChildStep{
		{Execution: later(child, 4), Events: events(4, 1)}, {Execution: ended, Events: events(5, 2)},
	}}); err != nil {
		t.Fatal(err)
	}
	want = ended
	want.Input, want.Version = child.Input, 1
	checkExecution(t, get(t, s, child.Arn), &want)
	checkEvents(t, hist(t, s, child.Arn, 0, 0, false), events(1, 6))

	// The second's events repeat the first's last: the step fails and writes nothing.
	next = *get(t, s, parent.Arn)
	err := s.Commit(ctx, store.Commit{Execution: &next, Events: events(3, 1), Children: []store.ChildStep{
		{Execution: later(other, 6), Events: events(5, 2)}, {Execution: later(other, 7), Events: events(6, 2)},
	}})
	if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Commit of a child twice, the second's events not after the first's: %v, want a failure other than ErrConflict or ErrNotFound", err)
	}
	checkExecution(t, get(t, s, other.Arn), &wantOther)
	checkEvents(t, hist(t, s, other.Arn, 0, 0, false), events(1, 4))
	checkEvents(t, hist(t, s, parent.Arn, 0, 0, false), events(1, 2))
}
