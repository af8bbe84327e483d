package testsuite

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/runner"
)

// suite is a test file of the machine with one passing test and one failure of each kind.
const suite = `stateMachine: sm.asl.json
mocks:
  Work: {return: {Payload: {n: 3}}}
tests:
  - name: passes
    input: {name: Ada}
    expect:
      output: {n: 3, name: Ada}
      states: [Work, "Big?", Done]
  - name: wrong output
    input: {name: Ada}
    expect:
      output: {n: 4, name: Ada}
  - name: wrong subset
    input: {name: Ada}
    expect:
      outputContains: {name: Bob}
  - name: wrong status
    input: {name: Ada}
    mocks:
      Work: {return: {Payload: {n: 11}}}
  - name: wrong error
    mocks:
      Work: {throw: {error: Lambda.Unknown, cause: boom}}
    expect:
      error: Work.TooBig
      cause: boom
  - name: wrong path
    input: {name: Ada}
    mocks:
      Work: [{return: {Payload: {n: 5}}}]
    expect:
      states: [Work, Done]
      paths:
        $.n: 3
        $.missing: 1
  - name: retries count
    input: {name: Ada}
    mocks:
      Work:
        - throw: {error: Lambda.TooManyRequestsException}
        - return: {Payload: {n: 1}}
    expect:
      error: Lambda.TooManyRequestsException
  - name: a succeeded execution has no error
    input: {name: Ada}
    expect:
      error: X
`

// TestRun runs a file and checks what the report says of each test: the line of the
// expectation, the first difference, the state it arose in.
func TestRun(t *testing.T) {
	dir := writeFiles(t, map[string]string{"x.test.yaml": suite, "sm.asl.json": machine})
	rep, err := Run(context.Background(), []string{dir}, Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || rep.Files[0].Err != nil {
		t.Fatalf("files %+v", rep.Files)
	}
	var got []string
	for _, r := range rep.Files[0].Tests {
		if r.Problem != "" {
			got = append(got, fmt.Sprintf("%s: problem %s", r.Name, r.Problem))
		}
		if r.Passed() {
			got = append(got, r.Name+": ok")
		}
		for _, f := range r.Failures {
			got = append(got, fmt.Sprintf("%s: %d: %s", r.Name, f.Line, f.Text()))
		}
	}
	want := []string{
		"passes: ok",
		`wrong output: 13: output: $.n: want 4, got 3 [in state "Work", via "Done"]`,
		`wrong subset: 17: outputContains: $.name: want "Bob", got "Ada"`, // from the execution's input
		`wrong status: 18: status: want SUCCEEDED, got FAILED with error "Work.TooBig" (cause "n is over 10") [in state "Too big"]`,
		`wrong error: 26: error: want "Work.TooBig", got "Lambda.Unknown" [in state "Work"]`,
		`wrong path: 33: states: state 2 (after "Work"): want "Done", got "Big?"; it went ["Work","Big?","Done"]`,
		`wrong path: 35: $.n: want 3, got 5 [in state "Work", via "Done"]`,
		`wrong path: 36: $.missing: not in the output (want 1)`,
		"retries count: ok",
		`a succeeded execution has no error: 48: status: want a failure, got SUCCEEDED with output {"name":"Ada","n":3}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	c := rep.Counts()
	if c != (Counts{Tests: 8, Failed: 6, Files: 1}) || rep.OK() {
		t.Errorf("counts %+v", c)
	}
}

// TestRunDeterministic: the same tests give the same outcomes, however many run at once:
// the clock, the execution's name and its random seed are fixed.
func TestRunDeterministic(t *testing.T) {
	var b strings.Builder
	b.WriteString("stateMachine: sm.asl.json\ntests:\n")
	for i := range 40 {
		fmt.Fprintf(&b, "  - name: t%02d\n    input: {i: %d}\n", i, i)
	}
	def := `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"i.$": "$.i", "id.$": "States.UUID()", "r.$": "States.MathRandom(0, 1000000)",
	  "at.$": "$$.Execution.StartTime", "name.$": "$$.Execution.Name"}, "Next": "W"}, "W": {"Type": "Wait", "Seconds": 2592000, "End": true}}}`
	dir := writeFiles(t, map[string]string{"x.test.yaml": b.String(), "sm.asl.json": def})
	var outputs []string
	for _, workers := range []int{1, 8} {
		rep, err := Run(context.Background(), []string{dir}, Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for i, r := range rep.Files[0].Tests {
			if r.Name != fmt.Sprintf("t%02d", i) || r.Outcome == nil || r.Outcome.Status != "SUCCEEDED" {
				t.Fatalf("test %d: %+v", i, r)
			}
			out = append(out, r.Outcome.Output)
		}
		outputs = append(outputs, strings.Join(out, "\n"))
	}
	if outputs[0] != outputs[1] {
		t.Errorf("outputs differ:\n%s\n---\n%s", outputs[0], outputs[1])
	}
	if !strings.Contains(outputs[0], `"at":"2025-01-01T00:00:00Z"`) || !strings.Contains(outputs[0], `"name":"t07"`) {
		t.Errorf("outputs %s", outputs[0])
	}
}

// TestMockFile: a test case of a Step Functions Local mock file answers the states it names;
// the file's inline mocks and then the test's own replace them, state by state.
func TestMockFile(t *testing.T) {
	mocks := `{"StateMachines": {"whatever": {"TestCases": {
	    "Small": {"Work": "Small"}, "Big": {"Work": "Big"}}}},
	  "MockedResponses": {"Small": {"0": {"Return": {"Payload": {"n": 1}}}}, "Big": {"0": {"Return": {"Payload": {"n": 100}}}}}}`
	file := `stateMachine: sm.asl.json
mockFile: mocks.json
tests:
  - name: small
    input: {name: a}
    mockCase: Small
    expect: {output: {n: 1, name: a}}
  - name: big
    mockCase: Big
    expect: {error: Work.TooBig}
  - name: the test's mocks win
    input: {name: a}
    mockCase: Big
    mocks:
      Work: {return: {Payload: {n: 2}}}
    expect: {output: {n: 2, name: a}}
