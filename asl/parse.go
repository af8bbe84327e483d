package asl

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/stepwise-run/stepwise/asl/intrinsic"
	"github.com/stepwise-run/stepwise/asl/jsonata"
	"github.com/stepwise-run/stepwise/asl/jsonpath"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/internal/javamap"
)

// DefinitionError is an invalid definition: the diagnostics AWS would report.
type DefinitionError struct {
	Diagnostics []Diagnostic
}

func (e *DefinitionError) Error() string { return InvalidDefinitionMessage(e.Diagnostics) }

// Parse validates a definition and compiles it. An invalid definition returns a
// *DefinitionError with AWS's diagnostics.
func Parse(definition []byte, opts ValidateOptions) (*StateMachine, error) {
	var errs []Diagnostic
	for _, d := range Validate(definition, opts) {
		if d.Severity == "ERROR" {
			errs = append(errs, d)
		}
	}
	if len(errs) > 0 {
		return nil, &DefinitionError{Diagnostics: errs}
	}
	ordered, err := value.Decode(definition)
	if err != nil {
		return nil, &DefinitionError{Diagnostics: []Diagnostic{{Severity: "ERROR", Code: "INVALID_JSON_DESCRIPTION", Message: err.Error()}}}
	}
	p := &parser{twins: twins{}}
	obj, ok := p.twins.plain(ordered).(map[string]any)
	if !ok {
		return nil, &DefinitionError{Diagnostics: []Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "Definition must be a valid JSON object", Location: "/"}}}
	}
	sm := &StateMachine{Source: string(definition)}
	sm.Comment, _ = obj["Comment"].(string)
	sm.Version, _ = obj["Version"].(string)
	if v, ok := value.Int(obj["TimeoutSeconds"]); ok {
		sm.TimeoutSeconds = &v
	}
	ql := JSONPath
	if s, _ := obj["QueryLanguage"].(string); s == string(JSONata) {
		ql = JSONata
	}
	g := p.graph(obj, ql, "")
	if p.err != nil {
		return nil, &DefinitionError{Diagnostics: []Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: p.err.Error(), Location: p.loc}}}
	}
	sm.Graph = *g
	return sm, nil
}

// parser builds the model from a validated definition. It records the first problem it meets
// instead of panicking, so an input the validator missed still fails cleanly.
type parser struct {
	err   error
	loc   string
	twins twins
}

// twins maps each Go map and slice of the definition, which the parser walks, to the ordered
// value it was made from, so that templates and literals keep the definition's key order (AWS
// writes a template's keys in the order the definition gives them).
type twins map[unsafe.Pointer]any

// plain returns v with objects as Go maps, remembering each map's and slice's ordered twin.
func (t twins) plain(v any) any {
	switch x := v.(type) {
	case *value.Object:
		m := make(map[string]any, x.Len())
		for _, mb := range x.Members() {
			m[mb.Key] = t.plain(mb.Value)
		}
		t[reflect.ValueOf(m).UnsafePointer()] = x
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = t.plain(e)
		}
		if len(out) > 0 {
			t[unsafe.Pointer(&out[0])] = x
		}
		return out
	}
	return v
}

// ordered returns the ordered twin of a value plain made (keys sorted for one it did not).
func (t twins) ordered(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if o, ok := t[reflect.ValueOf(x).UnsafePointer()]; ok {
			return o
		}
	case []any:
		if len(x) > 0 {
			if o, ok := t[unsafe.Pointer(&x[0])]; ok {
				return o
			}
		}
	}
	return value.Ordered(v)
}

// keys returns a map's keys in the definition's order.
func (t twins) keys(m map[string]any) []string {
	if o, ok := t[reflect.ValueOf(m).UnsafePointer()].(*value.Object); ok && o.Len() == len(m) {
		return o.Keys()
	}
	return slices.Sorted(maps.Keys(m))
}

func (p *parser) fail(loc, format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
		p.loc = loc
	}
}

