package testsuite

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/stepwise-run/stepwise/asl/jsonpath"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/runner"
)

// Error is bad input: the file, the line (0 when unknown) and what is wrong.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// File is a parsed test file.
type File struct {
	// Path is the file's path as found.
	Path string
	// StateMachine is the definition's path (relative to the working directory), or empty
	// when the file names a template and a resource in it.
	StateMachine string
	Template     string
	Resource     string
	// Parameters are values for the template's Parameters.
	Parameters map[string]string
	// Type is STANDARD or EXPRESS: how the definition is validated and run (default: the
	// template's type, else STANDARD).
	Type string
	// Name is the state machine's name in the executions' ARNs and in the mock file
	// (default: the definition's file name without its extensions, or the resource's id).
	Name string
	// MockFile is a mock configuration in Step Functions Local's format.
	MockFile string
	// Mocks answer Task states by name in every test of the file.
	Mocks map[string]*Mock
	// CallUnmocked lets a Task state that no mock answers call its service (unmocked: call);
	// otherwise such a state stops the test.
	CallUnmocked bool
	// Functions are the Lambda functions that the Task states without a mock invoke, run
	// here (functions:, each a program or an Invoke API endpoint as `stepwise run --function`
	// takes it, a relative program path taken from the file's directory).
	Functions map[string]lambda.Spec
	// Machines are the state machines the file's machine may start with a .sync task and
	// have run in the test (machines:, NAME: definition file), by name; the file's own
	// machine is one without being named. MachineTypes are their types where the file gives
	// one (NAME: {stateMachine: FILE, type: EXPRESS}); STANDARD otherwise.
	Machines     map[string]string
	MachineTypes map[string]string
	// S3 are the objects a Distributed Map's ItemReader reads and the buckets its
	// ResultWriter writes to, in memory (s3:, s3://BUCKET/KEY: CONTENT), by bucket and key; a
	// bucket named alone (s3://BUCKET/) has the key "".
	S3    map[string]map[string][]byte
	Tests []*Test

	lines  map[string]int // line of each top-level key
	root   *yaml.Node     // the document, for --update
	source []byte
	isJSON bool
}

// Test is one test of a file.
type Test struct {
	Name string
	Line int
	// Input is the execution input as JSON text.
	Input string
	// StartTime is when the execution starts ($$.Execution.StartTime, and the virtual clock's
	// start); the zero time: the package's StartTime. ExecutionName is its name; "": the
	// test's name, made a valid execution name.
	StartTime     time.Time
	ExecutionName string
	MockCase      string
	MockCaseLine  int
	Mocks         map[string]*Mock
	Expect        Expect

	node *yaml.Node // the test's mapping, for --update
}

// Mock answers a Task state's invocations: the n-th invocation (retries count, from 0) gets
// Responses[n]; a single response (not a list) answers every invocation.
type Mock struct {
	Line      int
	Responses []Response
	Always    bool
}

// Response is a mocked result or failure.
type Response struct {
	Return json.RawMessage
	Throw  *Throw
}

// Throw is a mocked failure.
type Throw struct {
	Error string
	Cause string
}

// Expect is what a test expects of its execution. A nil field is not checked.
type Expect struct {
	Status         *Text
	Output         *Value
	OutputContains *Value
	Error          *Text
	Cause          *Text
	States         *States
	Paths          []*PathExpect
	// S3 are the objects expected in the file's s3: once the execution ended (what a
	// Distributed Map's ResultWriter wrote), in the order written.
	S3 []*ObjectExpect
	// Calls are the expected calls of Task states, in the order written.
	Calls []*CallsExpect
	Line  int
}

// CallsExpect expects a Task state to be called len(Want) times, each call's parameters (the
// request its integration got: a Lambda function's payload, an activity's input) containing
// the value at that place (as outputContains).
type CallsExpect struct {
	State string
	Want  []*Value
	Line  int
}

