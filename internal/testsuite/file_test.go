package testsuite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// machine is a definition the tests run: a Task state, a Choice and two ends.
const machine = `{
  "StartAt": "Work",
  "States": {
    "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "work", "Payload.$": "$"}, "ResultSelector": {"n.$": "$.Payload.n"}, "ResultPath": "$.work", "Next": "Big?"},
    "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.work.n", "NumericGreaterThan": 10, "Next": "Too big"}], "Default": "Done"},
    "Too big": {"Type": "Fail", "Error": "Work.TooBig", "Cause": "n is over 10"},
    "Done": {"Type": "Pass", "Parameters": {"n.$": "$.work.n", "name.$": "$.name"}, "End": true}
  }
}`

// writeFiles writes files into a new directory and returns it.
// runDir runs the test files of dir, which must all load.
func runDir(t *testing.T, dir string, opts Options) *Report {
	t.Helper()
	rep, err := Run(context.Background(), []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Files {
		if f.Err != nil {
			t.Fatal(f.Err)
		}
	}
	return rep
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBadInput: each mistake in a test file is reported with the file, the line and what is
// wrong, whether the parser or the loading of what the file names finds it.
func TestBadInput(t *testing.T) {
	const mocks = `{"StateMachines": {"sm": {"TestCases": {"Happy": {"Work": "R"}}}}, "MockedResponses": {"R": {"0": {"Return": {"Payload": {"n": 1}}}}}}`
	tests := []struct {
		name, file, text, want string
	}{
		{"syntax", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n   input: 1\n",
			"x.test.yaml:3: did not find expected '-' indicator"},
		{"flow syntax", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expect:\n      states: [Work, Big?, Done]\n",
			`x.test.yaml:5: did not find expected ',' or ']'; a string that ends with "?" inside [...] or {...} needs quotes ("Ready?")`},
		{"empty", "x.test.yaml", "", "x.test.yaml: the file is empty; want stateMachine: and tests:"},
		{"not a mapping", "x.test.yaml", "- a\n- b\n", "x.test.yaml:1: the file: want a mapping (key: value), got a list"},
		{"unknown key", "x.test.yaml", "stateMachine: sm.asl.json\nstatemachine: x\ntests: []\n",
			`x.test.yaml:2: the file: unknown key "statemachine" (did you mean "stateMachine"?)`},
		{"unknown key, no guess", "x.test.yaml", "stateMachine: sm.asl.json\nfoo: x\n",
			`x.test.yaml:2: the file: unknown key "foo"; want stateMachine, template, resource, parameters, name, type, mockFile, mocks, unmocked, functions, machines, s3, tests`},
		{"duplicate key", "x.test.yaml", "stateMachine: sm.asl.json\nstateMachine: b.json\n",
			`x.test.yaml:2: the file: duplicate key "stateMachine"`},
		{"a definition", "x.test.json", machine, "x.test.json:1: this is a state machine definition, not a test file: a test file (*.test.yaml) names it with stateMachine: and lists tests:"},
		{"no machine", "x.test.yaml", "tests: []\n", "x.test.yaml:1: want stateMachine: (a definition file) or template: and resource:"},
		{"machine and template", "x.test.yaml", "stateMachine: sm.asl.json\ntemplate: t.yaml\nresource: M\n",
			"x.test.yaml:2: give stateMachine or template, not both"},
		{"template without resource", "x.test.yaml", "template: t.yaml\ntests: []\n",
			"x.test.yaml:1: template: also wants resource: (the logical id of the state machine in the template)"},
		{"machine not a string", "x.test.yaml", "stateMachine: {a: 1}\n", "x.test.yaml:1: stateMachine: want a string, got a mapping"},
		{"bad name", "x.test.yaml", "stateMachine: sm.asl.json\nname: my machine\ntests: []\n",
			"x.test.yaml:2: name: \"my machine\" is not a valid state machine name (1-80 characters, no blanks and none of <>{}[]?*\"#%\\^|~`$&,;:/)"},
		{"bad type", "x.test.yaml", "stateMachine: sm.asl.json\ntype: express\n",
			`x.test.yaml:2: type: want STANDARD or EXPRESS, got "express"`},
		{"express with sync", "x.test.yaml", "stateMachine: sync.asl.json\ntype: EXPRESS\ntests:\n  - name: a\n",
			"x.test.yaml:1: sync.asl.json: the definition is not valid: "},
		{"bad unmocked", "x.test.yaml", "stateMachine: sm.asl.json\nunmocked: skip\n",
			`x.test.yaml:2: unmocked: want fail (the default: a Task state without a mock stops the test) or call (it calls its service), got "skip"`},
		{"no tests", "x.test.yaml", "stateMachine: sm.asl.json\n", "x.test.yaml:1: no tests: want a list of tests"},
		{"empty tests", "x.test.yaml", "stateMachine: sm.asl.json\ntests: []\n", "x.test.yaml:2: tests: want a list of tests, each with a name"},
		{"test without name", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - input: {}\n", "x.test.yaml:3: tests[0]: want a name"},
		{"duplicate test", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n  - name: a\n",
			`x.test.yaml:4: test "a": the name is already taken by the test on line 3`},
		{"unknown test key", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expected: {}\n",
			`x.test.yaml:4: tests[0]: unknown key "expected"; want name, input, startTime, executionName, mockCase, mocks, expect`},
		{"bad status", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expect:\n      status: DONE\n",
			`x.test.yaml:5: test "a": expect.status: "DONE" is not a status; want one of SUCCEEDED, FAILED, TIMED_OUT, ABORTED`},
		{"output and subset", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expect:\n      output: 1\n      outputContains: 1\n",
			`x.test.yaml:6: test "a": expect: give output (the exact output) or outputContains (a part of it), not both`},
		{"error of a success", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expect:\n      status: SUCCEEDED\n      error: X\n",
			`x.test.yaml:6: test "a": expect: an execution that SUCCEEDED has no error`},
		{"states not a list", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expect:\n      states: Work\n",
			`x.test.yaml:5: test "a": expect.states: want a list of state names`},
		{"state not a string", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expect:\n      states:\n        - [Work]\n",
			`x.test.yaml:6: test "a": expect.states: want a string, got a list`},
		{"bad JSONPath", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expect:\n      paths:\n        $.a[: 1\n",
			`x.test.yaml:6: test "a": expect.paths: "$.a[" is not a JSONPath: `},
		{"paths not a mapping", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expect:\n      paths: [$.a]\n",
			`x.test.yaml:5: test "a": expect.paths: want a mapping of JSONPaths to values, e.g. "$.order.total": 42`},
		{"not JSON", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    input: {x: .inf}\n",
			`x.test.yaml:4: test "a": input: .inf is not a JSON number`},
		{"merge key", "x.test.yaml", "stateMachine: sm.asl.json\nbase: &b {x: 1}\ntests:\n  - name: a\n    input: {<<: *b}\n",
			`x.test.yaml:2: the file: unknown key "base"; want stateMachine, template, resource, parameters, name, type, mockFile, mocks, unmocked, functions, machines, s3, tests`},
		{"merge key in a value", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    input: &b {x: 1}\n  - name: b\n    input: {<<: *b}\n",
			`x.test.yaml:6: test "b": input: YAML merge keys (<<) are not supported`},
		{"custom tag", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    input: {x: !Ref y}\n",
			`x.test.yaml:4: test "a": input: the YAML tag !Ref is not supported here`},
		{"duplicate key in a value", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    input:\n      x: 1\n      x: 2\n",
			`x.test.yaml:6: test "a": input: duplicate key "x"`},
		{"mock without answer", "x.test.yaml", "stateMachine: sm.asl.json\nmocks:\n  Work: {Return: 1}\n",
			`x.test.yaml:3: mocks["Work"]: unknown key "Return" (did you mean "return"?)`},
		{"mock empty", "x.test.yaml", "stateMachine: sm.asl.json\nmocks:\n  Work: {}\n",
			`x.test.yaml:3: mocks["Work"]: want return: (the task's result) or throw: {error, cause}`},
		{"mock both", "x.test.yaml", "stateMachine: sm.asl.json\nmocks:\n  Work: {return: 1, throw: {error: E}}\n",
			`x.test.yaml:3: mocks["Work"]: give return or throw, not both`},
		{"throw without error", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    mocks:\n      Work:\n        - return: 1\n        - throw: {cause: c}\n",
			`x.test.yaml:7: test "a": mocks["Work"][1].throw: want an error name (error: ...)`},
		{"empty mock list", "x.test.yaml", "stateMachine: sm.asl.json\nmocks:\n  Work: []\n",
			`x.test.yaml:3: mocks["Work"]: want at least one response`},
		{"mockCase without mockFile", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    mockCase: Happy\n",
			`x.test.yaml:4: test "a": mockCase: wants mockFile: at the top of the file`},
		{"JSON", "x.test.json", "{\n  \"stateMachine\": \"sm.asl.json\",\n  \"tests\": [\n    {\"name\": \"a\", \"expect\": {\"status\": \"OK\"}}\n  ]\n}\n",
			`x.test.json:4: test "a": expect.status: "OK" is not a status; want one of SUCCEEDED, FAILED, TIMED_OUT, ABORTED`},

		// Found when the file's state machine and mocks are loaded.
		{"no definition", "x.test.yaml", "stateMachine: missing.asl.json\ntests:\n  - name: a\n",
			"x.test.yaml:1: stateMachine: missing.asl.json: no such file or directory"},
		{"bad definition", "x.test.yaml", "stateMachine: bad.asl.json\ntests:\n  - name: a\n",
			"x.test.yaml:1: bad.asl.json: the definition is not valid: "},
		{"bad YAML definition", "x.test.yaml", "stateMachine: bad.asl.yaml\ntests:\n  - name: a\n",
			"x.test.yaml:1: stateMachine: bad.asl.yaml:2: mapping values are not allowed in this context"},
		{"no template", "x.test.yaml", "template: template.yaml\nresource: Machine\ntests:\n  - name: a\n",
			"x.test.yaml:1: template: open template.yaml: no such file or directory"},
		{"parameters without template", "x.test.yaml", "stateMachine: sm.asl.json\nparameters: {A: b}\n",
			"x.test.yaml:2: parameters: are a template's: add template:"},
		{"parameters not strings", "x.test.yaml", "template: t.yaml\nresource: M\nparameters: {A: [b]}\n",
			"x.test.yaml:3: parameters: A: want a string, got a list"},
		{"mock of no state", "x.test.yaml", "stateMachine: sm.asl.json\nmocks:\n  Wrok: {return: 1}\ntests:\n  - name: a\n",
			`x.test.yaml:3: mocks: the state machine has no state "Wrok"; did you mean "Work"?`},
		{"mock of no state, nothing near", "x.test.yaml", "stateMachine: sm.asl.json\nmocks:\n  Elsewhere: {return: 1}\ntests:\n  - name: a\n",
			`x.test.yaml:3: mocks: the state machine has no state "Elsewhere"`},
		{"mock of a Pass state", "x.test.yaml", "stateMachine: sm.asl.json\ntests:\n  - name: a\n    mocks:\n      Done: {return: 1}\n",
			`x.test.yaml:5: mocks: "Done" is a Pass state; only Task states can be mocked`},
		{"missing mock file", "x.test.yaml", "stateMachine: sm.asl.json\nmockFile: nomocks.json\ntests:\n  - name: a\n",
			"x.test.yaml:2: mockFile: open nomocks.json: no such file or directory"},
		{"mock file without the machine", "x.test.yaml", "stateMachine: sm.asl.json\nname: other\nmockFile: mocks.json\ntests:\n  - name: a\n",
			"x.test.yaml:3: mockFile: mocks.json has no state machine \"other\" (it has sm, sm2); set name: to the one to use"},
		{"no such mock case", "x.test.yaml", "stateMachine: sm.asl.json\nmockFile: mocks.json\ntests:\n  - name: a\n    mockCase: Hapy\n",
			`x.test.yaml:5: test "a": mockCase: mocks.json has no test case "Hapy" for state machine "sm" (it has Happy)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{
				tc.file:        tc.text,
				"sm.asl.json":  machine,
				"bad.asl.json": `{"StartAt": "A", "States": {}}`,
				"sync.asl.json": `{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
				  "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:x"}, "End": true}}}`,
				"bad.asl.yaml": "StartAt: A\n States: x: y\n",
				"mocks.json":   strings.Replace(mocks, `}}}}, "Mocked`, `}}}, "sm2": {"TestCases": {}}}, "Mocked`, 1),
			})
			_, err := load(filepath.Join(dir, tc.file), &Options{}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%T %v, want an *Error", err, err)
			}
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			got = strings.ReplaceAll(got, dir, "DIR")
			if !strings.HasPrefix(got, tc.want) || (!strings.HasSuffix(tc.want, ": ") && got != tc.want) {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestParse reads a file that uses every field.
func TestParse(t *testing.T) {
	text := `# a comment
