package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

func outboxOf(t *testing.T, s store.Store) store.Outbox {
	t.Helper()
	o, ok := s.(store.Outbox)
	if !ok {
		t.Fatalf("%T keeps no outbox (store.Outbox)", s)
	}
	return o
}

func bodies(evs []store.OutboxEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Body)
	}
	return out
}

// testOutbox: events are written with their commit, and only with it, in order; a retry
// counts an attempt and records when it is due; deleted events are gone.
func testOutbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := outboxOf(t, s)
	now := time.Now()
	if got, err := o.HeadOutbox(ctx, 10); err != nil || len(got) != 0 {
		t.Fatalf("HeadOutbox of an empty outbox: %v, %v", got, err)
	}
	e := newExecution("sm", "out")
	if err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, 1), Outbox: []string{"started"}}); err != nil {
		t.Fatal(err)
	}
	end := *get(t, s, e.Arn)
	end.Status = "SUCCEEDED"
	// A commit that loses its guard writes no event.
	stale := end
	stale.Version = 7
	if err := s.Commit(ctx, store.Commit{Execution: &stale, Events: events(2, 1), Outbox: []string{"stale"}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale Commit: %v, want ErrConflict", err)
	}
	if err := s.Commit(ctx, store.Commit{Execution: &end, Events: events(2, 1), Outbox: []string{"a", "b", "c"}}); err != nil {
		t.Fatal(err)
	}
	got, err := o.HeadOutbox(ctx, 2)
	if err != nil || fmt.Sprint(bodies(got)) != "[started a]" {
		t.Fatalf("HeadOutbox: %v, %v; want [started a]", bodies(got), err)
	}
	if got[0].Attempts != 0 || !got[0].RetryAt.IsZero() || got[0].CreatedAt.Before(now.Add(-time.Minute)) || got[0].CreatedAt.After(time.Now().Add(time.Minute)) {
		t.Fatalf("head event: %+v", got[0])
	}
	if err := o.DeleteOutbox(ctx, []int64{got[0].ID}); err != nil {
		t.Fatal(err)
	}
	retryAt := now.Add(2 * time.Minute).Truncate(time.Microsecond)
	if err := o.RetryOutbox(ctx, []int64{got[1].ID}, retryAt); err != nil {
		t.Fatal(err)
	}
	again, err := o.HeadOutbox(ctx, 10)
	if err != nil || fmt.Sprint(bodies(again)) != "[a b c]" || again[0].Attempts != 1 || !again[0].RetryAt.Equal(retryAt) ||
		again[1].Attempts != 0 || !again[1].RetryAt.IsZero() {
		t.Fatalf("HeadOutbox after a retry: %+v, %v; want a (1 attempt, retry at %v), b and c", again, err, retryAt)
	}
	if err := o.DeleteOutbox(ctx, []int64{again[0].ID, again[1].ID, again[2].ID}); err != nil {
		t.Fatal(err)
	}
	if left, err := o.HeadOutbox(ctx, 10); err != nil || len(left) != 0 {
		t.Fatalf("outbox after deletes: %v, %v", bodies(left), err)
	}
}

// testOutboxLease: one owner at a time holds the outbox; it renews its lease, another takes
// it once it lapses or is released, and a release by one that does not hold it does nothing.
func testOutboxLease(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := outboxOf(t, s)
	now := time.Now()
	lease := func(owner string, at, until time.Time, want bool) {
		t.Helper()
		if held, err := o.LeaseOutbox(ctx, owner, at, until); err != nil || held != want {
			t.Fatalf("LeaseOutbox(%s) at +%v: %v, %v; want %v", owner, at.Sub(now), held, err, want)
		}
	}
	lease("a", now, now.Add(time.Minute), true)
	lease("b", now.Add(30*time.Second), now.Add(90*time.Second), false)
	lease("a", now.Add(30*time.Second), now.Add(90*time.Second), true) // renewed
	lease("b", now.Add(80*time.Second), now.Add(2*time.Minute), false)
	lease("b", now.Add(90*time.Second), now.Add(2*time.Minute), true) // lapsed at 90 s
	lease("a", now.Add(100*time.Second), now.Add(3*time.Minute), false)
	if err := o.ReleaseOutbox(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	lease("a", now.Add(100*time.Second), now.Add(3*time.Minute), false) // a's release was no release
	if err := o.ReleaseOutbox(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	lease("a", now.Add(100*time.Second), now.Add(3*time.Minute), true)
	if err := o.ReleaseOutbox(ctx, "a"); err != nil {
		t.Fatal(err)
	}
}

// testOutboxLeaseConcurrent: owners racing for the lease at the same instant: exactly one
// wins each round.
func testOutboxLeaseConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := outboxOf(t, s)
	base := time.Now()
	for round := range 5 {
		now := base.Add(time.Duration(round) * time.Hour) // every earlier lease has lapsed
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				held, err := o.LeaseOutbox(ctx, fmt.Sprint("n", i), now, now.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				if held {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Fatalf("round %d: %d owners hold the lease, want 1", round, n)
		}
	}
}