// ObjectExpect expects an object in the file's s3:: one object whose key matches Pattern
// (path.Match: * is any run of characters but /) in Bucket, which contains Want (as
// outputContains); a nil Want only asks that the object be there.
type ObjectExpect struct {
	URI     string // as written: s3://BUCKET/PATTERN
	Bucket  string
	Pattern string
	Want    *Value
	Line    int
}

// Text is an expected string and the line it was written on.
type Text struct {
	Value string
	Line  int
}

// Value is an expected JSON value (as JSON text and decoded) and its line.
type Value struct {
	JSON string
	Line int
	v    any
}

// States is the expected path of states.
type States struct {
	Names []string
	Line  int
}

// PathExpect expects a value at a JSONPath of the output.
type PathExpect struct {
	Path string
	Want *Value
	Line int
	path *jsonpath.Path
}

// Statuses an execution may end with.
var statuses = []string{"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}

// IsTestFile tells whether a file name is a test file's: *.test.yaml, *.test.yml or
// *.test.json.
func IsTestFile(name string) bool {
	for _, ext := range []string{".test.yaml", ".test.yml", ".test.json"} {
		if strings.HasSuffix(name, ext) && len(name) > len(ext) {
			return true
		}
	}
	return false
}

// Parse parses a test file. Paths in it are relative to its directory. Errors are *Error.
func Parse(path string, data []byte) (*File, error) {
	p := &parser{file: path, source: data, budget: maxNodes, isJSON: strings.HasSuffix(path, ".json")}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, p.yamlError(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Error{File: path, Msg: "the file is empty; want stateMachine: and tests:"}
	}
	if top := deref(doc.Content[0]); top.Kind == yaml.MappingNode && mapGet(top, "StartAt") != nil && mapGet(top, "tests") == nil {
		return nil, &Error{File: path, Line: firstLine(doc.Content[0]),
			Msg: "this is a state machine definition, not a test file: a test file (*.test.yaml) names it with stateMachine: and lists tests:"}
	}
	f := &File{Path: path, root: &doc, source: data, isJSON: strings.HasSuffix(path, ".json"), lines: map[string]int{}}
	top, err := p.fields(doc.Content[0], "the file", "stateMachine", "template", "resource", "parameters", "name", "type", "mockFile", "mocks", "unmocked", "functions", "machines", "s3", "tests")
	if err != nil {
		return nil, err
	}
	for k, kv := range top {
		f.lines[k] = kv.key.Line
	}
	dir := filepath.Dir(path)
	rel := func(s string) string {
		if s == "" || filepath.IsAbs(s) {
			return s
		}
		return filepath.Join(dir, filepath.FromSlash(s))
	}
	for _, x := range []struct {
		key string
		dst *string
	}{{"stateMachine", &f.StateMachine}, {"template", &f.Template}, {"resource", &f.Resource}, {"name", &f.Name}, {"mockFile", &f.MockFile}} {
		if kv, ok := top[x.key]; ok {
			if *x.dst, err = p.str(kv.val, x.key); err != nil {
				return nil, err
			}
			if *x.dst == "" {
				return nil, p.errorf(kv.val, "%s: want a non-empty string", x.key)
			}
		}
	}
	f.StateMachine, f.Template, f.MockFile = rel(f.StateMachine), rel(f.Template), rel(f.MockFile)
	switch {
	case f.StateMachine == "" && f.Template == "":
		return nil, &Error{File: path, Line: firstLine(doc.Content[0]), Msg: "want stateMachine: (a definition file) or template: and resource:"}
	case f.StateMachine != "" && f.Template != "":
		return nil, p.errorf(top["template"].key, "give stateMachine or template, not both")
	case f.Template != "" && f.Resource == "":
		return nil, p.errorf(top["template"].key, "template: also wants resource: (the logical id of the state machine in the template)")
	case f.Template == "" && f.Resource != "":
		return nil, p.errorf(top["resource"].key, "resource: names a state machine in a template: add template:")
	}
	if kv, ok := top["parameters"]; ok {
		if f.Template == "" {
			return nil, p.errorf(kv.key, "parameters: are a template's: add template:")
		}
		m := deref(kv.val)
		if m.Kind != yaml.MappingNode {
			return nil, p.errorf(kv.val, "parameters: want a mapping of the template's parameter names to values")
		}
		f.Parameters = map[string]string{}
		for i := 0; i+1 < len(m.Content); i += 2 {
			name, err := p.str(m.Content[i], "parameters")
			if err != nil {
				return nil, err
			}
			if f.Parameters[name], err = p.str(m.Content[i+1], "parameters: "+name); err != nil {
				return nil, err
			}
		}
	}
	if f.Name != "" && !validName(f.Name) {
		return nil, p.errorf(top["name"].val, "name: %q is not a valid state machine name (1-80 characters, no blanks and none of <>{}[]?*\"#%%\\^|~`$&,;:/)", f.Name)
	}
	if kv, ok := top["type"]; ok {
		if f.Type, err = p.str(kv.val, "type"); err != nil {
			return nil, err
		}
		if f.Type != "STANDARD" && f.Type != "EXPRESS" {
			return nil, p.errorf(kv.val, "type: want STANDARD or EXPRESS, got %q", f.Type)
		}
	}
	if kv, ok := top["unmocked"]; ok {
		s, err := p.str(kv.val, "unmocked")
		if err != nil {
			return nil, err
		}
		switch s {
		case "call":
			f.CallUnmocked = true
		case "fail":
		default:
			return nil, p.errorf(kv.val, "unmocked: want fail (the default: a Task state without a mock stops the test) or call (it calls its service), got %q", s)
		}
	}
	if kv, ok := top["functions"]; ok {
		m := deref(kv.val)
		if m.Kind != yaml.MappingNode {
			return nil, p.errorf(kv.val, "functions: want a mapping of function names to programs (bin/charge) or Invoke API URLs")
		}
		f.Functions = map[string]lambda.Spec{}
		for i := 0; i+1 < len(m.Content); i += 2 {
			name, err := p.str(m.Content[i], "functions")
			if err != nil {
				return nil, err
			}
			if !lambda.ValidName(name) {
				return nil, p.errorf(m.Content[i], "functions: %q is not a function name (1 to 64 letters, digits, '-' or '_')", name)
			}
			target, err := p.str(m.Content[i+1], "functions: "+name)
			if err != nil {
				return nil, err
			}
			if f.Functions[name], err = lambda.ParseTarget(dir, target); err != nil {
				return nil, p.errorf(m.Content[i+1], "functions: %s: %v", name, err)
			}
		}
	}
	if kv, ok := top["machines"]; ok {
		m := deref(kv.val)
		if m.Kind != yaml.MappingNode {
			return nil, p.errorf(kv.val, "machines: want a mapping of state machine names to definition files (or to {stateMachine: FILE, type: EXPRESS})")
		}
		f.Machines = map[string]string{}
		for i := 0; i+1 < len(m.Content); i += 2 {
			name, err := p.str(m.Content[i], "machines")
			if err != nil {
				return nil, err
			}
			if !validName(name) {
				return nil, p.errorf(m.Content[i], "machines: %q is not a valid state machine name (1-80 characters, no blanks and none of <>{}[]?*\"#%%\\^|~`$&,;:/)", name)
			}
			var file string
			if deref(m.Content[i+1]).Kind == yaml.MappingNode {
				where := "machines: " + name
				fields, err := p.fields(m.Content[i+1], where, "stateMachine", "type")
				if err != nil {
					return nil, err
				}
				if kv, ok := fields["stateMachine"]; ok {
					if file, err = p.str(kv.val, where+": stateMachine"); err != nil {
						return nil, err
					}
				}
				if kv, ok := fields["type"]; ok {
					typ, err := p.str(kv.val, where+": type")
					if err != nil {
						return nil, err
					}
					if typ != "STANDARD" && typ != "EXPRESS" {
						return nil, p.errorf(kv.val, "%s: type: want STANDARD or EXPRESS, got %q", where, typ)
					}
					if f.MachineTypes == nil {
						f.MachineTypes = map[string]string{}
					}
					f.MachineTypes[name] = typ
				}
			} else if file, err = p.str(m.Content[i+1], "machines: "+name); err != nil {
				return nil, err
			}
			if file == "" {
				return nil, p.errorf(m.Content[i+1], "machines: %s: want a definition file", name)
			}
			f.Machines[name] = rel(file)
			f.lines["machines: "+name] = m.Content[i+1].Line
		}
	}
	if kv, ok := top["s3"]; ok {
		m := deref(kv.val)
		if m.Kind != yaml.MappingNode {
			return nil, p.errorf(kv.val, "s3: want a mapping of s3://BUCKET/KEY to the objects' contents")
		}
		f.S3 = map[string]map[string][]byte{}
		for i := 0; i+1 < len(m.Content); i += 2 {
			uri, err := p.str(m.Content[i], "s3")
			if err != nil {
				return nil, err
			}
			bucket, key, _ := strings.Cut(strings.TrimPrefix(uri, "s3://"), "/")
			if !strings.HasPrefix(uri, "s3://") || bucket == "" {
				return nil, p.errorf(m.Content[i], "s3: %q: want s3://BUCKET/KEY (or s3://BUCKET/ for a bucket without objects)", uri)
			}
			if f.S3[bucket] == nil {
				f.S3[bucket] = map[string][]byte{}
			}
			body := deref(m.Content[i+1])
			if key == "" {
				if body.Kind != yaml.ScalarNode || body.Value != "" && body.ShortTag() != "!!null" {
					return nil, p.errorf(m.Content[i+1], "s3: %s names a bucket, without objects: give it no content (~), or name an object in it (s3://%s/KEY)", uri, bucket)
				}
				continue
			}
			if body.Kind == yaml.ScalarNode && body.ShortTag() == "!!str" {
				f.S3[bucket][key] = []byte(body.Value) // a CSV or JSON Lines file, say, as written
				continue
			}
			v, err := p.value(body, "s3: "+uri)
			if err != nil {
				return nil, err
			}
			f.S3[bucket][key] = []byte(v.JSON) // a value written as YAML or JSON: its JSON
		}
	}
	if kv, ok := top["mocks"]; ok {
		if f.Mocks, err = p.mocks(kv.val, "mocks"); err != nil {
			return nil, err
		}
	}
	kv, ok := top["tests"]
	if !ok {
		return nil, &Error{File: path, Line: firstLine(doc.Content[0]), Msg: "no tests: want a list of tests"}
	}
	seq := deref(kv.val)
	if seq.Kind != yaml.SequenceNode || len(seq.Content) == 0 {
		return nil, p.errorf(kv.val, "tests: want a list of tests, each with a name")
	}
	names := map[string]int{}
	for i, n := range seq.Content {
		t, err := p.test(n, i)
		if err != nil {
			return nil, err
		}
		if line, dup := names[t.Name]; dup {
			return nil, p.errorf(n, "test %q: the name is already taken by the test on line %d", t.Name, line)
		}
		names[t.Name] = t.Line
		if t.MockCase != "" && f.MockFile == "" {
			return nil, &Error{File: path, Line: t.MockCaseLine, Msg: fmt.Sprintf("test %q: mockCase: wants mockFile: at the top of the file", t.Name)}
		}
		f.Tests = append(f.Tests, t)
	}
	return f, nil
}

func (p *parser) test(n *yaml.Node, i int) (*Test, error) {
	fs, err := p.fields(n, fmt.Sprintf("tests[%d]", i), "name", "input", "startTime", "executionName", "mockCase", "mocks", "expect")
	if err != nil {
		return nil, err
	}
	t := &Test{Line: deref(n).Line, Input: "{}", node: deref(n)}
	kv, ok := fs["name"]
	if !ok {
		return nil, p.errorf(n, "tests[%d]: want a name", i)
	}
	if t.Name, err = p.str(kv.val, "name"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(t.Name) == "" {
		return nil, p.errorf(kv.val, "tests[%d]: want a non-empty name", i)
	}
	where := fmt.Sprintf("test %q", t.Name)
	if kv, ok := fs["input"]; ok {
		v, err := p.value(kv.val, where+": input")
		if err != nil {
			return nil, err
		}
		t.Input = v.JSON
	}
	if kv, ok := fs["startTime"]; ok {
		// YAML reads an unquoted timestamp as one: its text is what counts.
		v := deref(kv.val)
		if v.Kind != yaml.ScalarNode || (v.ShortTag() != "!!str" && v.ShortTag() != "!!timestamp") {
			return nil, p.errorf(kv.val, "%s: startTime: want a time such as 2025-06-30T23:59:00Z, got %s", where, describe(v))
		}
		at, err := time.Parse(time.RFC3339Nano, v.Value)
		if err != nil {
			return nil, p.errorf(kv.val, "%s: startTime: %q is not a time such as 2025-06-30T23:59:00Z (RFC 3339, with its offset)", where, v.Value)
		}
		t.StartTime = at.UTC().Truncate(time.Millisecond) // the precision AWS's times have
	}
	if kv, ok := fs["executionName"]; ok {
		if t.ExecutionName, err = p.str(kv.val, where+": executionName"); err != nil {
			return nil, err
		}
		if msg := badExecutionName(t.ExecutionName); msg != "" {
			return nil, p.errorf(kv.val, "%s: executionName: %s", where, msg)
		}
	}
	if kv, ok := fs["mockCase"]; ok {
		if t.MockCase, err = p.str(kv.val, where+": mockCase"); err != nil {
			return nil, err
		}
		t.MockCaseLine = kv.val.Line
	}
	if kv, ok := fs["mocks"]; ok {
		if t.Mocks, err = p.mocks(kv.val, where+": mocks"); err != nil {
			return nil, err
		}
	}
	if kv, ok := fs["expect"]; ok {
		if err := p.expect(kv.val, where+": expect", &t.Expect); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (p *parser) expect(n *yaml.Node, where string, e *Expect) error {
	fs, err := p.fields(n, where, "status", "output", "outputContains", "error", "cause", "states", "paths", "s3", "calls")
	if err != nil {
		return err
	}
	e.Line = deref(n).Line
	if kv, ok := fs["status"]; ok {
		s, err := p.str(kv.val, where+".status")
		if err != nil {
			return err
		}
		if !contains(statuses, s) {
			return p.errorf(kv.val, "%s.status: %q is not a status; want one of %s", where, s, strings.Join(statuses, ", "))
		}
		e.Status = &Text{Value: s, Line: kv.val.Line}
	}
	if _, ok := fs["output"]; ok {
		if _, both := fs["outputContains"]; both {
			return p.errorf(fs["outputContains"].key, "%s: give output (the exact output) or outputContains (a part of it), not both", where)
		}
	}
	for _, x := range []struct {
		key string
		dst **Value
	}{{"output", &e.Output}, {"outputContains", &e.OutputContains}} {
		if kv, ok := fs[x.key]; ok {
			if *x.dst, err = p.value(kv.val, where+"."+x.key); err != nil {
				return err
			}
		}
	}
	for _, x := range []struct {
		key string
		dst **Text
	}{{"error", &e.Error}, {"cause", &e.Cause}} {
		if kv, ok := fs[x.key]; ok {
			s, err := p.str(kv.val, where+"."+x.key)
			if err != nil {
				return err
			}
			*x.dst = &Text{Value: s, Line: kv.val.Line}
		}
	}
	if e.Status != nil && e.Status.Value == "SUCCEEDED" {
		for _, key := range []string{"error", "cause"} {
			if kv, ok := fs[key]; ok {
				return p.errorf(kv.key, "%s: an execution that SUCCEEDED has no %s", where, key)
			}
		}
	}
	if kv, ok := fs["states"]; ok {
		seq := deref(kv.val)
		if seq.Kind != yaml.SequenceNode {
			return p.errorf(kv.val, "%s.states: want a list of state names", where)
		}
		e.States = &States{Line: kv.val.Line, Names: []string{}}
		for _, c := range seq.Content {
			s, err := p.str(c, where+".states")
			if err != nil {
				return err
			}
			e.States.Names = append(e.States.Names, s)
		}
	}
	if kv, ok := fs["paths"]; ok {
		m := deref(kv.val)
		if m.Kind != yaml.MappingNode {
			return p.errorf(kv.val, `%s.paths: want a mapping of JSONPaths to values, e.g. "$.order.total": 42`, where)
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			text, err := p.str(k, where+".paths")
			if err != nil {
				return err
			}
			jp, err := jsonpath.Compile(text)
			if err != nil {
				return p.errorf(k, "%s.paths: %q is not a JSONPath: %v", where, text, err)
			}
			want, err := p.value(m.Content[i+1], fmt.Sprintf("%s.paths[%q]", where, text))
			if err != nil {
				return err
			}
			e.Paths = append(e.Paths, &PathExpect{Path: text, Want: want, Line: k.Line, path: jp})
		}
	}
	if kv, ok := fs["s3"]; ok {
		m := deref(kv.val)
		if m.Kind != yaml.MappingNode {
			return p.errorf(kv.val, "%s.s3: want a mapping of s3://BUCKET/KEY to what the object contains (~: only that it is there)", where)
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			uri, err := p.str(k, where+".s3")
			if err != nil {
				return err
			}
			bucket, pattern, _ := strings.Cut(strings.TrimPrefix(uri, "s3://"), "/")
			if !strings.HasPrefix(uri, "s3://") || bucket == "" || pattern == "" {
				return p.errorf(k, "%s.s3: %q: want s3://BUCKET/KEY, where * in KEY stands for any characters but /", where, uri)
			}
			if _, err := path.Match(pattern, ""); err != nil {
				return p.errorf(k, "%s.s3: %q: the key is not a pattern: %v", where, uri, err)
			}
			oe := &ObjectExpect{URI: uri, Bucket: bucket, Pattern: pattern, Line: k.Line}
			if v := deref(m.Content[i+1]); !(v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
				if oe.Want, err = p.value(m.Content[i+1], fmt.Sprintf("%s.s3[%q]", where, uri)); err != nil {
					return err
				}
			}
			e.S3 = append(e.S3, oe)
		}
	}
	if kv, ok := fs["calls"]; ok {
		m := deref(kv.val)
		if m.Kind != yaml.MappingNode {
			return p.errorf(kv.val, "%s.calls: want a mapping of Task state names to the list of their calls' parameters", where)
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], deref(m.Content[i+1])
			state, err := p.str(k, where+".calls")
			if err != nil {
				return err
			}
			if v.Kind != yaml.SequenceNode {
				return p.errorf(m.Content[i+1], "%s.calls[%q]: want a list, a value for each call ([] for none)", where, state)
			}
			ce := &CallsExpect{State: state, Line: k.Line, Want: []*Value{}}
			for j, c := range v.Content {
				want, err := p.value(c, fmt.Sprintf("%s.calls[%q][%d]", where, state, j))
				if err != nil {
					return err
				}
				ce.Want = append(ce.Want, want)
			}
			e.Calls = append(e.Calls, ce)
		}
	}
	return nil
}

// mocks parses a mapping of Task state names to mocks.
func (p *parser) mocks(n *yaml.Node, where string) (map[string]*Mock, error) {
	m := deref(n)
	if m.Kind != yaml.MappingNode {
		return nil, p.errorf(n, "%s: want a mapping of Task state names to mocked responses", where)
	}
	out := map[string]*Mock{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], deref(m.Content[i+1])
		state, err := p.str(k, where)
		if err != nil {
			return nil, err
		}
		if _, dup := out[state]; dup {
			return nil, p.errorf(k, "%s: state %q is mocked twice", where, state)
		}
		mk := &Mock{Line: k.Line}
		w := fmt.Sprintf("%s[%q]", where, state)
		switch v.Kind {
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				return nil, p.errorf(v, "%s: want at least one response", w)
			}
			for j, c := range v.Content {
				r, err := p.response(c, fmt.Sprintf("%s[%d]", w, j))
				if err != nil {
					return nil, err
				}
				mk.Responses = append(mk.Responses, r)
			}
		default:
			r, err := p.response(v, w)
			if err != nil {
				return nil, err
			}
			mk.Responses, mk.Always = []Response{r}, true
		}
		out[state] = mk
	}
	return out, nil
}

func (p *parser) response(n *yaml.Node, where string) (Response, error) {
	fs, err := p.fields(n, where, "return", "throw")
	if err != nil {
		return Response{}, err
	}
	ret, hasRet := fs["return"]
	thr, hasThr := fs["throw"]
	switch {
	case hasRet && hasThr:
		return Response{}, p.errorf(thr.key, "%s: give return or throw, not both", where)
	case hasRet:
		v, err := p.value(ret.val, where+".return")
		if err != nil {
			return Response{}, err
		}
		return Response{Return: json.RawMessage(v.JSON)}, nil
	case hasThr:
		tf, err := p.fields(thr.val, where+".throw", "error", "cause")
		if err != nil {
			return Response{}, err
		}
		t := &Throw{}
		kv, ok := tf["error"]
		if !ok {
			return Response{}, p.errorf(thr.val, "%s.throw: want an error name (error: ...)", where)
		}
		if t.Error, err = p.str(kv.val, where+".throw.error"); err != nil {
			return Response{}, err
		}
		if kv, ok := tf["cause"]; ok {
			if t.Cause, err = p.str(kv.val, where+".throw.cause"); err != nil {
				return Response{}, err
			}
		}
		return Response{Throw: t}, nil
	}
	return Response{}, p.errorf(n, "%s: want return: (the task's result) or throw: {error, cause}", where)
}

// parser holds the file name and text for errors.
type parser struct {
	file   string
	source []byte
	budget int // nodes the file's values may still expand to (maxNodes)
	// isJSON: a JSON file, whose strings are quoted; YAML's plain scalars (a name written
	// 00) are strings in a YAML file only, where --update writes them back as they were.
	isJSON bool
}

var questionInFlow = regexp.MustCompile(`\?\s*[,\]}]`)

// pair is a mapping's key and value nodes.
type pair struct{ key, val *yaml.Node }

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return &Error{File: p.file, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlError turns the YAML library's error into file:line: message.
func (p *parser) yamlError(err error) error {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return &Error{File: p.file, Msg: err.Error()}
	}
	line, _ := strconv.Atoi(m[1])
	e := &Error{File: p.file, Line: line, Msg: m[2]}
	if strings.HasPrefix(e.Msg, "did not find expected") {
		// The library reports these parser errors at the line where the collection that
		// holds the problem starts, counted from 0 (from 1 for its other errors).
		e.Line++
		// It takes "?" before "," or "]" for a key indicator: a state name such as
		// "Ready?" in [A, Ready?, B] trips everyone once.
		lines := strings.Split(string(p.source), "\n")
		for i := e.Line - 1; i >= 0 && i < len(lines) && i < e.Line+20; i++ {
			if questionInFlow.MatchString(lines[i]) {
				e.Msg += `; a string that ends with "?" inside [...] or {...} needs quotes ("Ready?")`
				break
			}
		}
	}
	if e.Line == 0 {
		return &Error{File: p.file, Msg: e.Msg}
	}
	return e
}

// fields reads a mapping with the given keys: an unknown key, a duplicate or something
// other than a mapping is an error.
func (p *parser) fields(n *yaml.Node, where string, known ...string) (map[string]pair, error) {
	m := deref(n)
	if m.Kind != yaml.MappingNode {
		return nil, p.errorf(n, "%s: want a mapping (key: value), got %s", where, describe(m))
	}
	out := map[string]pair{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		key, err := keyText(k)
		if err != nil {
			err.(*Error).File = p.file
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, p.errorf(k, "%s: duplicate key %q", where, key)
		}
		if !contains(known, key) {
			msg := fmt.Sprintf("%s: unknown key %q", where, key)
			for _, c := range known {
				if strings.EqualFold(c, key) {
					return nil, p.errorf(k, "%s (did you mean %q?)", msg, c)
				}
			}
			return nil, p.errorf(k, "%s; want %s", msg, strings.Join(known, ", "))
		}
		out[key] = pair{key: k, val: m.Content[i+1]}
	}
	return out, nil
}

// str reads a string scalar.
func (p *parser) str(n *yaml.Node, where string) (string, error) {
	s := deref(n)
	if s.Kind != yaml.ScalarNode || s.ShortTag() == "!!null" || p.isJSON && s.ShortTag() != "!!str" {
		return "", p.errorf(n, "%s: want a string, got %s", where, describe(s))
	}
	return s.Value, nil
}

// value reads any JSON value.
func (p *parser) value(n *yaml.Node, where string) (*Value, error) {
	data, err := nodeJSONBudget(n, &p.budget)
	if err != nil {
		e := err.(*Error)
		e.File, e.Msg = p.file, where+": "+e.Msg
		return nil, e
	}
	v, err := decode(string(data))
	if err != nil { // nodeJSON writes valid JSON; this is a guard
		return nil, p.errorf(n, "%s: %v", where, err)
	}
	return &Value{JSON: string(data), Line: deref(n).Line, v: v}, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing (null)"
		}
		if n.ShortTag() == "!!str" {
			return fmt.Sprintf("%q", n.Value)
		}
		return n.Value
	}
	return "something else"
}