func (p *parser) graph(obj map[string]any, ql QueryLanguage, loc string) *Graph {
	if s, _ := obj["QueryLanguage"].(string); s != "" {
		ql = QueryLanguage(s)
	}
	g := &Graph{QueryLanguage: ql, States: map[string]*State{}}
	g.StartAt, _ = obj["StartAt"].(string)
	states, ok := obj["States"].(map[string]any)
	if !ok {
		p.fail(loc+"/", "These fields are required: [States]")
		return g
	}
	for name, raw := range states {
		so, ok := raw.(map[string]any)
		if !ok {
			p.fail(loc+"/States/"+name, "State must be an object")
			continue
		}
		g.States[name] = p.state(name, so, ql, loc+"/States/"+name)
	}
	return g
}

func (p *parser) state(name string, o map[string]any, ql QueryLanguage, loc string) *State {
	s := &State{Name: name, QueryLanguage: ql}
	s.Type, _ = o["Type"].(string)
	s.Comment, _ = o["Comment"].(string)
	if q, _ := o["QueryLanguage"].(string); q != "" {
		s.QueryLanguage = QueryLanguage(q)
	}
	s.Next, _ = o["Next"].(string)
	s.End, _ = o["End"].(bool)
	jsonataMode := s.QueryLanguage == JSONata

	s.InputPath = p.optPath(o, "InputPath", false, loc)
	s.OutputPath = p.optPath(o, "OutputPath", false, loc)
	s.ResultPath = p.optPath(o, "ResultPath", true, loc)
	s.Parameters = p.template(o, "Parameters", jsonataMode, loc)
	s.ResultSelector = p.template(o, "ResultSelector", jsonataMode, loc)
	s.Arguments = p.template(o, "Arguments", true, loc)
	s.Output = p.template(o, "Output", true, loc)
	s.Assign = p.template(o, "Assign", jsonataMode, loc)
	if r, ok := o["Result"]; ok {
		s.Result, s.HasResult = p.twins.ordered(r), true
	}

	s.Resource, _ = o["Resource"].(string)
	s.Credentials = p.template(o, "Credentials", jsonataMode, loc)
	s.TimeoutSeconds = p.intField(o, "TimeoutSeconds", jsonataMode, loc)
	s.HeartbeatSeconds = p.intField(o, "HeartbeatSeconds", jsonataMode, loc)
	s.Retry = p.retriers(o["Retry"], loc+"/Retry")
	s.Catch = p.catchers(o["Catch"], jsonataMode, loc+"/Catch")

	if rules, ok := o["Choices"].([]any); ok {
		for i, r := range rules {
			ro, _ := r.(map[string]any)
			s.Choices = append(s.Choices, p.choiceRule(ro, jsonataMode, fmt.Sprintf("%s/Choices/%d", loc, i)))
		}
	}
	s.Default, _ = o["Default"].(string)

	s.Seconds = p.intField(o, "Seconds", jsonataMode, loc)
	s.Timestamp = p.stringField(o, "Timestamp", jsonataMode, loc)
	s.Error = p.stringField(o, "Error", jsonataMode, loc)
	s.Cause = p.stringField(o, "Cause", jsonataMode, loc)

	if branches, ok := o["Branches"].([]any); ok {
		for i, b := range branches {
			bo, _ := b.(map[string]any)
			s.Branches = append(s.Branches, p.graph(bo, s.QueryLanguage, fmt.Sprintf("%s/Branches/%d", loc, i)))
		}
	}
	if s.Type == TypeMap {
		p.mapFields(s, o, jsonataMode, loc)
	}
	return s
}

