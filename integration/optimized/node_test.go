package optimized

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// nodeToken is the idempotency token of the first task of execution "e" of machine "m".
var nodeToken = taskToken(&engine.Task{Execution: "arn:aws:states:us-east-1:123456789012:execution:m:e", ID: 1})

// startNode runs a node whose Registry routes optimized tasks to a Handler calling srvURL.
func startNode(t *testing.T, srvURL, def string) (*runner.Node, store.Store, *store.StateMachine) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC()
	sm := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", Name: "m", Type: "STANDARD",
		Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "1", Config: "{}",
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	h := New(Options{Caller: &httpCaller{endpoint: srvURL, client: &httpClient}, PollInterval: 5 * time.Millisecond})
	reg := &integration.Registry{Store: st, Optimized: h}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: reg, Poll: 50 * time.Millisecond})
	reg.Execs = node
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go node.Run(runCtx)
	return node, st, sm
}

// TestSyncThroughNode runs ecs:runTask.sync in an execution: the history shows the task
// submitted, then succeeded with the stopped task's description.
func TestSyncThroughNode(t *testing.T) {
	c := jobCases[0]
	s := &jobServer{t: t, c: c, describe: c.describe.replies, token: nodeToken}
	srv := newServer(t, s)
	node, st, sm := startNode(t, srv, `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync",
		"Parameters":`+c.params+`,"ResultSelector":{"status.$":"$.LastStatus"},"End":true}}}`)
	ctx := context.Background()
	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	done, err := node.WaitEnded(waitCtx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "SUCCEEDED" || *done.Output != `{"status":"STOPPED"}` {
		t.Fatalf("%s %v", done.Status, done.Output)
	}
	evs, _ := st.History(ctx, ex.Arn, 0, 100, false)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, " "); got != "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited ExecutionSucceeded" {
		t.Errorf("history %s", got)
	}
}

// TestStoppedExecutionStopsJob: stopping an execution whose .sync task waits for an ECS task
// stops that task (StopTask), as AWS does.
func TestStoppedExecutionStopsJob(t *testing.T) {
	c := jobCases[0]
	s := &jobServer{t: t, c: c, describe: c.describe.replies[:1], token: nodeToken}
	srv := newServer(t, s)
	node, _, sm := startNode(t, srv, `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync",
		"Parameters":`+c.params+`,"End":true}}}`)
	ctx := context.Background()
	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !slices.Contains(s.calls(), c.describe.op); {
		if time.Now().After(deadline) {
			t.Fatal("the job was never described")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := node.Stop(ctx, ex.Arn, "", "", false, false); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !slices.Contains(s.calls(), c.stop.op); {
		if time.Now().After(deadline) {
			t.Fatalf("calls %v: the job was not stopped", s.calls())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCallbackThroughNode runs sqs:sendMessage.waitForTaskToken in an execution against a
// test SQS (awsJson 1.0): the message carries the task token as JSON text, the send is
// recorded as TaskSubmitted with its metadata, and the worker's answer is the result.
func TestCallbackThroughNode(t *testing.T) {
	tokens := make(chan string, 1)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" || r.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
			t.Errorf("target %q type %q", r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"))
		}
		var req struct{ QueueUrl, MessageBody string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.QueueUrl != "https://sqs.us-east-1.amazonaws.com/123456789012/q" {
			t.Errorf("request %+v %v", req, err)
		}
		var msg struct{ TaskToken string }
		if err := json.Unmarshal([]byte(req.MessageBody), &msg); err != nil || msg.TaskToken == "" {
			t.Errorf("MessageBody %q", req.MessageBody)
		}
		tokens <- msg.TaskToken
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("x-amzn-RequestId", "req-send")
		io.WriteString(w, `{"MD5OfMessageBody":"abc","MessageId":"m-1"}`)
	}))
	node, st, sm := startNode(t, srv, `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody":{"TaskToken.$":"$$.Task.Token"}},"End":true}}}`)
	ctx := context.Background()
	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	var token string
	select {
	case token = <-tokens:
	case <-time.After(5 * time.Second):
		t.Fatal("no message sent")
	}
	// The worker answers once the send is recorded. (A worker that answers before the
	// handler has returned loses the TaskSubmitted event: the runner records the answer
	// alone. That is the runner's, reported to the lead.)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		evs, _ := st.History(ctx, ex.Arn, 0, 100, false)
		if len(evs) > 0 && evs[len(evs)-1].Type == "TaskSubmitted" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no TaskSubmitted")
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		err := node.Answer(ctx, token, engine.Event{Kind: engine.TaskSucceeded, Output: `{"answer":42}`})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	waitCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	done, err := node.WaitEnded(waitCtx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "SUCCEEDED" || *done.Output != `{"answer":42}` {
		t.Fatalf("%s %v", done.Status, done.Output)
	}
	evs, _ := st.History(ctx, ex.Arn, 0, 100, false)
	var types []string
	var submitted string
	for _, e := range evs {
		types = append(types, e.Type)
		if e.Type == "TaskSubmitted" {
			b, _ := json.Marshal(e.Details)
			submitted = string(b)
		}
	}
	if got := strings.Join(types, " "); got != "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited ExecutionSucceeded" {
		t.Errorf("history %s", got)
	}
	for _, want := range []string{`MessageId`, `m-1`, `SdkHttpMetadata`, `req-send`} {
		if !strings.Contains(submitted, want) {
			t.Errorf("TaskSubmitted %s lacks %s", submitted, want)
		}
	}
}
