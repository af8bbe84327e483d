package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

// testOutbox: events are written with their commit, and only with it; claims exclude each
// other until they lapse; a retry counts an attempt and waits; deleted events are gone.
func testOutbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := outboxOf(t, s)
	now := time.Now()
	if got, err := o.ClaimOutbox(ctx, now, now.Add(time.Minute), 10); err != nil || len(got) != 0 {
		t.Fatalf("ClaimOutbox of an empty outbox: %v, %v", got, err)
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
	if err := s.Commit(ctx, store.Commit{Execution: &end, Events: events(2, 1), Outbox: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	got, err := o.ClaimOutbox(ctx, now, now.Add(time.Minute), 2)
	if err != nil || fmt.Sprint(bodies(got)) != "[started a]" {
		t.Fatalf("ClaimOutbox: %v, %v; want [started a]", bodies(got), err)
	}
	if got[0].Attempts != 0 || got[0].CreatedAt.Before(now.Add(-time.Minute)) || got[0].CreatedAt.After(time.Now().Add(time.Minute)) {
		t.Fatalf("claimed event: %+v", got[0])
	}
	// Claimed rows are not claimed again before the claim lapses; the rest is.
	more, err := o.ClaimOutbox(ctx, now, now.Add(time.Minute), 10)
	if err != nil || fmt.Sprint(bodies(more)) != "[b]" {
		t.Fatalf("second ClaimOutbox: %v, %v; want [b]", bodies(more), err)
	}
	if err := o.DeleteOutbox(ctx, []int64{got[0].ID, more[0].ID}); err != nil {
		t.Fatal(err)
	}
	if err := o.RetryOutbox(ctx, got[1].ID, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if again, err := o.ClaimOutbox(ctx, now.Add(90*time.Second), now.Add(3*time.Minute), 10); err != nil || len(again) != 0 {
		t.Fatalf("ClaimOutbox before the retry is due: %v, %v", bodies(again), err)
	}
	again, err := o.ClaimOutbox(ctx, now.Add(2*time.Minute), now.Add(3*time.Minute), 10)
	if err != nil || len(again) != 1 || again[0].Body != "a" || again[0].Attempts != 1 {
		t.Fatalf("ClaimOutbox once the retry is due: %+v, %v", again, err)
	}
	if err := o.DeleteOutbox(ctx, []int64{again[0].ID}); err != nil {
		t.Fatal(err)
	}
	if left, err := o.ClaimOutbox(ctx, now.Add(time.Hour), now.Add(2*time.Hour), 10); err != nil || len(left) != 0 {
		t.Fatalf("outbox after deletes: %v, %v", bodies(left), err)
	}
}

// testOutboxClaimConcurrent: deliverers claiming at once never get the same event.
func testOutboxClaimConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := outboxOf(t, s)
	const n = 40
	for i := range n {
		e := newExecution("sm", fmt.Sprint("c", i))
		if err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, 1), Outbox: []string{e.Name}}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				got, err := o.ClaimOutbox(ctx, now, now.Add(time.Hour), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, e := range got {
					seen[e.Body]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d distinct events, want %d", len(seen), n)
	}
	for b, c := range seen {
		if c != 1 {
			t.Errorf("event %s claimed %d times", b, c)
		}
	}
}
