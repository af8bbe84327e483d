package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/server"
)

// receiver is a webhook that checks each request's signature and keeps the bodies; it
// answers 503 to the first failFirst requests.
type receiver struct {
	t         *testing.T
	secret    string
	mu        sync.Mutex
	bodies    []string
	failFirst int
	requests  int
	batches   int // requests that carried a JSON array of events
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if got, want := req.Header.Get(events.SignatureHeader), events.Sign([]byte(r.secret), body); got != want {
		r.t.Errorf("signature %q, want %q", got, want)
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json" || req.Method != http.MethodPost {
		r.t.Errorf("%s with Content-Type %q", req.Method, ct)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.requests <= r.failFirst {
		http.Error(w, "not now", http.StatusServiceUnavailable)
		return
	}
	if len(body) > 0 && body[0] == '[' { // --events-webhook-batch: the events in one array
		var batch []json.RawMessage
		if err := json.Unmarshal(body, &batch); err != nil {
			r.t.Errorf("batch is not a JSON array: %v: %s", err, body)
		}
		r.batches++
		for _, ev := range batch {
			r.bodies = append(r.bodies, string(ev))
		}
		return
	}
	r.bodies = append(r.bodies, string(body))
}

// byExecution returns the events received for arn, in order, decoded.
func (r *receiver) byExecution(arn string) []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]any
	for _, b := range r.bodies {
		var ev map[string]any
		if err := json.Unmarshal([]byte(b), &ev); err != nil {
			r.t.Fatalf("event is not JSON: %v: %s", err, b)
		}
		if ev["detail"].(map[string]any)["executionArn"] == arn {
			ev["raw"] = b
			out = append(out, ev)
		}
	}
	return out
}

func statuses(evs []map[string]any) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e["detail"].(map[string]any)["status"].(string))
	}
	return out
}

func startServer(t *testing.T, webhook, secret string) (*server.Server, *sfn.Client) {
	return startBatching(t, webhook, secret, 0)
}

// startBatching starts a server whose webhook requests carry up to batch events.
func startBatching(t *testing.T, webhook, secret string, batch int) (*server.Server, *sfn.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, server.Config{Store: "sqlite:" + filepath.Join(t.TempDir(), "s.db"),
		EventsWebhook: webhook, EventsWebhookSecret: secret, EventsWebhookBatch: batch, EventsPoll: 50 * time.Millisecond, Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); srv.Run(ctx) }()
	h := httptest.NewServer(srv.Handler)
	t.Cleanup(func() { h.Close(); cancel(); <-done; srv.Close() })
	client := sfn.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(h.URL),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
	return srv, client
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func createMachine(t *testing.T, c *sfn.Client, name, def string) string {
	t.Helper()
	out, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	return *out.StateMachineArn
}

