package events

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// Destination receives events. Send offers events, oldest first, and sets accepted[i] for
// each event the destination has accepted (accepted is as long as events, all false on the
// call); it returns nil only when it accepted every one of them, else why not. A destination
// that sends one event at a time stops at the first refusal; one that sends batches (PutEvents)
// may accept events past one it refused.
type Destination interface {
	Send(ctx context.Context, events []store.OutboxEvent, accepted []bool) error
}

// SignatureHeader carries the webhook's signature: "sha256=" and the hex HMAC-SHA256 of the
// request body under the shared secret.
const SignatureHeader = "X-Stepwise-Signature"

// Sign returns the value of SignatureHeader for body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Webhook POSTs each event, alone, as the request body (Content-Type application/json),
// signed with Secret when it is set; any 2xx answer accepts it.
type Webhook struct {
	URL    string
	Secret string
	// Client makes the requests (nil: a client with a 10 s timeout).
	Client *http.Client
}

var defaultClient = &http.Client{Timeout: 10 * time.Second}

func (w *Webhook) Send(ctx context.Context, evs []store.OutboxEvent, accepted []bool) error {
	client := w.Client
	if client == nil {
		client = defaultClient
	}
	for i, e := range evs {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader([]byte(e.Body)))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if w.Secret != "" {
			req.Header.Set(SignatureHeader, Sign([]byte(w.Secret), []byte(e.Body)))
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("webhook %s answered %s", w.URL, resp.Status)
		}
		accepted[i] = true
	}
	return nil
}

// Options configure a Deliverer.
type Options struct {
	Outbox       store.Outbox
	Destinations []Destination
	// Poll bounds the sleep between looks at the outbox when nothing wakes the Deliverer
	// (events committed by other nodes, retries coming due). Default 1 s.
	Poll time.Duration
	// Claim is how long a claimed event is this Deliverer's before another may send it
	// (default 30 s): longer than a delivery takes.
	Claim time.Duration
	// MinBackoff and MaxBackoff bound the wait before a failed event is sent again: it
	// doubles with every failed attempt (default 1 s and 5 min).
	MinBackoff, MaxBackoff time.Duration
	Logger                 *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Deliverer sends the outbox's events to its destinations.
type Deliverer struct {
	o    Options
	wake chan struct{}

	// Delivered and Failed count events sent and delivery attempts that failed.
	Delivered, Failed atomic.Int64

	mu   sync.Mutex
	lags []time.Duration // the last lagKept delivery lags, a ring
	next int
}

const lagKept = 4096

// New returns a Deliverer; Run runs it.
func New(o Options) *Deliverer {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Claim <= 0 {
		o.Claim = 30 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Deliverer{o: o, wake: make(chan struct{}, 1)}
}

// Kick wakes the Deliverer: events are waiting.
func (d *Deliverer) Kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers events until ctx ends.
func (d *Deliverer) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
		for ctx.Err() == nil && d.Once(ctx) {
		}
		t.Reset(d.o.Poll)
	}
}

// batch bounds the events claimed at once; sendChunk those offered to the destinations at
// once (PutEvents' limit: a larger chunk would only delay the first events' delivery).
const (
	batch     = 100
	sendChunk = 10
)

// Once claims and sends one batch of events; it reports whether it found a full batch
// (more may wait).
func (d *Deliverer) Once(ctx context.Context) bool {
	now := d.o.Now()
	evs, err := d.o.Outbox.ClaimOutbox(ctx, now, now.Add(d.o.Claim), batch)
	if err != nil {
		if ctx.Err() == nil {
			d.o.Logger.Error("claim events", "err", err)
		}
		return false
	}
	if len(evs) == 0 {
		return false
	}
	// Events go out in commit order, in chunks of sendChunk, each to every destination in
	// turn; a destination is offered only the events every destination before it accepted.
	// An event is done once every destination accepted it. After a chunk with an event not
	// done, the chunks after it are not sent: the events not done wait for a retry, all until
	// the same time (the first one's backoff), so that the order holds on the next try.
	var sendErr error
	ok := make([]bool, len(evs))
	for start := 0; start < len(evs) && sendErr == nil; start += sendChunk {
		chunk := evs[start:min(start+sendChunk, len(evs))]
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
	var done []int64
	var wait time.Duration
	for i, e := range evs {
		if ok[i] {
			done = append(done, e.ID)
			continue
		}
		if wait == 0 {
			d.Failed.Add(1)
			wait = min(d.o.MinBackoff<<min(e.Attempts, 20), d.o.MaxBackoff)
			d.o.Logger.Warn("event delivery failed", "event", e.ID, "attempts", e.Attempts+1, "retry_in", wait, "err", sendErr)
		}
		if err := d.o.Outbox.RetryOutbox(context.WithoutCancel(ctx), e.ID, d.o.Now().Add(wait)); err != nil {
			d.o.Logger.Error("record event retry", "event", e.ID, "err", err)
		}
	}
	if err := d.o.Outbox.DeleteOutbox(context.WithoutCancel(ctx), done); err != nil {
		// They will be sent again once their claim lapses: at least once.
		d.o.Logger.Error("delete delivered events", "err", err)
	}
	d.Delivered.Add(int64(len(done)))
	return len(done) == batch
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
