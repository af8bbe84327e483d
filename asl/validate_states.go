package asl

import (
	"unicode/utf8"
)

// The state types, in the order AWS lists them.
var stateTypes = []string{TypeTask, TypeWait, TypePass, TypeSucceed, TypeFail, TypeChoice, TypeParallel, TypeMap}

// Fields every state accepts.
var commonFields = setOf("Type", "Comment", "QueryLanguage")

// stateFields are the fields each state type accepts besides the common ones (measured against
// ValidateStateMachineDefinition for every type and field).
var stateFields = map[string]fieldSet{
	TypePass: setOf("InputPath", "OutputPath", "Result", "ResultPath", "Parameters", "Output", "Assign", "Next", "End"),
	TypeTask: setOf("InputPath", "OutputPath", "ResultPath", "Parameters", "Arguments", "Output", "Assign", "Resource",
		"Credentials", "ResultSelector", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
		"HeartbeatSecondsPath", "Next", "End"),
	TypeWait: setOf("InputPath", "OutputPath", "Output", "Assign", "Seconds", "Timestamp", "SecondsPath", "TimestampPath",
		"Next", "End"),
	TypeParallel: setOf("InputPath", "OutputPath", "ResultPath", "Parameters", "Arguments", "Output", "Assign",
		"ResultSelector", "Retry", "Catch", "Branches", "Next", "End"),
	TypeMap: setOf("InputPath", "OutputPath", "ResultPath", "Parameters", "Output", "Assign", "ResultSelector", "Retry",
		"Catch", "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector", "ItemReader", "ItemBatcher",
		"ResultWriter", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage",
		"ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "Label", "Next", "End"),
	TypeChoice:  setOf("InputPath", "OutputPath", "Output", "Assign", "Choices", "Default"),
	TypeSucceed: setOf("InputPath", "OutputPath", "Output"),
	TypeFail:    setOf("Error", "Cause", "ErrorPath", "CausePath"),
}

// Fields only the JSONata query language has, and fields only JSONPath has.
var (
	jsonataOnlyFields  = setOf("Output", "Arguments", "Items", "Condition")
	jsonPathOnlyFields = setOf("InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Result",
		"ItemsPath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath", "MaxConcurrencyPath",
		"ToleratedFailurePercentagePath", "ToleratedFailureCountPath", "ErrorPath", "CausePath", "MaxItemsPath",
		"MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath", "Variable")
)

// modeConflict returns the message for a field the query language in force does not have.
func modeConflict(name string, jsonata bool) (string, bool) {
	if jsonata && jsonPathOnlyFields[name] {
		return msgOnlyJSONPath, true
	}
	if !jsonata && jsonataOnlyFields[name] {
		return msgOnlyJSONata, true
	}
	return "", false
}

// vscope is one graph: the machine, a Parallel branch or a Map's item processor.
type vscope struct {
	loc      string // "" for the machine, else e.g. "/States/P/Branches[0]"
	startAt  string
	hasStart bool
	states   map[string]*vstate
	names    []string // state names in location order
	top      bool
	// parent is the graph around this one; isolated marks a Distributed Map's item processor,
	// whose iterations are child executions with variables of their own.
	parent   *vscope
	isolated bool
	assigned []assignment // the variables its states (and their Choice rules and Catchers) assign
}

// assignment is a variable an Assign names, and where.
type assignment struct{ name, loc string }

// vstate is what the graph checks need to know of a state.
type vstate struct {
	loc      string
	terminal bool
	edges    []edge
}

// edge is one transition out of a state.
type edge struct {
	target string
	loc    string // where the target is named, e.g. "/States/X/Next"
}

// stateMachine checks the top level.
func (v *validator) stateMachine(o map[string]any) {
	const loc = "/"
	for _, k := range keysInHashOrder(o) {
		switch k {
		case "StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage":
		default:
			v.fail(loc, msgNotSupported, k)
		}
	}
	v.required(o, loc, "StartAt", "States")
	v.str(o, "Comment", loc)
	if _, ok := o["Version"]; ok {
		v.enum(o, "Version", loc, "1.0")
	}
	v.intField(o, "TimeoutSeconds", loc, between(0, 99999999), nil)
	v.topJSONata = v.queryLanguage(o, loc, false)
	v.scope(o, "", true)
}

// queryLanguage resolves the language an object declares: absent means inherited, exactly
// "JSONPath" means JSONPath, and anything else, misspelt or not a string, means JSONata (as AWS
// resolves it); values outside the enum are reported at the field.
func (v *validator) queryLanguage(o map[string]any, loc string, inherited bool) bool {
	raw, ok := o["QueryLanguage"]
	if !ok {
		return inherited
	}
	s, isStr := raw.(string)
	switch {
	case !isStr:
		v.fail(field(loc, "QueryLanguage"), msgExpectedType, "STRING")
	case s != string(JSONPath) && s != string(JSONata):
		v.fail(field(loc, "QueryLanguage"), msgEnum, "JSONPath, JSONata")
	}
	return !(isStr && s == string(JSONPath))
}

// scope checks the StartAt and States of a graph. loc is "" for the machine.
func (v *validator) scope(o map[string]any, loc string, top bool) {
	sc := &vscope{loc: loc, states: map[string]*vstate{}, top: top}
	at := loc
	if at == "" {
		at = "/"
	}
	if s, ok := v.str(o, "StartAt", at); ok {
		sc.startAt, sc.hasStart = s, true
	}
	states, ok := v.obj(o, "States", at)
	if !ok {
		return
	}
	v.scopes = append(v.scopes, sc)
	sc.parent = v.cur
	v.cur = sc
	defer func() { v.cur = sc.parent }()
	statesLoc := loc + "/States"
	for _, name := range v.duplicates[statesLoc] {
		v.errorf(CodeDuplicateStateName, statesLoc+"/"+name, "Duplicate State name: %s", name)
	}
	for _, name := range sortedKeys(states) {
		sloc := statesLoc + "/" + name
		sc.names = append(sc.names, name)
		v.stateLocs[name] = append(v.stateLocs[name], sloc)
		st := &vstate{loc: sloc}
		sc.states[name] = st
		v.stateName(name, sloc)
		so, ok := states[name].(map[string]any)
		if !ok {
			v.fail(sloc, msgExpectedType, "OBJECT")
			continue
		}
		v.state(so, sloc, st)
	}
}

func (v *validator) stateName(name, loc string) {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		v.errorf(CodeInvalidStateName, loc, "State name cannot be empty")
	case n > maxStateNameLength:
		v.errorf(CodeInvalidStateName, loc, "State name '%s' exceeds the %d-character limit allowed by the service", name, maxStateNameLength)
	}
}

