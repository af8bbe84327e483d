package mock

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

func TestLoadAWSExample(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "lambda_sqs_integration.json5"))
	if err != nil {
		t.Fatal(err)
	}
	tc := c.StateMachines["LambdaSQSIntegration"].TestCases["RetryPath"]
	if tc["LambdaState"] != "MockedLambdaRetry" || tc["SQSState"] != "MockedSQSSuccess" {
		t.Fatalf("RetryPath: %v", tc)
	}
	rs := c.MockedResponses["MockedLambdaRetry"]
	for n, want := range []string{"Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException", ""} {
		r, ok := response(rs, n)
		if !ok || (r.Throw == nil) != (want == "") || r.Throw != nil && r.Throw.Error != want {
			t.Errorf("invocation %d: %+v %v", n, r, ok)
		}
	}
	if _, ok := response(rs, 4); ok {
		t.Errorf("invocation 4 has a response")
	}
}

func TestRelaxed(t *testing.T) {
	in := `{
	  // a comment
	  "a": 'it\'s', /* block */ "b": ['x', "y\"",],
	  "c": '{"Arg1":"argument1"}',
	}`
	c, err := Parse([]byte(`{"MockedResponses": {"R": {"0": {"Return": ` + in + `}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(relaxed([]byte(in))), ""; got == want {
		t.Fatal("empty")
	}
	r := c.MockedResponses["R"]["0"]
	var v struct {
		A string   `json:"a"`
		B []string `json:"b"`
		C string   `json:"c"`
	}
	if err := jsonUnmarshal(r.Return, &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "it's" || len(v.B) != 2 || v.B[1] != `y"` || v.C != `{"Arg1":"argument1"}` {
		t.Errorf("parsed %+v", v)
	}
}

func TestRecordedMockFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "conformance", "recordings", "local_mocked_service_integrations", "mocked_responses")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json5"))
	if len(files) == 0 {
		t.Fatalf("no recorded mock files in %s", dir)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse([]byte(`{"MockedResponses": {"R": ` + string(data) + `}}`)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestHandler(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "lambda_sqs_integration.json5"))
	if err != nil {
		t.Fatal(err)
	}
	real := runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) { return `"real"`, nil })
	h := &Handler{Config: c, Next: real}
	if err := h.Bind("ex", "LambdaSQSIntegration", "Nope"); err == nil {
		t.Error("Bind of an unknown test case")
	}
	if err := h.Bind("ex", "LambdaSQSIntegration", "HybridPath"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	out, err := h.RunTask(ctx, &engine.Task{Execution: "ex", StateName: "LambdaState"})
	if err != nil || out != `{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}` && out == "" {
		t.Errorf("mocked: %s %v", out, err)
	}
	if _, err := h.RunTask(ctx, &engine.Task{Execution: "ex", StateName: "LambdaState"}); err == nil {
		t.Error("a second invocation with no response succeeded")
	}
	if out, err := h.RunTask(ctx, &engine.Task{Execution: "ex", StateName: "SQSState"}); out != `"real"` || err != nil {
		t.Errorf("unmocked state: %s %v", out, err)
	}
	if out, err := h.RunTask(ctx, &engine.Task{Execution: "other", StateName: "LambdaState"}); out != `"real"` || err != nil {
		t.Errorf("unbound execution: %s %v", out, err)
	}
	h.Unbind("ex")
	if out, _ := h.RunTask(ctx, &engine.Task{Execution: "ex", StateName: "LambdaState"}); out != `"real"` {
		t.Errorf("after Unbind: %s", out)
	}
	var te *runner.TaskError
	h.Bind("ex", "LambdaSQSIntegration", "RetryPath")
	if _, err := h.RunTask(ctx, &engine.Task{Execution: "ex", StateName: "LambdaState"}); !errors.As(err, &te) || te.Name != "Lambda.ResourceNotReadyException" {
		t.Errorf("Throw: %v", err)
	}
}

// A Task that calls a function by its ARN gets the mocked Invoke answer's Payload as its
// result, as on AWS; lambda:invoke gets the whole answer; a response without Payload is taken
// whole.
func TestHandlerFunctionArn(t *testing.T) {
	c, err := Parse([]byte(`{"StateMachines":{"m":{"TestCases":{"c":{"Direct":"invoke","Integration":"invoke","Bare":"bare"}}}},
		"MockedResponses":{"invoke":{"0-1":{"Return":{"StatusCode":200,"Payload":{"body":"b"}}}},"bare":{"0":{"Return":{"body":"b"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Config: c}
	if err := h.Bind("ex", "m", "c"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct{ state, resource, want string }{
		{"Direct", "arn:aws:lambda:us-east-1:123456789012:function:f", `{"body":"b"}`},
		{"Integration", "arn:aws:states:::lambda:invoke", `{"StatusCode":200,"Payload":{"body":"b"}}`},
		{"Bare", "arn:aws:lambda:us-east-1:123456789012:function:f:live", `{"body":"b"}`},
	} {
		out, err := h.RunTask(ctx, &engine.Task{Execution: "ex", StateName: c.state, Resource: c.resource})
		if err != nil || out != c.want {
			t.Errorf("%s: %s %v, want %s", c.state, out, err, c.want)
		}
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// A mocked .sync or .waitForTaskToken task reports its request accepted (TaskSubmitted, with
// an empty answer) before its outcome, successful or not, as AWS's histories show; a
// request-response task reports nothing.
func TestHandlerSubmits(t *testing.T) {
	c, err := Parse([]byte(`{"StateMachines":{"m":{"TestCases":{"c":{"Wait":"ok","Sync":"fail","Plain":"ok"}}}},
		"MockedResponses":{"ok":{"0":{"Return":"done"}},"fail":{"0":{"Throw":{"Error":"E","Cause":"C"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Config: c}
	if err := h.Bind("ex", "m", "c"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ state, pattern, submitted string }{
		{"Wait", ".waitForTaskToken", "{}"}, {"Sync", ".sync", "{}"}, {"Plain", "", ""},
	} {
		var submitted string
		ctx := runner.WithSubmit(context.Background(), func(out string) { submitted = out })
		h.RunTask(ctx, &engine.Task{Execution: "ex", StateName: c.state, Pattern: c.pattern, Resource: "arn:aws:states:::sqs:sendMessage" + c.pattern})
		if submitted != c.submitted {
			t.Errorf("%s: submitted %q, want %q", c.state, submitted, c.submitted)
		}
	}
}

// A mocked state's invocations count per execution: each child execution of a Distributed
// Map counts its own, its parent apart.
func TestHandlerCountsPerChildExecution(t *testing.T) {
	c, err := Parse([]byte(`{"StateMachines":{"m":{"TestCases":{"c":{"P":"once"}}}},"MockedResponses":{"once":{"0":{"Return":1}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Config: c}
	if err := h.Bind("ex", "m", "c"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, child := range []string{"ex:child-1", "ex:child-2", ""} {
		if out, err := h.RunTask(ctx, &engine.Task{Execution: "ex", ChildExecution: child, StateName: "P"}); out != "1" || err != nil {
			t.Errorf("child %q: %s %v", child, out, err)
		}
	}
	if _, err := h.RunTask(ctx, &engine.Task{Execution: "ex", ChildExecution: "ex:child-1", StateName: "P"}); err == nil {
		t.Error("a child's second invocation found a response")
	}
}
