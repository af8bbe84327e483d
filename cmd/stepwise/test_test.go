package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/internal/awstest"
)

// junitFile is what the tests read of a JUnit XML file.
type junitFile struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Tests int    `xml:"tests,attr"`
		Cases []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
			Error   *struct{} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j junitFile
	if err := xml.Unmarshal(data, &j); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	return j
}

// TestTestExamples runs `stepwise test --junit FILE` on examples/, as CI does: every test
// passes, and the JUnit file lists each test file and its tests.
func TestTestExamples(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"test", "--junit", junit, "../../examples"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "PASS: ") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	j := readJUnit(t, junit)
	if j.Failures != 0 || j.Errors != 0 || j.Tests < 10 {
		t.Errorf("junit: %d tests, %d failures, %d errors", j.Tests, j.Failures, j.Errors)
	}
	suites := map[string]int{}
	for _, s := range j.Suites {
		suites[filepath.ToSlash(s.Name)] = s.Tests
	}
	for _, name := range []string{"../../examples/orders/orders.test.yaml", "../../examples/testing/checkout.test.yaml", "../../examples/hello.test.json"} {
		if suites[name] == 0 {
			t.Errorf("junit has no tests of %s: %v", name, suites)
		}
	}
}

// TestTestExitStatus: 1 when a test fails or a file is bad or there is none, 2 for bad
// usage; the report and the JUnit file are written in every case.
func TestTestExitStatus(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"sm.asl.json":        `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":1},"End":true}}}`,
		"ok/p.test.yaml":     "stateMachine: ../sm.asl.json\ntests:\n  - name: passes\n    expect: {output: {a: 1}}\n",
		"fail/f.test.yaml":   "stateMachine: ../sm.asl.json\ntests:\n  - name: fails\n    expect: {output: {a: 2}}\n",
		"bad/b.test.yaml":    "stateMachine: ../sm.asl.json\ntests:\n  - name: bad\n    expect: {status: DONE}\n",
		"empty/readme.md":    "no tests here",
		"update/u.test.yaml": "stateMachine: ../sm.asl.json\ntests:\n  - name: snapshot\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"passes", []string{"ok"}, 0, "ok    DIR/ok/p.test.yaml  1 test"},
		{"verbose", []string{"-v", "ok"}, 0, "--- PASS: passes (DIR/ok/p.test.yaml:3"},
		{"fails", []string{"fail", "ok"}, 1, "    DIR/fail/f.test.yaml:4: output: $.a: want 2, got 1 [in state \"P\"]\n"},
		{"bad file", []string{"bad"}, 1, `ERROR DIR/bad/b.test.yaml:4: test "bad": expect.status: "DONE" is not a status`},
		{"filtered", []string{"--run", "^pass", "ok", "fail"}, 0, "PASS: 1 test in 2 files"},
		{"no test files", []string{"empty"}, 1, "no test files"},
		{"bad regexp", []string{"--run", "(", "ok"}, 2, ""},
		{"update", []string{"--update", "update"}, 0, "(updated)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			junit := filepath.Join(t.TempDir(), "j.xml")
			args := []string{"test", "--junit", junit}
			for _, a := range c.args {
				if !strings.HasPrefix(a, "-") && a != "^pass" && a != "(" {
					a = filepath.Join(dir, a)
				}
				args = append(args, a)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, nil, &stdout, &stderr)
			out := strings.ReplaceAll(stdout.String(), dir, "DIR")
			if code != c.code || !strings.Contains(out, c.stdout) {
				t.Errorf("exit %d, want %d; stdout lacks %q:\n%s%s", code, c.code, c.stdout, out, stderr.String())
			}
			if _, err := os.Stat(junit); (err == nil) != (c.code != 2) {
				t.Errorf("junit file: %v", err)
			}
		})
	}
	data, _ := os.ReadFile(filepath.Join(dir, "update/u.test.yaml"))
	if !strings.Contains(string(data), "    expect:\n      output:\n        a: 1\n") {
		t.Errorf("after --update:\n%s", data)
	}
}

