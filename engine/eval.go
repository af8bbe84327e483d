package engine

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/asl/intrinsic"
	"github.com/stepwise-run/stepwise/asl/jsonata"
	"github.com/stepwise-run/stepwise/asl/jsonpath"
	"github.com/stepwise-run/stepwise/asl/value"
)

// scope is what expressions in one state see: the data ("$"), the Context object, the
// variables, and in JSONata the $states fields.
type scope struct {
	x  *run
	f  *Frame
	st *asl.State
	// input is what "$" means in JSONPath (the effective input, the result, ...).
	input any
	// rawInput is $states.input in JSONata.
	rawInput  any
	result    any
	hasResult bool
	errOut    any
	hasErrOut bool
	// token is the task token, for $$.Task.Token.
	token string
	// item is $$.Map.Item while a Map's ItemSelector is evaluated.
	item any
	ctx  any
	// jvars are the JSONata bindings, built for the result and error output state jkey.
	jvars map[string]any
	jkey  [3]bool
	// resolveFn is s.resolve, made once.
	resolveFn intrinsic.Resolver
}

func (x *run) scope(f *Frame, st *asl.State, input any) *scope {
	return &scope{x: x, f: f, st: st, input: input, rawInput: f.Input}
}

// context builds the Context object on first use.
func (s *scope) context() any {
	if s.ctx != nil {
		return s.ctx
	}
	x, ex := s.x, s.x.ex
	if given := x.in.cfg.Context; given != nil {
		ctx := given
		if s.item != nil {
			ctx = make(map[string]any, len(given)+1)
			for k, v := range given {
				ctx[k] = v
			}
			ctx["Map"] = map[string]any{"Item": s.item}
		}
		s.ctx = ctx
		return ctx
	}
	if x.ctxExecution == nil || x.ctxRedrive != ex.RedriveCount {
		// The keys come in the order AWS gives them (test_context_object's $$ recordings).
		x.ctxExecution = value.Obj(
			"Id", ex.ExecutionArn,
			"Input", ex.Input,
			"StartTime", isoTime(ex.StartTime),
			"Name", ex.Name,
			"RoleArn", ex.RoleArn,
			"RedriveCount", value.FromInt(int64(ex.RedriveCount)),
		)
		if ex.RedriveCount > 0 {
			x.ctxExecution.Set("RedriveTime", isoTime(ex.RedriveTime))
		}
		if ex.Sync {
			x.ctxExecution.Delete("RedriveCount")
		}
		if x.in.cfg.TestState {
			x.ctxExecution.Delete("RedriveCount")
			if ex.RoleArn == "" {
				x.ctxExecution.Set("RoleArn", nil)
			}
		}
		x.ctxRedrive = ex.RedriveCount
		x.ctxStateMachine = value.Obj("Id", ex.StateMachineArn, "Name", ex.StateMachineName)
	}
	name := s.f.State
	if x.in.cfg.TestState {
		// TestState names the state "StateName" in the Context object, even when stateName
		// picks it from a whole machine by its own name (test_test_state_scenarios).
		name = "StateName"
	}
	state := value.Obj(
		"Name", name,
		"EnteredTime", isoTime(s.f.EnteredAt),
	)
	// Only the states that can retry have a RetryCount: AWS recorded it for Task and Map
	// states and left it out for Pass (context_object/test_context_object,
	// base/test_query_context_object_values); Parallel, which retries as Map does, has it too.
	if s.st != nil && canRetry(s.st.Type) {
		state.Set("RetryCount", value.FromInt(int64(s.f.RetryCount)))
	}
	ctx := value.NewObject(5)
	ctx.Set("Execution", x.ctxExecution)
	ctx.Set("StateMachine", x.ctxStateMachine)
	ctx.Set("State", state)
	if s.token != "" {
		ctx.Set("Task", value.Obj("Token", s.token))
	}
	if s.item != nil {
		ctx.Set("Map", value.Obj("Item", s.item))
	}
	s.ctx = ctx
	return ctx
}

// canRetry reports whether a state of this type may have a Retry field.
func canRetry(typ string) bool {
	return typ == asl.TypeTask || typ == asl.TypeParallel || typ == asl.TypeMap
}

// isoTime renders a time as the Context object does: UTC, milliseconds, no trailing zeros.
func isoTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano)
}

// lookupVar finds a workflow variable from the frame outwards. A Distributed Map's
// iteration is a child execution: it sees none of the variables outside it.
func (s *scope) lookupVar(name string) (any, bool) {
	for f := s.f; f != nil; f = f.parent {
		if f.parent == nil {
			v, ok := s.x.ex.Vars[name]
			return v, ok
		}
		if v, ok := f.Vars[name]; ok {
			return v, true
		}
		if f.Child != nil {
			break
		}
	}
	return nil, false
}

