package events

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/store"
)

// Destination receives events. Send offers events, oldest first, and sets accepted[i] for
// each event the destination has accepted (accepted is as long as events, all false on the
// call); it returns nil only when it accepted every one of them, else why not. It may accept
// events past one it refused, but never an execution's event past one of the same
// execution's that it refused.
type Destination interface {
	Send(ctx context.Context, events []store.OutboxEvent, accepted []bool) error
}

// Options configure a Deliverer.
type Options struct {
	Outbox       store.Outbox
	Destinations []Destination
	// Owner names this Deliverer in the outbox's lease (a new UUID when empty).
	Owner string
	// Poll bounds the sleep between looks at the outbox when nothing wakes the Deliverer
	// (events committed by other nodes, retries coming due, a lease to take). Default 1 s.
	Poll time.Duration
	// Lease is how long the outbox is this Deliverer's after each renewal (default 30 s):
	// another node's Deliverer takes it over only once it lapses, which is how long events
	// wait after their Deliverer dies. It is renewed when half of it is left, and before a
	// chunk of events is sent, so it must outlast a chunk's delivery.
	Lease time.Duration
	// MinBackoff and MaxBackoff bound the wait before a failed event is sent again: it
	// doubles with every failed attempt (default 1 s and 5 min).
	MinBackoff, MaxBackoff time.Duration
	// Chunk is the most events offered to the destinations at once (default DefaultChunk, at
	// most readBatch): a webhook that batches is offered its batch.
	Chunk int
	// Linger is the least time from one look at the outbox to the next while events keep
	// coming (0: none): woken sooner, the Deliverer waits out the rest, so that what commits
	// meanwhile goes out in the same requests. A look that finds a full read (readBatch
	// events) is followed at once, and the first event after a quiet spell goes at once.
	Linger time.Duration
	Logger *slog.Logger
	// Region and Account are the events' (Build): those of the server whose executions they
	// report.
	Region, Account string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Deliverer sends the outbox's events to its destinations.
type Deliverer struct {
	o    Options
	wake chan struct{}

	// Delivered and Failed count events sent and delivery attempts that failed.
	Delivered, Failed atomic.Int64

	// leaseUntil is when the lease this Deliverer holds lapses (zero: none); due when the
	// event at the outbox's head may be tried again (zero: none waits). Only Once uses them.
	leaseUntil, due time.Time

	mu   sync.Mutex
	lags []time.Duration // the last lagKept delivery lags, a ring
	next int

	// From a store that feeds its outbox (store.OutboxFeed): fed are the events it told of,
	// in id order, not yet taken; lost is set when they may not be all there is (more came
	// than fed holds, or the store said others wrote to the outbox). exact, only Once's, is
	// set while every event in the outbox past the id seen is in fed or in a feed to come:
	// Once then sends from fed and reads the outbox only when exact was cleared (a read that
	// found more than it sends at once, a failure, a retry waiting, the lease lost, lost) or
	// a Poll interval after its last read (read).
	feeding bool
	feedMu  sync.Mutex
	fed     []store.OutboxEvent
	lost    bool
	exact   bool
	seen    int64
	read    time.Time
}

// maxFed bounds the events a feed holds for Once; past it they are dropped and read from
// the outbox.
const maxFed = 10 * readBatch

const lagKept = 4096

// New returns a Deliverer; Run runs it.
func New(o Options) *Deliverer {
	if o.Owner == "" {
		o.Owner = ids.UUID()
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.Chunk <= 0 {
		o.Chunk = DefaultChunk
	}
	o.Chunk = min(o.Chunk, readBatch)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := &Deliverer{o: o, wake: make(chan struct{}, 1)}
	if f, ok := o.Outbox.(store.OutboxFeed); ok {
		d.feeding = true
		f.FeedOutbox(d.feed)
	}
	return d
}

// feed is the store's feed of the events its commits wrote (store.OutboxFeed).
func (d *Deliverer) feed(evs []store.OutboxEvent, others bool) {
	d.feedMu.Lock()
	defer d.feedMu.Unlock()
	if others || d.lost || len(d.fed)+len(evs) > maxFed {
		d.fed, d.lost = nil, true
		return
	}
	d.fed = append(d.fed, evs...)
}

// take returns the first events fed, up to n, past the id seen; ok is false when the feed
// may not hold all there is (lost), and the outbox must be read instead.
func (d *Deliverer) take(n int) (evs []store.OutboxEvent, ok bool) {
	d.feedMu.Lock()
	defer d.feedMu.Unlock()
	if d.lost {
		return nil, false
	}
	i := 0
	for i < len(d.fed) && d.fed[i].ID <= d.seen {
		i++ // read from the outbox already
	}
	end := min(i+n, len(d.fed))
	evs = slices.Clone(d.fed[i:end])
	d.fed = d.fed[end:]
	return evs, true
}

// forget drops what was fed so far, before a read of the outbox, which holds it all: what
// is fed after holds the ids past the read's.
func (d *Deliverer) forget() {
	d.feedMu.Lock()
	d.fed, d.lost = nil, false
	d.feedMu.Unlock()
}

// DefaultLinger is serve's --events-linger, and MaxLinger its largest value. Under the chain
// bench with batches of 100 on SQLite, the throughput was 0.88 times what it was without
// events reading as soon as an event committed, and 0.90 lingering 20 ms (two runs of 10
// and 12 rounds; 0.92 at 50 ms in an earlier experiment), while the delivery lag's median
// went from 3.5 to 10 ms (BENCHMARKS.md, 2026-12-06). Reads and deletes cost per look, not
// per event. One event a request gained nothing (0.72 either way): its requests cost.
const (
	DefaultLinger = 20 * time.Millisecond
	MaxLinger     = time.Minute
)

// Kick wakes the Deliverer: events are waiting.
func (d *Deliverer) Kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers events until ctx ends, then gives up its lease so that another node, or the
// next start, takes the outbox at once.
func (d *Deliverer) Run(ctx context.Context) {
	defer func() {
		if d.leaseUntil.IsZero() {
			return
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := d.o.Outbox.ReleaseOutbox(rctx, d.o.Owner); err != nil {
			d.o.Logger.Error("release the event outbox", "err", err)
		}
	}()
	t := time.NewTimer(0)
	defer t.Stop()
	var looked time.Time // when the last look at the outbox began
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
		if rest := d.o.Linger - time.Since(looked); rest > 0 {
			t.Reset(rest)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		looked = time.Now()
		for ctx.Err() == nil && d.Once(ctx) {
		}
		wait := d.o.Poll
		if !d.due.IsZero() {
			wait = min(wait, max(d.due.Sub(d.o.Now()), time.Millisecond))
		}
		t.Reset(wait)
	}
}

// readBatch bounds the events read at once; DefaultChunk those offered to the destinations
// at once unless Options.Chunk says otherwise. A webhook sending one event a request sends
// an offer's events concurrently and the next offer waits for the slowest of them, so the
// offer bounds its throughput: with offers of 10 it fell behind at 3,600 events a second
// (lag p50 440 to 580 ms), with 32 it kept up (14 to 21 ms). EventBridge puts an offer in
// calls of PutEvents' 10 entries at most.
const (
	readBatch    = 100
	DefaultChunk = 32
)

// hold reports whether this Deliverer holds the outbox's lease for at least half a lease
// more, renewing it (or taking it, if it is free) when less is left.
func (d *Deliverer) hold(ctx context.Context) bool {
	now := d.o.Now()
	if now.Add(d.o.Lease / 2).Before(d.leaseUntil) {
		return true
	}
	until := now.Add(d.o.Lease)
	held, err := d.o.Outbox.LeaseOutbox(ctx, d.o.Owner, now, until)
	if err != nil {
		if ctx.Err() == nil {
			d.o.Logger.Error("lease the event outbox", "err", err)
		}
		held = false
	}
	d.leaseUntil = time.Time{}
	if held {
		d.leaseUntil = until
	}
	return held
}

// build gives the status changes kept by reference their events, built from their
// executions' rows, and leaves out (returning their ids) those whose execution is gone,
// which cannot be built. The retention purge rewrites an execution's waiting changes whole
// before it deletes it (store.Purge.Freeze), so only a store changed by hand has such an
// event; it is logged. A row holding two events (a change kept with the RUNNING one before
// it, or such a change rewritten whole: Build) gives two, with the row's id: the row is
// deleted only when both are delivered (Once).
func (d *Deliverer) build(evs []store.OutboxEvent) (kept []store.OutboxEvent, gone []int64) {
	kept = make([]store.OutboxEvent, 0, len(evs)+len(evs)/2)
	for _, e := range evs {
		if e.Change != nil {
			if e.Execution == nil {
				d.o.Logger.Error("status change event of an execution no longer stored: dropped", "event", e.ID,
					"status", e.Change.Status, "event_id", e.Change.EventID)
				gone = append(gone, e.ID)
				continue
			}
			c, row := e.Change, e.Execution
			e.Change, e.Execution = nil, nil
			for _, body := range buildAll(c, row, d.o.Region, d.o.Account) {
				e.Body = body
				kept = append(kept, e)
			}
			continue
		}
		if !strings.Contains(e.Body, "\n") { // one event, as most whole ones are
			kept = append(kept, e)
			continue
		}
		for line := range strings.SplitSeq(e.Body, "\n") {
			e.Body = line
			kept = append(kept, e)
		}
	}
	return kept, gone
}

// Once sends one batch of the oldest events, if this Deliverer holds (or can take) the
// outbox; it reports whether it sent a full batch (more may wait). It is not safe for
// concurrent use: Run calls it from one goroutine.
func (d *Deliverer) Once(ctx context.Context) bool {
	if !d.hold(ctx) {
		d.exact = false
		if d.feeding {
			d.forget() // the holder sends them
		}
		return false
	}
	// exact is set again at the end only if every event of this batch is done: one that
	// waits for a retry stays in the outbox, for a read to find.
	evs, exact, err := d.oldest(ctx)
	d.exact = false
	if err != nil {
		if ctx.Err() == nil {
			d.o.Logger.Error("read events", "err", err)
		}
		return false
	}
	evs, gone := d.build(evs)
	if len(gone) > 0 {
		if err := d.o.Outbox.DeleteOutbox(context.WithoutCancel(ctx), gone); err != nil {
			d.o.Logger.Error("delete events of executions gone", "err", err)
		}
	}
	// No event is sent past one whose retry is not due: events go out in order.
	now := d.o.Now()
	d.due = time.Time{}
	for i, e := range evs {
		if e.RetryAt.After(now) {
			evs, d.due = evs[:i], e.RetryAt
			break
		}
	}
	if len(evs) == 0 {
		d.exact = exact && d.due.IsZero()
		return false
	}
	// Events go out in commit order, in chunks of Options.Chunk, each to every destination in
	// turn; a destination is offered only the events every destination before it accepted.
	// An event is done once every destination accepted it. After a chunk with an event not
	// done, the chunks after it are not sent: the events not done wait for a retry, all until
	// the same time (the first one's backoff), so that the order holds on the next try. A
	// chunk is sent only under a lease renewed for it; one that cannot be renewed (another
	// node took the outbox) leaves the rest of the batch as it is.
	var sendErr error
	sent := 0 // the events of the chunks sent
	ok := make([]bool, len(evs))
	for start := 0; start < len(evs) && sendErr == nil && d.hold(ctx); start += d.o.Chunk {
		chunk := evs[start:min(start+d.o.Chunk, len(evs))]
		sent = start + len(chunk)
		for i := range chunk {
			ok[start+i] = true
		}
		for _, dst := range d.o.Destinations {
			var offer []store.OutboxEvent
			var at []int
			for i, e := range chunk {
				if ok[start+i] {
					offer, at = append(offer, e), append(at, start+i)
				}
			}
			if len(offer) == 0 {
				break
			}
			accepted := make([]bool, len(offer))
			err := dst.Send(ctx, offer, accepted)
			for j, i := range at {
				ok[i] = accepted[j]
			}
			if err != nil {
				sendErr = err
			} else if slices.Contains(accepted, false) {
				sendErr = fmt.Errorf("a destination (%T) refused events without saying why", dst)
			}
		}
		now := d.o.Now()
		for i, e := range chunk {
			if ok[start+i] {
				d.record(now.Sub(e.CreatedAt))
			}
		}
	}
	// A row is deleted once every event of it is delivered (a row can hold two, build); one
	// with an event refused or not sent waits, whole, and its delivered events go again.
	var done, retry []int64 // row ids, in order, each once
	var wait time.Duration
	delivered := 0
	for i, e := range evs[:sent] {
		if ok[i] {
			delivered++
			if len(done) == 0 || done[len(done)-1] != e.ID {
				done = append(done, e.ID)
			}
			continue
		}
		if wait == 0 {
			d.Failed.Add(1)
			wait = min(d.o.MinBackoff<<min(e.Attempts, 20), d.o.MaxBackoff)
			d.o.Logger.Warn("event delivery failed", "event", e.ID, "attempts", e.Attempts+1, "retry_in", wait, "err", sendErr)
		}
		retry = append(retry, e.ID)
	}
	if sent < len(evs) && len(done) > 0 && done[len(done)-1] == evs[sent].ID {
		done = done[:len(done)-1] // the rest of its row was not sent
	}
	if sendErr != nil {
		// The events of the chunks not sent wait too: none goes out before those refused.
		for _, e := range evs[sent:] {
			retry = append(retry, e.ID)
		}
		retry = slices.Compact(retry)
		done = slices.DeleteFunc(done, func(id int64) bool { _, found := slices.BinarySearch(retry, id); return found })
		d.due = d.o.Now().Add(wait)
		if err := d.o.Outbox.RetryOutbox(context.WithoutCancel(ctx), retry, d.due); err != nil {
			d.o.Logger.Error("record event retry", "events", len(retry), "err", err)
		}
	}
	// Counted before the delete: whoever sees the outbox empty (the bench waiting for it) sees
	// them counted. Counted after, the last ones could still be missing from the count.
	d.Delivered.Add(int64(delivered))
	if err := d.o.Outbox.DeleteOutbox(context.WithoutCancel(ctx), done); err != nil {
		// They will be sent again (and counted again): at least once.
		d.o.Logger.Error("delete delivered events", "err", err)
		exact = false
	}
	d.exact = exact && sendErr == nil && d.due.IsZero() && sent == len(evs)
	return len(done) == readBatch
}

// oldest returns the oldest events, up to readBatch: from the feed while it is exact and
// was read from the outbox less than a Poll interval ago (another process on the same
// SQLite file, or a store changed by hand, show within one), else from the outbox. exact is
// whether the feed then holds every event past those returned: taken from an exact feed, or
// read from the outbox and found all it held.
func (d *Deliverer) oldest(ctx context.Context) (evs []store.OutboxEvent, exact bool, err error) {
	if d.exact && d.o.Now().Sub(d.read) < d.o.Poll {
		if evs, ok := d.take(readBatch); ok {
			return evs, true, nil
		}
	}
	if d.feeding {
		d.forget()
		d.read = d.o.Now()
	}
	if evs, err = d.o.Outbox.HeadOutbox(ctx, readBatch); err != nil {
		return nil, false, err
	}
	exact = d.feeding && len(evs) < readBatch
	if exact && len(evs) > 0 {
		d.seen = evs[len(evs)-1].ID
	}
	return evs, exact, nil
}

func (d *Deliverer) record(lag time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.lags) < lagKept {
		d.lags = append(d.lags, lag)
		return
	}
	d.lags[d.next] = lag
	d.next = (d.next + 1) % lagKept
}

// Lag returns the q-quantile (0 to 1) of the last deliveries' lags (the time from the
// commit that wrote an event to its delivery), 0 when none was delivered.
func (d *Deliverer) Lag(q float64) time.Duration {
	d.mu.Lock()
	s := slices.Clone(d.lags)
	d.mu.Unlock()
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// String describes the lag for logs.
func (d *Deliverer) String() string {
	return "delivered=" + strconv.FormatInt(d.Delivered.Load(), 10) + " p50=" + d.Lag(0.5).String() + " p99=" + d.Lag(0.99).String()
}
