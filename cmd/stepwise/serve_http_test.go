package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeConnections runs an HTTP Task through the API with a connection from
// --connections, keyed by name, and refuses a connections file it cannot use.
func TestServeConnections(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"key":"`+r.Header.Get("X-Api-Key")+`"}`)
	}))
	defer api.Close()
	dir := t.TempDir()
	conns := filepath.Join(dir, "connections.json")
	os.WriteFile(conns, []byte(`{"Connections": {"partner": {"AuthorizationType": "API_KEY",
		"AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": "k1"}}}}}`), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"Connections": {"partner": {"AuthorizationType": "API_KEY", "AuthParameters": {}}}}`), 0o600)
	cfg := serviceConfig{store: "sqlite:" + filepath.Join(dir, "db"), region: "us-east-1",
		account: "123456789012", maxEvents: 25000, leaseTTL: time.Second, connections: bad}
	if _, err := newService(ctx, cfg, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "--connections") {
		t.Fatalf("bad connections file: %v", err)
	}
	cfg.connections = conns
	svc, err := newService(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.close()
	go svc.node.Run(ctx)
	srv := httptest.NewServer(svc.mux)
	defer srv.Close()
	call := func(action string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(string(b)))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		data, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || json.Unmarshal(data, &out) != nil {
			t.Fatalf("%s: %d %s", action, res.StatusCode, data)
		}
		return out
	}
	def := `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{
		"ApiEndpoint":"` + api.URL + `","Method":"GET",
		"Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:123456789012:connection/partner/6f0c6a4e-1b2c-4d5e-8f90-123456789abc"}},
		"OutputPath":"$.ResponseBody","End":true}}}`
	call("CreateStateMachine", map[string]any{"name": "h", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": def})
	ex := call("StartExecution", map[string]any{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:h"})
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := call("DescribeExecution", map[string]any{"executionArn": ex["executionArn"]})
		if d["status"] != "RUNNING" {
			if d["status"] != "SUCCEEDED" || d["output"] != `{"key":"k1"}` {
				t.Fatalf("execution %v", d)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("execution still running")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
