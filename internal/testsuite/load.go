package testsuite

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/integration/mock"
	"github.com/stepwise-run/stepwise/template"
)

// Find lists the test files under the given paths, in order: a directory is searched
// recursively for *.test.yaml, *.test.yml and *.test.json (skipping hidden directories,
// node_modules and testdata, as the go tool skips testdata); a file is taken as it is.
func Find(paths []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if c := filepath.Clean(p); !seen[c] {
			seen[c] = true
			out = append(out, p)
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			add(root)
			continue
		}
		var found []string
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				name := d.Name()
				if p != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
					return filepath.SkipDir
				}
				return nil
			}
			if IsTestFile(d.Name()) {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		for _, p := range found {
			add(p)
		}
	}
	return out, nil
}

// loaded is a test file with its state machine and mocks ready to run.
type loaded struct {
	*File
	def      []byte // the definition, JSON
	sm       *asl.StateMachine
	in       *engine.Interpreter
	topLevel map[string]bool // the names of the machine's top-level states
	mocks    *mock.Config    // the mock file, if any
	mockSM   string          // the state machine of the mock file the tests use
	// functions runs the file's Lambda functions and Options.Functions, started when a
	// test first invokes one (nil when there are none); closeFunctions stops them.
	functions      func() *lambda.Runtime
	closeFunctions func()
	// programs tells whether some of those functions are programs, which get the run's Step
	// Functions endpoint and may answer their task tokens (callbacks.go).
	programs bool
	// machines are the interpreters of the state machines a .sync task may start and run in
	// the test, by name: the file's own and those of machines:; express names those of
	// type EXPRESS.
	machines map[string]*engine.Interpreter
	express  map[string]bool
}

// load parses a test file and loads what it names; check checks its Task states'
// parameters (engine.Config.CheckTask). Errors are *Error.
func load(path string, opts *Options, check func(*engine.Task) error) (*loaded, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	f, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	l := &loaded{File: f}
	l.functions, l.closeFunctions = functionsOf(f, opts)
	for _, spec := range f.Functions {
		l.programs = l.programs || len(spec.Command) > 0
	}
	for _, spec := range opts.Functions {
		l.programs = l.programs || len(spec.Command) > 0
	}
	var def []byte
	if f.Template != "" {
		line := f.lines["template"]
		load := opts.Template
		if load == nil {
			load = loadTemplate
		}
		tm, err := load(f.Template, f.Resource, f.Parameters)
		if err != nil {
			// The template package speaks to deploy's command line; here parameters come
			// from the test file.
			msg := overrides.ReplaceAllString(err.Error(), "give it under parameters: in the test file ($1: VALUE)")
			return nil, &Error{File: path, Line: line, Msg: "template: " + msg}
		}
		def = tm.Definition
		if f.Name == "" {
			f.Name = tm.Name
		}
		if f.Type == "" {
			f.Type = tm.Type
		}
	} else {
		line := f.lines["stateMachine"]
		if def, err = definitionJSON(f.StateMachine); err != nil {
			return nil, &Error{File: path, Line: line, Msg: "stateMachine: " + err.Error()}
		}
		if f.Name == "" {
			f.Name = machineName(f.StateMachine)
		}
	}
	l.def = def
	if f.Type == "" {
		f.Type = "STANDARD"
	}
	if l.sm, err = asl.Parse(def, asl.ValidateOptions{Type: f.Type}); err != nil {
		line, field := f.lines["stateMachine"], f.StateMachine
		if f.Template != "" {
			line, field = f.lines["resource"], f.Resource
		}
		return nil, &Error{File: path, Line: line, Msg: fmt.Sprintf("%s: the definition is not valid: %v", field, err)}
	}
	l.in = engine.New(l.sm, engine.Config{Region: opts.region(), Account: opts.account(), Express: f.Type == "EXPRESS", CheckTask: check})
	l.topLevel = map[string]bool{}
	for name := range l.sm.States {
		l.topLevel[name] = true
	}
	tasks := map[string]string{} // every state's type, by name, in every graph
	walkStates(&l.sm.Graph, func(s *asl.State) { tasks[s.Name] = s.Type })
	for _, t := range f.Tests {
		if err := checkCalls(path, t, tasks); err != nil { // the own machine's states: machines: adds its children's below
			return nil, err
		}
	}
	l.machines = map[string]*engine.Interpreter{f.Name: l.in}
	l.express = map[string]bool{f.Name: f.Type == "EXPRESS"}
	for _, name := range sortedKeys(f.Machines) {
		line := f.lines["machines: "+name]
		if name == f.Name {
			return nil, &Error{File: path, Line: line, Msg: fmt.Sprintf("machines: %s is the file's own state machine, which its tasks may start without naming it here", name)}
		}
		def, err := definitionJSON(f.Machines[name])
		if err != nil {
			return nil, &Error{File: path, Line: line, Msg: "machines: " + name + ": " + err.Error()}
		}
		typ := cmp.Or(f.MachineTypes[name], "STANDARD")
		sm, err := asl.Parse(def, asl.ValidateOptions{Type: typ})
		if err != nil {
			return nil, &Error{File: path, Line: line, Msg: fmt.Sprintf("machines: %s: the definition is not valid: %v", name, err)}
		}
		l.machines[name] = engine.New(sm, engine.Config{Region: opts.region(), Account: opts.account(), CheckTask: check, Express: typ == "EXPRESS"})
		l.express[name] = typ == "EXPRESS"
		// The mocks answer the states of the machines the tests start too, by name.
		walkStates(&sm.Graph, func(s *asl.State) {
			if tasks[s.Name] != "Task" {
				tasks[s.Name] = s.Type
			}
		})
	}
	if err := checkMocks(path, f.Mocks, tasks); err != nil {
		return nil, err
	}
	for _, t := range f.Tests {
		if err := checkMocks(path, t.Mocks, tasks); err != nil {
			return nil, err
		}
	}
	if f.MockFile != "" {
		line := f.lines["mockFile"]
		if l.mocks, err = mock.Load(f.MockFile); err != nil {
			return nil, &Error{File: path, Line: line, Msg: "mockFile: " + err.Error()}
		}
		l.mockSM = f.Name
		if _, ok := l.mocks.StateMachines[f.Name]; !ok {
			if _, ok := l.mocks.StateMachines[f.Resource]; ok && f.Resource != "" {
				l.mockSM = f.Resource // a template's state machine, by its logical id
			} else if len(l.mocks.StateMachines) != 1 {
				return nil, &Error{File: path, Line: line, Msg: fmt.Sprintf("mockFile: %s has no state machine %q (it has %s); set name: to the one to use",
					f.MockFile, f.Name, strings.Join(sortedKeys(l.mocks.StateMachines), ", "))}
			} else {
				l.mockSM = sortedKeys(l.mocks.StateMachines)[0] // the file's only state machine
			}
		}
		cases := l.mocks.StateMachines[l.mockSM].TestCases
		for _, t := range f.Tests {
			if t.MockCase == "" {
				continue
			}
			if _, ok := cases[t.MockCase]; !ok {
				return nil, &Error{File: path, Line: t.MockCaseLine, Msg: fmt.Sprintf("test %q: mockCase: %s has no test case %q for state machine %q (it has %s)",
					t.Name, f.MockFile, t.MockCase, l.mockSM, strings.Join(sortedKeys(cases), ", "))}
			}
		}
	}
	return l, nil
}

