package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/internal/awstest"
	"github.com/stepwise-run/stepwise/server"
	"github.com/stepwise-run/stepwise/store"
)

// startBusServer starts a server sending its events to the EventBridge receiver bus (its
// endpoint given as the SDKs take it, AWS_ENDPOINT_URL_EVENTBRIDGE) and, when webhook is set,
// to that webhook too.
func startBusServer(t *testing.T, bus *awstest.EventBus, busName, webhook string) (*server.Server, *sfn.Client) {
	t.Helper()
	eb := httptest.NewServer(bus)
	t.Cleanup(eb.Close)
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_EVENTBRIDGE": eb.URL})
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, server.Config{Store: "sqlite:" + filepath.Join(t.TempDir(), "s.db"),
		EventsWebhook: webhook, EventsWebhookSecret: "s3cret", EventsEventBridge: busName,
		EventsPoll: 50 * time.Millisecond, Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); srv.Run(ctx) }()
	h := httptest.NewServer(srv.Handler)
	t.Cleanup(func() { h.Close(); cancel(); <-done; srv.Close() })
	return srv, sfnClient(h.URL)
}

func sfnClient(url string) *sfn.Client {
	return sfn.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "k", SecretAccessKey: "s"}, nil
		}))})
}

// TestEventBridgeDestination: every status change goes to the event bus with PutEvents,
// signed, as one entry whose detail is byte for byte the detail the webhook gets (AWS's),
// detail-type AWS's, source stepwise.states, the execution as its resource and the change's
// time; entries the bus refuses are put again, alone.
func TestEventBridgeDestination(t *testing.T) {
	ctx := context.Background()
	refusals := 3
	var mu sync.Mutex
	bus := &awstest.EventBus{T: t, Refuse: func(awstest.BusEntry) bool {
		mu.Lock()
		defer mu.Unlock()
		refusals--
		return refusals >= 0
	}}
	recv := &receiver{t: t, secret: "s3cret"}
	hook := httptest.NewServer(recv)
	defer hook.Close()
	srv, c := startBusServer(t, bus, "arn:aws:events:us-east-1:123456789012:event-bus/orders", hook.URL)

	okSM := createMachine(t, c, "ok", `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":"<&>"},"End":true}}}`)
	failSM := createMachine(t, c, "fail", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"it \"broke\""}}}`)
	var arns []string
	for i := range 6 {
		sm := okSM
		if i%2 == 1 {
			sm = failSM
		}
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(fmt.Sprint("e", i)), Input: aws.String(`{"in":"<b>"}`)})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, *out.ExecutionArn)
	}
	waitFor(t, "12 entries on the bus", func() bool { return len(bus.Entries()) >= 12 && len(recv.bodies) >= 12 })
	time.Sleep(200 * time.Millisecond) // a repeat would come now
	entries := bus.Entries()
	if len(entries) != 12 {
		t.Fatalf("%d entries on the bus, want 12", len(entries))
	}
	if _, refused := bus.Counts(); refused != 3 {
		t.Errorf("the bus refused %d entries, want 3", refused)
	}
	for _, arn := range arns {
		hooked := recv.byExecution(arn)
		var got []awstest.BusEntry
		for _, e := range entries {
			if slices.Equal(e.Resources, []string{arn}) {
				got = append(got, e)
			}
		}
		if len(got) != 2 || len(hooked) != 2 {
			t.Errorf("%s: %d entries on the bus, %d on the webhook, want 2", arn, len(got), len(hooked))
			continue
		}
		for i, e := range got {
			var env struct {
				Time   string
				Detail json.RawMessage
			}
			json.Unmarshal([]byte(hooked[i]["raw"].(string)), &env)
			if e.Detail != string(env.Detail) {
				t.Errorf("%s: detail on the bus\n %s\nwebhook's\n %s", arn, e.Detail, env.Detail)
			}
			if e.Source != "stepwise.states" || e.DetailType != "Step Functions Execution Status Change" ||
				e.EventBusName != "arn:aws:events:us-east-1:123456789012:event-bus/orders" || e.Time.Format(time.RFC3339) != env.Time {
				t.Errorf("%s: entry %+v, time %s", arn, e, env.Time)
			}
		}
		var d0, d1 struct{ Status string }
		json.Unmarshal([]byte(got[0].Detail), &d0)
		json.Unmarshal([]byte(got[1].Detail), &d1)
		if d0.Status != "RUNNING" || (d1.Status != "SUCCEEDED" && d1.Status != "FAILED") {
			t.Errorf("%s: statuses %s, %s", arn, d0.Status, d1.Status)
		}
	}
	escaped := true
	for _, e := range entries {
		if strings.Contains(e.Detail, `\"x\":\"<&>\"`) {
			escaped = false
		}
	}
	if escaped {
		t.Errorf("no entry carries the output <&> unescaped")
	}
	t.Logf("delivery lag: %s", srv.Events)
}

