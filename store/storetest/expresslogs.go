package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// testExpressLogs: log events of Express executions are kept by execution, in id order, the
// executions listed by their latest event; a repeat is not kept twice; each state machine
// keeps its newest events up to the bound, whatever the others do.
func testExpressLogs(t *testing.T, s store.Store) {
	ctx := context.Background()
	x, ok := s.(store.ExpressLogs)
	if !ok {
		t.Fatalf("%T keeps no Express log events (store.ExpressLogs)", s)
	}
	const smA, smB = "arn:aws:states:us-east-1:123456789012:stateMachine:a", "arn:aws:states:us-east-1:123456789012:stateMachine:b"
	base := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
	ev := func(sm string, exec, id int, typ string) store.ExpressLogEvent {
		arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:express:%s:e%d:u", sm[len(sm)-1:], exec)
		return store.ExpressLogEvent{StateMachineArn: sm, ExecutionArn: arn, ID: int64(id), Type: typ,
			Timestamp: base.Add(time.Duration(exec*10+id) * time.Millisecond), Line: fmt.Sprintf(`{"id":"%d","type":"%s"}`, id, typ)}
	}
	// e1's second event arrives with e2's, after e2's first.
	if err := x.AddExpressLogs(ctx, []store.ExpressLogEvent{ev(smA, 1, 1, "ExecutionStarted"), ev(smA, 2, 1, "ExecutionStarted"),
		ev(smB, 1, 1, "ExecutionStarted")}, 100); err != nil {
		t.Fatal(err)
	}
	if err := x.AddExpressLogs(ctx, []store.ExpressLogEvent{ev(smA, 2, 2, "ExecutionFailed"), ev(smA, 1, 3, "ExecutionSucceeded"),
		ev(smA, 1, 2, "PassStateEntered"), ev(smA, 1, 1, "ExecutionStarted")}, 100); err != nil {
		t.Fatal(err)
	}
	list, err := x.ListExpressExecutions(ctx, smA, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ExecutionArn != ev(smA, 1, 1, "").ExecutionArn || list[1].ExecutionArn != ev(smA, 2, 1, "").ExecutionArn {
		t.Fatalf("ListExpressExecutions = %+v, want e1 (latest event added) then e2", list)
	}
	if e := list[0]; e.Events != 3 || e.LastType != "ExecutionSucceeded" || !e.First.Equal(base.Add(11*time.Millisecond)) || !e.Last.Equal(base.Add(13*time.Millisecond)) {
		t.Errorf("e1 = %+v", e)
	}
	if e := list[1]; e.Events != 2 || e.LastType != "ExecutionFailed" {
		t.Errorf("e2 = %+v", e)
	}
	if l, _ := x.ListExpressExecutions(ctx, smA, 1); len(l) != 1 {
		t.Errorf("limit 1: %d executions", len(l))
	}
	evs, err := x.ExpressLogEvents(ctx, ev(smA, 1, 1, "").ExecutionArn)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprintf("%d%s%s%v%v", e.ID, e.Type, e.Line, e.StateMachineArn == smA, e.Timestamp.Equal(base.Add(time.Duration(10+e.ID)*time.Millisecond))))
	}
	want := []string{`1ExecutionStarted{"id":"1","type":"ExecutionStarted"}truetrue`, `2PassStateEntered{"id":"2","type":"PassStateEntered"}truetrue`,
		`3ExecutionSucceeded{"id":"3","type":"ExecutionSucceeded"}truetrue`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ExpressLogEvents = %v, want %v", got, want)
	}
	if evs, err := x.ExpressLogEvents(ctx, "arn:aws:states:us-east-1:123456789012:express:a:none:u"); err != nil || len(evs) != 0 {
		t.Errorf("events of an unknown execution: %v, %v", evs, err)
	}

	// The bound: 5 events per state machine; smB's one event stays.
	var more []store.ExpressLogEvent
	for i := 3; i <= 6; i++ {
		more = append(more, ev(smA, i, 1, "ExecutionStarted"))
	}
	if err := x.AddExpressLogs(ctx, more, 5); err != nil {
		t.Fatal(err)
	}
	list, _ = x.ListExpressExecutions(ctx, smA, 100)
	var names []string
	total := 0
	for _, e := range list {
		names = append(names, e.ExecutionArn[len(e.ExecutionArn)-4:])
		total += e.Events
	}
	if total != 5 || fmt.Sprint(names) != "[e6:u e5:u e4:u e3:u e1:u]" {
		t.Errorf("after trimming to 5: %v, %d events", names, total)
	}
	if l, _ := x.ListExpressExecutions(ctx, smB, 100); len(l) != 1 {
		t.Errorf("state machine b: %+v, want its one execution", l)
	}
}
