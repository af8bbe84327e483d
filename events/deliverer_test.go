package events_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// tally is a Destination that records which deliverer sent each event body.
type tally struct {
	name string
	mu   *sync.Mutex
	sent map[string][]string // body → senders
	seq  *[]string           // bodies in the order sent
}

func (d *tally) Send(_ context.Context, evs []store.OutboxEvent, accepted []bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, e := range evs {
		d.sent[e.Body] = append(d.sent[e.Body], d.name)
		*d.seq = append(*d.seq, e.Body)
		accepted[i] = true
	}
	return nil
}

// commitEvents starts n executions, each with one outbox event named after it.
func commitEvents(t *testing.T, st store.Store, prefix string, n int) {
	t.Helper()
	for i := range n {
		name := fmt.Sprintf("%s%03d", prefix, i)
		e := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:sm:" + name,
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", Name: name,
			Status: "RUNNING", Input: "{}", StartedAt: time.Now(), State: "{}"}
		ev := history.Event{ID: 1, Type: "ExecutionStarted", Timestamp: history.Time{Time: time.Now()}}
		if err := st.CreateExecution(context.Background(), store.Commit{Execution: e, Events: []history.Event{ev}, Outbox: []string{name}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOneDelivererAtATime: two deliverers on one store: the lease lets one send at a time,
// every event once and in order; when the holder stops, it gives the lease up and the other
// takes over at once, long before the lease would lapse.
func TestOneDelivererAtATime(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	sent := map[string][]string{}
	var seq []string
	run := func(ctx context.Context, name string) (*events.Deliverer, chan struct{}) {
		d := events.New(events.Options{Outbox: st, Owner: name, Poll: 10 * time.Millisecond, Lease: time.Hour,
			Destinations: []events.Destination{&tally{name: name, mu: &mu, sent: sent, seq: &seq}}})
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		return d, done
	}
	waitSent := func(n int) {
		t.Helper()
		waitFor(t, fmt.Sprint(n, " events sent"), func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(sent) >= n
		})
	}
	ctxA, stopA := context.WithCancel(context.Background())
	defer stopA()
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	_, doneA := run(ctxA, "a")
	time.Sleep(50 * time.Millisecond) // a takes the lease first
	_, doneB := run(ctxB, "b")
	commitEvents(t, st, "x", 60)
	waitSent(60)
	stopA()
	<-doneA
	commitEvents(t, st, "y", 60)
	waitSent(120)
	stopB()
	<-doneB

	mu.Lock()
	defer mu.Unlock()
	for body, by := range sent {
		want := "a"
		if body[0] == 'y' {
			want = "b"
		}
		if len(by) != 1 || by[0] != want {
			t.Errorf("event %s sent by %v, want once by %s", body, by, want)
		}
	}
	for i, body := range seq {
		want := fmt.Sprintf("x%03d", i)
		if i >= 60 {
			want = fmt.Sprintf("y%03d", i-60)
		}
		if body != want {
			t.Fatalf("sent in the order %v, want x000…x059 then y000…y059", seq)
		}
	}
}

// offers is a Destination that accepts everything and records how many events each offer
// held.
type offers struct{ sizes []int }

func (d *offers) Send(_ context.Context, evs []store.OutboxEvent, accepted []bool) error {
	d.sizes = append(d.sizes, len(evs))
	for i := range accepted {
		accepted[i] = true
	}
	return nil
}

// TestChunk: the Deliverer offers its destinations DefaultChunk events at a time, or
// Options.Chunk (a batching webhook's batch), never more than it reads at once.
func TestChunk(t *testing.T) {
	for _, tc := range []struct {
		chunk int
		want  []int
	}{
		{0, []int{32, 32, 32, 4}},
		{50, []int{50, 50}},
		{100, []int{100}},
		{500, []int{100}},
	} {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		commitEvents(t, st, "x", 100)
		dst := &offers{}
		d := events.New(events.Options{Outbox: st, Chunk: tc.chunk, Destinations: []events.Destination{dst}})
		d.Once(context.Background())
		if !slices.Equal(dst.sizes, tc.want) || d.Delivered.Load() != 100 {
			t.Errorf("Chunk %d: offers of %v, %d delivered; want %v, 100", tc.chunk, dst.sizes, d.Delivered.Load(), tc.want)
		}
		st.Close()
	}
}

// countingOutbox is an outbox that, once its delete of delivered events is done, records
// what the Deliverer's count said at that moment.
type countingOutbox struct {
	store.Outbox
	d    **events.Deliverer
	seen []int64
}

func (o *countingOutbox) DeleteOutbox(ctx context.Context, ids []int64) error {
	err := o.Outbox.DeleteOutbox(ctx, ids)
	o.seen = append(o.seen, (*o.d).Delivered.Load())
	return err
}

// TestDeliveredBeforeDelete: events are counted delivered before they leave the outbox, so
// that whoever finds it empty (the bench, waiting for the events) finds them counted.
func TestDeliveredBeforeDelete(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	commitEvents(t, st, "x", 10)
	var d *events.Deliverer
	o := &countingOutbox{Outbox: st, d: &d}
	d = events.New(events.Options{Outbox: o, Destinations: []events.Destination{&offers{}}})
	d.Once(context.Background())
	if !slices.Equal(o.seen, []int64{10}) {
		t.Errorf("the count when the delete was done: %v, want [10]", o.seen)
	}
}

// sends is a Destination that accepts everything and records when each offer came and
// what it held.
type sends struct {
	mu     sync.Mutex
	at     []time.Time
	bodies [][]string
}

func (d *sends) Send(_ context.Context, evs []store.OutboxEvent, accepted []bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var bodies []string
	for i, e := range evs {
		bodies = append(bodies, e.Body)
		accepted[i] = true
	}
	d.at, d.bodies = append(d.at, time.Now()), append(d.bodies, bodies)
	return nil
}

// waitSends waits until d has n offers, then returns their times and bodies.
func (d *sends) waitSends(t *testing.T, n int) ([]time.Time, [][]string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		d.mu.Lock()
		at, bodies := slices.Clone(d.at), slices.Clone(d.bodies)
		d.mu.Unlock()
		if len(at) >= n {
			return at, bodies
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d offers after 10 s, want %d: %v", len(at), n, bodies)
		}
	}
}

// TestLinger: with Options.Linger, the first event after a quiet spell goes at once; those
// committed within the linger after a look wait for its end and go out together; a look
// that finds a full read is followed at once, and Run stops without waiting the linger out.
func TestLinger(t *testing.T) {
	const linger = time.Second
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dst := &sends{}
	d := events.New(events.Options{Outbox: st, Chunk: 100, Linger: linger, Poll: time.Hour, Destinations: []events.Destination{dst}})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { d.Run(ctx); close(stopped) }()

	time.Sleep(linger + 100*time.Millisecond) // past the linger of Run's first look
	committed := time.Now()
	commitEvents(t, st, "a", 1)
	d.Kick()
	at, _ := dst.waitSends(t, 1)
	if lag := at[0].Sub(committed); lag > linger/2 {
		t.Errorf("the first event after a quiet spell went %v after its commit, want at once (under %v)", lag, linger/2)
	}

	for i := range 5 {
		commitEvents(t, st, fmt.Sprintf("b%d", i), 1)
		d.Kick()
		time.Sleep(20 * time.Millisecond)
	}
	at, bodies := dst.waitSends(t, 2)
	if len(at) != 2 || len(bodies[1]) != 5 {
		t.Errorf("offers %v, want [a000] then the five b events in one", bodies)
	}
	// The look that sent a000 began before it was sent, by far less than this slack.
	if gap := at[1].Sub(at[0]); gap < linger-100*time.Millisecond {
		t.Errorf("events committed during the linger went %v after the last look, want about %v", gap, linger)
	}

	time.Sleep(linger + 100*time.Millisecond)
	commitEvents(t, st, "c", 250)
	d.Kick()
	at, bodies = dst.waitSends(t, 5)
	if sizes := []int{len(bodies[2]), len(bodies[3]), len(bodies[4])}; !slices.Equal(sizes, []int{100, 100, 50}) {
		t.Errorf("250 events went in offers of %v, want 100, 100, 50", sizes)
	}
	if span := at[4].Sub(at[2]); span > linger/2 {
		t.Errorf("full reads were %v apart, want each followed at once (under %v)", span, linger/2)
	}

	commitEvents(t, st, "d", 1)
	d.Kick() // Run lingers now: its last look was just now
	time.Sleep(50 * time.Millisecond)
	cancelled := time.Now()
	cancel()
	<-stopped
	if took := time.Since(cancelled); took > linger/2 {
		t.Errorf("Run took %v to stop while lingering, want at once", took)
	}
}

// readCounter is a SQLite store (which feeds its outbox) that counts the reads of its
// outbox's head.
type readCounter struct {
	*sqlite.Store
	mu    sync.Mutex
	reads int
}

func (s *readCounter) HeadOutbox(ctx context.Context, limit int) ([]store.OutboxEvent, error) {
	s.mu.Lock()
	s.reads++
	s.mu.Unlock()
	return s.Store.HeadOutbox(ctx, limit)
}

func (s *readCounter) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// TestFedDeliverer: a Deliverer on a store that feeds its outbox sends the events it was fed
// without reading them back: one read of the outbox at its start, then none while the feed
// tells it all, every event once and in commit order. Events that another process on the
// same file committed are not fed: the next feed says so, and the Deliverer reads the outbox
// and sends them first, in order. A failed delivery makes it read too (the retry waits in the
// outbox).
func TestFedDeliverer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := &readCounter{Store: st}
	var mu sync.Mutex
	sent := map[string][]string{}
	var seq []string
	dst := &failing{tally: tally{name: "d", mu: &mu, sent: sent, seq: &seq}}
	// Poll long enough that no read comes from it during the test.
	d := events.New(events.Options{Outbox: o, Poll: time.Hour, MinBackoff: 10 * time.Millisecond, Destinations: []events.Destination{dst}})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { d.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	waitSent := func(n int) {
		t.Helper()
		waitFor(t, fmt.Sprint(n, " events sent"), func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(seq) >= n
		})
	}
	commit := func(s store.Store, prefix string, n int) {
		t.Helper()
		for i := range n {
			commitEvents(t, s, fmt.Sprintf("%s%03d", prefix, i), 1)
			d.Kick() // as the runner does after a commit with events
		}
	}
	waitFor(t, "the first read", func() bool { return o.count() == 1 })
	commit(st, "a", 250)
	waitSent(250)
	if n := o.count(); n != 1 {
		t.Errorf("%d reads of the outbox for 250 events fed, want the first one only", n)
	}

	// Another process's events, then ours: theirs are read, and go first.
	other, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	commitEvents(t, other, "b", 3)
	commit(st, "c", 3)
	waitSent(256)
	if n := o.count(); n < 2 {
		t.Errorf("%d reads of the outbox, want another after another process's commit", n)
	}

	// A refusal: the event waits for its retry in the outbox, and is read from there.
	reads := o.count()
	dst.refuse(1)
	commit(st, "d", 2)
	waitSent(258)
	if n := o.count(); n <= reads {
		t.Errorf("no read of the outbox after a failed delivery")
	}

	mu.Lock()
	defer mu.Unlock()
	var want []string
	for i := range 250 {
		want = append(want, fmt.Sprintf("a%03d000", i))
	}
	want = append(want, "b000", "b001", "b002", "c000000", "c001000", "c002000", "d000000", "d001000")
	if !slices.Equal(seq, want) {
		t.Errorf("sent %v, want %v", seq[min(250, len(seq)):], want[250:])
	}
	for body, by := range sent {
		if len(by) != 1 {
			t.Errorf("event %s sent %d times", body, len(by))
		}
	}
}

