package api

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// A start that asks after a read has begun gets a read of its own, so it sees a write that
// was acknowledged before it asked (the read in flight may not).
func TestSharedReadNeverPredatesTheAsk(t *testing.T) {
	var r smReads
	var revision atomic.Int64
	entered := make(chan struct{}, 10)
	release := make(chan struct{})
	read := func(ctx context.Context, arn string) (*store.StateMachine, error) {
		rev := revision.Load() // what the store would see at the read's start
		entered <- struct{}{}
		<-release
		return &store.StateMachine{Arn: arn, RevisionID: string(rune('a' + rev))}, nil
	}
	ctx := context.Background()
	first := make(chan *store.StateMachine)
	go func() {
		sm, err := r.get(ctx, "arn", read)
		if err != nil {
			t.Error(err)
		}
		first <- sm
	}()
	<-entered // the first read has begun
	revision.Store(1)
	second := make(chan *store.StateMachine)
	go func() {
		sm, err := r.get(ctx, "arn", read)
		if err != nil {
			t.Error(err)
		}
		second <- sm
	}()
	select {
	case <-entered: // its own read
	case <-time.After(5 * time.Second):
		t.Fatal("the second get joined the read that had begun before it asked")
	}
	close(release)
	if sm := <-first; sm.RevisionID != "a" {
		t.Errorf("first read %s", sm.RevisionID)
	}
	if sm := <-second; sm.RevisionID != "b" {
		t.Errorf("second read %s, want the update", sm.RevisionID)
	}
}

// Starts waiting together share a read, each with a copy of its own; errors reach them all.
func TestSharedReadCopiesAndErrors(t *testing.T) {
	var r smReads
	var reads atomic.Int64
	gate := make(chan struct{})
	read := func(ctx context.Context, arn string) (*store.StateMachine, error) {
		reads.Add(1)
		<-gate
		if arn == "missing" {
			return nil, store.ErrNotFound
		}
		return &store.StateMachine{Arn: arn, Name: "m"}, nil
	}
	const n = 50
	var wg sync.WaitGroup
	got := make([]*store.StateMachine, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			arn := "arn"
			if i%2 == 1 {
				arn = "missing"
			}
			got[i], errs[i] = r.get(context.Background(), arn, read)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(gate)
	wg.Wait()
	seen := map[*store.StateMachine]bool{}
	for i := range n {
		if i%2 == 1 {
			if !errors.Is(errs[i], store.ErrNotFound) {
				t.Errorf("%d: %v, want ErrNotFound", i, errs[i])
			}
			continue
		}
		if errs[i] != nil || got[i].Arn != "arn" {
			t.Fatalf("%d: %+v, %v", i, got[i], errs[i])
		}
		if seen[got[i]] {
			t.Fatal("two starts got the same *StateMachine")
		}
		seen[got[i]] = true
	}
	if reads.Load() >= n {
		t.Logf("%d reads for %d gets: none shared (possible, not expected)", reads.Load(), n)
	}
}

// A start whose request ends stops waiting for the read it joined.
func TestSharedReadWaiterCancelled(t *testing.T) {
	var r smReads
	read := func(ctx context.Context, arn string) (*store.StateMachine, error) {
		t.Error("a waiter read")
		return nil, nil
	}
	r.mu.Lock()
	r.pending = map[string]*smRead{"arn": {done: make(chan struct{})}} // a read not begun yet
	r.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.get(ctx, "arn", read); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