func (p *parser) mapFields(s *State, o map[string]any, jsonataMode bool, loc string) {
	proc, _ := o["ItemProcessor"].(map[string]any)
	if proc == nil {
		proc, _ = o["Iterator"].(map[string]any)
	}
	s.ProcessorMode = "INLINE"
	if proc != nil {
		if cfg, ok := proc["ProcessorConfig"].(map[string]any); ok {
			if m, _ := cfg["Mode"].(string); m != "" {
				s.ProcessorMode = m
			}
			s.ExecutionType, _ = cfg["ExecutionType"].(string)
		}
		s.ItemProcessor = p.graph(proc, s.QueryLanguage, loc+"/ItemProcessor")
	}
	s.ItemsPath = p.optPath(o, "ItemsPath", true, loc)
	s.Items = p.template(o, "Items", true, loc)
	s.ItemSelector = p.template(o, "ItemSelector", jsonataMode, loc)
	if s.ItemSelector == nil && !jsonataMode {
		// Parameters is the legacy name of ItemSelector on a Map.
		s.ItemSelector, s.Parameters = s.Parameters, nil
	}
	s.MaxConcurrency = p.intField(o, "MaxConcurrency", jsonataMode, loc)
	s.ToleratedFailureCount = p.intField(o, "ToleratedFailureCount", jsonataMode, loc)
	s.ToleratedFailurePercentage = p.numberField(o, "ToleratedFailurePercentage", jsonataMode, loc)
	s.Label, _ = o["Label"].(string)
	if r, ok := o["ItemReader"].(map[string]any); ok {
		ir := &ItemReader{}
		ir.Resource, _ = r["Resource"].(string)
		ir.Parameters = p.template(r, "Parameters", false, loc+"/ItemReader")
		if ir.Parameters == nil {
			ir.Parameters = p.template(r, "Arguments", true, loc+"/ItemReader")
		}
		ir.ReaderConfig, _ = r["ReaderConfig"].(map[string]any)
		if ir.ReaderConfig != nil {
			ir.MaxItems = p.intField(ir.ReaderConfig, "MaxItems", jsonataMode, loc+"/ItemReader/ReaderConfig")
		}
		s.ItemReader = ir
	}
	if b, ok := o["ItemBatcher"].(map[string]any); ok {
		s.ItemBatcher = &ItemBatcher{
			MaxItemsPerBatch:      p.intField(b, "MaxItemsPerBatch", jsonataMode, loc+"/ItemBatcher"),
			MaxInputBytesPerBatch: p.intField(b, "MaxInputBytesPerBatch", jsonataMode, loc+"/ItemBatcher"),
			BatchInput:            p.template(b, "BatchInput", jsonataMode, loc+"/ItemBatcher"),
		}
	}
	s.ResultWriter = p.template(o, "ResultWriter", jsonataMode, loc)
	if w, ok := o["ResultWriter"].(map[string]any); ok {
		s.Writer = &ResultWriter{}
		s.Writer.Resource, _ = w["Resource"].(string)
		if cfg, ok := w["WriterConfig"].(map[string]any); ok {
			s.Writer.Transformation, _ = cfg["Transformation"].(string)
		}
	}
}

func (p *parser) retriers(raw any, loc string) []*Retrier {
	list, _ := raw.([]any)
	var out []*Retrier
	for _, r := range list {
		o, _ := r.(map[string]any)
		rt := &Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2.0, JitterStrategy: "NONE"}
		rt.ErrorEquals = stringList(o["ErrorEquals"])
		if v, ok := value.Int(o["IntervalSeconds"]); ok {
			rt.IntervalSeconds = v
		}
		if v, ok := value.Int(o["MaxAttempts"]); ok {
			rt.MaxAttempts = v
		}
		if v, ok := value.Float(o["BackoffRate"]); ok {
			rt.BackoffRate = v
		}
		if v, ok := value.Int(o["MaxDelaySeconds"]); ok {
			rt.MaxDelaySeconds = &v
		}
		if v, _ := o["JitterStrategy"].(string); v != "" {
			rt.JitterStrategy = v
		}
		out = append(out, rt)
	}
	return out
}

