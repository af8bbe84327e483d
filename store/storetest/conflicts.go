package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// testConflict: two commits from the same read version; the first wins.
func testConflict(t *testing.T, s store.Store) {
	ctx := context.Background()
	read := create(t, s, newExecution("sm", "c"), 1, nil, nil)
	a, b := *read, *read
	a.State, b.State = `"a"`, `"b"`
	if err := s.Commit(ctx, store.Commit{Execution: &a, Events: events(2, 1), NewTimers: []store.Timer{{ID: 1, Due: t0}}}); err != nil {
		t.Fatalf("first Commit: %v", err)
	}
	err := s.Commit(ctx, store.Commit{Execution: &b, Events: events(2, 2), NewTimers: []store.Timer{{ID: 2, Due: t0}}})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second Commit: %v, want ErrConflict", err)
	}
	got := get(t, s, read.Arn)
	if got.State != `"a"` || got.Version != 2 || got.LastEventID != 2 {
		t.Errorf("after conflict: state %s, version %d, last event %d; want \"a\", 2, 2", got.State, got.Version, got.LastEventID)
	}
	checkEvents(t, hist(t, s, read.Arn, 0, 0, false), events(1, 2))
	due, err := s.DueTimers(ctx, t0, 10)
	if err != nil || len(due) != 1 || due[0].ID != 1 {
		t.Errorf("DueTimers after conflict = %+v, %v; want only timer 1", due, err)
	}
}

// testConflictConcurrent: goroutines race to commit from the same read version, round after
// round; each round exactly one wins and its step alone is stored.
func testConflictConcurrent(t *testing.T, s store.Store) {
	const racers, rounds = 8, 10
	ctx := context.Background()
	read := create(t, s, newExecution("sm", "race"), 1, nil, nil)
	want := events(1, 1)
	for round := range rounds {
		errs := make([]error, racers)
		steps := make([]history.Event, racers)
		var wg sync.WaitGroup
		for i := range racers {
			next := *read
			next.State = fmt.Sprintf(`{"winner":%d}`, i)
			ev := event(read.LastEventID+1, t0)
			ev.Type = "PassStateEntered"
			ev.Details = &history.StateEntered{Name: fmt.Sprintf("racer %d", i), Input: "{}"}
			steps[i] = ev
			c := store.Commit{
				Execution: &next,
				Events:    []history.Event{ev},
				NewTimers: []store.Timer{{ID: int64(round), Due: t0}},
				NewTasks:  []store.Task{{ID: int64(round), Token: fmt.Sprintf("tok-%d-%d", round, i), Resource: "r", Body: "{}", CreatedAt: t0}},
			}
			wg.Go(func() { errs[i] = s.Commit(ctx, c) })
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: racers %d and %d both committed", round, winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, store.ErrConflict):
				t.Fatalf("round %d: racer %d: %v, want nil or ErrConflict", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no racer committed", round)
		}
		want = append(want, steps[winner])
		read = get(t, s, read.Arn)
		if read.State != fmt.Sprintf(`{"winner":%d}`, winner) || read.Version != int64(round+2) {
			t.Fatalf("round %d: stored state %s version %d, want racer %d's at version %d", round, read.State, read.Version, winner, round+2)
		}
		tasks, err := s.PendingTasks(ctx, 0)
		if err != nil || len(tasks) != round+1 {
			t.Fatalf("round %d: %d pending tasks (%v), want %d", round, len(tasks), err, round+1)
		}
	}
	checkEvents(t, hist(t, s, read.Arn, 0, 0, false), want)
}

// testCreateConcurrent: many starts at once, each ARN started twice with different events:
// each ARN is created exactly once, with the events of the start that won, and the other
// start gets ErrExists (a store that writes concurrent starts together must still answer
// each on its own).
func testCreateConcurrent(t *testing.T, s store.Store) {
	const arns = 32
	ctx := context.Background()
	errs := make([]error, 2*arns)
	var wg sync.WaitGroup
	for i := range 2 * arns {
		wg.Go(func() {
			e := newExecution("sm", fmt.Sprint("twice", i%arns))
			e.State = fmt.Sprint(i)
			// the second start of an ARN has one event more, to tell whose history was kept
			errs[i] = s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, 2+i/arns),
				NewTimers: []store.Timer{{ID: 1, Due: at(time.Hour)}}})
		})
	}
	wg.Wait()
	for i := range arns {
		a, b := errs[i], errs[i+arns]
		first := a == nil
		if first == (b == nil) || !errors.Is(cmp.Or(a, b), store.ErrExists) {
			t.Errorf("execution %d: starts returned %v and %v; want one nil and one ErrExists", i, a, b)
			continue
		}
		won := i
		if !first {
			won = i + arns
		}
		got := get(t, s, execArn("sm", fmt.Sprint("twice", i)))
		if got.State != fmt.Sprint(won) {
			t.Errorf("execution %d: state %s, want %d (the start that succeeded)", i, got.State, won)
		}
		checkEvents(t, hist(t, s, got.Arn, 0, 0, false), events(1, 2+won/arns))
	}
	due, err := s.DueTimers(ctx, at(2*time.Hour), 1000)
	if err != nil || len(due) != arns {
		t.Errorf("DueTimers = %d timers, %v; want %d", len(due), err, arns)
	}
}