`
	dir := writeFiles(t, map[string]string{"x.test.yaml": file, "sm.asl.json": machine, "mocks.json": mocks})
	rep, err := Run(context.Background(), []string{filepath.Join(dir, "x.test.yaml")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	rep.WriteText(&text, true)
	if !rep.OK() {
		t.Errorf("%s", text.String())
	}
}

// TestUnmocked: a Task state without a mock stops the test, whatever the machine catches,
// unless the file says unmocked: call; then Options.Tasks runs it. A Lambda task without a
// mock runs a function given to the test (the file's functions:, Options.Functions, which
// win) and stops the test when there is none, unless the file says unmocked: call and
// Options.Tasks handles it (a Lambda endpoint is configured).
func TestUnmocked(t *testing.T) {
	def := `{"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
	  "Parameters": {"QueueUrl": "q", "MessageBody": "m"}, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "Next": "Call"},
	  "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload.$": "$"},
	  "ResultSelector": {"Payload.$": "$.Payload"}, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
	  "Caught": {"Type": "Succeed"}}}`
	var calls atomic.Int32
	tasks := func() (runner.TaskHandler, error) {
		return runner.TaskFunc(func(ctx context.Context, task *engine.Task) (string, error) {
			calls.Add(1)
			return `{"Payload": "real"}`, nil
		}), nil
	}
	// fn is the function f: it answers with its event and who it is.
	fn := func(who string) lambda.Spec {
		return lambda.Spec{Func: func(ctx context.Context, payload []byte) ([]byte, error) {
			return []byte(`{"by": "` + who + `", "event": ` + string(payload) + `}`), nil
		}}
	}
	const mockWork = "mocks:\n  Work: {return: {Payload: real}}\n"
	tests := []struct {
		name, head string
		opts       Options
		want       string // the problem
		output     string // the output expected, when there is none
	}{
		{"fail", "", Options{Tasks: tasks}, `Task state "Work" (arn:aws:states:::sqs:sendMessage) has no mock: mock it under mocks:, or set unmocked: call at the top of the file to call the service`, ""},
		{"call", "unmocked: call\n", Options{Tasks: tasks}, `Task state "Call" (arn:aws:states:::lambda:invoke) has no mock and invokes no function given to the test: mock it under mocks:, give its function under functions: (or stepwise test --function), or set unmocked: call with a Lambda endpoint configured (AWS_ENDPOINT_URL_LAMBDA)`, ""},
		{"call with a Lambda service", "unmocked: call\n", Options{Tasks: func() (runner.TaskHandler, error) {
			h, _ := tasks()
			return handlesAll{h}, nil
		}}, "", ""},
		{"call without integrations", "unmocked: call\n", Options{}, `Task state "Work" (arn:aws:states:::sqs:sendMessage) has no mock, and this run has no integrations to call`, ""},
		{"function of the options", mockWork, Options{Functions: map[string]lambda.Spec{"f": fn("options")}},
			"", `{"Payload": {"by": "options", "event": {"Payload": "real"}}}`},
		{"function of the file", mockWork + "functions: {f: http://127.0.0.1:1, g: bin/g}\n", Options{Functions: map[string]lambda.Spec{"f": fn("options")}},
			"", `{"Payload": {"by": "options", "event": {"Payload": "real"}}}`},
		{"another function", mockWork + "functions: {g: http://127.0.0.1:1}\n", Options{Functions: map[string]lambda.Spec{"h": fn("options")}},
			`Task state "Call" (arn:aws:states:::lambda:invoke) has no mock and invokes no function given to the test: mock it under mocks:, give its function under functions: (or stepwise test --function), or set unmocked: call with a Lambda endpoint configured (AWS_ENDPOINT_URL_LAMBDA)`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls.Store(0)
			output := tc.output
			if output == "" {
				output = `{"Payload": "real"}`
			}
			dir := writeFiles(t, map[string]string{"sm.asl.json": def,
				"x.test.yaml": tc.head + "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expect: {output: " + output + "}\n"})
			rep := runDir(t, dir, tc.opts)
			r := rep.Files[0].Tests[0]
			if r.Problem != tc.want || (tc.want == "" && !r.Passed()) {
				t.Errorf("problem %q, failures %v; want %q", r.Problem, r.Failures, tc.want)
			}
			if tc.name == "call with a Lambda service" && calls.Load() != 2 {
				t.Errorf("%d calls, want 2 (the Lambda task too)", calls.Load())
			}
			if tc.name == "call" && calls.Load() != 1 {
				t.Errorf("%d calls", calls.Load())
			}
		})
	}
}

// TestFunctionsParsed: functions: takes a program (a relative path from the file's
// directory, a path to an existing file whole, a bare name from PATH with its arguments) or
// an Invoke API URL, and refuses what cannot be a function.
func TestFunctionsParsed(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "with space"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := Parse(filepath.Join(dir, "x.test.yaml"), []byte(`stateMachine: sm.asl.json
functions:
  a: bin/a --flag
  b: python3 -m awslambdaric app.handler
  c: http://127.0.0.1:3001/
  d: with space
  e: /opt/e
tests: [{name: t}]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]lambda.Spec{
		"a": {Command: []string{filepath.Join(dir, "bin/a"), "--flag"}},
		"b": {Command: []string{"python3", "-m", "awslambdaric", "app.handler"}, Dir: dir},
		"c": {Endpoint: "http://127.0.0.1:3001"},
		"d": {Command: []string{filepath.Join(dir, "with space")}},
		"e": {Command: []string{"/opt/e"}},
	}
	if !reflect.DeepEqual(f.Functions, want) {
		t.Errorf("functions %+v\nwant      %+v", f.Functions, want)
	}
	for _, tc := range []struct{ body, want string }{
		{"functions: [a]", `x.test.yaml:2: functions: want a mapping of function names to programs (bin/charge) or Invoke API URLs`},
		{"functions: {a.b: x}", `x.test.yaml:2: functions: "a.b" is not a function name (1 to 64 letters, digits, '-' or '_')`},
		{`functions: {a: ""}`, `x.test.yaml:2: functions: a: want a program's path or an http:// URL, got nothing`},
	} {
		_, err := Parse("x.test.yaml", []byte("stateMachine: sm.asl.json\n"+tc.body+"\ntests: [{name: t}]\n"))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v, want %s", tc.body, err, tc.want)
		}
	}
}

// TestExecute: Options.Execute runs the executions (the seam for an in-process service);
// one that waits for an outside event stops its test with a clear message.
func TestExecute(t *testing.T) {
	dir := writeFiles(t, map[string]string{"sm.asl.json": machine, "x.test.yaml": suite})
	var calls atomic.Int32
	counting := func(ctx context.Context, x *Execution) (*engine.Execution, []history.Event, error) {
		calls.Add(1)
		if !strings.Contains(string(x.Definition), `"StartAt"`) || x.Machine.StartAt != "Work" || x.TestCase == "" ||
			x.Mocks.StateMachines["sm"].TestCases[x.TestCase]["Work"] == "" || !strings.HasPrefix(x.Start.ExecutionArn, "arn:aws:states:us-east-1:123456789012:execution:sm:") {
			t.Errorf("execution %+v", x)
		}
		return localExecute(ctx, x)
	}
	rep, err := Run(context.Background(), []string{dir}, Options{Execute: counting})
	if err != nil || calls.Load() != 8 || rep.Counts().Failed != 6 {
		t.Errorf("%v: %d calls, %+v", err, calls.Load(), rep.Counts())
	}
	stuck := func(ctx context.Context, x *Execution) (*engine.Execution, []history.Event, error) {
		ex, events, _ := localExecute(ctx, x)
		return ex, events, runner.ErrStuck
	}
	panics := func(ctx context.Context, x *Execution) (*engine.Execution, []history.Event, error) { panic("boom") }
	rep, err = Run(context.Background(), []string{dir}, Options{Execute: panics, Run: regexp.MustCompile("^passes$")})
	if err != nil || !strings.HasPrefix(rep.Files[0].Tests[0].Problem, "Stepwise panicked: boom (a bug") {
		t.Errorf("a panic: %v %q", err, rep.Files[0].Tests[0].Problem)
	}
	rep, err = Run(context.Background(), []string{dir}, Options{Execute: stuck, Run: regexp.MustCompile("^passes$")})
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.Files[0].Tests[0].Problem; !strings.HasPrefix(p, "the execution waits for a task token, an activity worker or a callback") {
		t.Errorf("problem %q", p)
	}
}

// TestTemplate: a test file names a state machine of a SAM template by its logical id, with
// values for the template's parameters.
func TestTemplate(t *testing.T) {
	tmpl := `Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String}
Resources:
  Other:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}
  Fast:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      Definition:
        StartAt: Child
        States:
          Child:
            Type: Task
            Resource: arn:aws:states:::states:startExecution.sync:2
            Parameters: {StateMachineArn: !Ref Other}
            End: true
  Greeter:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: greeter
      Definition:
        StartAt: Greet
        States:
          Greet:
            Type: Pass
            Parameters: {greeting: "${Text}", machine.$: $$.StateMachine.Name}
            End: true
      DefinitionSubstitutions:
        Text: !Sub "${Greeting}, world"
`
	dir := writeFiles(t, map[string]string{"template.yaml": tmpl,
		"x.test.yaml": `template: template.yaml
resource: Greeter
parameters: {Greeting: Hello}
tests:
  - name: a
    expect: {output: {greeting: "Hello, world", machine: greeter}}
`,
		"bad.test.yaml":        "template: template.yaml\nresource: Nope\nparameters: {Greeting: Hi}\ntests:\n  - name: a\n",
		"nogreeting.test.yaml": "template: template.yaml\nresource: Greeter\ntests:\n  - name: a\n",
		"fast.test.yaml":       "template: template.yaml\nresource: Fast\nparameters: {Greeting: Hi}\ntests:\n  - name: a\n",
	})
	rep, err := Run(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	rep.WriteText(&text, true)
	got := strings.ReplaceAll(text.String(), dir+string(filepath.Separator), "")
	for _, want := range []string{
		`ERROR bad.test.yaml:1: template: template.yaml has no state machine "Nope" (it has Other, Fast, Greeter)`,
		`ERROR fast.test.yaml:2: Fast: the definition is not valid: Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.sync' service integration`,
		"ERROR nogreeting.test.yaml:1: template: template.yaml:33: parameter Greeting has no value: give it under parameters: in the test file (Greeting: VALUE)",
		"--- PASS: a (x.test.yaml:5",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the report lacks %q:\n%s", want, got)
		}
	}
}

