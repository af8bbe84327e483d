package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

func testTasks(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.TaskByToken(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("TaskByToken(unknown): %v, want ErrNotFound", err)
	}
	mk := func(id int64, token string, d time.Duration) store.Task {
		return store.Task{ID: id, Token: token, Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
			Body: fmt.Sprintf(`{"state":"S%d","parameters":{"FunctionName":"f"}}`, id), CreatedAt: at(d)}
	}
	a := create(t, s, newExecution("sm", "a"), 1, nil, []store.Task{mk(1, "tok-a1", time.Second), mk(2, "tok-a2", 3*time.Second)})
	b := create(t, s, newExecution("sm", "b"), 1, nil, []store.Task{mk(1, "tok-b1", 2*time.Second)})
	with := func(arn string, tk store.Task) store.Task { tk.ExecutionArn = arn; return tk }
	a1, a2, b1 := with(a.Arn, mk(1, "tok-a1", time.Second)), with(a.Arn, mk(2, "tok-a2", 3*time.Second)), with(b.Arn, mk(1, "tok-b1", 2*time.Second))

	for _, want := range []store.Task{a1, a2, b1} {
		got, err := s.TaskByToken(ctx, want.Token)
		if err != nil {
			t.Fatalf("TaskByToken(%s): %v", want.Token, err)
		}
		checkTasks(t, "TaskByToken("+want.Token+")", []store.Task{*got}, []store.Task{want})
	}
	checkTasks(t, "PendingTasks", pending(t, s, 0), []store.Task{a1, b1, a2})
	checkTasks(t, "PendingTasks(2)", pending(t, s, 2), []store.Task{a1, b1})

	// A step answers task 1 and schedules task 3.
	next := *a
	c := store.Commit{Execution: &next, Events: events(2, 1), CancelTasks: []int64{1, 42}, NewTasks: []store.Task{mk(3, "tok-a3", 4*time.Second)}}
	if err := s.Commit(ctx, c); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if _, err := s.TaskByToken(ctx, "tok-a1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("TaskByToken of a cancelled task: %v, want ErrNotFound", err)
	}
	a3 := with(a.Arn, mk(3, "tok-a3", 4*time.Second))
	checkTasks(t, "PendingTasks after commit", pending(t, s, 0), []store.Task{b1, a2, a3})

	// The tasks of an ended execution are not pending, but their tokens still resolve, so
	// that a late answer can be told apart from a bad token.
	end := *get(t, s, b.Arn)
	end.Status = "ABORTED"
	if err := s.Commit(ctx, store.Commit{Execution: &end, Events: events(2, 1)}); err != nil {
		t.Fatalf("Commit ending b: %v", err)
	}
	checkTasks(t, "PendingTasks after b ended", pending(t, s, 0), []store.Task{a2, a3})
	got, err := s.TaskByToken(ctx, "tok-b1")
	if err != nil {
		t.Fatalf("TaskByToken of an ended execution's task: %v", err)
	}
	checkTasks(t, "TaskByToken(tok-b1)", []store.Task{*got}, []store.Task{b1})
}

func pending(t *testing.T, s store.Store, limit int) []store.Task {
	t.Helper()
	ts, err := s.PendingTasks(context.Background(), limit)
	if err != nil {
		t.Fatalf("PendingTasks(%d): %v", limit, err)
	}
	return ts
}

func checkTasks(t *testing.T, what string, got, want []store.Task) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		g.CreatedAt, w.CreatedAt = normTime(g.CreatedAt), normTime(w.CreatedAt)
		ok = g == w
	}
	if !ok {
		t.Errorf("%s:\n got %s\nwant %s", what, dump(got), dump(want))
	}
}
