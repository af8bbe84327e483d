package api

import (
	"errors"
	"strconv"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
)

// defaultTestStateName is the name AWS gives the state of a one-state TestState definition
// (it shows in the Context object and in validation locations: /States/StateName/...).
const defaultTestStateName = "StateName"

// testedState is the state under test, cut out of its definition: a one-state machine runs it
// and stops right after it, entering a Succeed state named after the successor it chose.
type testedState struct {
	name string
	// raw is the state's definition, with its QueryLanguage made explicit.
	raw  map[string]any
	typ  string
	lang asl.QueryLanguage
	// successors maps the placeholder states of the run to the successor names they stand for.
	successors map[string]string
	// vars are the test's variables; input, when setInput, is the state's input where the
	// execution's input (the Context object's Execution.Input) differs from it. A Pass state
	// before the tested one sets both up.
	vars map[string]any
	// checked is the machine as validated, with the state as written.
	checked *asl.StateMachine
	// context is the request's Context object, which the state reads as $$ wholesale.
	context  map[string]any
	input    any
	setInput bool
}

// cutState finds the state to test in a TestState definition: either one state (the original
// API) or a whole machine and the name of one of its states.
func cutState(definition string, stateName *string) (*testedState, error) {
	ordered, err := value.DecodeString(definition)
	if err != nil {
		return nil, invalidDefinition(definition)
	}
	obj, ok := aslMaps(ordered).(map[string]any)
	if !ok {
		return nil, invalidDefinition(definition)
	}
	ts := &testedState{name: defaultTestStateName, lang: asl.JSONPath}
	if states, ok := obj["States"].(map[string]any); ok {
		if _, err := asl.Parse([]byte(definition), asl.ValidateOptions{}); err != nil {
			return nil, definitionErr(err)
		}
		name, _ := obj["StartAt"].(string)
		if stateName != nil {
			name = *stateName
		}
		top := asl.JSONPath
		if ql, _ := obj["QueryLanguage"].(string); ql == string(asl.JSONata) {
			top = asl.JSONata
		}
		st, lang := findState(states, name, top)
		if st == nil {
			return nil, apiErr("ValidationException", "State not found in definition")
		}
		ts.name, obj, ts.lang = name, st, lang
	} else if stateName != nil {
		ts.name = *stateName
	}
	ts.raw = value.Clone(obj).(map[string]any)
	if ql, _ := ts.raw["QueryLanguage"].(string); ql != "" {
		ts.lang = asl.QueryLanguage(ql)
	} else if ts.lang == asl.JSONata {
		ts.raw["QueryLanguage"] = string(asl.JSONata)
	}
	ts.typ, _ = ts.raw["Type"].(string)
	return ts, nil
}

// findState looks for a state by name in a graph's states and in the graphs nested in them
// (Parallel branches, Map item processors), and returns it with the query language it
// inherits.
func findState(states map[string]any, name string, lang asl.QueryLanguage) (map[string]any, asl.QueryLanguage) {
	if st, ok := states[name].(map[string]any); ok {
		return st, lang
	}
	for _, raw := range states {
		st, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		inner := lang
		if ql, _ := st["QueryLanguage"].(string); ql != "" {
			inner = asl.QueryLanguage(ql)
		}
		var graphs []any
		graphs, _ = st["Branches"].([]any)
		for _, key := range []string{"ItemProcessor", "Iterator"} {
			if g, ok := st[key]; ok {
				graphs = append(graphs, g)
			}
		}
		for _, g := range graphs {
			gm, _ := g.(map[string]any)
			nested, _ := gm["States"].(map[string]any)
			if found, ql := findState(nested, name, inner); found != nil {
				return found, ql
			}
		}
	}
	return nil, lang
}