// TestRunFilter: --run selects tests by name; a file without a selected test is not reported.
func TestRunFilter(t *testing.T) {
	dir := writeFiles(t, map[string]string{"x.test.yaml": suite, "sm.asl.json": machine,
		"y.test.yaml": "stateMachine: sm.asl.json\nmocks:\n  Work: {return: {Payload: {n: 1}}}\ntests:\n  - name: other\n"})
	rep, err := Run(context.Background(), []string{dir}, Options{Run: regexp.MustCompile("^(passes|retries count)$")})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Counts(); c.Tests != 2 || c.Failed != 0 || len(rep.Files[1].Tests) != 0 {
		t.Errorf("counts %+v", c)
	}
	var text bytes.Buffer
	rep.WriteText(&text, false)
	if strings.Contains(text.String(), "y.test.yaml") {
		t.Errorf("report names a file without tests:\n%s", text.String())
	}
}

// TestReportText checks the text report line by line.
func TestReportText(t *testing.T) {
	dir := writeFiles(t, map[string]string{"x.test.yaml": suite, "sm.asl.json": machine,
		"bad.test.yaml": "stateMachine: sm.asl.json\ntests: 3\n"})
	rep, err := Run(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b, true); err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`\d+\.\d{3}s`).ReplaceAllString(b.String(), "T")
	text = strings.ReplaceAll(text, dir+string(filepath.Separator), "")
	for _, want := range []string{
		"ERROR bad.test.yaml:2: tests: want a list of tests, each with a name\n",
		"--- PASS: passes (x.test.yaml:5, T)\n",
		"--- FAIL: wrong output (x.test.yaml:10, T)\n    x.test.yaml:13: output: $.n: want 4, got 3 [in state \"Work\", via \"Done\"]\n",
		"--- FAIL: wrong path (x.test.yaml:28, T)\n    x.test.yaml:33: states: state 2 (after \"Work\"): want \"Done\", got \"Big?\"; it went [\"Work\",\"Big?\",\"Done\"]\n    x.test.yaml:35: $.n: want 3, got 5 [in state \"Work\", via \"Done\"]\n    x.test.yaml:36: $.missing: not in the output (want 1)\n",
		"FAIL  x.test.yaml  6 of 8 tests failed  T\n",
		"FAIL: 6 of 8 tests failed, 1 file of 2 in error (T)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks\n%s\nin\n%s", want, text)
		}
	}
	if strings.Index(text, "ERROR bad") > strings.Index(text, "passes") {
		t.Errorf("files out of order:\n%s", text)
	}
}

