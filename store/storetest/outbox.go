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
	// Nothing is claimed past a claimed event: events go out in order.
	if more, err := o.ClaimOutbox(ctx, now, now.Add(time.Minute), 10); err != nil || len(more) != 0 {
		t.Fatalf("ClaimOutbox behind claimed events: %v, %v; want none", bodies(more), err)
	}
	if err := o.DeleteOutbox(ctx, []int64{got[0].ID}); err != nil {
		t.Fatal(err)
	}
	if err := o.RetryOutbox(ctx, got[1].ID, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// An event waiting for its retry holds back those after it.
	if again, err := o.ClaimOutbox(ctx, now.Add(90*time.Second), now.Add(3*time.Minute), 10); err != nil || len(again) != 0 {
		t.Fatalf("ClaimOutbox before the retry is due: %v, %v", bodies(again), err)
	}
	again, err := o.ClaimOutbox(ctx, now.Add(2*time.Minute), now.Add(3*time.Minute), 10)
	if err != nil || fmt.Sprint(bodies(again)) != "[a b]" || again[0].Attempts != 1 || again[1].Attempts != 0 {
		t.Fatalf("ClaimOutbox once the retry is due: %+v, %v; want [a b]", again, err)
	}
	if err := o.DeleteOutbox(ctx, []int64{again[0].ID, again[1].ID}); err != nil {
		t.Fatal(err)
	}
	if left, err := o.ClaimOutbox(ctx, now.Add(time.Hour), now.Add(2*time.Hour), 10); err != nil || len(left) != 0 {
		t.Fatalf("outbox after deletes: %v, %v", bodies(left), err)
	}
}

// testOutboxClaimConcurrent: deliverers claiming and deleting at once never get the same
// event, and get them in order.
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
	var order []string
	var wg sync.WaitGroup
	deadline := time.Now().Add(30 * time.Second)
	for range 4 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				got, err := o.ClaimOutbox(ctx, now, now.Add(time.Hour), 3)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, e := range got {
					seen[e.Body]++
					order = append(order, e.Body)
				}
				all := len(seen) == n
				mu.Unlock()
				if len(got) == 0 {
					if all {
						return
					}
					time.Sleep(time.Millisecond)
					continue
				}
				ids := make([]int64, len(got))
				for i, e := range got {
					ids[i] = e.ID
				}
				// Deleted under the lock, so that order records claims in claim order.
				mu.Lock()
				err = o.DeleteOutbox(ctx, ids)
				mu.Unlock()
				if err != nil {
					t.Error(err)
					return
				}
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
	for i, b := range order {
		if b != fmt.Sprint("c", i) {
			t.Fatalf("claim order %v, want c0, c1, ...", order)
		}
	}
}
