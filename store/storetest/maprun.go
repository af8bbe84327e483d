package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
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

// testMapRunChildrenMany: a step of more children than a store may write in one statement,
// new and stored ones mixed, some twice, each written as one at a time would be: a child is
// created on first sight, whatever it carries, and updated afterwards (a redrive's count and
// date only grow); a child whose events overlap its stored ones, in the middle of the step,
// fails the whole step.
func testMapRunChildrenMany(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 1234
	runArn := mapRunArn("sm", "L", "1")
	child := func(i int) store.Execution {
		name := fmt.Sprintf("c%04d", i)
		return store.Execution{Arn: account + ":execution:sm/L:" + name, StateMachineArn: smArn("sm") + "/L", Name: name,
			Status: running, Input: fmt.Sprintf(`{"item":%d}`, i), StartedAt: t0, LastEventID: 2, MapRunArn: runArn}
	}
	want := make([]store.Execution, 2*n) // as stored; the second n are started by the second step
	wantEvs := make([][]history.Event, 2*n)

	// The first step starts the first n children; every third has no events yet, every
	// fifth's are two rows (ids 1, 2 and 4).
	var first []store.ChildStep
	for i := range n {
		c := store.ChildStep{Execution: child(i), Events: events(1, 2)}
		switch {
		case i%3 == 0:
			c.Events, c.Execution.LastEventID = nil, 0
		case i%5 == 0:
			c.Events, c.Execution.LastEventID = append(events(1, 2), event(4, t0)), 4
		}
		first = append(first, c)
		want[i], wantEvs[i] = c.Execution, c.Events
		want[i].Version = 1
	}
	parent := newExecution("sm", "parent")
	if err := s.CreateExecution(ctx, store.Commit{Execution: parent, Events: events(1, 1), Children: first}); err != nil {
		t.Fatal(err)
	}

	// The second ends the even ones, redrives every seventh (one with its input again, as a
	// new child's step carries it), and starts n more, every fourth without its input.
	redriven := t0.Add(time.Minute)
	out, stop := `{"done":true}`, t0.Add(time.Hour)
	var second []store.ChildStep
	for i := range n {
		if i%2 != 0 && i%7 != 0 {
			continue
		}
		e := want[i]
		from := e.LastEventID + 1
		e.Input, e.LastEventID = "", from
		if i%2 == 0 {
			e.Status, e.Output, e.StoppedAt = "SUCCEEDED", &out, &stop
		}
		if i%7 == 0 {
			e.RedriveCount, e.RedriveDate = 1, &redriven
			if i%14 == 7 {
				e.Input = want[i].Input
			}
		}
		second = append(second, store.ChildStep{Execution: e, Events: events(from, 1)})
		e.Input = want[i].Input
		want[i], wantEvs[i] = e, append(wantEvs[i], events(from, 1)...)
	}
	for i := n; i < 2*n; i++ {
		c := store.ChildStep{Execution: child(i), Events: events(1, 2)}
		if i%4 == 0 {
			c.Execution.Input = ""
		}
		second = append(second, c)
		want[i], wantEvs[i] = c.Execution, c.Events
		want[i].Version = 1
	}
	// Every hundredth child is there twice, as when a driver applies several events in one
	// commit: its second step follows its first.
	for i := 0; i < 2*n; i += 100 {
		e := want[i]
		from := e.LastEventID + 1
		e.Input, e.LastEventID = "", from
		second = append(second, store.ChildStep{Execution: e, Events: events(from, 1)})
		want[i].LastEventID, wantEvs[i] = from, append(wantEvs[i], events(from, 1)...)
	}
	next := *get(t, s, parent.Arn)
	if err := s.Commit(ctx, store.Commit{Execution: &next, Events: events(2, 1), Children: second}); err != nil {
		t.Fatal(err)
	}
	checkChildren := func() {
		t.Helper()
		for i := range want {
			checkExecution(t, get(t, s, want[i].Arn), &want[i])
			if i%97 == 0 || i%7 == 0 {
				checkEvents(t, hist(t, s, want[i].Arn, 0, 0, false), wantEvs[i])
			}
		}
	}
	checkChildren()
	if t.Failed() {
		return
	}

	// A later step of the redriven ones that says nothing of a redrive keeps theirs.
	var third []store.ChildStep
	for i := 0; i < n; i += 7 {
		e := want[i]
		from := e.LastEventID + 1
		e.Input, e.LastEventID, e.RedriveCount, e.RedriveDate = "", from, 0, nil
		third = append(third, store.ChildStep{Execution: e, Events: events(from, 1)})
		want[i].LastEventID, wantEvs[i] = from, append(wantEvs[i], events(from, 1)...)
	}
	next = *get(t, s, parent.Arn)
	if err := s.Commit(ctx, store.Commit{Execution: &next, Events: events(3, 1), Children: third}); err != nil {
		t.Fatal(err)
	}
	checkChildren()

	// A step of all of them in which one, far into the step, repeats its last event fails and
	// writes nothing.
	var bad []store.ChildStep
	for i := range want {
		e := want[i]
		from := e.LastEventID + 1
		if i == 2*n-500 {
			from--
		}
		e.Input, e.LastEventID, e.Status = "", from, "FAILED"
		bad = append(bad, store.ChildStep{Execution: e, Events: events(from, 1)})
	}
	next = *get(t, s, parent.Arn)
	err := s.Commit(ctx, store.Commit{Execution: &next, Events: events(4, 1), Children: bad})
	if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "not after the execution's stored events") {
		t.Fatalf("Commit with a child's events not after its stored ones: %v, want the overlap's failure", err)
	}
	checkChildren()
	checkEvents(t, hist(t, s, parent.Arn, 0, 0, false), events(1, 3))

	listed, tok := 0, ""
	for {
		byRun, next, err := s.ListExecutions(ctx, store.ExecutionFilter{MapRunArn: runArn}, store.Page{Limit: 1000, Token: tok})
		if err != nil {
			t.Fatal(err)
		}
		listed, tok = listed+len(byRun), next
		if tok == "" {
			break
		}
	}
	if listed != 2*n {
		t.Fatalf("ListExecutions by map run: %d, want %d", listed, 2*n)
	}
	if arns, err := s.Unleased(ctx, t0.Add(time.Hour), 10_000); err != nil || len(arns) != 1 || arns[0] != parent.Arn {
		t.Fatalf("Unleased = %d ARNs, %v; want only the parent", len(arns), err)
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