func ms(t *time.Time) string {
	if t == nil {
		return "null"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func quote(s *string) string {
	if s == nil {
		return "null"
	}
	b, _ := json.Marshal(*s)
	return string(bytesUnescapeHTML(b))
}

// bytesUnescapeHTML undoes json.Marshal's escaping of <, > and &, which AWS does not do.
func bytesUnescapeHTML(b []byte) []byte {
	s := string(b)
	for _, r := range [][2]string{{`\u003c`, "<"}, {`\u003e`, ">"}, {`\u0026`, "&"}} {
		s = regexp.MustCompile(regexp.QuoteMeta(r[0])).ReplaceAllString(s, r[1])
	}
	return []byte(s)
}

// expected writes out the event AWS sends for the execution as DescribeExecution shows it
// now, with the given status, id and time.
func expected(d *sfn.DescribeExecutionOutput, status, id, when string, stopped bool, reason string) string {
	stop, out, outDetails, errS, cause := "null", "null", "null", "null", "null"
	if stopped {
		stop = ms(d.StopDate)
		errS, cause = quote(d.Error), quote(d.Cause)
		if d.Output != nil {
			out, outDetails = quote(d.Output), `{"included":true}`
		}
	}
	redriveStatus, redriveReason := `"REDRIVABLE"`, "null"
	if reason != "" {
		redriveStatus, redriveReason = `"NOT_REDRIVABLE"`, quote(&reason)
	}
	return fmt.Sprintf(`{"version":"0","id":%q,"detail-type":"Step Functions Execution Status Change","source":"aws.states",`+
		`"account":"123456789012","time":%q,"region":"us-east-1","resources":[%q],"detail":{"executionArn":%q,"stateMachineArn":%q,`+
		`"name":%q,"status":%q,"startDate":%s,"stopDate":%s,"input":%s,"output":%s,"stateMachineVersionArn":null,"stateMachineAliasArn":null,`+
		`"redriveCount":%d,"redriveDate":%s,"redriveStatus":%s,"redriveStatusReason":%s,"inputDetails":{"included":true},"outputDetails":%s,`+
		`"error":%s,"cause":%s}}`,
		id, when, *d.ExecutionArn, *d.ExecutionArn, *d.StateMachineArn, *d.Name, status, ms(d.StartDate), stop, quote(d.Input), out,
		aws.ToInt32(d.RedriveCount), ms(d.RedriveDate), redriveStatus, redriveReason, outDetails, errS, cause)
}

func rfc3339(t *time.Time) string { return t.UTC().Format(time.RFC3339) }

// TestStatusChangeEvents: a webhook gets every status change of executions that succeed,
// fail, are stopped, time out and are redriven, each exactly in AWS's event format, signed; a failed
// delivery is retried.
func TestStatusChangeEvents(t *testing.T) {
	for _, batch := range []int{1, 10} {
		t.Run(fmt.Sprint("batch=", batch), func(t *testing.T) { testStatusChangeEvents(t, batch) })
	}
}

// testStatusChangeEvents is TestStatusChangeEvents with requests of up to batch events.
func testStatusChangeEvents(t *testing.T, batch int) {
	ctx := context.Background()
	recv := &receiver{t: t, secret: "s3cret", failFirst: 1}
	hook := httptest.NewServer(recv)
	defer hook.Close()
	srv, c := startBatching(t, hook.URL, recv.secret, batch)

	okSM := createMachine(t, c, "ok", `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":"<&>"},"End":true}}}`)
	failSM := createMachine(t, c, "fail", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"it \"broke\""}}}`)
	waitSM := createMachine(t, c, "wait", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`)
	slowSM := createMachine(t, c, "slow", `{"TimeoutSeconds":1,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`)
	start := func(sm, name string) string {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(name), Input: aws.String(`{"in":"<b>"}`)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.ExecutionArn
	}
	okArn, failArn, waitArn, slowArn := start(okSM, "e1"), start(failSM, "e2"), start(waitSM, "e3"), start(slowSM, "e4")
	waitFor(t, "the waiting execution's RUNNING event", func() bool { return len(recv.byExecution(waitArn)) == 1 })
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(waitArn), Error: aws.String("Halt"), Cause: aws.String("enough")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed execution's events", func() bool { return len(recv.byExecution(failArn)) == 2 })
	if _, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(failArn)}); err != nil {
		t.Fatal(err)
	}
	for arn, want := range map[string][]string{
		okArn:   {"RUNNING", "SUCCEEDED"},
		failArn: {"RUNNING", "FAILED", "RUNNING", "FAILED"},
		waitArn: {"RUNNING", "ABORTED"},
		slowArn: {"RUNNING", "TIMED_OUT"},
	} {
		waitFor(t, fmt.Sprint(arn, " ", want, " got ", statuses(recv.byExecution(arn))), func() bool { return len(recv.byExecution(arn)) >= len(want) })
		evs := recv.byExecution(arn)
		if got := statuses(evs); !slices.Equal(got, want) {
			t.Errorf("%s: statuses %v, want %v", arn, got, want)
			continue
		}
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		first, last := evs[len(evs)-2], evs[len(evs)-1]
		running := *d
		running.RedriveCount = aws.Int32(0)
		running.RedriveDate = nil
		startedAt := d.StartDate
		if len(want) > 2 { // the redriven one: its second RUNNING is the redrive
			running.RedriveCount, running.RedriveDate = d.RedriveCount, d.RedriveDate
			startedAt = d.RedriveDate
		}
		if w := expected(&running, "RUNNING", first["id"].(string), rfc3339(startedAt), false, "Execution is RUNNING and cannot be redriven"); first["raw"] != w {
			t.Errorf("%s RUNNING event:\n got %s\nwant %s", arn, first["raw"], w)
		}
		reason := ""
		if d.Status == "SUCCEEDED" {
			reason = "Execution is SUCCEEDED and cannot be redriven"
		}
		if w := expected(d, string(d.Status), last["id"].(string), rfc3339(d.StopDate), true, reason); last["raw"] != w {
			t.Errorf("%s %s event:\n got %s\nwant %s", arn, d.Status, last["raw"], w)
		}
	}
	ids := map[string]bool{}
	for _, b := range recv.bodies {
		var ev struct{ ID string }
		json.Unmarshal([]byte(b), &ev)
		if ids[ev.ID] || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(ev.ID) {
			t.Errorf("event id %q repeated or not a UUID", ev.ID)
		}
		ids[ev.ID] = true
	}
	if batch > 1 && recv.batches == 0 || batch <= 1 && recv.batches > 0 {
		t.Errorf("%d requests carried arrays of events, with batch %d", recv.batches, batch)
	}
	if srv.Events.Failed.Load() != 1 {
		t.Errorf("failed deliveries: %d, want 1 (the receiver refused one)", srv.Events.Failed.Load())
	}
	t.Logf("delivery lag: %s", srv.Events)
}

