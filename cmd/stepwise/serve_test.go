package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeHealthAndMetrics starts the service as serve wires it and checks /healthz and
// that /metrics counts an execution started and finished through the API.
func TestServeHealthAndMetrics(t *testing.T) {
	_, srv := testService(t, serviceConfig{})

	call := func(action, body string) string {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", action, res.StatusCode, b)
		}
		return string(b)
	}
	get := func(path string) string {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if got := get("/healthz"); strings.TrimSpace(got) != "ok" {
		t.Errorf("/healthz: %q", got)
	}
	call("CreateStateMachine", `{"name":"m","roleArn":"arn:aws:iam::123456789012:role/r","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}`)
	call("StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m"}`)
	// The execution runs after StartExecution answers.
	m := get("/metrics")
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(m, `finished_total{status="SUCCEEDED"} 1`) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		m = get("/metrics")
	}
	for _, want := range []string{
		"stepwise_executions_started_total 1",
		`stepwise_executions_finished_total{status="SUCCEEDED"} 1`,
		"stepwise_state_transitions_total 1",
		`stepwise_api_requests_total{action="StartExecution",status="200"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, m)
		}
	}
}

// TestServeAnswersInJSON: what the server does not serve is answered in the API's JSON
// shape, not as plain text: another method, an unknown path, a missing asset.
func TestServeAnswersInJSON(t *testing.T) {
	_, srv := testService(t, serviceConfig{})
	for _, c := range []struct {
		method, path string
		status       int
		typ          string
	}{
		{"PUT", "/", 405, "UnknownOperationException"},
		{"OPTIONS", "/", 405, "UnknownOperationException"},
		{"DELETE", "/x", 405, "UnknownOperationException"},
		{"GET", "/nope", 404, "NotFoundException"},
		{"GET", "/assets/nope.js", 404, "NotFoundException"},
		{"POST", "/", 400, "UnknownOperationException"},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var v struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if res.StatusCode != c.status || json.Unmarshal(b, &v) != nil || v.Type != c.typ || v.Message == "" {
			t.Errorf("%s %s: %d %s", c.method, c.path, res.StatusCode, b)
		}
	}
}

// testService starts the service as serve wires it, on a fresh SQLite store, with cfg's other
// settings, its node running, and an HTTP server in front of it; all stop when t ends.
func testService(t *testing.T, cfg serviceConfig) (*service, *httptest.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.store = "sqlite:" + filepath.Join(t.TempDir(), "db")
	cfg.region, cfg.account, cfg.maxEvents = "us-east-1", "123456789012", 25000
	if cfg.leaseTTL == 0 {
		cfg.leaseTTL = time.Second
	}
	svc, err := newService(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { svc.node.Run(ctx); close(done) }()
	srv := httptest.NewServer(svc.mux)
	t.Cleanup(func() { srv.Close(); cancel(); <-done; svc.close() })
	return svc, srv
}
