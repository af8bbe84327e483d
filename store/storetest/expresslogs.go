package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// testExpressLogs: log events of Express executions are kept by execution, appended in
// order over several calls, the executions listed newest first; each state machine keeps its
// newest executions up to the bound, whatever the others do; past the byte bound an
// execution's events are counted, not kept.
func testExpressLogs(t *testing.T, s store.Store) {
	ctx := context.Background()
	x, ok := s.(store.ExpressLogs)
	if !ok {
		t.Fatalf("%T keeps no Express log events (store.ExpressLogs)", s)
	}
	const smA, smB = account + ":stateMachine:a", account + ":stateMachine:b"
	createMachines(t, s, "a", "b")
	base := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
	arn := func(sm string, exec int) string {
		return fmt.Sprintf("arn:aws:states:us-east-1:123456789012:express:%s:e%d:u", sm[len(sm)-1:], exec)
	}
	ev := func(sm string, exec, id int, typ string) store.ExpressLogEvent {
		return store.ExpressLogEvent{StateMachineArn: sm, ExecutionArn: arn(sm, exec), ID: int64(id), Type: typ,
			Timestamp: base.Add(time.Duration(exec*10+id) * time.Millisecond), Line: fmt.Sprintf(`{"id":"%d","type":"%s"}`, id, typ)}
	}
	// e1 starts first; its last events come with e2's.
	if err := x.AddExpressLogs(ctx, []store.ExpressLogEvent{ev(smA, 1, 1, "ExecutionStarted"), ev(smA, 2, 1, "ExecutionStarted"),
		ev(smB, 1, 1, "ExecutionStarted")}, 100); err != nil {
		t.Fatal(err)
	}
	if err := x.AddExpressLogs(ctx, []store.ExpressLogEvent{ev(smA, 2, 2, "ExecutionFailed"), ev(smA, 1, 2, "PassStateEntered"),
		ev(smA, 1, 3, "ExecutionSucceeded")}, 100); err != nil {
		t.Fatal(err)
	}
	list, err := x.ListExpressExecutions(ctx, smA, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ExecutionArn != arn(smA, 2) || list[1].ExecutionArn != arn(smA, 1) {
		t.Fatalf("ListExpressExecutions = %+v, want e2 (newest) then e1", list)
	}
	if e := list[1]; e.Events != 3 || e.LastType != "ExecutionSucceeded" || e.StateMachineArn != smA || e.Lines != "" ||
		!e.First.Equal(base.Add(11*time.Millisecond)) || !e.Last.Equal(base.Add(13*time.Millisecond)) {
		t.Errorf("e1 = %+v", e)
	}
	if e := list[0]; e.Events != 2 || e.LastType != "ExecutionFailed" {
		t.Errorf("e2 = %+v", e)
	}
	if l, _ := x.ListExpressExecutions(ctx, smA, 1); len(l) != 1 {
		t.Errorf("limit 1: %d executions", len(l))
	}
	got, err := x.GetExpressExecution(ctx, arn(smA, 1))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"1","type":"ExecutionStarted"}` + "\n" + `{"id":"2","type":"PassStateEntered"}` + "\n" + `{"id":"3","type":"ExecutionSucceeded"}` + "\n"
	if got.Lines != want || got.StateMachineArn != smA || got.Events != 3 || got.LastType != "ExecutionSucceeded" {
		t.Errorf("GetExpressExecution = %+v, want lines\n%s", got, want)
	}
	if _, err := x.GetExpressExecution(ctx, arn(smA, 99)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an execution not kept: %v, want ErrNotFound", err)
	}

	// The bound: 3 executions per state machine; b's one stays.
	if err := x.AddExpressLogs(ctx, []store.ExpressLogEvent{ev(smA, 3, 1, "ExecutionStarted"), ev(smA, 4, 1, "ExecutionStarted")}, 3); err != nil {
		t.Fatal(err)
	}
	list, _ = x.ListExpressExecutions(ctx, smA, 100)
	var names []string
	for _, e := range list {
		names = append(names, e.ExecutionArn[len(e.ExecutionArn)-4:])
	}
	if fmt.Sprint(names) != "[e4:u e3:u e2:u]" {
		t.Errorf("after trimming to 3: %v", names)
	}
	if l, _ := x.ListExpressExecutions(ctx, smB, 100); len(l) != 1 {
		t.Errorf("state machine b: %+v, want its one execution", l)
	}

	// Past MaxExpressLogBytes, events are counted as dropped.
	big := ev(smB, 2, 1, "ExecutionStarted")
	big.Line = `{"id":"1","pad":"` + strings.Repeat("x", store.MaxExpressLogBytes) + `"}`
	if err := x.AddExpressLogs(ctx, []store.ExpressLogEvent{big}, 100); err != nil {
		t.Fatal(err)
	}
	if err := x.AddExpressLogs(ctx, []store.ExpressLogEvent{ev(smB, 2, 2, "PassStateEntered"), ev(smB, 2, 3, "ExecutionSucceeded")}, 100); err != nil {
		t.Fatal(err)
	}
	if got, err := x.GetExpressExecution(ctx, arn(smB, 2)); err != nil || got.Events != 1 || got.Dropped != 2 || got.LastType != "ExecutionStarted" ||
		len(got.Lines) != len(big.Line)+1 {
		t.Errorf("an execution past the bound: %v, events %d, dropped %d, last %s", err, got.Events, got.Dropped, got.LastType)
	}
}

// testExpressLogsDeleted: deleting a state machine deletes its kept Express executions (kept
// under its unqualified ARN, so those of its versions and aliases too) in the same write,
// and no other state machine's; its executions still running, and its events still in the
// keeper's queue, add none after it.
func testExpressLogsDeleted(t *testing.T, s store.Store) {
	ctx := context.Background()
	x := s.(store.ExpressLogs)
	gone, other := newStateMachine("gone"), newStateMachine("gone-not") // a prefix of the other's ARN
	for _, sm := range []*store.StateMachine{gone, other} {
		if err := s.CreateStateMachine(ctx, sm); err != nil {
			t.Fatal(err)
		}
	}
	ev := func(sm *store.StateMachine, exec string) store.ExpressLogEvent {
		return store.ExpressLogEvent{StateMachineArn: sm.Arn, ExecutionArn: account + ":express:" + sm.Name + ":" + exec + ":u",
			ID: 1, Type: "ExecutionStarted", Timestamp: t0, Line: `{"id":"1"}`}
	}
	add := func(evs ...store.ExpressLogEvent) {
		t.Helper()
		if err := x.AddExpressLogs(ctx, evs, 100); err != nil {
			t.Fatal(err)
		}
	}
	kept := func(sm *store.StateMachine) int {
		t.Helper()
		l, err := x.ListExpressExecutions(ctx, sm.Arn, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	add(ev(gone, "e1"), ev(gone, "e2"), ev(other, "e1"))
	if err := s.DeleteStateMachine(ctx, gone.Arn); err != nil {
		t.Fatalf("DeleteStateMachine: %v", err)
	}
	if n := kept(gone); n != 0 {
		t.Errorf("after DeleteStateMachine, %d executions kept, want none", n)
	}
	if _, err := x.GetExpressExecution(ctx, ev(gone, "e1").ExecutionArn); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetExpressExecution of a deleted state machine's execution: %v, want ErrNotFound", err)
	}
	if n := kept(other); n != 1 {
		t.Errorf("the other state machine keeps %d executions, want 1", n)
	}
	add(ev(gone, "late"), ev(other, "e2"))
	if n := kept(gone); n != 0 {
		t.Errorf("events that came after DeleteStateMachine: %d executions kept, want none", n)
	}
	if n := kept(other); n != 2 {
		t.Errorf("the other state machine keeps %d executions, want 2 (its events of the same batch)", n)
	}
}

// createMachines creates state machines of those names (smArn).
func createMachines(t *testing.T, s store.Store, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := s.CreateStateMachine(context.Background(), newStateMachine(n)); err != nil {
			t.Fatal(err)
		}
	}
}

// expressPurgeRows is the table of what a purge of kept Express executions at
// PurgeCutoffs.Before (7 days before PurgeNow) keeps and deletes: by their last kept event,
// days before PurgeNow.
var expressPurgeRows = []struct {
	name        string
	first, last float64
	deleted     bool
}{
	{name: "old", first: 10, last: 10, deleted: true},
	{name: "oldest", first: 30, last: 30, deleted: true},
	{name: "ended-past-retention", first: 8, last: 7.5, deleted: true},
	{name: "started-past-retention-ended-within", first: 8, last: 6.9},
	{name: "at-the-cutoff", first: 7, last: 7},
	{name: "recent", first: 0.1, last: 0.1},
}

// testExpressLogsPurge: a purge deletes the kept Express executions whose last kept event is
// older than the cutoff, oldest first, in batches of the limit, whatever their state machine.
func testExpressLogsPurge(t *testing.T, s store.Store) {
	ctx := context.Background()
	x := s.(store.ExpressLogs)
	arn := func(name string) string { return account + ":express:purge:" + name + ":u" }
	at := func(days float64) time.Time { return PurgeNow.Add(-time.Duration(days * float64(day))) }
	createMachines(t, s, "purge-0", "purge-1")
	for i, r := range expressPurgeRows {
		sm := smArn(fmt.Sprint("purge-", i%2))
		if err := x.AddExpressLogs(ctx, []store.ExpressLogEvent{
			{StateMachineArn: sm, ExecutionArn: arn(r.name), ID: 1, Type: "ExecutionStarted", Timestamp: at(r.first), Line: `{"id":"1"}`},
			{StateMachineArn: sm, ExecutionArn: arn(r.name), ID: 2, Type: "ExecutionSucceeded", Timestamp: at(r.last), Line: `{"id":"2"}`},
		}, 100); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(name string) bool {
		t.Helper()
		_, err := x.GetExpressExecution(ctx, arn(name))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	// One a call, oldest last event first.
	for _, want := range []string{"oldest", "old", "ended-past-retention"} {
		if n, err := x.PurgeExpressLogs(ctx, PurgeCutoffs.Before, 1); err != nil || n != 1 {
			t.Fatalf("PurgeExpressLogs(limit 1) = %d, %v; want 1 (%s)", n, err, want)
		}
		if exists(want) {
			t.Fatalf("PurgeExpressLogs(limit 1) kept %s, the oldest left", want)
		}
	}
	if n, err := x.PurgeExpressLogs(ctx, PurgeCutoffs.Before, 1); err != nil || n != 0 {
		t.Fatalf("PurgeExpressLogs with nothing left = %d, %v", n, err)
	}
	for _, r := range expressPurgeRows {
		if got := exists(r.name); got == r.deleted {
			t.Errorf("%s: kept %v, want %v", r.name, got, !r.deleted)
		}
	}
	// A retention that keeps everything deletes nothing; a cutoff past them all, the rest.
	if n, err := x.PurgeExpressLogs(ctx, time.Time{}, 100); err != nil || n != 0 {
		t.Fatalf("PurgeExpressLogs with a zero cutoff = %d, %v", n, err)
	}
	if n, err := x.PurgeExpressLogs(ctx, PurgeNow, 100); err != nil || n != 3 {
		t.Fatalf("PurgeExpressLogs(now) = %d, %v; want the 3 left", n, err)
	}
}

// testExpressLogsConcurrent: several nodes keeping the Express executions of the same state
// machines at once (each with its keeper trimming them to the bound) lose none of their
// batches, and each state machine ends within its bound.
func testExpressLogsConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	x := s.(store.ExpressLogs)
	machines := []string{smArn("c1"), smArn("c2"), smArn("c3")}
	createMachines(t, s, "c1", "c2", "c3")
	const nodes, batches, keep = 4, 40, 5
	errs := make(chan error, nodes*batches)
	var wg sync.WaitGroup
	for n := range nodes {
		wg.Go(func() {
			for b := range batches {
				var evs []store.ExpressLogEvent
				// Each batch has an execution of every machine, in an order of its own.
				for i := range machines {
					sm := machines[(i+n+b)%len(machines)]
					evs = append(evs, store.ExpressLogEvent{StateMachineArn: sm, ExecutionArn: fmt.Sprintf("%s:n%d-b%d", strings.Replace(sm, ":stateMachine:", ":express:", 1), n, b),
						ID: 1, Type: "ExecutionStarted", Timestamp: time.Now(), Line: `{"id":"1","type":"ExecutionStarted"}`})
				}
				if err := x.AddExpressLogs(ctx, evs, keep); err != nil {
					errs <- fmt.Errorf("node %d, batch %d: %w", n, b, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, sm := range machines {
		got, err := x.ListExpressExecutions(ctx, sm, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != keep {
			t.Errorf("%s keeps %d executions, want %d", sm, len(got), keep)
		}
	}
}