// state checks one state. st collects its transitions for the graph checks.
func (v *validator) state(o map[string]any, loc string, st *vstate) {
	raw, ok := o["Type"]
	if !ok {
		v.fail(loc, msgRequired, "Type")
		return
	}
	typ, ok := raw.(string)
	if !ok {
		v.fail(field(loc, "Type"), msgExpectedType, "STRING")
		return
	}
	allowed, ok := stateFields[typ]
	if !ok {
		v.fail(field(loc, "Type"), msgTypeEnum)
		return
	}

	// The language: a state inherits the machine's (not its parent Map's or Parallel's), and may
	// not go back to JSONPath when the machine is JSONata.
	jsonata := v.queryLanguage(o, loc, v.topJSONata)
	downgraded := false
	if s, _ := o["QueryLanguage"].(string); s == string(JSONPath) && v.topJSONata {
		v.fail(loc, msgDowngrade)
		downgraded = true
	}
	for _, k := range keysInHashOrder(o) {
		if commonFields[k] {
			continue
		}
		if !allowed[k] {
			v.fail(loc, msgNotSupported, k)
			continue
		}
		if msg, bad := modeConflict(k, jsonata); bad && !downgraded {
			v.fail(loc, msg, k)
		}
	}
	v.str(o, "Comment", loc)

	s := &stateCtx{v: v, o: o, loc: loc, typ: typ, jsonata: jsonata, st: st}
	s.transition()
	s.io()
	switch typ {
	case TypePass:
		s.pass()
	case TypeTask:
		s.task()
	case TypeWait:
		s.wait()
	case TypeChoice:
		s.choice()
	case TypeParallel:
		s.parallel()
	case TypeMap:
		s.mapState()
	case TypeFail:
		s.fail()
	case TypeSucceed:
		st.terminal = true
	}
	if allowed["Retry"] {
		s.retry()
		s.catch()
	}
}

// stateCtx is the state being checked.
type stateCtx struct {
	v       *validator
	o       map[string]any
	loc     string
	typ     string
	jsonata bool
	st      *vstate
}

// has reports whether the state has a field the language in force allows (a field of the other
// language has been reported already and is not checked further).
func (s *stateCtx) has(name string) bool {
	if _, ok := s.o[name]; !ok {
		return false
	}
	_, conflict := modeConflict(name, s.jsonata)
	return !conflict
}

// jctx returns the JSONata context of the state's own fields, or nil in JSONPath states.
func (s *stateCtx) jctx(result bool) *jctx {
	if !s.jsonata {
		return nil
	}
	return &jctx{result: result}
}

// transition checks Next and End, which every state but Choice, Succeed and Fail needs exactly
// one of.
func (s *stateCtx) transition() {
	v := s.v
	if !stateFields[s.typ]["Next"] {
		return
	}
	next, hasNext := v.str(s.o, "Next", s.loc)
	end, hasEnd := v.boolean(s.o, "End", s.loc)
	_, nextPresent := s.o["Next"]
	_, endPresent := s.o["End"]
	switch {
	case nextPresent && endPresent && end:
		v.fail(s.loc, msgOnlyOne, hashList("Next", "End"))
	case !nextPresent && !(endPresent && end):
		v.fail(s.loc, msgExactlyOne, hashList("Next", "End"))
	}
	if hasNext {
		s.st.edges = append(s.st.edges, edge{next, field(s.loc, "Next")})
	}
	if hasEnd && end {
		s.st.terminal = true
	}
}

// io checks the input and output processing fields every type may have.
func (s *stateCtx) io() {
	v := s.v
	result := s.typ == TypeTask || s.typ == TypeParallel || s.typ == TypeMap
	if s.has("InputPath") {
		v.pathField(s.o, "InputPath", s.loc, pathPlain)
	}
	if s.has("OutputPath") {
		v.pathField(s.o, "OutputPath", s.loc, pathPlain)
	}
	if s.has("ResultPath") {
		v.pathField(s.o, "ResultPath", s.loc, pathResult)
	}
	if s.has("Parameters") {
		v.template(s.o["Parameters"], field(s.loc, "Parameters"))
	}
	if s.has("ResultSelector") {
		v.template(s.o["ResultSelector"], field(s.loc, "ResultSelector"))
	}
	if s.has("Output") {
		v.jsonataValue(s.o["Output"], field(s.loc, "Output"), s.jctx(result))
	}
	if s.has("Arguments") {
		v.jsonataValue(s.o["Arguments"], field(s.loc, "Arguments"), s.jctx(false))
	}
	if _, ok := s.o["Assign"]; ok && stateFields[s.typ]["Assign"] {
		v.assign(s.o["Assign"], field(s.loc, "Assign"), s.jctx(result))
	}
}

func sortedKeys(o map[string]any) []string {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}