// TestJUnit writes the report as JUnit XML and reads it back.
func TestJUnit(t *testing.T) {
	dir := writeFiles(t, map[string]string{"x.test.yaml": suite, "sm.asl.json": machine,
		"bad.test.yaml": "stateMachine: sm.asl.json\ntests: 3\n",
		"z.test.yaml":   "stateMachine: sm.asl.json\ntests:\n  - name: unmocked\n"})
	rep, err := Run(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML header: %.80s", b.String())
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if got.Tests != 10 || got.Failures != 6 || got.Errors != 2 || len(got.Suites) != 3 {
		t.Fatalf("totals %d tests %d failures %d errors %d suites\n%s", got.Tests, got.Failures, got.Errors, len(got.Suites), b.String())
	}
	bad, x, z := got.Suites[0], got.Suites[1], got.Suites[2]
	if bad.Errors != 1 || bad.Cases[0].Error == nil || bad.Cases[0].Line != 2 || !strings.Contains(bad.Cases[0].Error.Message, "tests: want a list") {
		t.Errorf("bad file %+v", bad)
	}
	if x.Name != filepath.Join(dir, "x.test.yaml") || x.Tests != 8 || x.Failures != 6 || len(x.Cases) != 8 {
		t.Errorf("suite %+v", x)
	}
	c := x.Cases[1]
	if c.Name != "wrong output" || c.Line != 10 || c.Failure == nil || c.Failure.Type != "output" ||
		c.Failure.Message != `output: $.n: want 4, got 3 [in state "Work", via "Done"]` || !strings.Contains(c.Failure.Text, "x.test.yaml:13: output:") {
		t.Errorf("case %+v %+v", c, c.Failure)
	}
	if x.Cases[0].Failure != nil || x.Cases[0].Error != nil {
		t.Errorf("passing case %+v", x.Cases[0])
	}
	if z.Errors != 1 || z.Cases[0].Error == nil || !strings.Contains(z.Cases[0].Error.Message, "has no mock") {
		t.Errorf("unmocked %+v", z)
	}
}

// TestUpdate records the outcomes in a file with wrong expectations, keeps its comments
// and blank lines, and leaves a file whose tests pass and which a second update leaves
// alone.
func TestUpdate(t *testing.T) {
	before := `# The machine's tests.
stateMachine: sm.asl.json
mocks:
  Work: {return: {Payload: {n: 3}}}

tests:
  # Snapshot of the output.
  - name: output
    input: {name: Ada}
    expect:
      output: {n: 4} # was wrong

  - name: a new snapshot
    input: {name: Bob}

  - name: now fails
    mocks:
      Work: {return: {Payload: {n: 12}}}
    expect:
      output: {n: 12}
      states: [Work]
  - name: subset left alone
    input: {name: Ada}
    expect:
      outputContains: {name: Ada}
  - name: error updated
    mocks:
      Work: {throw: {error: E}}
    expect:
      error: Other
`
	after := `# The machine's tests.
stateMachine: sm.asl.json
mocks:
  Work: {return: {Payload: {n: 3}}}

tests:
  # Snapshot of the output.
  - name: output
    input: {name: Ada}
    expect:
      output: {name: Ada, n: 3} # was wrong

  - name: a new snapshot
    input: {name: Bob}
    expect:
      output:
        name: Bob
        n: 3

  - name: now fails
    mocks:
      Work: {return: {Payload: {n: 12}}}
    expect:
      states: [Work, 'Big?', Too big]
      error: Work.TooBig
      cause: n is over 10
  - name: subset left alone
    input: {name: Ada}
    expect:
      outputContains: {name: Ada}
  - name: error updated
    mocks:
      Work: {throw: {error: E}}
    expect:
      error: E
`
	dir := writeFiles(t, map[string]string{"x.test.yaml": before, "sm.asl.json": machine})
	path := filepath.Join(dir, "x.test.yaml")
	rep, err := Run(context.Background(), []string{dir}, Options{Update: true})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != after {
		t.Errorf("after --update:\n%s\nwant\n%s", data, after)
	}
	fr := rep.Files[0]
	if fr.Err != nil || !fr.Updated || !rep.OK() {
		t.Fatalf("report %+v %+v", fr.Err, fr.Tests)
	}
	var updated []string
	for _, r := range fr.Tests {
		if r.Updated {
			updated = append(updated, r.Name)
		}
	}
	if strings.Join(updated, ",") != "output,a new snapshot,now fails,error updated" {
		t.Errorf("updated %v", updated)
	}
	// The file passes as it is now, and a second update changes nothing.
	rep, err = Run(context.Background(), []string{dir}, Options{Update: true})
	if err != nil || !rep.OK() || rep.Files[0].Updated {
		t.Errorf("second run: %v %+v", err, rep.Files[0])
	}
	if again, _ := os.ReadFile(path); string(again) != after {
		t.Errorf("a second --update changed the file:\n%s", again)
	}
}

// TestUpdateJSON: a JSON test file is written back as JSON.
func TestUpdateJSON(t *testing.T) {
	before := `{"stateMachine": "sm.asl.json", "mocks": {"Work": {"return": {"Payload": {"n": 3}}}},
  "tests": [{"name": "a", "input": {"name": "Ada"}, "expect": {"output": {}}},
    {"name": "b", "input": {"name": "x, y: \"z\" \\ and a name long enough to break the line in two"}}]}`
	after := `{
  "stateMachine": "sm.asl.json",
  "mocks": {"Work": {"return": {"Payload": {"n": 3}}}},
  "tests": [
    {"name": "a", "input": {"name": "Ada"}, "expect": {"output": {"name": "Ada", "n": 3}}},
    {
      "name": "b",
      "input": {"name": "x, y: \"z\" \\ and a name long enough to break the line in two"},
      "expect": {
        "output": {
          "name": "x, y: \"z\" \\ and a name long enough to break the line in two",
          "n": 3
        }
      }
    }
  ]
}
`
	dir := writeFiles(t, map[string]string{"x.test.json": before, "sm.asl.json": machine})
	rep, err := Run(context.Background(), []string{dir}, Options{Update: true})
	if err != nil || !rep.OK() {
		t.Fatalf("%v %+v", err, rep.Files[0])
	}
	data, _ := os.ReadFile(filepath.Join(dir, "x.test.json"))
	if string(data) != after {
		t.Errorf("after --update:\n%s\nwant\n%s", data, after)
	}
}

// TestMapMocks: a list of answers serves a Map's iterations in turn; states lists only the
// top-level states; a call beyond the list fails the execution, naming the mock.
func TestMapMocks(t *testing.T) {
	def := `{"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
	  "ItemProcessor": {"StartAt": "Price", "States": {"Price": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	    "Parameters": {"FunctionName": "p", "Payload.$": "$"}, "OutputPath": "$.Payload", "End": true}}}, "Next": "Done"},
	  "Done": {"Type": "Succeed"}}}`
	file := `stateMachine: m.asl.json
tests:
  - name: each
    input: {items: [a, b, c]}
    mocks:
      Price: [{return: {Payload: 1}}, {return: {Payload: 2}}, {return: {Payload: 3}}]
    expect:
      output: [1, 2, 3]
      states: [Each, Done]
  - name: one short
    input: {items: [a, b, c]}
    mocks:
      Price: [{return: {Payload: 1}}, {return: {Payload: 2}}]
    expect:
      error: States.Runtime
      cause: The mocked response Price (this test's mocks) has no response for invocation 2 of state Price
`
	dir := writeFiles(t, map[string]string{"m.asl.json": def, "m.test.yaml": file})
	rep, err := Run(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		var b bytes.Buffer
		rep.WriteText(&b, true)
		t.Error(b.String())
	}
}

// TestInterrupted: tests of a run whose context ends say so, rather than fail.
func TestInterrupted(t *testing.T) {
	dir := writeFiles(t, map[string]string{"x.test.yaml": suite, "sm.asl.json": machine})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Run(ctx, []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Files[0].Tests {
		if r.Problem != "interrupted before it ran" {
			t.Errorf("%s: problem %q, failures %v", r.Name, r.Problem, r.Failures)
		}
	}
}

// TestTimeout: a test whose task does not answer within Options.Timeout stops with a
// message that says so: a service called (unmocked: call) or a function given.
func TestTimeout(t *testing.T) {
	dir := writeFiles(t, map[string]string{"sm.asl.json": strings.ReplaceAll(machine, "arn:aws:states:::lambda:invoke", "arn:aws:states:::sqs:sendMessage"),
		"fn.asl.json": machine,
		"x.test.yaml": "unmocked: call\nstateMachine: sm.asl.json\ntests:\n  - name: slow\n",
		"y.test.yaml": "stateMachine: fn.asl.json\ntests:\n  - name: slow function\n"})
	hang := func() (runner.TaskHandler, error) {
		return runner.TaskFunc(func(ctx context.Context, task *engine.Task) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}), nil
	}
	work := lambda.Spec{Func: func(ctx context.Context, _ []byte) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	rep, err := Run(context.Background(), []string{dir}, Options{Tasks: hang, Functions: map[string]lambda.Spec{"work": work}, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if p := f.Tests[0].Problem; p != "the test ran for more than 50ms of real time (a service that did not answer?)" {
			t.Errorf("%s: problem %q", f.Path, p)
		}
	}
}

// checkFunc adapts a function to runner.TaskChecker.
type checkFunc func(*engine.Task) error

func (f checkFunc) CheckTask(t *engine.Task) error { return f(t) }

// TestCheckedParameters: Options.Check checks each Task state's parameters before the state
// is scheduled, mocked or not, as an execution on AWS does: refused ones fail the execution
// with States.Runtime, neither retried nor caught, and nothing is scheduled, so that a mock
// cannot turn them into a pass.
func TestCheckedParameters(t *testing.T) {
	def := func(params string) string {
		return `{"StartAt": "Save", "States": {"Save": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": ` + params + `,
		  "Retry": [{"ErrorEquals": ["States.ALL"]}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
		  "Caught": {"Type": "Succeed"}}}`
	}
	const (
		bad     = `{"TableName": "orders", "Item": {"id": {"S": "o-1"}}, "Foo": 1}`
		good    = `{"TableName": "orders", "Item": {"id": {"S": "o-1"}}}`
		refused = `An error occurred while executing the state 'Save' (entered at the event id #2). The Parameters '{"TableName":"orders","Item":{"id":{"S":"o-1"}},"Foo":1}' could not be used to start the Task: [The field "Foo" is not supported by Step Functions]`
		mocked  = "mocks:\n  Save: {return: {}}\n"
	)
	// A stand-in for the integrations' checks: putItem has TableName and Item.
	check := func() (runner.TaskChecker, error) {
		return checkFunc(func(task *engine.Task) error {
			var p map[string]any
			if err := json.Unmarshal([]byte(task.Parameters), &p); err != nil {
				return err
			}
			for k := range p {
				if k != "TableName" && k != "Item" {
					return fmt.Errorf("The field %q is not supported by Step Functions", k)
				}
			}
			return nil
		}), nil
	}
	var calls atomic.Int32
	tasks := func() (runner.TaskHandler, error) {
		return runner.TaskFunc(func(ctx context.Context, task *engine.Task) (string, error) {
			calls.Add(1)
			return `{}`, nil
		}), nil
	}
	cases := []struct {
		name, params, head string
		opts               Options
		status, cause      string
	}{
		{"mocked", bad, mocked, Options{Check: check}, "FAILED", refused},
		{"mocked with a throw", bad, "mocks:\n  Save: {throw: {error: DynamoDB.ConditionalCheckFailedException}}\n", Options{Check: check}, "FAILED", refused},
		// Nothing would be called: no mock is missing.
		{"unmocked", bad, "", Options{Check: check, Tasks: tasks}, "FAILED", refused},
		{"unmocked: call", bad, "unmocked: call\n", Options{Check: check, Tasks: tasks}, "FAILED", refused},
		{"parameters the API takes", good, mocked, Options{Check: check}, "SUCCEEDED", ""},
		{"unmocked: call, parameters the API takes", good, "unmocked: call\n", Options{Check: check, Tasks: tasks}, "SUCCEEDED", ""},
		{"no checker", bad, mocked, Options{}, "SUCCEEDED", ""},
		{"no checker could be had", bad, mocked, Options{Check: func() (runner.TaskChecker, error) { return nil, errors.New("no AWS configuration") }}, "SUCCEEDED", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			calls.Store(0)
			dir := writeFiles(t, map[string]string{"sm.asl.json": def(tc.params),
				"x.test.yaml": tc.head + "stateMachine: sm.asl.json\ntests:\n  - name: a\n"})
			rep, err := Run(context.Background(), []string{dir}, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Files[0].Err != nil {
				t.Fatal(rep.Files[0].Err)
			}
			r := rep.Files[0].Tests[0]
			if r.Problem != "" {
				t.Fatalf("problem %q", r.Problem)
			}
			o := r.Outcome
			if o.Status != tc.status || (tc.cause != "" && (str(o.Error) != "States.Runtime" || str(o.Cause) != tc.cause)) {
				t.Errorf("%s %q %q, want %s States.Runtime %q", o.Status, str(o.Error), str(o.Cause), tc.status, tc.cause)
			}
			scheduled := false
			for _, e := range o.Events {
				scheduled = scheduled || e.Type == "TaskScheduled"
			}
			if scheduled != (tc.status == "SUCCEEDED") {
				t.Errorf("scheduled: %v", scheduled)
			}
			if want := tc.status == "SUCCEEDED" && tc.head == "unmocked: call\n"; (calls.Load() > 0) != want {
				t.Errorf("%d calls", calls.Load())
			}
		})
	}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestChildren: a .sync or .sync:2 task without a mock that starts one of the file's state
// machines (machines:, or the file's own) runs the child in the test, on the same virtual
// clock and with the same mocks by state name, and answers as Step Functions does; a task
// that does not wait gets StartExecution's answer and its child does not run.
func TestChildren(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:"
	child := `{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":3600,"Next":"Work"},
		"Work":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody.$":"States.JsonToString($)"},"ResultPath":null,"Next":"Fail?"},
		"Fail?":{"Type":"Choice","Choices":[{"Variable":"$.fail","IsPresent":true,"Next":"Fail"}],"Default":"Done"},
		"Fail":{"Type":"Fail","Error":"Child.Failed","Cause":"asked to"},"Done":{"Type":"Pass","Result":{"done":true},"End":true}}}`
	parent := func(resource, params string) string {
		return `{"StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"` + resource + `","Parameters":` + params + `,
			"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Caught"}],"Next":"After"},
			"After":{"Type":"Pass","Parameters":{"result.$":"$","at.$":"$$.State.EnteredTime"},"End":true},
			"Caught":{"Type":"Pass","Parameters":{"error.$":"$.Error","cause.$":"States.StringToJson($.Cause)","at.$":"$$.State.EnteredTime"},"End":true}}}`
	}
	const (
		sync2 = "arn:aws:states:::states:startExecution.sync:2"
		mocks = "mocks:\n  Work: {return: {MessageId: m-1}}\n"
	)
	tests := []struct {
		name, def, head, want, problem string
	}{
		{"sync:2", parent(sync2, `{"StateMachineArn":"`+arn+`child","Name":"c1","Input":{"n":1}}`), mocks,
			`{"result": {"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:child:c1", "StateMachineArn": "` + arn + `child", "Name": "c1",
			  "Status": "SUCCEEDED", "StartDate": 1735689600000, "StopDate": 1735693200000, "Input": {"n": 1}, "InputDetails": {"Included": true},
			  "Output": {"done": true}, "OutputDetails": {"Included": true}}, "at": "2025-01-01T01:00:00Z"}`, ""},
		{"sync", parent("arn:aws:states:::states:startExecution.sync", `{"StateMachineArn":"`+arn+`child","Name":"c1","Input":"{\"n\":1}"}`), mocks,
			`{"result": {"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:child:c1", "StateMachineArn": "` + arn + `child", "Name": "c1",
			  "Status": "SUCCEEDED", "StartDate": 1735689600000, "StopDate": 1735693200000, "Input": "{\"n\":1}", "InputDetails": {"Included": true},
			  "Output": "{\"done\":true}", "OutputDetails": {"Included": true}}, "at": "2025-01-01T01:00:00Z"}`, ""},
		{"the child fails", parent(sync2, `{"StateMachineArn":"`+arn+`child","Name":"c1","Input":{"fail":1}}`), mocks,
			`{"error": "States.TaskFailed", "cause": {"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:child:c1", "StateMachineArn": "` + arn + `child",
			  "Name": "c1", "Status": "FAILED", "StartDate": 1735689600000, "StopDate": 1735693200000, "Input": {"fail": 1}, "InputDetails": {"Included": true},
			  "Error": "Child.Failed", "Cause": "asked to"}, "at": "2025-01-01T01:00:00Z"}`, ""},
		{"not waited for", parent("arn:aws:states:::aws-sdk:sfn:startExecution", `{"StateMachineArn":"`+arn+`child","Name":"c1"}`), "", // Work has no mock: it would stop the test
			`{"result": {"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:child:c1", "StartDate": 1735689600000}, "at": "2025-01-01T00:00:00Z"}`, ""},
		{"another machine", parent(sync2, `{"StateMachineArn":"`+arn+`other"}`), mocks, "",
			`Task state "Start" (arn:aws:states:::states:startExecution.sync:2) has no mock: mock it under mocks:, give the state machine it starts under machines:, or set unmocked: call at the top of the file to call the service`},
		{"the same name again", `{"StartAt":"One","States":{
			"One":{"Type":"Task","Resource":"` + sync2 + `","Parameters":{"StateMachineArn":"` + arn + `child","Name":"c1"},"ResultPath":null,"Next":"Two"},
			"Two":{"Type":"Task","Resource":"` + sync2 + `","Parameters":{"StateMachineArn":"` + arn + `child","Name":"c1"},"End":true}}}`, mocks,
			`{error: StepFunctions.ExecutionAlreadyExistsException}`, ""},
		{"started twice alike, without waiting", `{"StartAt":"One","States":{
			"One":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"` + arn + `child","Name":"c1"},"ResultPath":"$.one","Next":"Two"},
			"Two":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:startExecution","Parameters":{"StateMachineArn":"` + arn + `child","Name":"c1"},"ResultPath":"$.two","End":true}}}`, mocks,
			`{paths: {"$.one.ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:child:c1", "$.two": {"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:child:c1", "StartDate": 1735689600000}}}`, ""},
		{"a name StartExecution refuses", `{"StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"` + sync2 + `",
			"Parameters":{"StateMachineArn":"` + arn + `child","Name":"c 1"},"End":true}}}`, mocks,
			`{error: StepFunctions.InvalidNameException}`, ""},
		{"an input that is not JSON", `{"StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"` + sync2 + `",
			"Parameters":{"StateMachineArn":"` + arn + `child","Name":"c1","Input":"hello {"},"End":true}}}`, mocks,
			`{error: StepFunctions.InvalidExecutionInputException}`, ""},
		{"a name too long", `{"StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
			"Parameters":{"StateMachineArn":"` + arn + `child","Name":"` + strings.Repeat("c", 81) + `"},"End":true}}}`, mocks,
			`{error: StepFunctions.ValidationException}`, ""},
		{"a trace header StartExecution refuses", `{"StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
			"Parameters":{"StateMachineArn":"` + arn + `child","Name":"c1","TraceHeader":"` + strings.Repeat("t", 257) + `"},"End":true}}}`, mocks,
			`{error: StepFunctions.ValidationException}`, ""},
		{"started twice, with another input", `{"StartAt":"One","States":{
			"One":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"` + arn + `child","Name":"c1"},"ResultPath":"$.one","Next":"Two"},
			"Two":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:startExecution","Parameters":{"StateMachineArn":"` + arn + `child","Name":"c1","Input":{"n":2}},"ResultPath":"$.two","End":true}}}`, mocks,
			`{error: Sfn.ExecutionAlreadyExistsException}`, ""},
		{"a child's state without a mock", parent(sync2, `{"StateMachineArn":"`+arn+`child","Name":"c1"}`), "", "",
			`Task state "Work" (arn:aws:states:::sqs:sendMessage) of the child execution arn:aws:states:us-east-1:123456789012:execution:child:c1 has no mock: mock it under mocks:, or set unmocked: call at the top of the file to call the service`},
		{"itself, without end", parent(sync2, `{"StateMachineArn":"`+arn+`sm"}`), mocks, "",
			`Task state "Start" starts sm .sync more than 32 deep: a state machine that starts itself without end?`},
		// The child is stopped when its task times out, an hour before its Work state, which
		// has no mock here: reached, it would stop the test.
		{"stopped at its task's timeout", `{"StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"` + sync2 + `",
			"Parameters":{"StateMachineArn":"` + arn + `child","Name":"c1"},"TimeoutSeconds":60,
			"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Caught"}],"End":true},
			"Caught":{"Type":"Pass","Parameters":{"error.$":"$.Error","at.$":"$$.State.EnteredTime"},"End":true}}}`, "",
			`{"error": "States.Timeout", "at": "2025-01-01T00:01:00Z"}`, ""},
		{"stopped when its parent times out", `{"TimeoutSeconds":90,"StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"` + sync2 + `",
			"Parameters":{"StateMachineArn":"` + arn + `child","Name":"c1"},"End":true}}}`, "",
			`{error: States.Timeout}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expect := "    expect: {output: " + tc.want + "}\n"
			if strings.HasPrefix(tc.want, "{error") || strings.HasPrefix(tc.want, "{paths") {
				expect = "    expect: " + tc.want + "\n"
			}
			if tc.problem != "" {
				expect = ""
			}
			dir := writeFiles(t, map[string]string{"sm.asl.json": tc.def, "child.asl.json": child,
				"x.test.yaml": "stateMachine: sm.asl.json\nmachines: {child: child.asl.json}\n" + tc.head + "tests:\n  - name: a\n" + expect})
			rep := runDir(t, dir, Options{})
			r := rep.Files[0].Tests[0]
			if r.Problem != tc.problem || len(r.Failures) > 0 {
				t.Fatalf("problem %q, failures %v; want %q", r.Problem, r.Failures, tc.problem)
			}
			if strings.HasPrefix(tc.name, "sync") {
				var types []string
				for _, e := range r.Outcome.Events {
					types = append(types, e.Type)
				}
				if h := strings.Join(types, " "); !strings.Contains(h, "TaskStarted TaskSubmitted TaskSucceeded") {
					t.Errorf("history %s: want TaskSubmitted between TaskStarted and TaskSucceeded", h)
				}
			}
		})
	}
	for _, c := range []struct{ machines, want string }{
		{"{sm: child.asl.json}", "x.test.yaml:2: machines: sm is the file's own state machine, which its tasks may start without naming it here"},
		{"{child: nope.asl.json}", "x.test.yaml:2: machines: child: "},
		{"{child: bad.asl.json}", "x.test.yaml:2: machines: child: the definition is not valid: "},
		{"[child.asl.json]", "x.test.yaml:2: machines: want a mapping of state machine names to definition files"},
	} {
		dir := writeFiles(t, map[string]string{"sm.asl.json": machine, "child.asl.json": child, "bad.asl.json": `{"StartAt":"X","States":{}}`,
			"x.test.yaml": "stateMachine: sm.asl.json\nmachines: " + c.machines + "\ntests:\n  - name: a\n"})
		rep, err := Run(context.Background(), []string{dir}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := rep.Files[0].Err; err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, c.want)) {
			t.Errorf("%s: error %v, want %s...", c.machines, err, c.want)
		}
	}
}

// TestMockedSubmitted: a mocked .waitForTaskToken or .sync task records TaskSubmitted ({})
// before its outcome, as AWS's histories show and as docs/testing.md says.
func TestMockedSubmitted(t *testing.T) {
	for _, resource := range []string{"arn:aws:states:::sqs:sendMessage.waitForTaskToken", "arn:aws:states:::states:startExecution.sync:2"} {
		params := `{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}}`
		if strings.Contains(resource, "states:") {
			params = `{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:other"}`
		}
		def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + resource + `","Parameters":` + params + `,"End":true}}}`
		dir := writeFiles(t, map[string]string{"sm.asl.json": def,
			"x.test.yaml": "stateMachine: sm.asl.json\nmocks:\n  T: {return: {ok: true}}\ntests:\n  - name: a\n    expect: {output: {ok: true}}\n"})
		rep, err := Run(context.Background(), []string{dir}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := rep.Files[0].Tests[0]
		if !r.Passed() {
			t.Fatalf("%s: problem %q, failures %v", resource, r.Problem, r.Failures)
		}
		var types []string
		for _, e := range r.Outcome.Events {
			types = append(types, e.Type)
		}
		if h := strings.Join(types, " "); !strings.Contains(h, "TaskStarted TaskSubmitted TaskSucceeded") {
			t.Errorf("%s: history %s", resource, h)
		}
	}
}

// handlesAll is a handler of unmocked tasks that says it handles every task (as the CLI's
// does for Lambda tasks when a Lambda endpoint is configured).
type handlesAll struct{ runner.TaskHandler }

func (handlesAll) Handles(*engine.Task) bool { return true }

// TestUnmockedCallbackWaits: a .waitForTaskToken task that is not mocked, run by a function
// given to the test (or under unmocked: call), has only sent its request: it waits for a
// callback, which nothing sends in a test, so the test stops and says to mock it (even with a
// TimeoutSeconds, which would otherwise pass at once on the virtual clock and let a Catch
// turn the missing callback into a pass). The function's answer was the task's result before.
func TestUnmockedCallbackWaits(t *testing.T) {
	def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"TimeoutSeconds":60,
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Succeed"}}}`
	var invoked atomic.Int32
	opts := Options{Functions: map[string]lambda.Spec{"f": {Func: func(ctx context.Context, p []byte) ([]byte, error) {
		invoked.Add(1)
		return []byte(`{"ok":1}`), nil
	}}}}
	dir := writeFiles(t, map[string]string{"sm.asl.json": def,
		"x.test.yaml": "stateMachine: sm.asl.json\ntests:\n  - name: unmocked\n  - name: mocked\n    mocks: {Ask: {return: {ok: 2}}}\n    expect: {output: {ok: 2}}\n"})
	rep := runDir(t, dir, opts)
	want := "the execution waits for a task token, an activity worker or a callback that cannot come in a test: mock the Task state that waits"
	if r := rep.Files[0].Tests[0]; r.Problem != want {
		t.Errorf("unmocked: problem %q, failures %v", r.Problem, r.Failures)
	}
	if r := rep.Files[0].Tests[1]; !r.Passed() {
		t.Errorf("mocked: problem %q, failures %v", r.Problem, r.Failures)
	}
	if invoked.Load() != 1 {
		t.Errorf("the function was invoked %d times, want once (the unmocked test's request)", invoked.Load())
	}
}

// TestFunctionAnswersItsToken: a function program given to the test answers its
// .waitForTaskToken task's token with the AWS SDK (SendTaskSuccess, SendTaskFailure), at the
// run's Step Functions endpoint the test gives it in AWS_ENDPOINT_URL_SFN: the task's result
// is the callback's output, or its failure is caught. A program that does not answer keeps the
// test waiting until its time is up, and the test says for what.
func TestFunctionAnswersItsToken(t *testing.T) {
	fn := filepath.Join(t.TempDir(), "testfn")
	if out, err := exec.Command("go", "build", "-o", fn, "../../integration/lambda/internal/testfn").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"approver","Payload":{"action.$":"$.action","token.$":"$$.Task.Token","value.$":"$.value","message":"no budget"}},
		"TimeoutSeconds":3600,"Catch":[{"ErrorEquals":["Rejected"],"ResultPath":"$.rejected","Next":"Done"}],"ResultPath":"$.approval","Next":"Done"},
		"Done":{"Type":"Succeed"}}}`
	dir := writeFiles(t, map[string]string{"sm.asl.json": def, "x.test.yaml": `stateMachine: sm.asl.json
functions: {approver: ` + fn + `}
tests:
  - name: approved
    input: {action: approve, value: 7}
    expect:
      output: {action: approve, value: 7, approval: {approvedBy: testfn, value: 7}}
      calls: {Ask: [{FunctionName: approver}]}
  - name: rejected
    input: {action: reject, value: 8}
    expect:
      outputContains: {rejected: {Error: Rejected, Cause: no budget}}
  - name: never answered
    input: {action: echo, value: 9}
`})
	rep := runDir(t, dir, Options{Timeout: 2 * time.Second})
	for i, want := range []string{"", "", "the test ran for more than 2s of real time, waiting for the callback of a task token (SendTaskSuccess) that no function sent: mock the Task state that waits, or have its function answer its token"} {
		r := rep.Files[0].Tests[i]
		if r.Problem != want || len(r.Failures) > 0 {
			t.Errorf("%s: problem %q, failures %v", r.Name, r.Problem, r.Failures)
		}
	}
}

// TestStartTimeAndName: a test may give its execution's start time (in any offset, kept to
// the millisecond, as AWS's times are) and its name, which $$.Execution shows and which a
// Choice on the time decides by; without them it starts at StartTime, named after the test.
// A time or a name StartExecution would not take is refused when the file loads.
func TestStartTimeAndName(t *testing.T) {
	def := `{"StartAt":"Now","States":{"Now":{"Type":"Pass","Parameters":{"start.$":"$$.Execution.StartTime","id.$":"$$.Execution.Id"},"Next":"Late?"},
		"Late?":{"Type":"Choice","Choices":[{"Variable":"$$.Execution.StartTime","TimestampGreaterThanEquals":"2026-03-28T00:00:00Z","Next":"Late"}],"Default":"Early"},
		"Late":{"Type":"Pass","ResultPath":"$.when","Result":"late","End":true},"Early":{"Type":"Pass","ResultPath":"$.when","Result":"early","End":true}}}`
	const id = "arn:aws:states:us-east-1:123456789012:execution:sm:"
	dir := writeFiles(t, map[string]string{"sm.asl.json": def, "x.test.yaml": `stateMachine: sm.asl.json
tests:
  - name: the default one
    expect: {output: {start: "2025-01-01T00:00:00Z", id: "` + id + `the-default-one", when: early}}
  - name: given
    startTime: 2026-03-29T00:30:00.1234+01:00
    executionName: my-run
    expect: {output: {start: "2026-03-28T23:30:00.123Z", id: "` + id + `my-run", when: late}}
  - name: quoted
    startTime: "2026-03-28T00:00:00Z"
    expect: {output: {start: "2026-03-28T00:00:00Z", id: "` + id + `quoted", when: late}}
`})
	rep := runDir(t, dir, Options{})
	for _, r := range rep.Files[0].Tests {
		if !r.Passed() {
			t.Errorf("%s: problem %q, failures %v", r.Name, r.Problem, r.Failures)
		}
	}
	for _, c := range []struct{ line, want string }{
		{"startTime: 2026-03-29", `x.test.yaml:4: test "a": startTime: "2026-03-29" is not a time such as 2025-06-30T23:59:00Z (RFC 3339, with its offset)`},
		{"startTime: [1]", `x.test.yaml:4: test "a": startTime: want a time such as 2025-06-30T23:59:00Z, got a list`},
		{"executionName: has space", `x.test.yaml:4: test "a": executionName: "has space" has ' ', which an execution name cannot have`},
		{"executionName: " + strings.Repeat("n", 81), `x.test.yaml:4: test "a": executionName: "` + strings.Repeat("n", 81) + `" has 81 characters: an execution name has 1 to 80`},
		{`executionName: ""`, `x.test.yaml:4: test "a": executionName: "" has 0 characters`},
	} {
		dir := writeFiles(t, map[string]string{"sm.asl.json": def, "x.test.yaml": "stateMachine: sm.asl.json\ntests:\n  - name: a\n    " + c.line + "\n"})
		rep, err := Run(context.Background(), []string{dir}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := rep.Files[0].Err; err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, c.want)) {
			t.Errorf("%s: error %v, want %s...", c.line, err, c.want)
		}
	}
}

// TestListenForCallbacks: with Listen, a .waitForTaskToken task without a mock waits for its
// callback in any file (here its request goes to a function that only hands the token on, as
// an SQS queue would), and a worker of the test's own answers it at the address the run
// listens on, with the AWS SDK: its output is the task's result, its failure is caught. A
// token no one answers keeps the test until its time is up, and the problem names the
// address. Without Listen, the same test stops at once: nothing could answer.
func TestListenForCallbacks(t *testing.T) {
	def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"enqueue","Payload":{"token.$":"$$.Task.Token","action.$":"$.action"}},"TimeoutSeconds":3600,
		"Catch":[{"ErrorEquals":["Rejected"],"ResultPath":"$.rejected","Next":"Done"}],"ResultPath":"$.approval","Next":"Done"},
		"Done":{"Type":"Succeed"}}}`
	type request struct{ Token, Action string }
	queue := make(chan request, 10)
	functions := map[string]lambda.Spec{"enqueue": {Func: func(ctx context.Context, p []byte) ([]byte, error) {
		var r request
		if err := json.Unmarshal(p, &r); err != nil {
			return nil, err
		}
		queue <- r
		return []byte(`{"MessageId":"m-1"}`), nil
	}}}
	dir := writeFiles(t, map[string]string{"sm.asl.json": def, "x.test.yaml": `stateMachine: sm.asl.json
tests:
  - name: approved
    input: {action: approve}
    expect: {output: {action: approve, approval: {approved: true}}}
  - name: rejected
    input: {action: reject}
    expect: {output: {action: reject, rejected: {Error: Rejected, Cause: no budget}}}
  - name: forgotten
    input: {action: forget}
`})
	var url string
	worker := func(ctx context.Context) {
		client := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
			Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")})
		for {
			select {
			case <-ctx.Done():
				return
			case r := <-queue:
				var err error
				switch r.Action {
				case "approve":
					_, err = client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(r.Token), Output: aws.String(`{"approved":true}`)})
				case "reject":
					_, err = client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(r.Token), Error: aws.String("Rejected"), Cause: aws.String("no budget")})
				}
				if err != nil && ctx.Err() == nil {
					t.Errorf("%s: %v", r.Action, err)
				}
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := Run(ctx, []string{dir}, Options{Functions: functions, Timeout: 2 * time.Second, Listen: "127.0.0.1:0",
		Listening: func(u string) { url = u; go worker(ctx) }})
	cancel() // the worker stops: the run without Listen below has no one to answer
	if err != nil {
		t.Fatal(err)
	}
	tests := rep.Files[0].Tests
	for _, r := range tests[:2] {
		if !r.Passed() {
			t.Errorf("%s: problem %q, failures %v", r.Name, r.Problem, r.Failures)
		}
	}
	if p := tests[2].Problem; !strings.Contains(p, "that nothing sent to --listen 127.0.0.1:0") {
		t.Errorf("forgotten: problem %q", p)
	}

	rep = runDir(t, dir, Options{Functions: functions, Run: regexp.MustCompile("approved")})
	if p := rep.Files[0].Tests[0].Problem; p != "the execution waits for a task token, an activity worker or a callback that cannot come in a test: mock the Task state that waits" {
		t.Errorf("without Listen: problem %q", p)
	}
}