// checkMocks makes sure that each mock names a Task state of the machine: a typo would
// otherwise leave the state unmocked.
func checkMocks(path string, mocks map[string]*Mock, types map[string]string) error {
	for _, state := range sortedKeys(mocks) {
		switch typ, ok := types[state]; {
		case !ok:
			msg := fmt.Sprintf("mocks: the state machine has no state %q", state)
			if near := nearest(state, sortedKeys(types)); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			return &Error{File: path, Line: mocks[state].Line, Msg: msg}
		case typ != "Task":
			return &Error{File: path, Line: mocks[state].Line, Msg: fmt.Sprintf("mocks: %q is a %s state; only Task states can be mocked", state, typ)}
		}
	}
	return nil
}

// checkCalls checks that a test's expect.calls names Task states of the file's own state
// machine (types: its states' types, by name).
func checkCalls(path string, t *Test, types map[string]string) error {
	for _, c := range t.Expect.Calls {
		switch typ, ok := types[c.State]; {
		case !ok:
			msg := fmt.Sprintf("test %q: expect.calls: the state machine has no state %q", t.Name, c.State)
			if near := nearest(c.State, sortedKeys(types)); near != "" {
				msg += fmt.Sprintf("; did you mean %q?", near)
			}
			return &Error{File: path, Line: c.Line, Msg: msg}
		case typ != "Task":
			return &Error{File: path, Line: c.Line, Msg: fmt.Sprintf("test %q: expect.calls: %q is a %s state; only Task states make calls", t.Name, c.State, typ)}
		}
	}
	return nil
}