// visibleVars collects every variable the frame can see, inner scopes winning.
func (s *scope) visibleVars() map[string]any {
	out := map[string]any{}
	var chain []*Frame
	for f := s.f; f != nil; f = f.parent {
		chain = append(chain, f)
		if f.Child != nil {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		vars := chain[i].Vars
		if chain[i].parent == nil {
			vars = s.x.ex.Vars
		}
		for k, v := range vars {
			out[k] = v
		}
	}
	return out
}

var errNoVariable = errors.New("no such variable")

// query evaluates a path against its root.
func (s *scope) query(p *asl.Path) (any, error) {
	var doc any
	switch p.Root {
	case asl.RootInput:
		doc = s.input
	case asl.RootContext:
		doc = s.context()
	case asl.RootVariable:
		v, ok := s.lookupVar(p.Var)
		if !ok {
			return nil, errNoVariable
		}
		doc = v
	}
	m := &s.x.pathMeter
	m.Reset(s.x.in.cfg.EvalLimits)
	v, err := p.Query.QueryWith(doc, m)
	s.x.charge(m)
	return v, err
}

// resolve is the intrinsic functions' view of paths.
func (s *scope) resolve(text string) (any, error) {
	p, err := compiledPath(text)
	if err != nil {
		return nil, err
	}
	return s.query(p)
}

// paths caches the compiled paths of intrinsic function arguments: compiling them took a
// sixth of a Pass state's time. Only texts written in definitions reach it, so it stays small.
var paths sync.Map // string -> *asl.Path

func compiledPath(text string) (*asl.Path, error) {
	if p, ok := paths.Load(text); ok {
		return p.(*asl.Path), nil
	}
	p, err := asl.ParsePath(text, false)
	if err != nil {
		return nil, err
	}
	paths.Store(text, p)
	return p, nil
}

// evalError is a failed evaluation: a States.Runtime failure for JSONPath, a
// States.QueryEvaluationError for JSONata (which also records an EvaluationFailed event).
type evalError struct {
	fl       failure
	location string
	jsonata  bool
}

func (e *evalError) Error() string { return e.fl.Cause }

// runtimeErr builds a States.Runtime failure with AWS's cause prefix.
func (s *scope) runtimeErr(format string, args ...any) *evalError {
	return &evalError{fl: failure{Error: "States.Runtime", Cause: s.prefix() + fmt.Sprintf(format, args...), Runtime: true}}
}

func (s *scope) prefix() string {
	return fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", s.f.State, s.f.Entered)
}

// path evaluates an InputPath/OutputPath-style path; a missing node is a runtime error.
func (s *scope) path(p *asl.Path) (any, error) {
	v, err := s.query(p)
	if err != nil {
		return nil, s.pathErr(p, err)
	}
	return v, nil
}

func (s *scope) pathErr(p *asl.Path, err error) error {
	var nf *jsonpath.NotFoundError
	if errors.As(err, &nf) {
		return s.runtimeErr("Invalid path '%s' : %s", p.Text, nf.Message)
	}
	var be *budget.ExceededError
	if errors.As(err, &be) {
		return s.runtimeErr("The JSONPath '%s' could not be evaluated: %v", p.Text, be)
	}
	if errors.Is(err, errNoVariable) {
		return s.runtimeErr("Invalid path '%s' : The variable '%s' is not defined", p.Text, p.Var)
	}
	return s.runtimeErr("Invalid path '%s' : %v", p.Text, err)
}

// template evaluates a Template. field names the ASL field, for error locations.
func (s *scope) template(t *asl.Template, field string) (any, error) {
	return s.node(t.Node, field)
}

func (s *scope) node(n asl.Node, loc string) (any, error) {
	switch n := n.(type) {
	case asl.Literal:
		return n.Value, nil
	case asl.Object:
		out := value.NewObject(len(n.Fields))
		for _, fld := range n.Fields {
			v, err := s.fieldValue(fld, loc)
			if err != nil {
				return nil, err
			}
			out.Set(fld.Key, v)
		}
		return out, nil
	case asl.Array:
		out := make([]any, len(n.Elems))
		for i, e := range n.Elems {
			v, err := s.node(e, loc)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case asl.PathNode:
		return s.path(n.Path)
	case asl.CallNode:
		return s.call(n, loc)
	case asl.ExprNode:
		return s.expr(n, loc, true)
	}
	return nil, fmt.Errorf("unknown template node %T", n)
}

func (s *scope) fieldValue(fld asl.Field, loc string) (any, error) {
	switch v := fld.Value.(type) {
	case asl.PathNode:
		out, err := s.query(v.Path)
		if err != nil {
			var be *budget.ExceededError
			if errors.Is(err, errNoVariable) || errors.As(err, &be) {
				return nil, s.pathErr(v.Path, err)
			}
			return nil, s.runtimeErr("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", v.Path.Text, fld.Source, value.Encode(s.input))
		}
		return out, nil
	case asl.ExprNode:
		return s.expr(v, loc+"/"+fld.Key, true)
	case asl.CallNode:
		return s.call(v, loc)
	case asl.Object, asl.Array:
		return s.node(v, loc+"/"+fld.Key)
	}
	return s.node(fld.Value, loc)
}

func (s *scope) call(n asl.CallNode, loc string) (any, error) {
	if s.resolveFn == nil {
		s.resolveFn = s.resolve // a method value is an allocation: one per scope, not per call
	}
	m := &s.x.callMeter
	m.Reset(s.x.in.cfg.EvalLimits)
	v, err := n.Call.EvalMetered(s.resolveFn, s.x.random(), m)
	s.x.charge(m)
	if err != nil {
		var be *budget.ExceededError
		if errors.As(err, &be) {
			return nil, s.runtimeErr("There was an error while evaluating the intrinsic function: %s. %v", n.Text, be)
		}
		var ie *intrinsic.Error
		if errors.As(err, &ie) {
			return nil, s.runtimeErr("%s", ie.Message)
		}
		var ee *evalError
		if errors.As(err, &ee) {
			return nil, ee
		}
		var nf *jsonpath.NotFoundError
		if errors.As(err, &nf) {
			return nil, s.runtimeErr("The JSONPath '%s' could not be found in the input '%s'", n.Text, value.Encode(s.input))
		}
		return nil, s.runtimeErr("%v", err)
	}
	return v, nil
}

// jsonataVars binds $states and the workflow variables for an expression.
func (s *scope) jsonataVars(withContext bool) map[string]any {
	// The bindings are built once per scope and kept until $states.result or
	// $states.errorOutput appears, or an expression needs $states.context: the evaluator
	// only reads them.
	key := [3]bool{s.hasResult, s.hasErrOut, withContext}
	if s.jvars != nil && (s.jkey == key || (s.jkey[2] && s.jkey[0] == key[0] && s.jkey[1] == key[1])) {
		return s.jvars
	}
	vars := s.visibleVars()
	states := value.NewObject(4)
	states.Set("input", s.rawInput)
	if withContext {
		states.Set("context", s.context())
	}
	if s.hasResult {
		states.Set("result", s.result)
	}
	if s.hasErrOut {
		states.Set("errorOutput", s.errOut)
	}
	vars["states"] = states
	s.jvars, s.jkey = vars, key
	return vars
}

// needsContext reports whether an expression may read $states.context, whose building was
// an eighth of a JSONata Pass state's cost. It is conservative: any mention of "context", or
// of $states other than $states.input, .result and .errorOutput, counts.
func needsContext(text string) bool {
	if strings.Contains(text, "context") {
		return true
	}
	for rest := text; ; {
		i := strings.Index(rest, "$states")
		if i < 0 {
			return false
		}
		rest = rest[i+len("$states"):]
		field := ""
		for _, f := range []string{".input", ".result", ".errorOutput"} {
			if strings.HasPrefix(rest, f) {
				field = f
				break
			}
		}
		if field == "" {
			return true
		}
		rest = rest[len(field):]
		if rest != "" && (isIdentChar(rest[0])) {
			return true // $states.inputs..., not a field we know
		}
	}
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// expr evaluates a JSONata expression. An undefined result is an error when required.
func (s *scope) expr(n asl.ExprNode, loc string, required bool) (any, error) {
	text := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(n.Text, "{%"), "%}"))
	v, defined, err := n.Expr.EvalWith(s.input, s.jsonataVars(needsContext(n.Text)), s.x.jsonataEnv())
	if err != nil {
		if errors.Is(err, jsonata.ErrFunctionResult) {
			return nil, s.queryErr(loc, "The JSONata expression '%s' specified for the field '%s' returned an unsupported result type.", text, loc)
		}
		return nil, s.queryErr(loc, "The JSONata expression '%s' specified for the field '%s' threw an error during evaluation. %v", text, loc, err)
	}
	if !defined && required {
		return nil, s.queryErr(loc, "The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", text, loc)
	}
	return v, nil
}

func (s *scope) queryErr(loc, format string, args ...any) *evalError {
	return &evalError{fl: failure{Error: "States.QueryEvaluationError", Cause: s.prefix() + fmt.Sprintf(format, args...)}, location: loc, jsonata: true}
}

// jsonataResultTypeErr reports an expression whose value has the wrong type for its field.
func (s *scope) typeErr(t *asl.Template, loc, want string, got any) error {
	if n, ok := t.Node.(asl.ExprNode); ok {
		text := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(n.Text, "{%"), "%}"))
		return s.queryErr(loc, "The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected '%s', but was '%s' for value: %s", text, loc, want, value.TypeName(got), value.Encode(got))
	}
	return s.queryErr(loc, "The value specified for the field '%s' has an unexpected type. Expected '%s', but was '%s' for value: %s", loc, want, value.TypeName(got), value.Encode(got))
}