// TestListenForActivityWorkers: with Listen, an activity task without a mock waits for a
// worker, which takes it at the run's address with GetActivityTask (the AWS SDK's long poll),
// heartbeats and answers: the history has ActivityStarted with the worker's name when it took
// the task, and the task's result is the worker's output, or its failure, caught. A mocked
// activity state is answered by its mock as before, without a worker.
func TestListenForActivityWorkers(t *testing.T) {
	const activity = "arn:aws:states:us-east-1:123456789012:activity:double"
	def := `{"StartAt":"Double","States":{"Double":{"Type":"Task","Resource":"` + activity + `","TimeoutSeconds":3600,"HeartbeatSeconds":60,
		"Catch":[{"ErrorEquals":["TooBig"],"ResultPath":"$.failed","Next":"Done"}],"ResultPath":"$.doubled","Next":"Done"},"Done":{"Type":"Succeed"}}}`
	dir := writeFiles(t, map[string]string{"sm.asl.json": def, "x.test.yaml": `stateMachine: sm.asl.json
tests:
  - name: doubled
    input: {n: 21}
    expect: {output: {n: 21, doubled: {n: 42}}}
  - name: too big
    input: {n: 1000}
    expect: {output: {n: 1000, failed: {Error: TooBig, Cause: over 100}}}
  - name: mocked
    input: {n: 1}
    mocks: {Double: {return: {n: 7}}}
    expect: {output: {n: 1, doubled: {n: 7}}}
`})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	worker := func(url string) {
		client := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
			Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")})
		for ctx.Err() == nil {
			task, err := client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(activity), WorkerName: aws.String("doubler-1")})
			if err != nil || task.TaskToken == nil {
				continue
			}
			var in struct{ N int }
			_ = json.Unmarshal([]byte(aws.ToString(task.Input)), &in)
			if _, err := client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken}); err != nil {
				t.Errorf("heartbeat: %v", err)
			}
			if in.N > 100 {
				_, err = client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken, Error: aws.String("TooBig"), Cause: aws.String("over 100")})
			} else {
				_, err = client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(fmt.Sprintf(`{"n":%d}`, 2*in.N))})
			}
			if err != nil && ctx.Err() == nil {
				t.Errorf("answer: %v", err)
			}
		}
	}
	rep, err := Run(ctx, []string{dir}, Options{Timeout: 10 * time.Second, Listen: "127.0.0.1:0", Listening: func(url string) { go worker(url) }})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Files[0].Tests {
		if !r.Passed() {
			t.Errorf("%s: problem %q, failures %v", r.Name, r.Problem, r.Failures)
			continue
		}
		var types []string
		worker := ""
		for _, e := range r.Outcome.Events {
			types = append(types, e.Type)
			if d, ok := e.Details.(*history.ActivityStarted); ok {
				worker = d.WorkerName
			}
		}
		want, wantWorker := "ActivityScheduled ActivityStarted ActivitySucceeded", "doubler-1"
		switch r.Name {
		case "too big":
			want = "ActivityScheduled ActivityStarted ActivityFailed"
		case "mocked":
			wantWorker = ""
		}
		if h := strings.Join(types, " "); !strings.Contains(h, want) || worker != wantWorker {
			t.Errorf("%s: history %s, ActivityStarted by %q; want %s by %q", r.Name, h, worker, want, wantWorker)
		}
	}
}