// failing is a tally that refuses the next n offers (refuse).
type failing struct {
	tally
	n int
}

func (d *failing) refuse(n int) {
	d.mu.Lock()
	d.n = n
	d.mu.Unlock()
}

func (d *failing) Send(ctx context.Context, evs []store.OutboxEvent, accepted []bool) error {
	d.mu.Lock()
	if d.n > 0 {
		d.n--
		d.mu.Unlock()
		return errors.New("refused")
	}
	d.mu.Unlock()
	return d.tally.Send(ctx, evs, accepted)
}

// picky is a Destination that refuses the bodies in refuse, once each, and accepts the rest;
// it records every body offered, in order, and calls after(body) for each.
type picky struct {
	refuse  map[string]bool
	offered []string
	after   func(body string)
}

func (d *picky) Send(_ context.Context, evs []store.OutboxEvent, accepted []bool) error {
	for i, e := range evs {
		d.offered = append(d.offered, e.Body)
		accepted[i] = !d.refuse[e.Body]
		delete(d.refuse, e.Body)
		if d.after != nil {
			d.after(e.Body)
		}
	}
	return nil
}

// losable is an outbox whose lease can be lost: while lost, no one can take it.
type losable struct {
	store.Outbox
	lost bool
}

func (o *losable) LeaseOutbox(ctx context.Context, owner string, now, until time.Time) (bool, error) {
	if o.lost {
		return false, nil
	}
	return o.Outbox.LeaseOutbox(ctx, owner, now, until)
}

