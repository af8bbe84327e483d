package httptask_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/httptask"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// TestNodeRunsHTTPTask runs HTTP Tasks through a Registry on a runner.Node with a SQLite
// store: one succeeds, one fails with a status code that a Catch handles.
func TestNodeRunsHTTPTask(t *testing.T) {
	ctx := context.Background()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.Error(w, "gone", http.StatusNotFound)
			return
		}
		echo(w, r)
	}))
	defer api.Close()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	def := `{"StartAt":"Call","States":{
		"Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{
			"ApiEndpoint":"` + api.URL + `/customers","Method":"POST",
			"Authentication":{"ConnectionArn":"` + connArn + `"},
			"QueryParameters":{"currency":"usd"},
			"RequestBody":{"id.$":"$.id"}},
			"ResultSelector":{"status.$":"$.StatusCode","sent.$":"$.ResponseBody.body"},"ResultPath":"$.call","Next":"Missing"},
		"Missing":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{
			"ApiEndpoint":"` + api.URL + `/missing","Method":"GET","Authentication":{"ConnectionArn":"` + connArn + `"}},
			"Catch":[{"ErrorEquals":["States.Http.StatusCode.404"],"ResultPath":"$.caught","Next":"Done"}],"End":true},
		"Done":{"Type":"Succeed"}}}`
	now := time.Now().UTC()
	sm := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:http", Name: "http", Type: "STANDARD",
		Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "1", Config: "{}",
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	conns, err := httptask.NewConnections(map[string]httptask.Connection{connArn: apiKey()})
	if err != nil {
		t.Fatal(err)
	}
	reg := &integration.Registry{Store: st, HTTP: httptask.New(httptask.Options{Connections: conns})}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: reg, Poll: 50 * time.Millisecond})
	reg.Execs = node
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go node.Run(runCtx)

	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e1", Input: `{"id":"cus_1"}`})
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(ctx, 15*time.Second)
	defer stop()
	done, err := node.WaitEnded(waitCtx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "SUCCEEDED" {
		t.Fatalf("execution %s: %v", done.Status, done.Error)
	}
	var out struct {
		Call   map[string]any
		Caught struct{ Error, Cause string }
	}
	if err := json.Unmarshal([]byte(*done.Output), &out); err != nil {
		t.Fatal(err)
	}
	if out.Call["status"] != float64(200) || out.Call["sent"] != `{"id":"cus_1"}` {
		t.Errorf("call %v", out.Call)
	}
	if out.Caught.Error != "States.Http.StatusCode.404" || !strings.Contains(out.Caught.Cause, `"StatusCode":404`) {
		t.Errorf("caught %+v", out.Caught)
	}

	evs, err := st.History(ctx, ex.Arn, 0, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	var scheduled *history.TaskScheduled
	var succeeded *history.TaskOutput
	for _, e := range evs {
		types = append(types, e.Type)
		switch d := e.Details.(type) {
		case *history.TaskScheduled:
			if scheduled == nil {
				scheduled = d
			}
		case *history.TaskOutput:
			if e.Type == "TaskSucceeded" && succeeded == nil {
				succeeded = d
			}
		}
	}
	if got := strings.Join(types[:7], " "); got != "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited TaskStateEntered" {
		t.Errorf("history starts %s", got)
	}
	if !strings.Contains(strings.Join(types, " "), "TaskFailed") {
		t.Errorf("no TaskFailed in %v", types)
	}
	if scheduled == nil || scheduled.ResourceType != "http" || scheduled.Resource != "invoke" || scheduled.Region != "us-east-1" ||
		!strings.Contains(scheduled.Parameters, `"ApiEndpoint"`) {
		t.Fatalf("TaskScheduled %+v", scheduled)
	}
	if succeeded == nil {
		t.Fatal("no TaskSucceeded")
	}
	var res result
	if err := json.Unmarshal([]byte(succeeded.Output), &res); err != nil || res.StatusCode != 200 || res.StatusText != "OK" ||
		res.Headers["content-type"][0] != "application/json" {
		t.Errorf("TaskSucceeded output %s", succeeded.Output)
	}
}
