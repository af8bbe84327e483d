package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// runCLI runs `stepwise run` with args in dir and decodes what it prints.
func runCLI(t *testing.T, ctx context.Context, args ...string) (code int, res runResult, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, append([]string{"run"}, args...), nil, &out, &errb)
	if code != 1 && code != 2 {
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("exit %d, output %q: %v (%s)", code, out.String(), err, errb.String())
		}
	}
	return code, res, errb.String()
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRunNested: `stepwise run` runs what serve runs: a parent whose Task starts a child
// (startExecution.sync:2) passing $$.Execution.Id, the child waiting a day on the virtual
// clock, and a child started without waiting, which the run also waits for.
func TestRunNested(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"child.json": `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"Next":"P"},
			"P":{"Type":"Pass","Parameters":{"x.$":"$.x","parent.$":"$.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"},"End":true}}}`,
		"parent.json": `{"StartAt":"Child","States":{
			"Child":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{
				"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child",
				"Input":{"x":1,"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},"OutputPath":"$.Output","Next":"Later"},
			"Later":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{
				"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{"x":2}},"ResultPath":null,"End":true}}}`,
	})
	began := time.Now()
	code, res, stderr := runCLI(t, context.Background(), "--time-skipping", "--history", "--name", "p1",
		"--machine", filepath.Join(dir, "child.json"), filepath.Join(dir, "parent.json"))
	if code != 0 || res.Status != "SUCCEEDED" {
		t.Fatalf("exit %d %s %v %v: %s", code, res.Status, deref(res.Error), deref(res.Cause), stderr)
	}
	// AWS's order: a template's ".$" fields in the order a Java HashMap of their names
	// iterates them (docs/conformance.md, "Key order").
	want := `{"parent":"arn:aws:states:us-east-1:123456789012:execution:parent:p1","x":1}`
	if res.Output == nil || *res.Output != want {
		t.Errorf("output %v, want %s", deref(res.Output), want)
	}
	if d := time.Since(began); d > 20*time.Second {
		t.Errorf("a day of waiting took %s", d)
	}
	var types []string
	for _, e := range *res.History {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, ","); !strings.Contains(got, "TaskSubmitted,TaskSucceeded") {
		t.Errorf("history %s", got)
	}
}

