package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// TestFeedOutbox: the feed hears each commit's outbox events once it is committed, with the
// ids and contents HeadOutbox reads back, whole events and status changes alike; never those
// of a write that failed; and others when a second Store on the same file (another process)
// committed in between.
func TestFeedOutbox(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	var fed []store.OutboxEvent
	var others []bool
	s.FeedOutbox(func(evs []store.OutboxEvent, o bool) {
		mu.Lock()
		defer mu.Unlock()
		fed, others = append(fed, evs...), append(others, o)
	})
	start := func(st *Store, name string) error {
		stop, out := time.Now().UTC(), `{"out":"`+name+`"}`
		e := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:sm:" + name,
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", Name: name,
			Status: "SUCCEEDED", Input: `{"in":"` + name + `"}`, Output: &out, StartedAt: stop.Add(-time.Second), StoppedAt: &stop, State: "{}"}
		ev := history.Event{ID: 1, Type: "ExecutionStarted", Timestamp: history.Time{Time: stop}}
		return st.CreateExecution(ctx, store.Commit{Execution: e, Events: []history.Event{ev}, Outbox: []string{"whole " + name},
			StatusChanges: []store.StatusChange{{EventID: name + "-1", Status: "RUNNING"}, {EventID: name + "-2", Status: "SUCCEEDED", StoppedAt: &stop}}})
	}
	// Concurrent starts commit in groups; the one whose name is taken fails in its group.
	if err := start(s, "dup"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		name := fmt.Sprint("e", i)
		if i == 7 {
			name = "dup"
		}
		wg.Go(func() { errs[i] = start(s, name) })
	}
	wg.Wait()
	for i, err := range errs {
		if want := i == 7; errors.Is(err, store.ErrExists) != want || (!want && err != nil) {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	head, err := s.HeadOutbox(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := fed
	mu.Unlock()
	if len(got) != len(head) || len(head) != 20*3 {
		t.Fatalf("fed %d events, the outbox holds %d, want 60", len(got), len(head))
	}
	for i, h := range head {
		f := got[i]
		if f.ID != h.ID || f.Body != h.Body || !f.CreatedAt.Equal(h.CreatedAt) || (f.Change == nil) != (h.Change == nil) {
			t.Fatalf("event %d fed as %+v, read as %+v", i, f, h)
		}
		if h.Change == nil {
			continue
		}
		fc, hc := *f.Change, *h.Change
		if fc.EventID != hc.EventID || fc.Status != hc.Status || (fc.StoppedAt == nil) != (hc.StoppedAt == nil) ||
			(fc.StoppedAt != nil && !fc.StoppedAt.Equal(*hc.StoppedAt)) {
			t.Errorf("change %d fed as %+v, read as %+v", i, fc, hc)
		}
		fe, he := f.Execution, h.Execution
		if fe.Arn != he.Arn || fe.StateMachineArn != he.StateMachineArn || fe.Name != he.Name || fe.Input != he.Input ||
			*fe.Output != *he.Output || !fe.StartedAt.Equal(he.StartedAt) || fe.VersionArn != he.VersionArn || fe.AliasArn != he.AliasArn {
			t.Errorf("execution of change %d fed as %+v, read as %+v", i, fe, he)
		}
	}
	// A write that fails alone (no group to share) is rolled back whole: nothing to tell,
	// and nothing unknown.
	if err := start(s, "dup"); !errors.Is(err, store.ErrExists) {
		t.Fatalf("start dup again: %v", err)
	}
	if err := start(s, "after"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if n := len(fed); n != 63 || slices.Contains(others, true) {
		t.Errorf("fed %d events, others %v: want 63, and false while no other process commits", n, others)
	}
	mu.Unlock()

	// Another process commits: the feed's next call says so.
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := start(s2, "theirs"); err != nil {
		t.Fatal(err)
	}
	if err := start(s, "ours"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := len(fed); n != 66 || fed[n-1].Change.EventID != "ours-2" || !others[len(others)-1] {
		t.Errorf("after another process's commit: fed %d events, the last call's others %v; want 66, ours, others", n, others[len(others)-1])
	}
}
