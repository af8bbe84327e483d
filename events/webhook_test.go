package events

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// TestExecutionOf: the key that keeps an execution's events in order is the execution's ARN,
// whatever its input holds.
func TestExecutionOf(t *testing.T) {
	for _, in := range []string{`{"i":0}`, `{"resources":["arn:evil"],"detail":1}`, `"resources":["`, "x\"y"} {
		e := sample("e1")
		e.Input = in
		if got := executionOf(StatusChange(e, "us-east-1", "123456789012", "")); got != e.Arn {
			t.Errorf("input %q: executionOf = %q, want %q", in, got, e.Arn)
		}
	}
	for _, body := range []string{``, `{}`, `{"detail":{"resources":["x"]}}`, `{"resources":["`, `{"resources":[""]}`} {
		if got := executionOf(body); got != "" {
			t.Errorf("executionOf(%q) = %q, want \"\"", body, got)
		}
	}
}

// hook is a webhook receiver that records each request's body and how many were in flight
// at once; it refuses (503) the events whose body contains refuse, and takes delay to answer.
type hook struct {
	secret   string
	refuse   string
	delay    time.Duration
	mu       sync.Mutex
	bodies   []string
	inFlight atomic.Int32
	most     atomic.Int32
	badSig   atomic.Int32
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	for m := h.most.Load(); n > m && !h.most.CompareAndSwap(m, n); m = h.most.Load() {
	}
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get(SignatureHeader) != Sign([]byte(h.secret), body) {
		h.badSig.Add(1)
	}
	time.Sleep(h.delay)
	if h.refuse != "" && strings.Contains(string(body), h.refuse) {
		http.Error(w, "no", http.StatusServiceUnavailable)
		return
	}
	h.mu.Lock()
	h.bodies = append(h.bodies, string(body))
	h.mu.Unlock()
}

// offer is an offer of events: executions a, b, c, d, e, each RUNNING then SUCCEEDED, as the
// outbox holds them (a's two first, then the others interleaved).
func offer() []store.OutboxEvent {
	var evs []store.OutboxEvent
	add := func(name, status string) {
		e := sample(name)
		e.Status = status
		evs = append(evs, store.OutboxEvent{ID: int64(len(evs) + 1), Body: StatusChange(e, "us-east-1", "123456789012", "")})
	}
	add("a", "RUNNING")
	add("a", "SUCCEEDED")
	for _, status := range []string{"RUNNING", "SUCCEEDED"} {
		for _, name := range []string{"b", "c", "d", "e"} {
			add(name, status)
		}
	}
	return evs
}

func statusOf(body string) (name, status string) {
	var ev struct{ Detail struct{ Name, Status string } }
	json.Unmarshal([]byte(body), &ev)
	return ev.Detail.Name, ev.Detail.Status
}

// TestWebhookConcurrent: one event a request, several requests in flight, but an
// execution's events one after the other and in order; a refused event stops its
// execution's later events, and only those.
func TestWebhookConcurrent(t *testing.T) {
	h := &hook{secret: "s", delay: 20 * time.Millisecond, refuse: `"name":"c","status":"RUNNING"`}
	srv := httptest.NewServer(h)
	defer srv.Close()
	evs := offer()
	accepted := make([]bool, len(evs))
	err := (&Webhook{URL: srv.URL, Secret: h.secret}).Send(context.Background(), evs, accepted)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("Send = %v, want the refusal", err)
	}
	if h.badSig.Load() != 0 {
		t.Errorf("%d requests badly signed", h.badSig.Load())
	}
	if h.most.Load() < 2 {
		t.Errorf("at most %d request in flight: the executions were not sent concurrently", h.most.Load())
	}
	var got []string
	for _, b := range h.bodies {
		name, status := statusOf(b)
		got = append(got, name+" "+status)
	}
	for i, e := range evs {
		name, status := statusOf(e.Body)
		want := name != "c"
		if accepted[i] != want || slices.Contains(got, name+" "+status) != want {
			t.Errorf("%s %s: accepted %v, received %v, want %v", name, status, accepted[i], slices.Contains(got, name+" "+status), want)
		}
	}
	for _, name := range []string{"a", "b", "d", "e"} {
		if i, j := slices.Index(got, name+" RUNNING"), slices.Index(got, name+" SUCCEEDED"); i < 0 || j < i {
			t.Errorf("%s: RUNNING received at %d, SUCCEEDED at %d: %v", name, i, j, got)
		}
	}
	// A webhook that refuses everything: one error, saying how many executions it refused.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }))
	defer down.Close()
	err = (&Webhook{URL: down.URL}).Send(context.Background(), evs, make([]bool, len(evs)))
	if err == nil || !strings.HasPrefix(err.Error(), "5 executions' events refused, the first: webhook") || strings.Count(err.Error(), "502") != 1 {
		t.Errorf("Send to a webhook that is down = %v", err)
	}
}

