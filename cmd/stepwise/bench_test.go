package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stepwise-run/stepwise/internal/awstest"
)

// TestBenchRuns runs the bench command as users do, on its own server and store: a row per
// run, then the spread of the runs.
func TestBenchRuns(t *testing.T) {
	var out, errs bytes.Buffer
	args := []string{"--scenario", "chain", "--clients", "4", "--executions", "20", "--runs", "3"}
	if code := cmdBench(context.Background(), args, &out, &errs); code != 0 {
		t.Fatalf("bench %v: exit %d, %s", args, code, errs.String())
	}
	rows := regexp.MustCompile(`(?m)^\| chain \| sqlite \| 4 \| 20 \| \d+ \| \d+ \|`).FindAllString(out.String(), -1)
	if len(rows) != 3 {
		t.Errorf("%d result rows, want 3:\n%s", len(rows), out.String())
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^3 runs: executions/s lowest (\d+), median (\d+), highest (\d+)$`),
		regexp.MustCompile(`(?m)^3 runs: StartExecution p99 lowest [\d.]+ ms, median [\d.]+ ms, highest [\d.]+ ms$`),
	} {
		if !want.MatchString(out.String()) {
			t.Errorf("no line matching %s in:\n%s", want, out.String())
		}
	}
	errs.Reset()
	if code := cmdBench(context.Background(), []string{"--scenario", "sleep", "--runs", "2"}, &out, &errs); code != 2 || !strings.Contains(errs.String(), "runs once") {
		t.Errorf("sleep with --runs 2: exit %d, %s", code, errs.String())
	}
}

// TestBenchDynamoDB runs the dynamodb scenario against dynalite, its table made by the
// scenario's setup; without an endpoint it refuses to run rather than call AWS.
func TestBenchDynamoDB(t *testing.T) {
	var out, errs bytes.Buffer
	args := []string{"--scenario", "dynamodb", "--clients", "4", "--executions", "40"}
	awstest.Isolate(t, nil)
	if code := cmdBench(context.Background(), args, &out, &errs); code == 0 || !strings.Contains(errs.String(), "needs AWS_ENDPOINT_URL_DYNAMODB") {
		t.Errorf("without an endpoint: exit %d, %s", code, errs.String())
	}
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": awstest.Dynalite(t)})
	out.Reset()
	errs.Reset()
	if code := cmdBench(context.Background(), args, &out, &errs); code != 0 {
		t.Fatalf("bench %v: exit %d, %s", args, code, errs.String())
	}
	if !regexp.MustCompile(`(?m)^\| dynamodb \| sqlite \| 4 \| 40 \| \d+ \| \d+ \|`).MatchString(out.String()) {
		t.Errorf("no result row:\n%s", out.String())
	}
}

// TestBenchEvents: with --events-webhook the bench waits until every status event is
// delivered and says how long that took, and what the run measures counting it; the
// receiver gets them all, in arrays with --events-webhook-batch.
func TestBenchEvents(t *testing.T) {
	var mu sync.Mutex
	var events, requests int
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var batch []json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&batch); err != nil {
			t.Errorf("a request that is not an array of events: %v", err)
		}
		mu.Lock()
		events, requests = events+len(batch), requests+1
		mu.Unlock()
	}))
	defer hook.Close()
	var out, errs bytes.Buffer
	args := []string{"--scenario", "chain", "--clients", "4", "--executions", "30", "--runs", "2", "--events-webhook", hook.URL, "--events-webhook-batch", "10"}
	if code := cmdBench(context.Background(), args, &out, &errs); code != 0 {
		t.Fatalf("bench %v: exit %d, %s", args, code, errs.String())
	}
	drains := regexp.MustCompile(`(?m)^status events: all delivered [\d.]+ ms after the last execution; counting their delivery: \d+ executions/s, \d+ µs CPU per execution$`).FindAllString(out.String(), -1)
	if len(drains) != 2 || !regexp.MustCompile(`(?m)^status events: 120 delivered; lag from commit to delivery p50 \S+, p99 \S+ \(the last 120\)$`).MatchString(out.String()) {
		t.Errorf("no drain line for each run, or not 120 events delivered:\n%s", out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if events != 120 || requests > 60 {
		t.Errorf("the receiver got %d events in %d requests, want 120 (2 executions × 30 × RUNNING, SUCCEEDED) in arrays", events, requests)
	}
}
