package lambda_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/runner"
)

func invokeTask(params string) *engine.Task {
	return &engine.Task{Resource: "arn:aws:states:::lambda:invoke", ResourceType: "lambda", ResourceName: "invoke", Parameters: params}
}

func arnTask(name, input string) *engine.Task {
	return &engine.Task{Resource: "arn:aws:lambda:us-east-1:123456789012:function:" + name, ResourceName: "arn:aws:lambda:us-east-1:123456789012:function:" + name, Parameters: input}
}

func taskError(t *testing.T, err error) *runner.TaskError {
	t.Helper()
	var te *runner.TaskError
	if !errors.As(err, &te) {
		t.Fatalf("error %v, want a TaskError", err)
	}
	return te
}

func TestHandles(t *testing.T) {
	rt := lambda.New(lambda.Options{})
	defer rt.Close()
	for _, tk := range []*engine.Task{invokeTask("{}"), arnTask("x", "{}"),
		{Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken", ResourceType: "lambda", ResourceName: "invoke.waitForTaskToken", Pattern: ".waitForTaskToken"}} {
		if !rt.Handles(tk) {
			t.Errorf("does not handle %s", tk.Resource)
		}
	}
	if rt.Handles(&engine.Task{Resource: "arn:aws:states:::states:startExecution", ResourceType: "states", ResourceName: "startExecution"}) {
		t.Error("handles states:startExecution")
	}
}

func TestInvokeTaskResult(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{})
	out, err := rt.RunTask(context.Background(), invokeTask(`{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:fn","Payload":{"action":"string","message":"hi"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	meta := res["SdkHttpMetadata"].(map[string]any)
	headers := meta["HttpHeaders"].(map[string]any)
	all := meta["AllHttpHeaders"].(map[string]any)
	reqID := res["SdkResponseMetadata"].(map[string]any)["RequestId"]
	if res["ExecutedVersion"] != "$LATEST" || res["Payload"] != "hi" || res["StatusCode"] != float64(200) ||
		meta["HttpStatusCode"] != float64(200) || headers["Content-Length"] != "4" || headers["x-amzn-RequestId"] != reqID ||
		headers["X-Amz-Executed-Version"] != "$LATEST" || all["Content-Type"].([]any)[0] != "application/json" {
		t.Errorf("result %s", out)
	}
	// A string Payload is sent as its text (AWS-recorded: "\"HelloWorld\"" reaches the
	// function as the JSON string "HelloWorld").
	out, err = rt.RunTask(context.Background(), invokeTask(`{"FunctionName":"fn","Payload":"{\"action\":\"string\",\"message\":\"raw\"}"}`))
	if err != nil || !strings.Contains(out, `"Payload":"raw"`) {
		t.Errorf("string payload: %v %s", err, out)
	}
}

func TestFunctionArnTaskResult(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{})
	out, err := rt.RunTask(context.Background(), arnTask("fn", `{"value":{"n":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	var e echo
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.Pid == 0 || e.Value.(map[string]any)["n"] != float64(1) {
		t.Errorf("result %s (%v): want the function's output itself", out, err)
	}
}

func TestTaskErrors(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{Timeout: 300 * 1e6})
	ctx := context.Background()
	tests := []struct {
		name        string
		task        *engine.Task
		error       string
		causePrefix string
	}{
		{"invoke error", invokeTask(`{"FunctionName":"fn","Payload":{"action":"error","message":"bad input"}}`),
			"errorString", `{"errorMessage":"bad input","errorType":"errorString"}`},
		{"arn error", arnTask("fn", `{"action":"custom","message":"nope"}`),
			"CustomError", `{"errorMessage":"nope","errorType":"CustomError"}`},
		{"invoke panic", invokeTask(`{"FunctionName":"fn","Payload":{"action":"panic","message":"p"}}`),
			"string", `{"errorMessage":"p","errorType":"string","stackTrace":[`},
		{"invoke timeout", invokeTask(`{"FunctionName":"fn","Payload":{"action":"sleep","sleepMs":3000}}`),
			"Lambda.Unknown", `The cause could not be determined because Lambda did not return an error type. Returned payload: {"errorMessage":"20`},
		{"arn timeout", arnTask("fn", `{"action":"sleep","sleepMs":3000}`),
			"Lambda.Unknown", `The cause could not be determined because Lambda did not return an error type. Returned payload: {"errorMessage":"20`},
		{"invoke crash", invokeTask(`{"FunctionName":"fn","Payload":{"action":"exit"}}`),
			"Runtime.ExitError", `{"errorMessage":"RequestId: `},
		{"invoke unknown", invokeTask(`{"FunctionName":"nope"}`), "Lambda.ResourceNotFoundException",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: "},
		{"arn unknown", arnTask("nope", `{}`), "Lambda.ResourceNotFoundException",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rt.RunTask(ctx, tt.task)
			te := taskError(t, err)
			if te.Name != tt.error || !strings.HasPrefix(te.Cause, tt.causePrefix) {
				t.Errorf("got %s / %s\nwant %s / %s...", te.Name, te.Cause, tt.error, tt.causePrefix)
			}
		})
	}
}

func TestEventAndDryRun(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{})
	out, err := rt.RunTask(context.Background(), invokeTask(`{"FunctionName":"fn","InvocationType":"Event","Payload":{}}`))
	if err != nil || !strings.Contains(out, `"StatusCode":202`) || strings.Contains(out, "ExecutedVersion") {
		t.Errorf("Event: %v %s", err, out)
	}
	out, err = rt.RunTask(context.Background(), invokeTask(`{"FunctionName":"fn","InvocationType":"DryRun"}`))
	if err != nil || !strings.Contains(out, `"StatusCode":204`) {
		t.Errorf("DryRun: %v %s", err, out)
	}
}

// TestInvokeNullPayload: lambda:invoke with "Payload": null invokes the function with no
// payload, which Lambda hands over as the event {} (services/test_lambda_task_service's
// test_invoke); the string "null" is the JSON null itself.
func TestInvokeNullPayload(t *testing.T) {
	identity := lambda.Spec{Func: func(ctx context.Context, payload []byte) ([]byte, error) { return payload, nil }}
	rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{"id": identity}})
	defer rt.Close()
	for params, want := range map[string]any{
		`{"FunctionName":"id","Payload":null}`:   map[string]any{},
		`{"FunctionName":"id"}`:                  map[string]any{},
		`{"FunctionName":"id","Payload":"null"}`: nil,
	} {
		out, err := rt.RunTask(context.Background(), invokeTask(params))
		if err != nil {
			t.Fatal(err)
		}
		var res map[string]any
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(res["Payload"])
		if w, _ := json.Marshal(want); string(got) != string(w) {
			t.Errorf("%s: Payload %s, want %s", params, got, w)
		}
	}
}

