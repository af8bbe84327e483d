package cloudwatch

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/internal/awstest"
)

// logsServer answers CreateLogStream and PutLogEvents as CloudWatch Logs does (the JSON
// protocol, PutLogEvents' bounds of 10,000 events and 1,048,576 bytes a call, each event
// counting its message's bytes and 26, and its events in chronological order), keeping what was put: no local CloudWatch Logs
// server is at hand.
type logsServer struct {
	mu      sync.Mutex
	streams map[string]bool
	events  map[string][]string // by group/stream
}

func (l *logsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct {
		LogGroupName, LogStreamName string
		LogEvents                   []struct {
			Timestamp int64
			Message   string
		} `json:"logEvents"`
	}
	json.Unmarshal(body, &req)
	l.mu.Lock()
	defer l.mu.Unlock()
	key := req.LogGroupName + "/" + req.LogStreamName
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch r.Header.Get("X-Amz-Target") {
	case "Logs_20140328.CreateLogStream":
		if l.streams[key] {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"ResourceAlreadyExistsException","message":"The specified log stream already exists"}`)
			return
		}
		l.streams[key] = true
		io.WriteString(w, `{}`)
	case "Logs_20140328.PutLogEvents":
		if !l.streams[key] {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"The specified log stream does not exist."}`)
			return
		}
		size := 0
		for _, e := range req.LogEvents {
			size += len(e.Message) + 26
		}
		if len(req.LogEvents) > 10_000 || size > 1_048_576 {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"InvalidParameterException","message":"Upload too large"}`)
			return
		}
		for i, e := range req.LogEvents {
			if i > 0 && e.Timestamp < req.LogEvents[i-1].Timestamp {
				w.WriteHeader(400)
				io.WriteString(w, `{"__type":"InvalidParameterException","message":"Log events in a single PutLogEvents request must be in chronological order."}`)
				return
			}
		}
		for _, e := range req.LogEvents {
			if e.Timestamp < time.Now().Add(-time.Minute).UnixMilli() {
				w.WriteHeader(400)
				io.WriteString(w, `{"__type":"InvalidParameterException","message":"bad timestamp"}`)
				return
			}
			l.events[key] = append(l.events[key], e.Message)
		}
		io.WriteString(w, `{}`)
	default:
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"UnknownOperationException"}`)
	}
}

func TestPutLogEvents(t *testing.T) {
	fake := &logsServer{streams: map[string]bool{}, events: map[string][]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": srv.URL})
	client, err := awssdk.New(awssdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sink := New(client, slog.New(slog.NewTextHandler(os.Stderr, nil)), 20*time.Millisecond) // errors show in the test log
	ctx, stop := context.WithCancel(context.Background())
	go sink.Run(ctx)
	const group = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/g:*"
	if err := sink.Write(group, []byte("{\"id\":\"1\"}\n{\"id\":\"2\"}\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // a flush or more
	if err := sink.Write(group, []byte("{\"id\":\"3\"}\n")); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write("", []byte("{\"id\":\"4\"}\n")); err == nil {
		t.Error("a state machine without a log group: no error")
	}
	stop()
	<-sink.Done()
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.events) != 1 {
		t.Fatalf("streams written: %v", fake.events)
	}
	for key, evs := range fake.events {
		if !strings.HasPrefix(key, "/aws/vendedlogs/states/g/stepwise/") {
			t.Errorf("stream %s", key)
		}
		if got := strings.Join(evs, " "); got != `{"id":"1"} {"id":"2"} {"id":"3"}` {
			t.Errorf("events %s", got)
		}
	}
}

// TestPutLogEventsBatchSize: events that add up to more than a PutLogEvents call may carry
// (1,048,576 bytes) go in several calls, and every one arrives.
func TestPutLogEventsBatchSize(t *testing.T) {
	fake := &logsServer{streams: map[string]bool{}, events: map[string][]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": srv.URL})
	client, err := awssdk.New(awssdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sink := New(client, slog.New(slog.NewTextHandler(os.Stderr, nil)), time.Hour) // sent when stopped, in one send
	ctx, stop := context.WithCancel(context.Background())
	go sink.Run(ctx)
	const group, n = "arn:aws:logs:us-east-1:123456789012:log-group:g:*", 300
	line := `{"details":{"input":"` + strings.Repeat("x", 8000) + `"}}` + "\n" // 300 of them: 2.4 MB
	for range n {
		if err := sink.Write(group, []byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	<-sink.Done()
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for _, evs := range fake.events {
		if len(evs) != n {
			t.Errorf("%d events put, want %d", len(evs), n)
		}
	}
	if len(fake.events) != 1 {
		t.Errorf("streams written: %d, want 1", len(fake.events))
	}
}

// TestPutLogEventsOrder: the events of a call are in chronological order, as PutLogEvents
// requires, even when the clock read for a later write is earlier (a writer that read the
// clock and then waited for the lock behind another, or a clock stepped back).
func TestPutLogEventsOrder(t *testing.T) {
	fake := &logsServer{streams: map[string]bool{}, events: map[string][]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": srv.URL})
	client, err := awssdk.New(awssdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sink := New(client, slog.New(slog.NewTextHandler(os.Stderr, nil)), time.Hour)
	start, reads := time.Now(), 0
	sink.now = func() time.Time { reads++; return start.Add(-time.Duration(reads) * 10 * time.Millisecond) }
	ctx, stop := context.WithCancel(context.Background())
	go sink.Run(ctx)
	const group = "arn:aws:logs:us-east-1:123456789012:log-group:g:*"
	for _, line := range []string{"{\"id\":\"1\"}\n", "{\"id\":\"2\"}\n{\"id\":\"3\"}\n", "{\"id\":\"4\"}\n"} {
		if err := sink.Write(group, []byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	<-sink.Done()
	fake.mu.Lock()
	defer fake.mu.Unlock()
	var got []string
	for _, evs := range fake.events {
		got = append(got, evs...)
	}
	if strings.Join(got, " ") != `{"id":"1"} {"id":"2"} {"id":"3"} {"id":"4"}` {
		t.Errorf("events put: %v", got)
	}
}

func TestLogGroup(t *testing.T) {
	for _, c := range []struct{ arn, name, region string }{
		{"arn:aws:logs:us-east-1:123456789012:log-group:g:*", "g", "us-east-1"},
		{"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/x:y", "/aws/x:y", "eu-west-1"},
		{"arn:aws:logs:eu-west-1:123456789012:log-group:a/b", "a/b", "eu-west-1"},
	} {
		name, region, err := logGroup(c.arn)
		if err != nil || name != c.name || region != c.region {
			t.Errorf("logGroup(%s) = %q, %q, %v", c.arn, name, region, err)
		}
	}
	if _, _, err := logGroup("arn:aws:s3:::b"); err == nil {
		t.Error("an S3 ARN read as a log group")
	}
}