// TestTestCheckedParameters: `stepwise test` checks each Task state's parameters as an
// execution does before the task is scheduled, the mocked ones too: a Task whose parameters
// its API cannot take fails with States.Runtime, as it would on AWS, rather than passing on
// its mock's answer.
func TestTestCheckedParameters(t *testing.T) {
	awstest.Isolate(t, nil) // nothing is called: the checks read the models
	machine := func(resource, params string) string {
		return `{"StartAt":"Save","States":{"Save":{"Type":"Task","Resource":"` + resource + `","Parameters":` + params + `,
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Succeed"}}}`
	}
	const (
		putItem  = "arn:aws:states:::dynamodb:putItem"
		badItem  = `{"TableName":"orders","Item":{"id":{"S.$":"$.id"}},"Foo":1}`
		goodItem = `{"TableName":"orders","Item":{"id":{"S.$":"$.id"}}}`
		refused  = `An error occurred while executing the state 'Save' (entered at the event id #2). The Parameters '{"TableName":"orders","Item":{"id":{"S":"o-1"}},"Foo":1}' could not be used to start the Task: [The field "Foo" is not supported by Step Functions]`
	)
	test := func(expect string) string {
		return "stateMachine: sm.asl.json\nmocks:\n  Save: {return: {}}\ntests:\n  - name: saves\n    input: {id: o-1}\n    expect: " + expect + "\n"
	}
	cases := []struct {
		name, machine, test string
		code                int
		stdout              string
	}{
		{"refused, as expected", machine(putItem, badItem), test(`{"error": "States.Runtime", "cause": ` + quote(refused) + `}`), 0, "PASS: 1 test"},
		{"refused, the mock's answer expected", machine(putItem, badItem), test(`{output: {}}`), 1,
			`status: want SUCCEEDED, got FAILED with error "States.Runtime"`},
		{"aws-sdk, a value of the wrong type", machine("arn:aws:states:::aws-sdk:dynamodb:listTables", `{"Limit":"five"}`), test(`{error: States.Runtime}`), 0, "PASS: 1 test"},
		{"taken", machine(putItem, goodItem), test(`{output: {}}`), 0, "PASS: 1 test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range map[string]string{"sm.asl.json": c.machine, "x.test.yaml": c.test} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"test", dir}, nil, &stdout, &stderr)
			if code != c.code || !strings.Contains(stdout.String(), c.stdout) {
				t.Errorf("exit %d, want %d; stdout lacks %q:\n%s%s", code, c.code, c.stdout, stdout.String(), stderr.String())
			}
		})
	}
}

// quote is s as a JSON string, which YAML reads as it is.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestTestFunctionsAndHTTP: `stepwise test` runs a Lambda task without a mock with the
// function given to it (a program speaking the Runtime API, from functions: in the file, or
// --function, which wins), and, in a file that says unmocked: call, an HTTP Task with the
// connection of --connections; `stepwise run --connections` runs the same machine.
func TestTestFunctionsAndHTTP(t *testing.T) {
	dir := t.TempDir()
	fn := filepath.Join(dir, "bin", "testfn")
	if out, err := exec.Command("go", "build", "-o", fn, "../../integration/lambda/internal/testfn").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	awstest.Isolate(t, nil) // nothing of AWS is called; after go build, which a new HOME would leave without its cache
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"key":"`+r.Header.Get("X-Api-Key")+`"}`)
	}))
	defer partner.Close()
	files := map[string]string{
		"sm.asl.json": `{"StartAt":"Call","States":{
			"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","Payload":{"value.$":"$.v"}},
				"ResultSelector":{"value.$":"$.Payload.value","fn.$":"$.Payload.function"},"Next":"Fails"},
			"Fails":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","Parameters":{"action":"custom","message":"boom"},
				"Catch":[{"ErrorEquals":["CustomError"],"ResultPath":"$.caught","Next":"Ask"}],"End":true},
			"Ask":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{"ApiEndpoint":"` + partner.URL + `","Method":"GET",
				"Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:123456789012:connection/partner/1"}},
				"ResultSelector":{"key.$":"$.ResponseBody.key"},"ResultPath":"$.partner","End":true}}}`,
		"x.test.yaml": `stateMachine: sm.asl.json