// machine builds the one-state machine that runs the state: its successors become Succeed
// states (renamed when one is the state itself), and variables, if any, are assigned by a
// Pass state before it. forRun strips what the test evaluates itself (Retry) and replaces a
// mocked Map or Parallel state by a Task whose result is the mock.
func (ts *testedState) machine(forRun bool) string {
	st := value.Clone(ts.raw).(map[string]any)
	ts.successors = map[string]string{}
	used := map[string]bool{ts.name: true}
	placeholder := map[string]string{}
	rename := func(next any) any {
		name, ok := next.(string)
		if !ok {
			return next
		}
		if p, ok := placeholder[name]; ok {
			return p
		}
		p := name
		for i := 0; used[p]; i++ {
			p = "TestStateNext" + strconv.Itoa(i)
		}
		used[p] = true
		placeholder[name] = p
		ts.successors[p] = name
		return p
	}
	if n, ok := st["Next"]; ok {
		st["Next"] = rename(n)
	}
	if d, ok := st["Default"]; ok {
		st["Default"] = rename(d)
	}
	for _, key := range []string{"Choices", "Catch"} {
		list, _ := st[key].([]any)
		for _, item := range list {
			if m, ok := item.(map[string]any); ok {
				if n, ok := m["Next"]; ok {
					m["Next"] = rename(n)
				}
			}
		}
	}
	if forRun {
		delete(st, "Retry")
		if ts.typ == asl.TypeMap || ts.typ == asl.TypeParallel {
			st = mockedContainer(st)
		}
	}
	states := map[string]any{ts.name: st}
	for p := range ts.successors {
		states[p] = map[string]any{"Type": "Succeed"}
	}
	start := ts.name
	if len(ts.vars) > 0 || ts.setInput {
		v := "TestStateSetup"
		for i := 0; used[v]; i++ {
			v = "TestStateSetup" + strconv.Itoa(i)
		}
		setup := map[string]any{"Type": "Pass", "Next": ts.name}
		if len(ts.vars) > 0 {
			setup["Assign"] = ts.vars
		}
		if ts.setInput {
			setup["Result"] = ts.input
		}
		states[v] = setup
		start = v
	}
	return value.Encode(map[string]any{"StartAt": start, "States": states})
}

// mockResource is the resource a mocked Map or Parallel state runs as: an activity, whose
// parameters are free-form; the test's task handler answers it with the mock.
const mockResource = "arn:aws:states:us-east-1:000000000000:activity:TestStateMock"

// mockedContainer turns a Map or Parallel state into a Task state with the same input and
// result processing, so that the mock stands for the whole of its branches or iterations.
func mockedContainer(st map[string]any) map[string]any {
	out := map[string]any{"Type": asl.TypeTask, "Resource": mockResource}
	for _, k := range []string{"Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath",
		"ResultSelector", "ResultPath", "Output", "Assign", "Catch"} {
		if v, ok := st[k]; ok {
			out[k] = v
		}
	}
	return out
}

// templateFields are the state fields whose values are payloads (templates and literals) rather
// than the machine's structure.
var templateFields = map[string]bool{"Parameters": true, "ItemSelector": true, "ResultSelector": true,
	"Arguments": true, "Output": true, "Assign": true, "Result": true, "BatchInput": true, "Credentials": true}

// aslMaps returns a definition with Go maps for its structure (machine, states, rules), which
// the cutting reads and changes, and its payloads left as ordered objects, so that the state
// cut out and encoded again keeps its templates' key order.
func aslMaps(v any) any {
	switch x := v.(type) {
	case *value.Object:
		m := make(map[string]any, x.Len())
		for _, mb := range x.Members() {
			if templateFields[mb.Key] {
				m[mb.Key] = mb.Value
			} else {
				m[mb.Key] = aslMaps(mb.Value)
			}
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = aslMaps(e)
		}
		return out
	}
	return v
}

func invalidDefinition(definition string) error {
	_, err := asl.Parse([]byte(definition), asl.ValidateOptions{})
	if err == nil {
		err = &asl.DefinitionError{Diagnostics: []asl.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "Definition must be a valid JSON object", Location: "/"}}}
	}
	return definitionErr(err)
}

func definitionErr(err error) error {
	var de *asl.DefinitionError
	if errors.As(err, &de) {
		return apiErr("InvalidDefinition", "%s", asl.InvalidDefinitionMessage(de.Diagnostics))
	}
	return err
}

// resourceNeedsMock reports whether a Task resource can only be tested with a mock: AWS
// runs activities and the .sync and .waitForTaskToken patterns only when mocked.
func resourceNeedsMock(resource string) bool {
	r := engine.ParseResource(resource)
	return r.Kind == "activity" || r.Pattern != ""
}