// nearest is the one name among names that a typo could have made name: the fewest edits
// (insertions, deletions, substitutions and swaps of two neighbours), at most a third of the name's length and
// at least 1; "" when none is that close, or when two are equally close.
func nearest(name string, names []string) string {
	limit := max(1, len([]rune(name))/3)
	best, bestDist, tie := "", limit+1, false
	for _, n := range names {
		d := editDistance(name, n)
		switch {
		case d < bestDist:
			best, bestDist, tie = n, d, false
		case d == bestDist:
			tie = true
		}
	}
	if tie || bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the optimal-string-alignment distance between a and b, in runes: the
// Levenshtein distance with a swap of two neighbours ("Wrok" for "Work") counted as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// walkStates calls fn for every state of a graph and of the graphs inside it.
func walkStates(g *asl.Graph, fn func(*asl.State)) {
	for _, name := range sortedKeys(g.States) {
		s := g.States[name]
		fn(s)
		for _, b := range s.Branches {
			walkStates(b, fn)
		}
		if s.ItemProcessor != nil {
			walkStates(s.ItemProcessor, fn)
		}
	}
}

// definitionJSON reads a definition file: JSON, or YAML (.yaml, .yml) turned into JSON.
func definitionJSON(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %v", path, pe.Err)
		}
		return nil, err
	}
	if !strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml") {
		return data, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, (&parser{file: path, source: data}).yamlError(err)
	}
	out, err := nodeJSON(&doc)
	if err != nil {
		e := err.(*Error)
		e.File = path
		return nil, e
	}
	return out, nil
}

// machineName derives a state machine's name from its definition's file name:
// orders.asl.json is "orders".
func machineName(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".json", ".yaml", ".yml"} {
		base = strings.TrimSuffix(base, ext)
	}
	base = strings.TrimSuffix(base, ".asl")
	if name := executionName(base); name != "" {
		return name
	}
	return "stepwise"
}

var overrides = regexp.MustCompile(`give it with --parameter-overrides ([^= ]+)=VALUE`)

// loadTemplate finds a state machine in a SAM or CloudFormation template by its logical id.
func loadTemplate(path, resource string, params map[string]string) (*TemplateMachine, error) {
	t, err := template.Load(path, template.Options{Parameters: params})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, sm := range t.StateMachines {
		if sm.LogicalID == resource {
			return &TemplateMachine{Definition: sm.Definition, Name: sm.Name, Type: sm.Type}, nil
		}
		ids = append(ids, sm.LogicalID)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s has no state machine", path)
	}
	return nil, fmt.Errorf("%s has no state machine %q (it has %s)", path, resource, strings.Join(ids, ", "))
}

// functionsOf makes the runtime of a file's Lambda functions (its functions: and
// Options.Functions, which win for a name), made when first asked for.
func functionsOf(f *File, opts *Options) (get func() *lambda.Runtime, closeAll func()) {
	specs := map[string]lambda.Spec{}
	maps.Copy(specs, f.Functions)
	maps.Copy(specs, opts.Functions)
	if len(specs) == 0 {
		return func() *lambda.Runtime { return nil }, func() {}
	}
	var (
		mu sync.Mutex
		rt *lambda.Runtime
	)
	get = func() *lambda.Runtime {
		mu.Lock()
		defer mu.Unlock()
		if rt == nil {
			withCallbacks(specs, opts.callbacks)
			// The functions' own output goes to stderr, as under `stepwise run`; the
			// runtime's log of process starts would only crowd the report.
			rt = lambda.New(lambda.Options{Functions: specs, Region: opts.region(), Account: opts.account(),
				Logger: slog.New(slog.DiscardHandler)})
		}
		return rt
	}
	closeAll = func() {
		mu.Lock()
		defer mu.Unlock()
		if rt != nil {
			_ = rt.Close()
		}
	}
	return get, closeAll
}

// withCallbacks gives the function processes the run's Step Functions endpoint for their task
// tokens (AWS_ENDPOINT_URL_SFN, which the AWS SDKs read), and placeholder credentials to sign
// with when the environment has none (the endpoint does not check signatures).
func withCallbacks(specs map[string]lambda.Spec, c *callbacks) {
	if c == nil {
		return
	}
	url, err := c.endpoint()
	if err != nil {
		return // a callback then finds no endpoint; the test waits for it, and says so
	}
	env := []string{"AWS_ENDPOINT_URL_SFN=" + url}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		env = append(env, "AWS_ACCESS_KEY_ID=stepwise", "AWS_SECRET_ACCESS_KEY=stepwise")
	}
	for name, spec := range specs {
		if len(spec.Command) > 0 {
			spec.Env = append(slices.Clone(spec.Env), env...)
			specs[name] = spec
		}
	}
}
