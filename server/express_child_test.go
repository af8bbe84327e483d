package server

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// TestExpressChildren: a Standard execution's Task states start Express executions as
// StartExecution starts them, whichever way the task starts them: states:startExecution,
// .sync, .sync:2 and .waitForTaskToken, and aws-sdk:sfn:startExecution. Each child runs as an
// Express execution (an ARN of the express kind, no stored row, no history), a .sync task
// answers the child's end in DescribeExecution's shape, and a failed child fails its task with
// States.TaskFailed.
func TestExpressChildren(t *testing.T) {
	s, _ := startServer(t, Config{})
	create := func(name, typ, def string) string {
		return invoke(t, s, "CreateStateMachine", map[string]any{"name": name, "type": typ,
			"roleArn": "arn:aws:iam::123456789012:role/r", "definition": def})["stateMachineArn"].(string)
	}
	double := create("double", "EXPRESS", `{"StartAt":"D","States":{"D":{"Type":"Pass",
		"Parameters":{"doubled.$":"States.MathAdd($.n, $.n)","id.$":"$$.Execution.Id"},"End":true}}}`)
	failing := create("failing", "EXPRESS", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"express child failed"}}}`)
	replier := create("replier", "EXPRESS", `{"StartAt":"Reply","States":{"Reply":{"Type":"Task",
		"Resource":"arn:aws:states:::aws-sdk:sfn:sendTaskSuccess","Parameters":{"TaskToken.$":"$.token","Output":{"from.$":"$$.Execution.Id"}},"End":true}}}`)
	task := func(state, resource, sm, input, next string) string {
		return `"` + state + `":{"Type":"Task","Resource":"arn:aws:states:::` + resource + `","Parameters":{"StateMachineArn":"` + sm +
			`","Name":"kid","Input":` + input + `},"ResultPath":"$.` + state + `",` + next + `}`
	}
	parent := create("parent", "STANDARD", `{"StartAt":"Sync2","States":{`+
		task("Sync2", "states:startExecution.sync:2", double, `{"n":21}`, `"Next":"Sync"`)+`,`+
		task("Sync", "states:startExecution.sync", double, `{"n":2}`, `"Next":"Plain"`)+`,`+
		task("Plain", "states:startExecution", double, `{"n":1}`, `"Next":"SDK"`)+`,`+
		task("SDK", "aws-sdk:sfn:startExecution", double, `{"n":1}`, `"Next":"Token"`)+`,`+
		task("Token", "states:startExecution.waitForTaskToken", replier, `{"token.$":"$$.Task.Token"}`, `"Next":"Fails"`)+`,`+
		`"Fails":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"`+failing+`"},
			"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.Fails","Next":"Done"}],"End":true},
		"Done":{"Type":"Succeed"}}}`)
	arn := invoke(t, s, "StartExecution", map[string]any{"stateMachineArn": parent, "name": "run"})["executionArn"].(string)
	waitSucceeded(t, s, arn)

	var out struct {
		Sync2 struct {
			ExecutionArn, Status, Name string
			Input                      map[string]any
			Output                     struct {
				Doubled float64
				ID      string
			}
		}
		Sync       struct{ ExecutionArn, Status, Output, Input string }
		Plain, SDK struct {
			ExecutionArn    string
			StartDate       float64
			SdkHttpMetadata map[string]any
		}
		Token struct{ From string }
		Fails struct{ Error, Cause string }
	}
	desc := invoke(t, s, "DescribeExecution", map[string]any{"executionArn": arn})
	if err := json.Unmarshal([]byte(desc["output"].(string)), &out); err != nil {
		t.Fatal(err)
	}
	expressPrefix := strings.Replace(runner.ExecutionArn(double, "kid"), ":execution:", ":express:", 1) + ":"
	for name, got := range map[string]string{"Sync2": out.Sync2.ExecutionArn, "Sync": out.Sync.ExecutionArn, "Plain": out.Plain.ExecutionArn, "SDK": out.SDK.ExecutionArn} {
		if !strings.HasPrefix(got, expressPrefix) {
			t.Errorf("%s: the child's ARN is %q, want an Express execution's (%s<uuid>)", name, got, expressPrefix)
		}
	}
	if s2 := out.Sync2; s2.Status != "SUCCEEDED" || s2.Name != "kid" || s2.Output.Doubled != 42 || s2.Output.ID != s2.ExecutionArn || s2.Input["n"] != 21.0 {
		t.Errorf(".sync:2 answered %+v, want the child's end with its JSON input and output, $$.Execution.Id its ARN", s2)
	}
	if s1 := out.Sync; s1.Status != "SUCCEEDED" || s1.Output != `{"doubled":4,"id":"`+s1.ExecutionArn+`"}` || s1.Input != `{"n":2}` {
		t.Errorf(".sync answered %+v, want the child's end with its input and output as text", s1)
	}
	if out.Plain.StartDate == 0 || out.Plain.SdkHttpMetadata == nil || out.SDK.StartDate == 0 || out.SDK.SdkHttpMetadata != nil {
		t.Errorf("request-response answered %+v and %+v, want StartExecution's answer (with the SDK's metadata for the optimized integration only)", out.Plain, out.SDK)
	}
	if !strings.HasPrefix(out.Token.From, strings.Replace(runner.ExecutionArn(replier, "kid"), ":execution:", ":express:", 1)) {
		t.Errorf(".waitForTaskToken got %+v, want the Express child's own reply", out.Token)
	}
	var failed struct{ ExecutionArn, Status, Error, Cause string }
	if err := json.Unmarshal([]byte(out.Fails.Cause), &failed); err != nil || out.Fails.Error != "States.TaskFailed" ||
		failed.Status != "FAILED" || failed.Error != "Oops" || failed.Cause != "express child failed" || !strings.Contains(failed.ExecutionArn, ":express:failing:") {
		t.Errorf("a failed Express child's task failed with %+v (%v), want States.TaskFailed with the child's end as its cause", out.Fails, err)
	}

	// No Standard execution was started in their place.
	for _, sm := range []string{double, failing, replier} {
		if _, err := s.Store.GetExecution(context.Background(), runner.ExecutionArn(sm, "kid")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: a stored execution named kid (%v), want none: Express executions are not stored", sm, err)
		}
	}
}