// TestExpressChildren: a machine given as {stateMachine: FILE, type: EXPRESS} runs as an
// Express child, as serve runs one: an :express: ARN with a UUID of its own at each start
// (made from the task, the same on every run), so that a name used twice is not
// ExecutionAlreadyExists; its definition is checked as an Express one's.
func TestExpressChildren(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:"
	parent := `{"StartAt":"One","States":{
		"One":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"` + arn + `kid","Name":"k","Input":{"n":1}},
			"ResultSelector":{"arn.$":"$.ExecutionArn","out.$":"$.Output"},"ResultPath":"$.one","Next":"Two"},
		"Two":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"` + arn + `kid","Name":"k"},
			"ResultSelector":{"arn.$":"$.ExecutionArn"},"ResultPath":"$.two","End":true}}}`
	kid := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"twice.$":"States.MathAdd($.n, $.n)","id.$":"$$.Execution.Id"},"End":true}}}`
	run := func() map[string]map[string]any {
		dir := writeFiles(t, map[string]string{"sm.asl.json": parent, "kid.asl.json": kid,
			"x.test.yaml": "stateMachine: sm.asl.json\nmachines:\n  kid: {stateMachine: kid.asl.json, type: EXPRESS}\ntests:\n  - name: a\n"})
		r := runDir(t, dir, Options{}).Files[0].Tests[0]
		if r.Problem != "" || r.Outcome == nil || r.Outcome.Status != "SUCCEEDED" {
			t.Fatalf("problem %q, outcome %+v", r.Problem, r.Outcome)
		}
		var out map[string]map[string]any
		if err := json.Unmarshal([]byte(r.Outcome.Output), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := run()
	one, _ := out["one"]["arn"].(string)
	two, _ := out["two"]["arn"].(string)
	prefix := "arn:aws:states:us-east-1:123456789012:express:kid:k:"
	if !strings.HasPrefix(one, prefix) || !strings.HasPrefix(two, prefix) || one == two {
		t.Errorf("children %q and %q, want two Express executions' ARNs (%s<uuid>)", one, two, prefix)
	}
	if got := out["one"]["out"]; !reflect.DeepEqual(got, map[string]any{"twice": 2.0, "id": one}) {
		t.Errorf("the .sync:2 child's output %v, want its own ARN as $$.Execution.Id", got)
	}
	if again := run(); again["one"]["arn"] != one || again["two"]["arn"] != two {
		t.Errorf("the children's ARNs changed from one run to the next: %v, then %v", out, again)
	}

	// An Express definition is checked as one: no .sync task in it.
	bad := `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"` + arn + `x"},"End":true}}}`
	dir := writeFiles(t, map[string]string{"sm.asl.json": parent, "kid.asl.json": bad,
		"x.test.yaml": "stateMachine: sm.asl.json\nmachines:\n  kid: {stateMachine: kid.asl.json, type: EXPRESS}\ntests:\n  - name: a\n"})
	rep, err := Run(context.Background(), []string{dir}, Options{})
	if err != nil || rep.Files[0].Err == nil || !strings.Contains(rep.Files[0].Err.Error(), "Express state machine does not support '.sync'") {
		t.Errorf("an Express child with a .sync task: %v, %v", err, rep.Files[0].Err)
	}
	dir = writeFiles(t, map[string]string{"sm.asl.json": parent, "kid.asl.json": kid,
		"x.test.yaml": "stateMachine: sm.asl.json\nmachines:\n  kid: {stateMachine: kid.asl.json, type: FAST}\ntests:\n  - name: a\n"})
	rep, err = Run(context.Background(), []string{dir}, Options{})
	if err != nil || rep.Files[0].Err == nil || !strings.Contains(rep.Files[0].Err.Error(), `x.test.yaml:3: machines: kid: type: want STANDARD or EXPRESS, got "FAST"`) {
		t.Errorf("type FAST: %v, %v", err, rep.Files[0].Err)
	}
}

// TestExpressChildTimesOut: an Express child's five minutes pass on the test's clock. Its
// .sync task fails as on a node, with the child's description as the cause, which names
// no error for a timed-out execution, as DescribeExecution names none.
func TestExpressChildTimesOut(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:"
	parent := `{"StartAt":"One","States":{"One":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Parameters":{"StateMachineArn":"` + arn + `kid","Name":"k"},"End":true}}}`
	kid := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	dir := writeFiles(t, map[string]string{"sm.asl.json": parent, "kid.asl.json": kid,
		"x.test.yaml": "stateMachine: sm.asl.json\nmachines:\n  kid: {stateMachine: kid.asl.json, type: EXPRESS}\ntests:\n  - name: a\n"})
	r := runDir(t, dir, Options{}).Files[0].Tests[0]
	if r.Problem != "" || r.Outcome == nil || r.Outcome.Status != "FAILED" || r.Outcome.Error == nil || *r.Outcome.Error != "States.TaskFailed" {
		t.Fatalf("problem %q, outcome %+v, want FAILED with States.TaskFailed", r.Problem, r.Outcome)
	}
	var cause map[string]any
	if err := json.Unmarshal([]byte(*r.Outcome.Cause), &cause); err != nil {
		t.Fatal(err)
	}
	if cause["Status"] != "TIMED_OUT" || cause["StopDate"].(float64)-cause["StartDate"].(float64) != 300000 {
		t.Errorf("cause %v, want the child TIMED_OUT five minutes after its start", cause)
	}
	if _, ok := cause["Error"]; ok {
		t.Errorf("cause %v names an error; DescribeExecution names none for a timed-out execution", cause)
	}
}
