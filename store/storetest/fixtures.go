package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

const (
	account = "arn:aws:states:us-east-1:123456789012"
	running = "RUNNING"
)

// t0 is the suite's clock: times have microsecond precision, as every store keeps them.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func smArn(name string) string { return account + ":stateMachine:" + name }

func execArn(sm, name string) string { return account + ":execution:" + sm + ":" + name }

func newStateMachine(name string) *store.StateMachine {
	return &store.StateMachine{
		Arn:         smArn(name),
		Name:        name,
		Type:        "STANDARD",
		Definition:  `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		RoleArn:     "arn:aws:iam::123456789012:role/" + name,
		Status:      "ACTIVE",
		RevisionID:  "rev-1",
		Description: "machine " + name,
		Config:      `{"loggingConfiguration":{"level":"OFF"},"tags":[{"key":"k","value":"v"}]}`,
		CreatedAt:   t0,
		UpdatedAt:   t0,
	}
}

func newExecution(sm, name string) *store.Execution {
	return &store.Execution{
		Arn:             execArn(sm, name),
		StateMachineArn: smArn(sm),
		Name:            name,
		Status:          running,
		Input:           `{"name":"` + name + `"}`,
		StartedAt:       t0,
		State:           `{"pc":"A","vars":{}}`,
	}
}

// events makes n events with ids from..from+n-1, cycling through types with every shape of
// details, previousEventId chained.
func events(from int64, n int) []history.Event {
	evs := make([]history.Event, n)
	for i := range evs {
		id := from + int64(i)
		evs[i] = event(id, t0.Add(time.Duration(id)*time.Millisecond))
	}
	return evs
}

func event(id int64, ts time.Time) history.Event {
	e := history.Event{Timestamp: history.Time{Time: ts.Truncate(time.Millisecond)}, ID: id, PreviousEventID: id - 1}
	secs := int64(30)
	switch id % 7 {
	case 1:
		e.Type = "ExecutionStarted"
		e.Details = &history.ExecutionStarted{Input: `{"a":[1,2,{"b":"\u00e9\n"}]}`, RoleArn: "arn:aws:iam::1:role/r"}
	case 2:
		e.Type = "PassStateEntered"
		e.Details = &history.StateEntered{Name: fmt.Sprintf("State %d", id), Input: `{"x":1}`}
	case 3:
		e.Type = "PassStateExited"
		e.Details = &history.StateExited{Name: "S", Output: `"out"`, AssignedVariables: map[string]string{"v": "1"},
			AssignedVariablesDetails: &history.DataDetails{Truncated: true}}
	case 4:
		e.Type = "TaskScheduled"
		e.Details = &history.TaskScheduled{ResourceType: "lambda", Resource: "invoke", Region: "us-east-1",
			Parameters: `{"FunctionName":"f"}`, TimeoutInSeconds: &secs}
	case 5:
		e.Type = "TaskFailed"
		e.Details = &history.TaskFailure{ResourceType: "lambda", Resource: "invoke", Error: history.Str("States.Timeout"), Cause: history.Str("")}
	case 6:
		e.Type = "WaitStateAborted" // no details
	default:
		e.Type = "ExecutionSucceeded"
		e.Details = &history.Output{Output: `{"done":true}`, OutputDetails: history.DataDetails{Truncated: false}}
	}
	return e
}

// create stores exec with its first events (ids 1..n) and returns the execution as stored.
func create(t *testing.T, s store.Store, e *store.Execution, n int, timers []store.Timer, tasks []store.Task) *store.Execution {
	t.Helper()
	c := store.Commit{Execution: e, Events: events(1, n), NewTimers: timers, NewTasks: tasks}
	if err := s.CreateExecution(context.Background(), c); err != nil {
		t.Fatalf("CreateExecution(%s): %v", e.Arn, err)
	}
	return get(t, s, e.Arn)
}

func get(t *testing.T, s store.Store, arn string) *store.Execution {
	t.Helper()
	got, err := s.GetExecution(context.Background(), arn)
	if err != nil {
		t.Fatalf("GetExecution(%s): %v", arn, err)
	}
	return got
}

// step commits n more events onto e (as read) and returns the execution as stored after.
func step(t *testing.T, s store.Store, e *store.Execution, n int) *store.Execution {
	t.Helper()
	next := *e
	if err := s.Commit(context.Background(), store.Commit{Execution: &next, Events: events(e.LastEventID+1, n)}); err != nil {
		t.Fatalf("Commit(%s v%d): %v", e.Arn, e.Version, err)
	}
	return get(t, s, e.Arn)
}

func normTime(t time.Time) time.Time { return t.UTC() }

func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func checkExecution(t *testing.T, got, want *store.Execution) {
	t.Helper()
	g, w := *got, *want
	g.StartedAt, w.StartedAt = normTime(g.StartedAt), normTime(w.StartedAt)
	g.StoppedAt, w.StoppedAt = normTimePtr(g.StoppedAt), normTimePtr(w.StoppedAt)
	g.RedriveDate, w.RedriveDate = normTimePtr(g.RedriveDate), normTimePtr(w.RedriveDate)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("execution %s:\n got %s\nwant %s", want.Arn, dump(g), dump(w))
	}
}

func checkStateMachine(t *testing.T, got, want *store.StateMachine) {
	t.Helper()
	g, w := *got, *want
	g.CreatedAt, w.CreatedAt = normTime(g.CreatedAt), normTime(w.CreatedAt)
	g.UpdatedAt, w.UpdatedAt = normTime(g.UpdatedAt), normTime(w.UpdatedAt)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("state machine %s:\n got %s\nwant %s", want.Arn, dump(g), dump(w))
	}
}

// checkEvents compares events by their JSON, the form stores keep and the API returns.
func checkEvents(t *testing.T, got, want []history.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events (%s), want %d (%s)", len(got), ids(got), len(want), ids(want))
	}
	for i := range want {
		g, err := json.Marshal(got[i])
		if err != nil {
			t.Fatalf("marshal got[%d]: %v", i, err)
		}
		w, err := json.Marshal(want[i])
		if err != nil {
			t.Fatalf("marshal want[%d]: %v", i, err)
		}
		if string(g) != string(w) {
			t.Errorf("event %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

func ids(evs []history.Event) string {
	s := "["
	for i, e := range evs {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprint(e.ID)
	}
	return s + "]"
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func hist(t *testing.T, s store.Store, arn string, after int64, limit int, reverse bool) []history.Event {
	t.Helper()
	evs, err := s.History(context.Background(), arn, after, limit, reverse)
	if err != nil {
		t.Fatalf("History(%s, %d, %d, %v): %v", arn, after, limit, reverse, err)
	}
	return evs
}

func reversed(evs []history.Event) []history.Event {
	r := make([]history.Event, len(evs))
	for i, e := range evs {
		r[len(evs)-1-i] = e
	}
	return r
}
