package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

func testExecutions(t *testing.T, s store.Store) {
	ctx := context.Background()
	e := newExecution("sm", "first")
	e.ParentArn = execArn("parent", "p1")
	e.RevisionID = "rev-1"
	e.TraceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	e.TraceParent = "00-5759e988bd862e3fe1be46a994272793-0123456789abcdef-01"
	if _, err := s.GetExecution(ctx, e.Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetExecution before create: %v, want ErrNotFound", err)
	}
	got := create(t, s, e, 2, nil, nil)
	want := *e
	want.Version = 1
	want.LastEventID = 2
	checkExecution(t, got, &want)
	checkEvents(t, hist(t, s, e.Arn, 0, 0, false), events(1, 2))
	listed, _, err := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineArn: e.StateMachineArn}, store.Page{})
	if err != nil || len(listed) != 1 {
		t.Fatalf("ListExecutions = %d executions, %v; want 1", len(listed), err)
	}
	checkExecution(t, listed[0], &want)

	dup := newExecution("sm", "first")
	dup.Input = `{"other":true}`
	err = s.CreateExecution(ctx, store.Commit{Execution: dup, Events: events(1, 1)})
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateExecution twice: %v, want ErrExists", err)
	}
	checkExecution(t, get(t, s, e.Arn), &want)
	checkEvents(t, hist(t, s, e.Arn, 0, 0, false), events(1, 2))

	// A step that ends the execution: every mutable field changes (the trace header and the
	// trace parent are not: they stay as the start gave them).
	end := *got
	end.Status = "FAILED"
	end.Output = history.Str(`{"out":1}`)
	end.Error = history.Str("States.TaskFailed")
	end.Cause = history.Str("boom")
	stopped := t0.Add(90 * time.Second)
	end.StoppedAt = &stopped
	end.State = ""
	if err := s.Commit(ctx, store.Commit{Execution: &end, Events: events(3, 3)}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	want = end
	want.Version = 2
	want.LastEventID = 5
	checkExecution(t, get(t, s, e.Arn), &want)
	checkEvents(t, hist(t, s, e.Arn, 0, 0, false), events(1, 5))

	// A step without events keeps LastEventID and still moves the version.
	quiet := want
	quiet.State = `{"pc":"B"}`
	if err := s.Commit(ctx, store.Commit{Execution: &quiet}); err != nil {
		t.Fatalf("Commit without events: %v", err)
	}
	want = quiet
	want.Version = 3
	checkExecution(t, get(t, s, e.Arn), &want)

	// Stale and unknown.
	if err := s.Commit(ctx, store.Commit{Execution: &end, Events: events(6, 1)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Commit with stale version: %v, want ErrConflict", err)
	}
	ghost := newExecution("sm", "ghost")
	if err := s.Commit(ctx, store.Commit{Execution: ghost, Events: events(1, 1)}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Commit of unknown execution: %v, want ErrNotFound", err)
	}
	if _, err := s.GetExecution(ctx, ghost.Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetExecution(ghost): %v, want ErrNotFound", err)
	}
	checkExecution(t, get(t, s, e.Arn), &want)
}

func testHistory(t *testing.T, s store.Store) {
	e := create(t, s, newExecution("sm", "h"), 1, nil, nil)
	for e.LastEventID < 25 {
		e = step(t, s, e, 4)
	}
	all := events(1, 25)
	other := create(t, s, newExecution("sm", "other"), 3, nil, nil)

	checkEvents(t, hist(t, s, e.Arn, 0, 0, false), all)
	checkEvents(t, hist(t, s, e.Arn, 0, -1, false), all)
	checkEvents(t, hist(t, s, other.Arn, 0, 0, false), events(1, 3))

	// Forward pages.
	checkEvents(t, hist(t, s, e.Arn, 0, 10, false), all[0:10])
	checkEvents(t, hist(t, s, e.Arn, 10, 10, false), all[10:20])
	checkEvents(t, hist(t, s, e.Arn, 20, 10, false), all[20:25])
	checkEvents(t, hist(t, s, e.Arn, 25, 10, false), nil)

	// Backward pages: afterID is then the id to stay below, 0 from the end.
	rev := reversed(all)
	checkEvents(t, hist(t, s, e.Arn, 0, 0, true), rev)
	checkEvents(t, hist(t, s, e.Arn, 0, 10, true), rev[0:10])
	checkEvents(t, hist(t, s, e.Arn, 16, 10, true), rev[10:20])
	checkEvents(t, hist(t, s, e.Arn, 6, 10, true), rev[20:25])
	checkEvents(t, hist(t, s, e.Arn, 1, 10, true), nil)

	if _, err := s.History(context.Background(), execArn("sm", "nope"), 0, 0, false); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("History of unknown execution: %v, want ErrNotFound", err)
	}
}

// testEventsRoundTrip: every detail shape, odd strings and large inputs come back as stored.
func testEventsRoundTrip(t *testing.T, s store.Store) {
	big := make([]byte, 200_000)
	for i := range big {
		big[i] = "abcdefgh\"\\\n\u0001"[i%12]
	}
	evs := events(1, 14)
	evs = append(evs,
		history.Event{Timestamp: history.Time{Time: t0}, Type: "ExecutionStarted", ID: 15, PreviousEventID: 0,
			Details: &history.ExecutionStarted{Input: string(big), InputDetails: history.DataDetails{Truncated: true}}},
		history.Event{Timestamp: history.Time{Time: t0}, Type: "TaskStateEntered", ID: 16, PreviousEventID: 15,
			Details: &history.StateEntered{Name: "日本語 \u2028 <tag> & \"quoted\"", Input: `{"emoji":"🎉"}`}},
		history.Event{Timestamp: history.Time{Time: time.Unix(0, 0)}, Type: "ExecutionAborted", ID: 17, PreviousEventID: 16,
			Details: &history.Failure{}},
	)
	e := newExecution("sm", "rt")
	if err := s.CreateExecution(context.Background(), store.Commit{Execution: e, Events: evs}); err != nil {
		t.Fatalf("CreateExecution: %v", err)
	}
	checkEvents(t, hist(t, s, e.Arn, 0, 0, false), evs)
	if got := get(t, s, e.Arn).LastEventID; got != 17 {
		t.Errorf("LastEventID = %d, want 17", got)
	}
}