unmocked: call
functions:
  echo: bin/testfn
tests:
  - name: calls them
    input: {v: 42}
    expect:
      output: {value: 42, fn: echo, caught: {Error: CustomError, Cause: '{"errorMessage":"boom","errorType":"CustomError"}'}, partner: {key: k1}}
`,
		"connections.json": `{"Connections": {"partner": {"AuthorizationType": "API_KEY",
			"AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": "k1"}}}}}`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	conns := filepath.Join(dir, "connections.json")
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"functions: and --connections", []string{"--connections", conns}, 0, "PASS: 1 test"},
		{"no connection", nil, 1, `got FAILED with error "Events.ConnectionResource.ResourceNotFound"`},
		{"--function wins", []string{"--connections", conns, "--function", "echo=http://127.0.0.1:1"}, 1, "status: want SUCCEEDED, got FAILED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append(append([]string{"test"}, c.args...), dir), nil, &stdout, &stderr)
			if code != c.code || !strings.Contains(stdout.String(), c.stdout) {
				t.Errorf("exit %d, want %d; stdout lacks %q:\n%s%s", code, c.code, c.stdout, stdout.String(), stderr.String())
			}
		})
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"run", "--function", "echo=" + fn, "--connections", conns, "--input", `{"v": 7}`, filepath.Join(dir, "sm.asl.json")}, nil, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), `\"partner\":{\"key\":\"k1\"}`) {
		t.Errorf("run: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}

// TestTestLambdaEndpoint: under unmocked: call, a Lambda task whose function the test was not
// given goes to the configured Lambda endpoint (here another Runtime's Invoke API, running
// the function's real code); without unmocked: call it stops the test and says how to run it.
func TestTestLambdaEndpoint(t *testing.T) {
	dir := t.TempDir()
	fn := filepath.Join(dir, "testfn")
	if out, err := exec.Command("go", "build", "-o", fn, "../../integration/lambda/internal/testfn").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	awstest.Isolate(t, nil)
	served := lambda.New(lambda.Options{Output: io.Discard, Functions: map[string]lambda.Spec{"echo": {Command: []string{fn}}}})
	defer served.Close()
	endpoint := httptest.NewServer(&lambda.InvokeAPI{Runtime: served})
	defer endpoint.Close()
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", endpoint.URL)
	sm := `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"echo","Payload":{"value.$":"$.v"}},"ResultSelector":{"value.$":"$.Payload.value"},"End":true}}}`
	test := "tests:\n  - name: calls it\n    input: {v: 5}\n    expect: {output: {value: 5}}\n"
	for _, c := range []struct {
		head   string
		code   int
		stdout string
	}{
		{"unmocked: call\n", 0, "PASS: 1 test"},
		{"", 1, "or set unmocked: call with a Lambda endpoint configured (AWS_ENDPOINT_URL_LAMBDA)"},
	} {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, "sm.asl.json"), []byte(sm), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "x.test.yaml"), []byte("stateMachine: sm.asl.json\n"+c.head+test), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"test", d}, nil, &stdout, &stderr)
		if code != c.code || !strings.Contains(stdout.String(), c.stdout) {
			t.Errorf("%q: exit %d, want %d; stdout lacks %q:\n%s%s", c.head, code, c.code, c.stdout, stdout.String(), stderr.String())
		}
	}
	if n := served.Stats("echo").Invocations; n != 1 {
		t.Errorf("the endpoint's function ran %d times, want 1", n)
	}
}