func (p *parser) catchers(raw any, jsonataMode bool, loc string) []*Catcher {
	list, _ := raw.([]any)
	var out []*Catcher
	for i, r := range list {
		o, _ := r.(map[string]any)
		l := fmt.Sprintf("%s/%d", loc, i)
		c := &Catcher{ErrorEquals: stringList(o["ErrorEquals"])}
		c.Next, _ = o["Next"].(string)
		c.ResultPath = p.optPath(o, "ResultPath", true, l)
		c.Assign = p.template(o, "Assign", jsonataMode, l)
		c.Output = p.template(o, "Output", true, l)
		out = append(out, c)
	}
	return out
}

// comparisonOperators are the Choice comparison names; each also has a "...Path" form except
// the Is* tests.
var comparisonOperators = []string{
	"StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals", "StringMatches",
	"NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals", "NumericGreaterThanEquals",
	"BooleanEquals",
	"TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals", "TimestampGreaterThanEquals",
	"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp",
}

func (p *parser) choiceRule(o map[string]any, jsonataMode bool, loc string) *ChoiceRule {
	r := &ChoiceRule{}
	if o == nil {
		p.fail(loc, "Choice rule must be an object")
		return r
	}
	r.Next, _ = o["Next"].(string)
	r.Assign = p.template(o, "Assign", jsonataMode, loc)
	r.Output = p.template(o, "Output", true, loc)
	if c, ok := o["Condition"]; ok {
		r.Condition = &Template{Node: p.jsonataNode(c, loc+"/Condition")}
		return r
	}
	if list, ok := o["And"].([]any); ok {
		for i, x := range list {
			xo, _ := x.(map[string]any)
			r.And = append(r.And, p.choiceRule(xo, jsonataMode, fmt.Sprintf("%s/And/%d", loc, i)))
		}
		return r
	}
	if list, ok := o["Or"].([]any); ok {
		for i, x := range list {
			xo, _ := x.(map[string]any)
			r.Or = append(r.Or, p.choiceRule(xo, jsonataMode, fmt.Sprintf("%s/Or/%d", loc, i)))
		}
		return r
	}
	if x, ok := o["Not"].(map[string]any); ok {
		r.Not = p.choiceRule(x, jsonataMode, loc+"/Not")
		return r
	}
	if v, ok := o["Variable"].(string); ok {
		r.Variable = p.path(v, false, loc+"/Variable")
	}
	for _, op := range comparisonOperators {
		if v, ok := o[op]; ok {
			r.Operator, r.Operand = op, v
			return r
		}
		if v, ok := o[op+"Path"].(string); ok {
			r.Operator = op
			r.OperandPath = p.path(v, false, loc+"/"+op+"Path")
			return r
		}
	}
	p.fail(loc, "Choice rule has no comparison operator")
	return r
}

func (p *parser) optPath(o map[string]any, key string, reference bool, loc string) *Path {
	raw, ok := o[key]
	if !ok {
		return nil
	}
	if raw == nil {
		return &Path{Null: true}
	}
	s, ok := raw.(string)
	if !ok {
		p.fail(loc+"/"+key, "The field '%s' must be a string or null", key)
		return nil
	}
	return p.path(s, reference, loc+"/"+key)
}

// ParsePath compiles a path rooted at the input ("$"), the Context object ("$$") or a
// variable ("$name").
func ParsePath(text string, reference bool) (*Path, error) {
	p := &parser{}
	path := p.path(text, reference, "")
	return path, p.err
}

func (p *parser) path(text string, reference bool, loc string) *Path {
	path := &Path{Text: text}
	rest := text
	switch {
	case strings.HasPrefix(text, "$$"):
		path.Root, rest = RootContext, "$"+text[2:]
	case text == "$" || strings.HasPrefix(text, "$.") || strings.HasPrefix(text, "$["):
		path.Root = RootInput
	case strings.HasPrefix(text, "$"):
		name, tail := splitVariable(text[1:])
		if name == "" {
			p.fail(loc, "Invalid path: %s", text)
			return path
		}
		path.Root, path.Var, rest = RootVariable, name, "$"+tail
	default:
		p.fail(loc, "Invalid path: %s", text)
		return path
	}
	var err error
	if reference {
		path.Query, err = jsonpath.CompileReference(rest)
	} else {
		path.Query, err = jsonpath.Compile(rest)
	}
	if err != nil {
		p.fail(loc, "Invalid path %s: %v", text, err)
	}
	return path
}

