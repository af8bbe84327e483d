package server

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/stepwise-run/stepwise/runner"
)

// invoke calls an action of s's API in process and decodes its answer.
func invoke(t *testing.T, s *Server, action string, req any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(req)
	out, err := s.API.Invoke(context.Background(), action, body)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	return m
}

// createTraced creates a traced state machine of that type and returns its ARN.
func createTraced(t *testing.T, s *Server, name, typ, def string) string {
	t.Helper()
	return invoke(t, s, "CreateStateMachine", map[string]any{"name": name, "type": typ, "roleArn": "arn:aws:iam::123456789012:role/r",
		"definition": def, "tracingConfiguration": map[string]bool{"enabled": true}})["stateMachineArn"].(string)
}

// waitSucceeded waits for a Standard execution to end and fails the test unless it succeeded.
func waitSucceeded(t *testing.T, s *Server, arn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if row, err := s.Node.WaitEnded(ctx, arn); err != nil || row.Status != "SUCCEEDED" {
		t.Fatalf("%s: %+v, %v", arn, row, err)
	}
}

// startedUnder checks that the execution span named child is under the span of the task of
// the state named state (the task that started it), in that task's trace.
func startedUnder(t *testing.T, spans []*tracepb.Span, state, child string) {
	t.Helper()
	byID := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byID[string(sp.SpanId)] = sp
	}
	var exec *tracepb.Span
	for _, sp := range spans {
		if sp.Name == child {
			exec = sp
		}
	}
	if exec == nil {
		t.Errorf("no span for the child execution %s", child)
		return
	}
	name := func(sp *tracepb.Span) string {
		if sp == nil {
			return "no span"
		}
		return sp.Name
	}
	task := byID[string(exec.ParentSpanId)]
	var up *tracepb.Span
	if task != nil {
		up = byID[string(task.ParentSpanId)]
	}
	if task == nil || up == nil || up.Name != state || !strings.Contains(task.Name, ":startExecution") && !strings.Contains(task.Name, ":startSyncExecution") {
		t.Errorf("the child execution %s is under %s (under %s), want the startExecution task of state %s", child, name(task), name(up), state)
		return
	}
	if string(exec.TraceId) != string(task.TraceId) {
		t.Errorf("the child execution %s is in trace %x, its task in %x", child, exec.TraceId, task.TraceId)
	}
}

// TestTracesPutChildrenUnderTheirTask: a child execution started by a Task state is traced
// under the span of the task that started it, as AWS X-Ray shows it under the task's
// subsegment, whichever way the task started it: states:startExecution, .sync, .sync:2 and
// .waitForTaskToken, aws-sdk:sfn:startExecution, and an Express child of
// aws-sdk:sfn:startSyncExecution, whose result gains no TraceHeader for it.
func TestTracesPutChildrenUnderTheirTask(t *testing.T) {
	_, s, recv := tracedServer(t, nil)
	child := createTraced(t, s, "child", "STANDARD", `{"StartAt":"Inner","States":{"Inner":{"Type":"Pass","End":true}}}`)
	replier := createTraced(t, s, "replier", "STANDARD", `{"StartAt":"Reply","States":{"Reply":{"Type":"Task",
		"Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskSuccess","Parameters":{"TaskToken.$":"$.token","Output":"{}"},"End":true}}}`)
	express := createTraced(t, s, "express", "EXPRESS", `{"StartAt":"Inner","States":{"Inner":{"Type":"Pass","End":true}}}`)
	start := func(state, resource, sm, name, next string) string {
		input := `{}`
		if strings.HasSuffix(resource, ".waitForTaskToken") {
			input = `{"token.$":"$$.Task.Token"}`
		}
		return `"` + state + `":{"Type":"Task","Resource":"arn:aws:states:::` + resource + `","Parameters":{"StateMachineArn":"` + sm +
			`","Name":"` + name + `","Input":` + input + `},"ResultPath":"$.` + state + `",` + next + `}`
	}
	parent := createTraced(t, s, "parent", "STANDARD", `{"StartAt":"Plain","States":{`+
		start("Plain", "states:startExecution", child, "plain", `"Next":"Sync"`)+`,`+
		start("Sync", "states:startExecution.sync", child, "sync", `"Next":"Sync2"`)+`,`+
		start("Sync2", "states:startExecution.sync:2", child, "sync2", `"Next":"Token"`)+`,`+
		start("Token", "states:startExecution.waitForTaskToken", replier, "token", `"Next":"SDK"`)+`,`+
		start("SDK", "aws-sdk:sfn:startExecution", child, "sdk", `"Next":"SyncExpress"`)+`,`+
		start("SyncExpress", "aws-sdk:sfn:startSyncExecution", express, "express", `"End":true`)+`}}`)
	arn := invoke(t, s, "StartExecution", map[string]any{"stateMachineArn": parent, "name": "parent-run"})["executionArn"].(string)
	waitSucceeded(t, s, arn)
	// The parent did not wait for these to end (the replier ends after its reply).
	for _, a := range []string{runner.ExecutionArn(child, "plain"), runner.ExecutionArn(child, "sdk"), runner.ExecutionArn(replier, "token")} {
		waitSucceeded(t, s, a)
	}

	out := invoke(t, s, "DescribeExecution", map[string]any{"executionArn": arn})["output"].(string)
	if strings.Contains(out, "TraceHeader") || !strings.Contains(out, `"SyncExpress":{`) {
		t.Errorf("the parent's output %s: startSyncExecution's result has a TraceHeader, or is missing", out)
	}
	spans := recv.flushed(t, context.Background(), s)
	for state, name := range map[string]string{"Plain": "plain", "Sync": "sync", "Sync2": "sync2", "Token": "token", "SDK": "sdk", "SyncExpress": "express"} {
		startedUnder(t, spans, state, name)
	}
}

// TestTracesPutChildUnderItsTaskAcrossRestart: a child execution a startExecution task
// started waits while its server stops and another, on the same database, ends it: the
// second server's exporter never saw the task, and still puts the child's execution span
// under the task's span (the child keeps its task's trace context).
func TestTracesPutChildUnderItsTaskAcrossRestart(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	defer collector.Close()
	db := "sqlite:" + filepath.Join(t.TempDir(), "db")
	serve := func() (*Server, func()) { return serveTraced(t, db, collector.URL) }
	s1, stop1 := serve()
	child := createTraced(t, s1, "child", "STANDARD", `{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":2,"End":true}}}`)
	parent := createTraced(t, s1, "parent", "STANDARD", `{"StartAt":"Start","States":{"Start":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"`+child+`","Name":"napper"},"End":true}}}`)
	arn := invoke(t, s1, "StartExecution", map[string]any{"stateMachineArn": parent, "name": "parent-run"})["executionArn"].(string)
	waitSucceeded(t, s1, arn)
	stop1() // the child waits
	s2, stop2 := serve()
	defer stop2()
	waitSucceeded(t, s2, runner.ExecutionArn(child, "napper"))
	startedUnder(t, recv.flushed(t, context.Background(), s2), "Start", "napper")
}
