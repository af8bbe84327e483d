package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/internal/awstest"
)

// hook is a webhook receiver that refuses every event (503) until accept is set, and keeps
// what it was offered and what it accepted.
type hook struct {
	t        *testing.T
	mu       sync.Mutex
	accept   bool
	offered  map[string]string // body by event id, refused or not
	accepted []string          // event ids, in order, repeats included
	statuses map[string][]string
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get(events.SignatureHeader) != events.Sign([]byte("k9"), body) {
		h.t.Errorf("bad signature on %s", body)
	}
	var ev struct {
		ID     string
		Detail struct{ ExecutionArn, Status string }
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		h.t.Errorf("event is not JSON: %s", body)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if prev, ok := h.offered[ev.ID]; ok && prev != string(body) {
		h.t.Errorf("event %s changed between deliveries:\n%s\n%s", ev.ID, prev, body)
	}
	h.offered[ev.ID] = string(body)
	if !h.accept {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if !slices.Contains(h.accepted, ev.ID) {
		h.statuses[ev.Detail.ExecutionArn] = append(h.statuses[ev.Detail.ExecutionArn], ev.Detail.Status)
	}
	h.accepted = append(h.accepted, ev.ID)
}

// TestEventsSurviveKill9: status changes committed while the webhook is down are kept in the
// outbox across a kill -9 of the server, and a new server on the same database delivers
// them all, each execution's in order, with the same ids and bodies.
func TestEventsSurviveKill9(t *testing.T) {
	h := &hook{t: t, offered: map[string]string{}, statuses: map[string][]string{}}
	hs := httptest.NewServer(h)
	defer hs.Close()
	db := "sqlite:" + filepath.Join(t.TempDir(), "stepwise.db")
	args := []string{"--store", db, "--lease-ttl", "1s", "--events-webhook", hs.URL}
	t.Setenv("STEPWISE_EVENTS_WEBHOOK_SECRET", "k9")
	first := serve(t, args...)
	arns := startNaps(t, first.url, 20)
	n := len(arns)
	time.Sleep(1500 * time.Millisecond)
	h.mu.Lock()
	refused := len(h.offered)
	h.mu.Unlock()
	first.kill9(t)
	if refused == 0 {
		t.Fatal("the first server offered no event before the kill")
	}

	h.mu.Lock()
	h.accept = true
	h.mu.Unlock()
	restarted := time.Now()
	serve(t, args...)
	deadline := time.Now().Add(90 * time.Second)
	for {
		h.mu.Lock()
		done := 0
		for _, arn := range arns {
			if len(h.statuses[arn]) == 2 {
				done++
			}
		}
		h.mu.Unlock()
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d executions' events delivered after the restart", done, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, arn := range arns {
		if got := h.statuses[arn]; !slices.Equal(got, []string{"RUNNING", "SUCCEEDED"}) {
			t.Errorf("%s: %v, want [RUNNING SUCCEEDED]", arn, got)
		}
	}
	// Every event offered before the kill was delivered after it, unchanged (checked as
	// it came).
	if len(h.offered) != 2*n {
		t.Errorf("%d distinct events offered, want %d", len(h.offered), 2*n)
	}
	t.Logf("%d events refused before the kill; all %d delivered %s after the restart (%d deliveries, repeats included)",
		refused, 2*n, time.Since(restarted).Round(time.Millisecond), len(h.accepted))
}

// TestEventBridgeEventsSurviveKill9: the same with EventBridge as the destination: the bus
// refuses every entry (per entry, FailedEntryCount) while executions run, the server is
// killed with SIGKILL, and a new one on the same database puts them all, each execution's in
// order.
func TestEventBridgeEventsSurviveKill9(t *testing.T) {
	var mu sync.Mutex
	accept := false
	bus := &awstest.EventBus{T: t, Refuse: func(awstest.BusEntry) bool {
		mu.Lock()
		defer mu.Unlock()
		return !accept
	}}
	eb := httptest.NewServer(bus)
	defer eb.Close()
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_EVENTBRIDGE": eb.URL, "AWS_REGION": "us-east-1"})
	db := "sqlite:" + filepath.Join(t.TempDir(), "stepwise.db")
	args := []string{"--store", db, "--lease-ttl", "1s", "--events-eventbridge", "stepwise-test"}
	first := serve(t, args...)
	arns := startNaps(t, first.url, 20)
	n := len(arns)
	time.Sleep(1500 * time.Millisecond)
	_, refused := bus.Counts()
	first.kill9(t)
	if refused == 0 {
		t.Fatal("the first server put no entry before the kill")
	}
	mu.Lock()
	accept = true
	mu.Unlock()
	restarted := time.Now()
	serve(t, args...)
	statuses := func() map[string][]string {
		out := map[string][]string{}
		for _, e := range bus.Entries() {
			var d struct{ Status string }
			json.Unmarshal([]byte(e.Detail), &d)
			out[e.Resources[0]] = append(out[e.Resources[0]], d.Status)
			if e.Source != "stepwise.states" || e.EventBusName != "stepwise-test" {
				t.Errorf("entry %+v", e)
			}
		}
		return out
	}
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got := statuses()
		done := 0
		for _, arn := range arns {
			if len(got[arn]) >= 2 {
				done++
			}
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d executions' events put after the restart", done, n)
		}
	}
	got := statuses()
	for _, arn := range arns {
		if !slices.Equal(got[arn], []string{"RUNNING", "SUCCEEDED"}) {
			t.Errorf("%s: %v, want [RUNNING SUCCEEDED]", arn, got[arn])
		}
	}
	calls, _ := bus.Counts()
	t.Logf("%d entries refused before the kill; all %d put %s after the restart (%d PutEvents calls in all)",
		refused, 2*n, time.Since(restarted).Round(time.Millisecond), calls)
}

// startNaps creates the state machine "nap" (a Wait of $.s seconds) and starts n executions
// of it, e0 to e<n-1>: half end at once, half after 3 s (after a kill, for the tests that
// kill the server in between). It returns their ARNs.
func startNaps(t *testing.T, url string, n int) []string {
	t.Helper()
	c := client(url)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("nap"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"N","States":{"N":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for i := range n {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(fmt.Sprint("e", i)),
			Input: aws.String(fmt.Sprintf(`{"s":%d}`, i%2*3))})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, *out.ExecutionArn)
	}
	return arns
}