// TestInvokeClientContext: lambda:invoke's ClientContext, a JSON object in base64, reaches the
// function's context (aws-lambda-go's lambdacontext.ClientContext, from the Runtime API's
// Lambda-Runtime-Client-Context); any other text fails the task with Lambda's
// InvalidRequestContentException, and the function is not invoked.
func TestInvokeClientContext(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{})
	cc := base64.StdEncoding.EncodeToString([]byte(`{"client":{"app_title":"shop"},"custom":{"tenant":"t-1"},"env":{"stage":"dev"}}`))
	out, err := rt.RunTask(context.Background(), invokeTask(`{"FunctionName":"fn","ClientContext":"`+cc+`","Payload":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Payload struct{ ClientContext map[string]any }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(res.Payload.ClientContext)
	if !strings.Contains(string(got), `"custom":{"tenant":"t-1"}`) || !strings.Contains(string(got), `"env":{"stage":"dev"}`) ||
		!strings.Contains(string(got), `"app_title":"shop"`) {
		t.Errorf("the function's client context %s, want the task's", got)
	}
	for _, bad := range []string{"not base64!", base64.StdEncoding.EncodeToString([]byte(`[1]`)), base64.StdEncoding.EncodeToString([]byte(`{"a":`))} {
		_, err := rt.RunTask(context.Background(), invokeTask(`{"FunctionName":"fn","ClientContext":"`+bad+`","Payload":{}}`))
		if te := taskError(t, err); te.Name != "Lambda.InvalidRequestContentException" || !strings.HasPrefix(te.Cause, "Client context must be a valid Base64-encoded JSON object. (Service: AWSLambda; Status Code: 400;") {
			t.Errorf("ClientContext %q: %s: %s", bad, te.Name, te.Cause)
		}
	}
}

// TestEventRetries: an Event invocation that fails is run again, as Lambda runs one from its
// queue: with the same request id, up to MaximumRetryAttempts more times (2 by default),
// after the retry delays; none once it succeeds; a retry still waiting when the Runtime
// closes is dropped.
func TestEventRetries(t *testing.T) {
	attempts := func(file string) []string {
		data, _ := os.ReadFile(file)
		return strings.Fields(string(data))
	}
	one, zero := 1, 0
	for _, c := range []struct {
		name     string
		retries  *int
		failures int
		want     int
	}{
		{"succeeds on the second attempt", nil, 1, 2},
		{"fails every time", nil, 10, 3},
		{"fails every time, 1 retry", &one, 10, 2},
		{"no retries", &zero, 10, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "attempts")
			rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{"fn": {Command: []string{fnPath}, MaximumRetryAttempts: c.retries}},
				Output: io.Discard, Logger: slog.New(slog.DiscardHandler), EventRetryDelays: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}})
			defer rt.Close()
			params, _ := json.Marshal(map[string]any{"FunctionName": "fn", "InvocationType": "Event",
				"Payload": map[string]any{"action": "flaky", "file": file, "failures": c.failures}})
			if out, err := rt.RunTask(context.Background(), invokeTask(string(params))); err != nil || !strings.Contains(out, `"StatusCode":202`) {
				t.Fatalf("Event: %v %s", err, out)
			}
			deadline := time.Now().Add(10 * time.Second)
			for len(attempts(file)) < c.want && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(400 * time.Millisecond) // longer than the delays: a retry too many would come
			got := attempts(file)
			if len(got) != c.want {
				t.Fatalf("%d attempts (%v), want %d", len(got), got, c.want)
			}
			for _, id := range got[1:] {
				if id != got[0] {
					t.Errorf("the retries' request ids %v, want the first attempt's", got)
				}
			}
		})
	}
	t.Run("past the maximum age", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "attempts")
		rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{"fn": {Command: []string{fnPath}, MaximumEventAgeInSeconds: 1}},
			Output: io.Discard, Logger: slog.New(slog.DiscardHandler), EventRetryDelays: []time.Duration{1500 * time.Millisecond}})
		defer rt.Close()
		params, _ := json.Marshal(map[string]any{"FunctionName": "fn", "InvocationType": "Event",
			"Payload": map[string]any{"action": "flaky", "file": file, "failures": 10}})
		if _, err := rt.RunTask(context.Background(), invokeTask(string(params))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2500 * time.Millisecond) // past the retry's delay
		if n := len(attempts(file)); n != 1 {
			t.Errorf("%d attempts, want 1: the retry would start past the event's maximum age of 1 s", n)
		}
	})
	t.Run("dropped at close", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "attempts")
		rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{"fn": {Command: []string{fnPath}}},
			Output: io.Discard, Logger: slog.New(slog.DiscardHandler), EventRetryDelays: []time.Duration{300 * time.Millisecond}})
		params, _ := json.Marshal(map[string]any{"FunctionName": "fn", "InvocationType": "Event",
			"Payload": map[string]any{"action": "flaky", "file": file, "failures": 10}})
		if _, err := rt.RunTask(context.Background(), invokeTask(string(params))); err != nil {
			t.Fatal(err)
		}
		for len(attempts(file)) < 1 {
			time.Sleep(10 * time.Millisecond)
		}
		rt.Close()
		time.Sleep(500 * time.Millisecond)
		if n := len(attempts(file)); n != 1 {
			t.Errorf("%d attempts after the Runtime closed during the retry's wait, want 1", n)
		}
	})
}

// TestInvokePayloadNotJSON: lambda:invoke with a Payload string that is not JSON fails with
// Lambda's InvalidRequestContentException before the function runs, as the Invoke API
// refuses such a body; a blank one is no payload, which the function gets as {}.
func TestInvokePayloadNotJSON(t *testing.T) {
	var calls atomic.Int32
	identity := lambda.Spec{Func: func(ctx context.Context, payload []byte) ([]byte, error) { calls.Add(1); return payload, nil }}
	rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{"id": identity}})
	defer rt.Close()
	_, err := rt.RunTask(context.Background(), invokeTask(`{"FunctionName":"id","Payload":"hello {"}`))
	if te := taskError(t, err); te.Name != "Lambda.InvalidRequestContentException" ||
		!strings.HasPrefix(te.Cause, "Could not parse request body into json: the payload is not valid JSON (Service: AWSLambda; Status Code: 400;") {
		t.Errorf("a payload that is not JSON: %s: %s", te.Name, te.Cause)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the function ran %d times, want none", n)
	}
	out, err := rt.RunTask(context.Background(), invokeTask(`{"FunctionName":"id","Payload":"  "}`))
	if err != nil || !strings.Contains(out, `"Payload":{}`) {
		t.Errorf("a blank payload: %v %s, want the function to get {}", err, out)
	}
}
