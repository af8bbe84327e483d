package asl

import "strings"

// operandKind is the type of a Choice comparison's operand.
type operandKind int

const (
	operandString operandKind = iota
	operandNumber
	operandBoolean
	operandTimestamp
	operandPath
)

// choiceOperators are the comparison operators of a JSONPath Choice rule.
var choiceOperators = func() map[string]operandKind {
	m := map[string]operandKind{"StringMatches": operandString}
	for _, base := range []string{"Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"} {
		m["String"+base] = operandString
		m["Numeric"+base] = operandNumber
		m["Timestamp"+base] = operandTimestamp
		m["String"+base+"Path"] = operandPath
		m["Numeric"+base+"Path"] = operandPath
		m["Timestamp"+base+"Path"] = operandPath
	}
	m["BooleanEquals"] = operandBoolean
	m["BooleanEqualsPath"] = operandPath
	for _, is := range []string{"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"} {
		m[is] = operandBoolean
	}
	return m
}()

// choice checks the fields of a Choice state.
func (s *stateCtx) choice() {
	v := s.v
	if _, ok := s.o["Choices"]; !ok {
		v.fail(s.loc, msgRequired, "Choices")
	}
	if rules, ok := v.arr(s.o, "Choices", s.loc); ok {
		at := field(s.loc, "Choices")
		if len(rules) == 0 {
			v.fail(at, msgEmpty)
		}
		for i, r := range rules {
			rloc := index(at, i)
			ro, ok := r.(map[string]any)
			if !ok {
				v.fail(rloc, msgExpectedType, "OBJECT")
				continue
			}
			v.choiceRule(ro, rloc, s.jsonata, true)
			if next, ok := ro["Next"].(string); ok {
				s.st.edges = append(s.st.edges, edge{next, field(rloc, "Next")})
			}
		}
	}
	if d, ok := v.str(s.o, "Default", s.loc); ok {
		s.st.edges = append(s.st.edges, edge{d, field(s.loc, "Default")})
	}
}

// choiceRule checks one Choice rule. Top-level rules carry Next (and may carry Assign and, in
// JSONata, Output); rules nested in And, Or and Not carry neither.
func (v *validator) choiceRule(o map[string]any, loc string, jsonata, top bool) {
	for _, k := range keysInHashOrder(o) {
		_, isOperator := choiceOperators[k]
		switch {
		case k == "Comment":
		case k == "Next" || k == "Assign":
			if !top {
				v.fail(loc, msgNotSupported, k)
			}
		case k == "Condition" || k == "Output":
			if !jsonata {
				v.fail(loc, msgOnlyJSONata, k)
			} else if k == "Output" && !top {
				v.fail(loc, msgNotSupported, k)
			}
		case k == "Variable" || k == "And" || k == "Or" || k == "Not" || isOperator:
			if jsonata {
				v.fail(loc, msgOnlyJSONPath, k)
			}
		default:
			v.fail(loc, msgNotSupported, k)
		}
	}
	v.str(o, "Comment", loc)
	if top {
		if _, ok := o["Next"]; !ok {
			v.fail(loc, msgRequired, "Next")
		} else {
			v.str(o, "Next", loc)
		}
	}
	var c *jctx
	if jsonata {
		c = &jctx{}
	}
	if top {
		if _, ok := o["Assign"]; ok {
			v.assign(o["Assign"], field(loc, "Assign"), c)
		}
	}
	if jsonata {
		if top {
			if out, ok := o["Output"]; ok {
				v.jsonataValue(out, field(loc, "Output"), c)
			}
		}
		v.condition(o, loc)
		return
	}
	v.comparison(o, loc)
}

// condition checks a JSONata rule's Condition: an expression, or a literal boolean.
func (v *validator) condition(o map[string]any, loc string) {
	raw, ok := o["Condition"]
	if !ok {
		v.fail(loc, msgRequired, "Condition")
		return
	}
	at := field(loc, "Condition")
	switch t := raw.(type) {
	case bool:
	case string:
		if _, expr := jsonataBody(t); !expr {
			if strings.HasPrefix(t, "{%") {
				v.fail(at, "%s", msgJSONataDelimiter)
			} else {
				v.fail(at, msgExpectedType, "BOOLEAN")
			}
			return
		}
		v.jsonataString(t, at, &jctx{})
	default:
		v.fail(at, msgExpectedType, "BOOLEAN")
	}
}

// comparison checks a JSONPath rule: exactly one of And, Or, Not or a Variable with one
// comparison operator.
func (v *validator) comparison(o map[string]any, loc string) {
	kinds := v.exclusive(o, loc, true, "And", "Or", "Not", "Variable")
	var ops []string
	for _, k := range keysInHashOrder(o) {
		if _, ok := choiceOperators[k]; ok {
			ops = append(ops, k)
		}
	}
	if _, ok := o["Variable"]; ok {
		if s, ok := v.str(o, "Variable", loc); ok && !validPath(s, pathPlain) {
			v.fail(field(loc, "Variable"), "The value for the field 'Variable' must be a valid JSONPath")
		}
		switch {
		case len(ops) == 0:
			v.fail(loc, "A Choice Rule with a 'Variable' field needs one comparison operator")
		case len(ops) > 1:
			v.fail(loc, "Each Choice Rule can only have one comparison operator.")
		}
	} else if len(ops) > 0 && kinds > 0 {
		for _, op := range ops {
			v.fail(loc, msgNotSupported, op)
		}
	}
	for _, op := range ops {
		v.operand(o, op, loc)
	}
	for _, key := range []string{"And", "Or"} {
		list, ok := v.arr(o, key, loc)
		if !ok {
			continue
		}
		at := field(loc, key)
		if len(list) == 0 {
			v.fail(at, msgEmpty)
		}
		for i, r := range list {
			ro, ok := r.(map[string]any)
			if !ok {
				v.fail(index(at, i), msgExpectedType, "OBJECT")
				continue
			}
			v.choiceRule(ro, index(at, i), false, false)
		}
	}
	if not, ok := v.obj(o, "Not", loc); ok {
		v.choiceRule(not, field(loc, "Not"), false, false)
	}
}

// operand checks the operand of a comparison operator.
func (v *validator) operand(o map[string]any, op, loc string) {
	at := field(loc, op)
	raw := o[op]
	switch choiceOperators[op] {
	case operandString:
		v.str(o, op, loc)
	case operandNumber:
		if _, ok := number(raw); !ok {
			v.fail(at, msgExpectedNumber)
		}
	case operandBoolean:
		v.boolean(o, op, loc)
	case operandTimestamp:
		if s, ok := v.str(o, op, loc); ok && !ValidTimestamp(s) {
			v.fail(at, msgNoTimestamp)
		}
	case operandPath:
		if s, ok := v.str(o, op, loc); ok && !validPath(s, pathPlain) {
			v.fail(at, "The value for the field '%s' must be a valid JSONPath", op)
		}
	}
}