// TestExpressChildOutlivesItsTask: a .sync task waiting for an Express child times out at
// its TimeoutSeconds, as for a Standard child; the child, which cannot be stopped, runs on to
// its end.
func TestExpressChildOutlivesItsTask(t *testing.T) {
	ran := make(chan time.Time, 1)
	s, _ := startServer(t, Config{Functions: map[string]lambda.Spec{"record": {Func: func(ctx context.Context, payload []byte) ([]byte, error) {
		ran <- time.Now()
		return []byte(`{}`), nil
	}}}})
	create := func(name, typ, def string) string {
		return invoke(t, s, "CreateStateMachine", map[string]any{"name": name, "type": typ,
			"roleArn": "arn:aws:iam::123456789012:role/r", "definition": def})["stateMachineArn"].(string)
	}
	slow := create("slow", "EXPRESS", `{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":2,"Next":"Record"},
		"Record":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"record"},"End":true}}}`)
	parent := create("impatient", "STANDARD", `{"StartAt":"Sync","States":{"Sync":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"`+slow+`"},"TimeoutSeconds":1,
		"Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.caught","Next":"Done"}],"End":true},"Done":{"Type":"Succeed"}}}`)
	began := time.Now()
	arn := invoke(t, s, "StartExecution", map[string]any{"stateMachineArn": parent})["executionArn"].(string)
	waitSucceeded(t, s, arn)
	if took := time.Since(began); took > 1900*time.Millisecond {
		t.Errorf("the parent ended %v after its start, want its task to time out after 1 s", took)
	}
	var out struct{ Caught struct{ Error string } }
	_ = json.Unmarshal([]byte(invoke(t, s, "DescribeExecution", map[string]any{"executionArn": arn})["output"].(string)), &out)
	if out.Caught.Error != "States.Timeout" {
		t.Errorf("the parent caught %+v, want States.Timeout", out.Caught)
	}
	select {
	case at := <-ran:
		if d := at.Sub(began); d < 2*time.Second {
			t.Errorf("the child's task ran %v after the start, want after its 2 s Wait", d)
		}
	case <-time.After(10 * time.Second):
		t.Error("the Express child did not run on to its end after its task timed out")
	}
}