// TestRunExpressArn: an Express run's ARN has AWS's Express form, MACHINE:NAME:UUID after
// "express", which a state machine splitting $$.Execution.Id on ':' relies on.
func TestRunExpressArn(t *testing.T) {
	dir := writeFiles(t, map[string]string{"quick.json": `{"StartAt":"P","States":{"P":{"Type":"Pass",
		"Parameters":{"parts.$":"States.StringSplit($$.Execution.Id, ':')"},"End":true}}}`})
	code, res, stderr := runCLI(t, context.Background(), "--type", "EXPRESS", "--name", "n1", filepath.Join(dir, "quick.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	parts := strings.Split(res.ExecutionArn, ":")
	if len(parts) != 9 || parts[5] != "express" || parts[6] != "quick" || parts[7] != "n1" || len(parts[8]) != 36 {
		t.Errorf("ARN %s", res.ExecutionArn)
	}
	var out struct{ Parts []string }
	if err := json.Unmarshal([]byte(*res.Output), &out); err != nil || len(out.Parts) != 9 || out.Parts[8] != parts[8] {
		t.Errorf("$$.Execution.Id split: %s", *res.Output)
	}
	if code, _, _ := runCLI(t, context.Background(), "--type", "EXPRESS", filepath.Join(dir, "quick.json"), "--machine", "x"); code != 1 {
		t.Errorf("a missing --machine file: exit %d, want 1", code)
	}
}

// TestRunActivity: a run's activity task waits for a worker. Without --listen no one can
// reach it: the run says so and exits 6; with --listen a worker polls the run's endpoint
// with the AWS SDK and answers.
func TestRunActivity(t *testing.T) {
	dir := writeFiles(t, map[string]string{"act.json": `{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:work","End":true}}}`})
	def := filepath.Join(dir, "act.json")
	code, res, stderr := runCLI(t, context.Background(), "--time-skipping", def)
	if code != 6 || res.Status != "RUNNING" || !strings.Contains(stderr, "--listen") {
		t.Errorf("without --listen: exit %d %s %q", code, res.Status, stderr)
	}
	// A task's own timeout is a timer the virtual clock reaches; on the real clock the run
	// does not wait a day for it.
	timed := filepath.Join(dir, "timed.json")
	if err := os.WriteFile(timed, []byte(`{"StartAt":"A","States":{"A":{"Type":"Task","TimeoutSeconds":86400,
		"Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
		"Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:silent","Input":{"token.$":"$$.Task.Token"}},"End":true}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	silent := "silent=" + filepath.Join(dir, "silent.json") // a child that never answers
	if err := os.WriteFile(filepath.Join(dir, "silent.json"), []byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, res, stderr := runCLI(t, context.Background(), "--time-skipping", "--machine", silent, timed); code != 3 || deref(res.Error) != "States.Timeout" {
		t.Errorf("a task timeout on the virtual clock: exit %d %s %s", code, deref(res.Error), stderr)
	}
	if code, _, stderr := runCLI(t, context.Background(), "--machine", silent, timed); code != 6 || !strings.Contains(stderr, "--time-skipping") {
		t.Errorf("a task timeout on the real clock: exit %d %s", code, stderr)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	type outcome struct {
		code   int
		res    runResult
		stderr string
	}
	done := make(chan outcome, 1)
	go func() {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"run", "--listen", addr, "--input", `{"n":7}`, def}, nil, &out, &errb)
		var res runResult
		json.Unmarshal(out.Bytes(), &res)
		done <- outcome{code, res, errb.String()}
	}()
	c := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: aws.AnonymousCredentials{}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var task *sfn.GetActivityTaskOutput
	for ctx.Err() == nil {
		task, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String("arn:aws:states:us-east-1:123456789012:activity:work")})
		if err == nil && task.TaskToken != nil {
			break
		}
		time.Sleep(50 * time.Millisecond) // the run is still starting
	}
	if task == nil || task.TaskToken == nil || aws.ToString(task.Input) != `{"n":7}` {
		t.Fatalf("GetActivityTask: %v %v", task, err)
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"done":true}`)}); err != nil {
		select {
		case o := <-done:
			t.Fatalf("%v; the run ended: exit %d %s", err, o.code, o.stderr)
		default:
			t.Fatal(err)
		}
	}
	o := <-done
	if o.code != 0 || o.res.Output == nil || *o.res.Output != `{"done":true}` {
		t.Errorf("with a worker: exit %d %s %v: %s", o.code, o.res.Status, deref(o.res.Output), o.stderr)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestRunSyncChildEndKeepsClock: when a .sync child ends, the parent's task wakes and runs on;
// in that instant the node must not look idle, or time skipping jumps the clock to the
// parent's own deadline (a year) and the parent times out. It did in about half the runs
// under load; the child's end now takes the task's work count back before waking it.
func TestRunSyncChildEndKeepsClock(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"child.json": `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`,
		"parent.json": `{"StartAt":"A","States":{
			"A":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{
				"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child"},"Next":"B"},
			"B":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{
				"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child"},"End":true}}}`,
	})
	for i := range 20 {
		code, res, stderr := runCLI(t, context.Background(), "--time-skipping", "--machine", filepath.Join(dir, "child.json"), filepath.Join(dir, "parent.json"))
		if code != 0 || res.Status != "SUCCEEDED" {
			t.Fatalf("run %d: exit %d %s %v %v: %s", i, code, res.Status, deref(res.Error), deref(res.Cause), stderr)
		}
	}
}