// TestEventBridgeBatches: the outbox's events are put 10 at a time, or fewer when their
// total size would pass 256 KB; refused entries are put again alone, and those still refused
// are given back with the ones accepted marked.
func TestEventBridgeBatches(t *testing.T) {
	var calls [][]string
	var mu sync.Mutex
	refuse := map[string]int{"ev7": 1, "ev12": 99}
	bus := &awstest.EventBus{T: t, Refuse: func(e awstest.BusEntry) bool {
		mu.Lock()
		defer mu.Unlock()
		id := e.Resources[0]
		if refuse[id] > 0 {
			refuse[id]--
			return true
		}
		return false
	}}
	eb := httptest.NewServer(&recording{bus: bus, calls: &calls, mu: &mu})
	defer eb.Close()
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL": eb.URL}) // the endpoint for every service
	dst, err := events.NewEventBridge(context.Background(), "default", "", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	dst.Backoff = time.Millisecond
	var evs []store.OutboxEvent
	for i := range 25 {
		detail := `{"n":` + fmt.Sprint(i) + `}`
		if i >= 20 { // 100 KB each: two fit in 256 KB, three do not
			detail = `{"big":"` + strings.Repeat("x", 100*1024) + `"}`
		}
		evs = append(evs, store.OutboxEvent{ID: int64(i), Body: fmt.Sprintf(`{"version":"0","id":"x","detail-type":"T","source":"aws.states","account":"1","time":"2026-12-05T20:26:52Z","region":"r","resources":["ev%d"],"detail":%s}`, i, detail)})
	}
	accepted := make([]bool, len(evs))
	err = dst.Send(context.Background(), evs, accepted)
	if err == nil || !strings.Contains(err.Error(), "InternalFailure") {
		t.Fatalf("Send: %v, want ev12's refusal", err)
	}
	for i, ok := range accepted {
		if want := i < 20 && i != 12; ok != want {
			t.Errorf("event %d accepted %v, want %v", i, ok, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var sizes []int
	for _, c := range calls {
		sizes = append(sizes, len(c))
	}
	// 0-9 (ev7 refused), ev7 again; 10-19 (ev12 refused), ev12 three more times, then
	// Send stops: the big ones wait.
	if want := []int{10, 1, 10, 1, 1, 1}; !slices.Equal(sizes, want) {
		t.Errorf("calls of %v entries, want %v: %v", sizes, want, calls)
	}
	if len(calls) > 1 && !slices.Equal(calls[1], []string{"ev7"}) {
		t.Errorf("second call %v, want [ev7] alone", calls[1])
	}

	// Once accepted, the rest goes in calls within the size bound.
	calls = calls[:0]
	mu.Unlock()
	accepted = make([]bool, 5)
	err = dst.Send(context.Background(), evs[20:], accepted)
	mu.Lock()
	if err != nil || !slices.Equal(accepted, []bool{true, true, true, true, true}) {
		t.Fatalf("Send of the big ones: %v %v", err, accepted)
	}
	sizes = sizes[:0]
	for _, c := range calls {
		sizes = append(sizes, len(c))
	}
	if want := []int{2, 2, 1}; !slices.Equal(sizes, want) {
		t.Errorf("big events in calls of %v, want %v", sizes, want)
	}

	// Two events of one execution never share a call.
	calls = calls[:0]
	var same []store.OutboxEvent
	for i, r := range []string{"a", "b", "a", "c", "d"} {
		same = append(same, store.OutboxEvent{ID: int64(i), Body: `{"detail-type":"T","time":"2026-12-05T20:26:52Z","resources":["` + r + `"],"detail":{}}`})
	}
	mu.Unlock()
	err = dst.Send(context.Background(), same, make([]bool, 5))
	mu.Lock()
	if err != nil || fmt.Sprint(calls) != "[[a b] [a c d]]" {
		t.Errorf("calls %v (%v), want [[a b] [a c d]]", calls, err)
	}
}

// recording notes the resources of each PutEvents call's entries, then lets bus answer.
type recording struct {
	bus   *awstest.EventBus
	calls *[][]string
	mu    *sync.Mutex
}

func (r *recording) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var in struct {
		Entries []struct{ Resources []string }
	}
	json.Unmarshal(body, &in)
	var ids []string
	for _, e := range in.Entries {
		ids = append(ids, e.Resources[0])
	}
	r.mu.Lock()
	*r.calls = append(*r.calls, ids)
	r.mu.Unlock()
	req.Body = io.NopCloser(bytes.NewReader(body))
	r.bus.ServeHTTP(w, req)
}

// TestEventBridgeLag measures the time from the commit of a status change to PutEvents'
// answer, over many executions.
func TestEventBridgeLag(t *testing.T) {
	bus := &awstest.EventBus{T: t}
	srv, c := startBusServer(t, bus, "default", "")
	const n = 200
	startQuick(t, srv, c, n)
	calls, _ := bus.Counts()
	if got := len(bus.Entries()); got != 2*n {
		t.Errorf("%d entries on the bus, want %d", got, 2*n)
	}
	t.Logf("EventBridge delivery lag over %d events in %d PutEvents calls (commit to PutEvents' answer): p50 %s, p99 %s",
		2*n, calls, srv.Events.Lag(0.5), srv.Events.Lag(0.99))
}