// startQuick starts n executions of one Pass state and waits until their 2n events (each
// RUNNING and SUCCEEDED) are delivered.
func startQuick(t *testing.T, srv *server.Server, c *sfn.Client, n int) {
	t.Helper()
	sm := createMachine(t, c, "quick", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`)
	for i := range n {
		if _, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(fmt.Sprint("q", i))}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every event", func() bool { return srv.Events.Delivered.Load() >= int64(2*n) })
}

// TestDeliveryLag measures the time from the commit of a status change to its delivery
// to a webhook that accepts at once, over many executions.
func TestDeliveryLag(t *testing.T) {
	recv := &receiver{t: t, secret: "lag"}
	hook := httptest.NewServer(recv)
	defer hook.Close()
	srv, c := startServer(t, hook.URL, recv.secret)
	const n = 200
	startQuick(t, srv, c, n)
	recv.mu.Lock()
	got := len(recv.bodies)
	recv.mu.Unlock()
	if got != 2*n || srv.Events.Delivered.Load() != 2*n {
		t.Errorf("received %d events, delivered %d, want %d", got, srv.Events.Delivered.Load(), 2*n)
	}
	rec := httptest.NewRecorder()
	srv.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if m := rec.Body.String(); !strings.Contains(m, fmt.Sprintf("stepwise_events_delivered_total %d\n", 2*n)) ||
		!strings.Contains(m, `stepwise_events_delivery_lag_seconds{quantile="0.99"}`) {
		t.Errorf("/metrics lacks the events' delivery:\n%s", m)
	}
	t.Logf("delivery lag over %d events (commit to webhook answer): p50 %s, p99 %s", 2*n, srv.Events.Lag(0.5), srv.Events.Lag(0.99))
}

// BenchmarkStart starts one-state executions through the API with the events off and on
// (a webhook that accepts at once): what the outbox costs a start that is also an end.
func BenchmarkStart(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprint("events=", on), func(b *testing.B) {
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
			defer hook.Close()
			url := ""
			if on {
				url = hook.URL
			}
			ctx, cancel := context.WithCancel(context.Background())
			srv, err := server.New(ctx, server.Config{Store: "sqlite:" + filepath.Join(b.TempDir(), "s.db"), EventsWebhook: url})
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() { defer close(done); srv.Run(ctx) }()
			h := httptest.NewServer(srv.Handler)
			defer func() { h.Close(); cancel(); <-done; srv.Close() }()
			c := sfn.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(h.URL),
				Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
			out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("b"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
				Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`)})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: out.StateMachineArn, Name: aws.String(fmt.Sprint("x", i))}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