func firstLine(n *yaml.Node) int {
	if n.Line > 0 {
		return n.Line
	}
	return 1
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validName checks a state machine or execution name as AWS does: 1-80 characters without
// blanks, control characters, brackets, wildcards or the special characters below.
func validName(s string) bool {
	n := 0
	for _, r := range s {
		if !nameRune(r) {
			return false
		}
		n++
	}
	return n >= 1 && n <= 80
}

// nameRune tells a character an execution name may hold, by the API's own rule.
func nameRune(r rune) bool { return runner.ValidName(string(r)) }

// badExecutionName says what is wrong with an execution name, as StartExecution refuses it
// (runner.ValidName): 1 to 80 characters, none of those nameRune refuses; "" when it is valid.
func badExecutionName(name string) string {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > 80 {
		return fmt.Sprintf("%q has %d characters: an execution name has 1 to 80", name, n)
	}
	for _, r := range name {
		if !nameRune(r) {
			return fmt.Sprintf("%q has %q, which an execution name cannot have (no spaces, control characters or any of <>{}[]?*\"#%%\\^|~`$&,;:/)", name, r)
		}
	}
	return ""
}

// executionName turns a test's name into an execution name: each character AWS refuses
// becomes "-", and it is cut at 80 characters.
func executionName(test string) string {
	var b []rune
	for _, r := range test {
		if len(b) == 80 {
			break
		}
		if !nameRune(r) {
			r = '-'
		}
		b = append(b, r)
	}
	return string(b)
}

// sortedKeys returns a map's keys in order, for deterministic messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