// splitVariable splits "name.a[0]" into the variable's name and the rest of the path.
func splitVariable(s string) (name, rest string) {
	for i, r := range s {
		if i == 0 && !isVariableStart(r) {
			return "", s
		}
		if !isVariablePart(r) {
			return s[:i], s[i:]
		}
	}
	return s, ""
}

func (p *parser) template(o map[string]any, key string, jsonataMode bool, loc string) *Template {
	raw, ok := o[key]
	if !ok {
		return nil
	}
	if jsonataMode {
		return &Template{Node: p.jsonataNode(raw, loc+"/"+key)}
	}
	return &Template{Node: p.jsonPathNode(raw, loc+"/"+key)}
}

// jsonPathNode compiles a payload template: keys ending in ".$" hold a path or an intrinsic
// call; everything else is literal.
func (p *parser) jsonPathNode(raw any, loc string) Node {
	switch x := raw.(type) {
	case map[string]any:
		var fields []Field
		for _, k := range p.twins.keys(x) {
			v := x[k]
			if strings.HasSuffix(k, ".$") {
				s, ok := v.(string)
				if !ok {
					p.fail(loc, "The value for the field '%s' must be a STRING that contains a JSONPath or an intrinsic function call", k)
					continue
				}
				fields = append(fields, Field{Key: strings.TrimSuffix(k, ".$"), Source: k, Value: p.dynamic(s, k, loc)})
				continue
			}
			fields = append(fields, Field{Key: k, Source: k, Value: p.jsonPathNode(v, loc+"/"+k)})
		}
		return p.objectNode(raw, awsFieldOrder(fields))
	case []any:
		return p.arrayNode(x, loc, p.jsonPathNode)
	}
	return Literal{Value: p.twins.ordered(raw)}
}

// awsFieldOrder puts a JSONPath template's fields in the order AWS writes them: its literal
// fields in the definition's order, then its ".$" fields (paths and intrinsic functions) in
// the order a java.util.HashMap of their names iterates them (internal/javamap). Recorded in
// ../shared/spec/aws-recordings: test_map_state_item_selector gives {"constant_value", then
// "iteration_input_value", "from_input_constant", "iteration_index", "original_input"} for
// the definition's original_input.$, iteration_input_value.$, iteration_index.$,
// from_input_constant.$, constant_value; query_context_object_values's 13 fields and
// base_assign_from_intrinsic_function's 7 come out in the map's order too;
// docs/conformance.md, "Key order".
func awsFieldOrder(fields []Field) []Field {
	out := make([]Field, 0, len(fields))
	var dynamic []Field
	var names []string
	for _, f := range fields {
		if f.Key != f.Source {
			dynamic = append(dynamic, f)
			names = append(names, f.Key)
			continue
		}
		out = append(out, f)
	}
	for _, i := range javamap.Order(names) {
		out = append(out, dynamic[i])
	}
	return out
}

// objectNode is an Object of fields in the definition's order, or the Literal raw when no
// field is computed.
func (p *parser) objectNode(raw any, fields []Field) Node {
	for _, f := range fields {
		if _, lit := f.Value.(Literal); !lit || f.Key != f.Source {
			return Object{Fields: fields}
		}
	}
	return Literal{Value: p.twins.ordered(raw)}
}

// arrayNode compiles an array's elements with node, giving an Array, or the Literal raw when no
// element is computed.
func (p *parser) arrayNode(raw []any, loc string, node func(any, string) Node) Node {
	arr := Array{}
	computed := false
	for i, v := range raw {
		n := node(v, fmt.Sprintf("%s/%d", loc, i))
		if _, lit := n.(Literal); !lit {
			computed = true
		}
		arr.Elems = append(arr.Elems, n)
	}
	if !computed {
		return Literal{Value: p.twins.ordered(raw)}
	}
	return arr
}