stateMachine: sm.asl.json
name: Machine
mockFile: m.json
unmocked: call
mocks:
  Work: {return: {Payload: {n: 1}}}
tests:
  - name: every field
    input: {name: Ada, n: 0x10, big: 123456789012345678901234567890, f: 1.50, on: true, none: null, when: 2025-01-01}
    mockCase: Happy
    mocks:
      Work:
        - throw: {error: E, cause: C}
        - return: 2
    expect:
      status: FAILED
      error: E
      cause: C
      states: [Work, "Big?"]
      paths: {"$.a": [1, {b: c}]}
  - name: defaults
`
	f, err := Parse("dir/x.test.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if f.StateMachine != filepath.Join("dir", "sm.asl.json") || f.MockFile != filepath.Join("dir", "m.json") || f.Name != "Machine" || !f.CallUnmocked {
		t.Errorf("file %+v", f)
	}
	if m := f.Mocks["Work"]; m == nil || !m.Always || string(m.Responses[0].Return) != `{"Payload":{"n":1}}` || m.Line != 7 {
		t.Errorf("file mocks %+v", f.Mocks["Work"])
	}
	if len(f.Tests) != 2 {
		t.Fatalf("%d tests", len(f.Tests))
	}
	a := f.Tests[0]
	if a.Name != "every field" || a.Line != 9 || a.MockCase != "Happy" || a.MockCaseLine != 11 {
		t.Errorf("test %+v", a)
	}
	if want := `{"name":"Ada","n":16,"big":123456789012345678901234567890,"f":1.50,"on":true,"none":null,"when":"2025-01-01"}`; a.Input != want {
		t.Errorf("input\n got %s\nwant %s", a.Input, want)
	}
	if m := a.Mocks["Work"]; m == nil || m.Always || len(m.Responses) != 2 || *m.Responses[0].Throw != (Throw{"E", "C"}) || string(m.Responses[1].Return) != "2" {
		t.Errorf("test mocks %+v", a.Mocks["Work"])
	}
	e := a.Expect
	if e.Status.Value != "FAILED" || e.Status.Line != 17 || e.Error.Value != "E" || e.Cause.Value != "C" || e.Output != nil || e.OutputContains != nil {
		t.Errorf("expect %+v", e)
	}
	if e.States == nil || strings.Join(e.States.Names, "|") != "Work|Big?" || e.States.Line != 20 {
		t.Errorf("states %+v", e.States)
	}
	if len(e.Paths) != 1 || e.Paths[0].Path != "$.a" || e.Paths[0].Want.JSON != `[1,{"b":"c"}]` || e.Paths[0].Line != 21 {
		t.Errorf("paths %+v", e.Paths)
	}
	b := f.Tests[1]
	if b.Input != "{}" || b.Expect.Status != nil || b.Expect.States != nil || b.Mocks != nil {
		t.Errorf("defaults %+v", b)
	}
}

func TestFind(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"b.test.yaml":              "",
		"a/z.test.json":            "",
		"a/y.test.yml":             "",
		"a/notes.yaml":             "",
		"a/.hidden/h.test.yaml":    "",
		"a/testdata/t.test.yaml":   "",
		"node_modules/n.test.yaml": "",
		"explicit.yaml":            "",
	})
	got, err := Find([]string{dir, filepath.Join(dir, "explicit.yaml"), filepath.Join(dir, "b.test.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i], _ = filepath.Rel(dir, got[i])
	}
	want := []string{"a/y.test.yml", "a/z.test.json", "b.test.yaml", "explicit.yaml"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := Find([]string{filepath.Join(dir, "nothing")}); err == nil {
		t.Error("a missing path: no error")
	}
}

// TestAliasBomb: aliases that expand exponentially are cut off at maxNodes for the whole
// file, however many tests share them.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("stateMachine: sm.asl.json\ntests:\n  - name: t0\n    input: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n")
	for i := 1; i < 8; i++ {
		fmt.Fprintf(&b, "  - name: t%d\n    input: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	for i := 8; i < 200; i++ {
		fmt.Fprintf(&b, "  - name: t%d\n    input: *a5\n", i)
	}
	_, err := Parse("x.test.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "expand to more than 1000000 nodes") {
		t.Errorf("error %v", err)
	}
}
