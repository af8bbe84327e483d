package asl

import (
	"sort"
	"strings"

	"github.com/stepwise-run/stepwise/asl/intrinsic"
	"github.com/stepwise-run/stepwise/asl/value"
)

// VariableReferences lists, per state, the variables ($name) the state's JSONPath fields read:
// DescribeStateMachine's variableReferences. States anywhere in the definition (Parallel
// branches, Map processors) are keyed by their names; each list is sorted and holds a name
// once. What counts, as AWS counts it (recorded in test_sfn_api_variable_references):
//
//   - paths: InputPath, OutputPath, ItemsPath, the *Path fields of Wait, Fail, Map and Task,
//     ItemReader.ReaderConfig.MaxItemsPath and ItemBatcher's;
//   - the ".$" members of payload templates (Parameters, ItemSelector, ResultSelector, Assign
//     — a Catcher's and a Choice rule's too —, Credentials, ItemReader and ResultWriter
//     Parameters, ItemBatcher.BatchInput), intrinsic functions' arguments included;
//   - a Choice rule's Variable and its *Path comparisons, And, Or and Not included.
//
// A "$name" string in a member without ".$" is a literal, and JSONata states are left out
// (a variable there is read by an expression, which AWS does not list). A definition that
// is not JSON, or references nothing, gives nil.
func VariableReferences(definition []byte) map[string][]string {
	v, err := value.DecodeMaps(definition)
	if err != nil {
		return nil
	}
	top, _ := v.(map[string]any)
	if top == nil {
		return nil
	}
	refs := map[string]map[string]bool{}
	var graph func(g map[string]any, ql string)
	graph = func(g map[string]any, ql string) {
		if q, _ := g["QueryLanguage"].(string); q != "" {
			ql = q
		}
		states, _ := g["States"].(map[string]any)
		for name, raw := range states {
			s, _ := raw.(map[string]any)
			if s == nil {
				continue
			}
			sql := ql
			if q, _ := s["QueryLanguage"].(string); q != "" {
				sql = q
			}
			if sql != string(JSONata) {
				c := &refCollector{names: refs[name]}
				c.state(s)
				if len(c.names) > 0 {
					refs[name] = c.names
				}
			}
			for _, key := range []string{"ItemProcessor", "Iterator"} {
				if p, ok := s[key].(map[string]any); ok {
					graph(p, sql)
				}
			}
			if bs, ok := s["Branches"].([]any); ok {
				for _, b := range bs {
					if bm, ok := b.(map[string]any); ok {
						graph(bm, sql)
					}
				}
			}
		}
	}
	graph(top, string(JSONPath))
	if len(refs) == 0 {
		return nil
	}
	out := make(map[string][]string, len(refs))
	for state, names := range refs {
		list := make([]string, 0, len(names))
		for n := range names {
			list = append(list, n)
		}
		sort.Strings(list)
		out[state] = list
	}
	return out
}

// refCollector gathers the variable names one state reads.
type refCollector struct{ names map[string]bool }

// pathFields are the state fields that hold a path, some nested one level down.
var pathFields = []string{"InputPath", "OutputPath", "ItemsPath", "SecondsPath", "TimestampPath", "ErrorPath",
	"CausePath", "MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath",
	"TimeoutSecondsPath", "HeartbeatSecondsPath"}

func (c *refCollector) state(s map[string]any) {
	for _, f := range pathFields {
		c.path(s[f])
	}
	for _, f := range []string{"Parameters", "ItemSelector", "ResultSelector", "Assign", "Credentials"} {
		c.template(s[f])
	}
	if r, ok := s["ItemReader"].(map[string]any); ok {
		c.template(r["Parameters"])
		if rc, ok := r["ReaderConfig"].(map[string]any); ok {
			c.path(rc["MaxItemsPath"])
		}
	}
	if w, ok := s["ResultWriter"].(map[string]any); ok {
		c.template(w["Parameters"])
	}
	if b, ok := s["ItemBatcher"].(map[string]any); ok {
		c.path(b["MaxItemsPerBatchPath"])
		c.path(b["MaxInputBytesPerBatchPath"])
		c.template(b["BatchInput"])
	}
	if cs, ok := s["Catch"].([]any); ok {
		for _, x := range cs {
			if m, ok := x.(map[string]any); ok {
				c.template(m["Assign"])
			}
		}
	}
	if rules, ok := s["Choices"].([]any); ok {
		for _, x := range rules {
			if m, ok := x.(map[string]any); ok {
				c.template(m["Assign"])
				c.rule(m)
			}
		}
	}
}

// rule walks a Choice rule: its Variable, its *Path comparisons and its nested rules.
func (c *refCollector) rule(r map[string]any) {
	for k, v := range r {
		switch {
		case k == "Variable" || (strings.HasSuffix(k, "Path") && k != "Next"):
			c.path(v)
		case k == "And" || k == "Or":
			if xs, ok := v.([]any); ok {
				for _, x := range xs {
					if m, ok := x.(map[string]any); ok {
						c.rule(m)
					}
				}
			}
		case k == "Not":
			if m, ok := v.(map[string]any); ok {
				c.rule(m)
			}
		}
	}
}

// template walks a payload template: the ".$" members' paths and intrinsic calls.
func (c *refCollector) template(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && strings.HasSuffix(k, ".$") {
				c.expression(s)
				continue
			}
			c.template(e)
		}
	case []any:
		for _, e := range x {
			c.template(e)
		}
	}
}

// expression is a ".$" value: an intrinsic function call or a path.
func (c *refCollector) expression(s string) {
	if intrinsic.IsCall(s) {
		call, err := intrinsic.Parse(s)
		if err != nil {
			return
		}
		for _, p := range call.Paths() {
			c.path(p)
		}
		return
	}
	c.path(s)
}

// path records the variable a path reads, if it is rooted at one ("$name...").
func (c *refCollector) path(v any) {
	s, _ := v.(string)
	if len(s) < 2 || s[0] != '$' || s[1] == '$' || s[1] == '.' || s[1] == '[' {
		return
	}
	if name, _ := splitVariable(s[1:]); name != "" {
		if c.names == nil {
			c.names = map[string]bool{}
		}
		c.names[name] = true
	}
}
