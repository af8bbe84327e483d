package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/internal/retention"
)

// TestServeRetention runs the service as serve wires it with a retention of 2 s (the
// flag's minimum is a minute; the options are set directly): succeeded executions disappear
// from the API with their history, a failed one stays (it can be redriven for 14 days) and a
// running one stays.
func TestServeRetention(t *testing.T) {
	svc, srv := testService(t, serviceConfig{
		retention: retention.Options{Retention: 2 * time.Second, Batch: 2, MinPause: 10 * time.Millisecond, Interval: 100 * time.Millisecond}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go svc.runRetention(ctx, slog.New(slog.DiscardHandler))

	call := func(action string, body any) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(b))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var out map[string]any
		json.Unmarshal(raw, &out)
		return res.StatusCode, out
	}
	machine := func(name, def string) string {
		code, out := call("CreateStateMachine", map[string]string{"name": name, "roleArn": "arn:aws:iam::123456789012:role/r", "definition": def})
		if code != 200 {
			t.Fatalf("CreateStateMachine: %d %v", code, out)
		}
		return out["stateMachineArn"].(string)
	}
	start := func(sm string) string {
		code, out := call("StartExecution", map[string]string{"stateMachineArn": sm})
		if code != 200 {
			t.Fatalf("StartExecution: %d %v", code, out)
		}
		return out["executionArn"].(string)
	}
	pass := machine("pass", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	fail := machine("fail", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}`)
	wait := machine("wait", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`)
	var succeeded []string
	for range 5 {
		succeeded = append(succeeded, start(pass))
	}
	failed, running := start(fail), start(wait)

	status := func(arn string) (int, string) {
		code, out := call("DescribeExecution", map[string]string{"executionArn": arn})
		if code != 200 {
			return code, fmt.Sprint(out["__type"])
		}
		return code, out["status"].(string)
	}
	for _, arn := range succeeded {
		if code, s := status(arn); code != 200 || s != "SUCCEEDED" {
			t.Fatalf("DescribeExecution right after the start: %d %s", code, s)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, arn := range succeeded {
		for {
			code, s := status(arn)
			if code == 400 && strings.Contains(s, "ExecutionDoesNotExist") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still there after its retention: %d %s", arn, code, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if code, out := call("GetExecutionHistory", map[string]string{"executionArn": arn}); code != 400 {
			t.Errorf("GetExecutionHistory of a purged execution: %d %v", code, out)
		}
	}
	if code, s := status(failed); code != 200 || s != "FAILED" {
		t.Errorf("failed execution (redrivable for 14 days): %d %s, want it kept", code, s)
	}
	if code, s := status(running); code != 200 || s != "RUNNING" {
		t.Errorf("running execution: %d %s, want it kept", code, s)
	}
}

// TestServeFlagBounds: serve refuses values out of a flag's bounds, with exit code 2 and a
// message that gives them: --retention takes 0 (keep everything) or at least a minute,
// --events-webhook-batch 1 to 100, --events-linger 0 to a minute.
func TestServeFlagBounds(t *testing.T) {
	for _, tc := range []struct {
		flag   string
		values []string
		says   string
	}{
		{"--retention", []string{"30s", "-1h"}, "--retention must be 0"},
		{"--events-webhook-batch", []string{"0", "101"}, "--events-webhook-batch must be between 1 and 100"},
		{"--events-linger", []string{"-1ms", "61s"}, "--events-linger must be between 0 and 1m0s"},
	} {
		for _, v := range tc.values {
			var stderr bytes.Buffer
			code := cmdServe(context.Background(), []string{tc.flag, v, "--store", "sqlite:" + filepath.Join(t.TempDir(), "db")}, io.Discard, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tc.says) {
				t.Errorf("%s %s: exit %d, %q", tc.flag, v, code, stderr.String())
			}
		}
	}
}