// TestWebhookBatch: with Batch, each request is a JSON array of up to Batch events, in the
// outbox's order, signed as one body; a refused request refuses all it carried and the
// requests after it are not sent.
func TestWebhookBatch(t *testing.T) {
	h := &hook{secret: "s"}
	srv := httptest.NewServer(h)
	defer srv.Close()
	evs := offer()
	accepted := make([]bool, len(evs))
	if err := (&Webhook{URL: srv.URL, Secret: h.secret, Batch: 4}).Send(context.Background(), evs, accepted); err != nil {
		t.Fatal(err)
	}
	if h.badSig.Load() != 0 || slices.Contains(accepted, false) {
		t.Errorf("%d requests badly signed, accepted %v", h.badSig.Load(), accepted)
	}
	var sizes []int
	var got []string
	for _, b := range h.bodies {
		var batch []json.RawMessage
		if err := json.Unmarshal([]byte(b), &batch); err != nil {
			t.Fatalf("request body is not a JSON array: %v: %s", err, b)
		}
		sizes = append(sizes, len(batch))
		for _, ev := range batch {
			got = append(got, string(ev))
		}
	}
	var want []string
	for _, e := range evs {
		want = append(want, e.Body)
	}
	if !slices.Equal(sizes, []int{4, 4, 2}) || !slices.Equal(got, want) {
		t.Errorf("requests of %v events; events in order: %v", sizes, slices.Equal(got, want))
	}

	h = &hook{secret: "s", refuse: `"name":"c","status":"SUCCEEDED"`}
	srv2 := httptest.NewServer(h)
	defer srv2.Close()
	accepted = make([]bool, len(evs))
	if err := (&Webhook{URL: srv2.URL, Batch: 4}).Send(context.Background(), evs, accepted); err == nil {
		t.Error("Send accepted a refused request")
	}
	// evs[6] (c SUCCEEDED) is in the second request: the first is accepted, nothing after.
	if want := []bool{true, true, true, true, false, false, false, false, false, false}; !slices.Equal(accepted, want) {
		t.Errorf("accepted %v, want %v", accepted, want)
	}
	if len(h.bodies) != 1 {
		t.Errorf("%d requests accepted, want 1 (the one before the refusal; none after it)", len(h.bodies))
	}
}

// TestWebhookBatchBody: a batch ends before the event that would take its body past
// MaxWebhookBody; an event larger than that alone goes in a request of its own.
func TestWebhookBatchBody(t *testing.T) {
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	big := func(id int64, n int) store.OutboxEvent {
		return store.OutboxEvent{ID: id, Body: `{"x":"` + strings.Repeat("a", n) + `"}`}
	}
	// 3 × 400 KB: the third would pass 1 MiB; then one of 1.5 MiB alone; then two small.
	evs := []store.OutboxEvent{big(1, 400<<10), big(2, 400<<10), big(3, 400<<10), big(4, 3<<19), big(5, 10), big(6, 10)}
	accepted := make([]bool, len(evs))
	if err := (&Webhook{URL: srv.URL, Batch: 100}).Send(context.Background(), evs, accepted); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, b := range h.bodies {
		var batch []json.RawMessage
		if err := json.Unmarshal([]byte(b), &batch); err != nil {
			t.Fatalf("request body is not a JSON array: %v", err)
		}
		if len(batch) > 1 && len(b) > MaxWebhookBody {
			t.Errorf("a request of %d events has %d bytes", len(batch), len(b))
		}
		sizes = append(sizes, len(batch))
	}
	if !slices.Equal(sizes, []int{2, 1, 1, 2}) || slices.Contains(accepted, false) {
		t.Errorf("requests of %v events (want [2 1 1 2]), accepted %v", sizes, accepted)
	}
}

// BenchmarkWebhook sends an offer of ten events to a receiver that accepts at once, one
// event a request and ten.
func BenchmarkWebhook(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	evs := offer()
	for _, batch := range []int{1, 10} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			w := &Webhook{URL: srv.URL, Secret: "s", Batch: batch}
			accepted := make([]bool, len(evs))
			for b.Loop() {
				if err := w.Send(context.Background(), evs, accepted); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(evs)), "µs/event")
		})
	}
}
