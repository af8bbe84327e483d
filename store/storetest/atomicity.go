package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// testAtomicity: a Commit that fails partway (a duplicate event id, a task token another
// execution holds, a timer id already set) leaves nothing behind, and the execution's
// version is unchanged, so the next step goes through as if nothing had been tried.
func testAtomicity(t *testing.T, s store.Store) {
	ctx := context.Background()
	create(t, s, newExecution("sm", "holder"), 1, nil, []store.Task{{ID: 1, Token: "held", Resource: "r", Body: "{}", CreatedAt: t0}})
	before := create(t, s, newExecution("sm", "a"), 1,
		[]store.Timer{{ID: 1, Due: at(time.Second)}},
		[]store.Task{{ID: 1, Token: "a1", Resource: "r", Body: "{}", CreatedAt: t0}})

	fresh := func() store.Commit {
		next := *before
		next.Status = "SUCCEEDED"
		next.State = `{"changed":true}`
		return store.Commit{
			Execution:    &next,
			Events:       events(2, 3),
			CancelTimers: []int64{1},
			NewTimers:    []store.Timer{{ID: 2, Due: at(2 * time.Second)}},
			CancelTasks:  []int64{1},
			NewTasks:     []store.Task{{ID: 2, Token: "a2", Resource: "r", Body: "{}", CreatedAt: t0}},
		}
	}
	failures := map[string]func(*store.Commit){
		"duplicate event id in the commit": func(c *store.Commit) { c.Events = append(c.Events, events(3, 1)...) },
		"event id already stored":          func(c *store.Commit) { c.Events = events(1, 2) },
		"task token held elsewhere":        func(c *store.Commit) { c.NewTasks[0].Token = "held" },
		"duplicate timer id": func(c *store.Commit) {
			c.NewTimers = append(c.NewTimers, store.Timer{ID: 2, Due: t0})
		},
	}
	for name, spoil := range failures {
		c := fresh()
		spoil(&c)
		err := s.Commit(ctx, c)
		if err == nil {
			t.Fatalf("%s: Commit succeeded", name)
		}
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: Commit error %v; want neither ErrConflict nor ErrNotFound", name, err)
		}
		checkExecution(t, get(t, s, before.Arn), before)
		checkEvents(t, hist(t, s, before.Arn, 0, 0, false), events(1, 1))
		checkTimers(t, name+": timers", due(t, s, at(time.Hour), 0), []store.Timer{{ExecutionArn: before.Arn, ID: 1, Due: at(time.Second)}})
		if _, err := s.TaskByToken(ctx, "a1"); err != nil {
			t.Errorf("%s: task a1 gone: %v", name, err)
		}
		if _, err := s.TaskByToken(ctx, "a2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: task a2 left behind: %v", name, err)
		}
	}
	if err := s.Commit(ctx, fresh()); err != nil {
		t.Fatalf("Commit after the failures: %v", err)
	}
	checkEvents(t, hist(t, s, before.Arn, 0, 0, false), events(1, 4))
}

// testCreateAtomicity: a CreateExecution that fails leaves no execution behind, and one
// whose ARN is taken changes nothing of the existing one.
func testCreateAtomicity(t *testing.T, s store.Store) {
	ctx := context.Background()
	create(t, s, newExecution("sm", "holder"), 1, nil, []store.Task{{ID: 1, Token: "held", Resource: "r", Body: "{}", CreatedAt: t0}})
	for name, c := range map[string]store.Commit{
		"duplicate event id": {Execution: newExecution("sm", "x"), Events: append(events(1, 2), events(2, 1)...)},
		"task token held":    {Execution: newExecution("sm", "y"), Events: events(1, 1), NewTasks: []store.Task{{ID: 1, Token: "held", Body: "{}"}}},
	} {
		if err := s.CreateExecution(ctx, c); err == nil || errors.Is(err, store.ErrExists) {
			t.Fatalf("%s: CreateExecution error %v, want a failure other than ErrExists", name, err)
		}
		if _, err := s.GetExecution(ctx, c.Execution.Arn); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: GetExecution after failed create: %v, want ErrNotFound", name, err)
		}
		if _, err := s.History(ctx, c.Execution.Arn, 0, 0, false); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: History after failed create: %v, want ErrNotFound", name, err)
		}
		// The ARN is still free.
		ok := store.Commit{Execution: c.Execution, Events: []history.Event{event(1, t0)}}
		if err := s.CreateExecution(ctx, ok); err != nil {
			t.Fatalf("%s: CreateExecution after the failure: %v", name, err)
		}
	}
	tasks, err := s.PendingTasks(ctx, 0)
	if err != nil || len(tasks) != 1 {
		t.Errorf("PendingTasks = %d tasks, %v; want only the holder's", len(tasks), err)
	}
}