// TestRowOfTwoEvents: a row of the outbox that holds two events (an execution started and
// ended in one step, store.JoinStarted, or such a change rewritten whole by the retention
// purge) is sent as two events, and deleted only when both were delivered: when the second
// is refused, or its chunk is not sent (the lease lost), the row waits whole and both go
// again.
func TestRowOfTwoEvents(t *testing.T) {
	for _, tc := range []struct {
		name      string
		chunk     int
		refuse    string // the body refused once
		loseAfter string // the body after which the lease is lost
		left      []string
		offered   []string // by the first delivery
	}{
		{name: "refused, chunks of 1", chunk: 1, refuse: "b2", left: []string{"b1\nb2", "c"}, offered: []string{"a", "b1", "b2"}},
		// In one chunk, c is accepted after b2 is refused, and is done.
		{name: "refused, one chunk", chunk: 32, refuse: "b2", left: []string{"b1\nb2"}, offered: []string{"a", "b1", "b2", "c"}},
		{name: "lease lost", chunk: 2, loseAfter: "b1", left: []string{"b1\nb2", "c"}, offered: []string{"a", "b1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for i, body := range []string{"a", "b1\nb2", "c"} {
				e := &store.Execution{Arn: fmt.Sprint("arn:aws:states:us-east-1:123456789012:execution:sm:e", i),
					StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", Name: fmt.Sprint("e", i),
					Status: "RUNNING", Input: "{}", StartedAt: time.Now(), State: "{}"}
				ev := history.Event{ID: 1, Type: "ExecutionStarted", Timestamp: history.Time{Time: time.Now()}}
				if err := st.CreateExecution(ctx, store.Commit{Execution: e, Events: []history.Event{ev}, Outbox: []string{body}}); err != nil {
					t.Fatal(err)
				}
			}
			now := time.Now()
			o := &losable{Outbox: st}
			dst := &picky{refuse: map[string]bool{tc.refuse: true}, after: func(body string) {
				if body == tc.loseAfter {
					o.lost, now = true, now.Add(time.Hour) // the next chunk must renew the lease, and cannot
					tc.loseAfter = ""
				}
			}}
			d := events.New(events.Options{Outbox: o, Destinations: []events.Destination{dst}, Chunk: tc.chunk,
				Lease: time.Minute, MinBackoff: time.Second, Now: func() time.Time { return now }})
			d.Once(ctx)
			left, err := st.HeadOutbox(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			var bodies []string
			for _, e := range left {
				bodies = append(bodies, e.Body)
			}
			if !slices.Equal(bodies, tc.left) {
				t.Fatalf("after the first delivery the outbox holds %q, want %q", bodies, tc.left)
			}
			if !slices.Equal(dst.offered, tc.offered) {
				t.Fatalf("the first delivery offered %q, want %q", dst.offered, tc.offered)
			}
			o.lost, now = false, now.Add(time.Hour)
			for d.Once(ctx) {
			}
			if left, err := st.HeadOutbox(ctx, 10); err != nil || len(left) != 0 {
				t.Fatalf("outbox after delivery: %d events, %v; want none", len(left), err)
			}
			var want []string
			for _, b := range tc.left {
				want = append(want, strings.Split(b, "\n")...)
			}
			if again := dst.offered[len(tc.offered):]; !slices.Equal(again, want) {
				t.Errorf("then offered %q, want %q", again, want)
			}
		})
	}
}