// dynamic compiles the value of a ".$" key.
func (p *parser) dynamic(s, key, loc string) Node {
	if intrinsic.IsCall(s) {
		call, err := intrinsic.Parse(s)
		if err != nil {
			p.fail(loc, "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", key)
			return Literal{}
		}
		return CallNode{Text: s, Call: call}
	}
	return PathNode{Path: p.path(s, false, loc+"/"+key)}
}

// jsonataNode compiles a JSONata-mode value: strings "{% expr %}" are expressions.
func (p *parser) jsonataNode(raw any, loc string) Node {
	switch x := raw.(type) {
	case string:
		if expr, ok := JSONataText(x); ok {
			e, err := jsonata.Compile(expr)
			if err != nil {
				p.fail(loc, "Invalid JSONata expression %s: %v", x, err)
				return Literal{}
			}
			return ExprNode{Text: x, Expr: e}
		}
	case map[string]any:
		var fields []Field
		for _, k := range p.twins.keys(x) {
			fields = append(fields, Field{Key: k, Source: k, Value: p.jsonataNode(x[k], loc+"/"+k)})
		}
		return p.objectNode(raw, fields)
	case []any:
		return p.arrayNode(x, loc, p.jsonataNode)
	}
	return Literal{Value: p.twins.ordered(raw)}
}

// JSONataText returns the expression inside a "{% ... %}" string.
func JSONataText(s string) (string, bool) {
	if len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") {
		return s[2 : len(s)-2], true
	}
	return "", false
}

func (p *parser) intField(o map[string]any, key string, jsonataMode bool, loc string) *IntField {
	f := &IntField{}
	if raw, ok := o[key]; ok {
		if s, isStr := raw.(string); isStr && jsonataMode {
			f.Expr = &Template{Node: p.jsonataNode(s, loc+"/"+key)}
		} else if v, ok := value.Int(raw); ok {
			f.Value = &v
		} else {
			p.fail(loc+"/"+key, "The field '%s' must be an integer", key)
		}
		return f
	}
	if s, ok := o[key+"Path"].(string); ok {
		f.Path = p.path(s, true, loc+"/"+key+"Path")
		return f
	}
	return nil
}

func (p *parser) numberField(o map[string]any, key string, jsonataMode bool, loc string) *NumberField {
	f := &NumberField{}
	if raw, ok := o[key]; ok {
		if s, isStr := raw.(string); isStr && jsonataMode {
			f.Expr = &Template{Node: p.jsonataNode(s, loc+"/"+key)}
		} else if v, ok := value.Float(raw); ok {
			f.Value = &v
		} else {
			p.fail(loc+"/"+key, "The field '%s' must be a number", key)
		}
		return f
	}
	if s, ok := o[key+"Path"].(string); ok {
		f.Path = p.path(s, true, loc+"/"+key+"Path")
		return f
	}
	return nil
}

func (p *parser) stringField(o map[string]any, key string, jsonataMode bool, loc string) *StringField {
	f := &StringField{}
	if raw, ok := o[key]; ok {
		s, _ := raw.(string)
		if _, isExpr := JSONataText(s); isExpr && jsonataMode {
			f.Expr = &Template{Node: p.jsonataNode(s, loc+"/"+key)}
		} else {
			f.Value = &s
		}
		return f
	}
	if s, ok := o[key+"Path"].(string); ok {
		f.Path = &Template{Node: p.dynamic(s, key+"Path", loc)}
		return f
	}
	return nil
}

func stringList(raw any) []string {
	list, _ := raw.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// IsValidVariableName reports whether s may name a workflow variable.
func IsValidVariableName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 80 {
		return false
	}
	name, rest := splitVariable(s)
	return name == s && rest == ""
}
