package asl

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// pathKind says which paths a field accepts.
type pathKind int

const (
	// pathPlain is a Path (InputPath, OutputPath, Choice Variable): any JSONPath, which may start
	// at the Context object ("$$") or a variable ("$name"); null is allowed where noted.
	pathPlain pathKind = iota
	// pathReference is a Reference Path (ItemsPath, the "...Path" fields): it names a single node.
	pathReference
	// pathResult is ResultPath: a Reference Path into the state input only; null is allowed.
	pathResult
)

// pathRoot is what a path starts from.
type pathRoot int

const (
	rootNone pathRoot = iota
	rootInput
	rootContext
	rootVariable
)

// splitPathRoot rewrites a "$$..." or "$name..." path to the "$..." form the JSONPath compiler
// takes, and says what the path starts from.
func splitPathRoot(s string) (pathRoot, string) {
	switch {
	case !strings.HasPrefix(s, "$"):
		return rootNone, ""
	case strings.HasPrefix(s, "$$"):
		return rootContext, "$" + s[2:]
	case len(s) == 1 || s[1] == '.' || s[1] == '[':
		return rootInput, s
	}
	i := 1
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(isVariableStart(r) || (i > 1 && isVariablePart(r))) {
			break
		}
		i += size
	}
	if i == 1 {
		return rootNone, ""
	}
	return rootVariable, "$" + s[i:]
}

// validPath reports whether s is a path of the given kind.
func validPath(s string, kind pathKind) bool {
	root, rest := splitPathRoot(s)
	switch root {
	case rootNone:
		return false
	case rootContext, rootVariable:
		if kind == pathResult {
			return false
		}
	}
	if kind == pathPlain {
		return compilePath(rest) == nil
	}
	return compileReferencePath(rest) == nil
}

// pathField checks a field holding a path.
func (v *validator) pathField(o map[string]any, key, loc string, kind pathKind) {
	raw, ok := o[key]
	if !ok {
		return
	}
	at := field(loc, key)
	if raw == nil && (kind == pathPlain || kind == pathResult) {
		return // null: the empty object (InputPath, OutputPath) or discard the result (ResultPath)
	}
	s, ok := raw.(string)
	if !ok {
		v.fail(at, msgExpectedType, "STRING")
		return
	}
	if validPath(s, kind) {
		return
	}
	switch kind {
	case pathPlain:
		v.fail(at, "The value for the field '%s' must be a valid JSONPath", key)
	case pathResult:
		if root, _ := splitPathRoot(s); root == rootContext || root == rootVariable {
			v.fail(at, "The value for the field '%s' can not reference the Context Object or a variable", key)
			return
		}
		fallthrough
	default:
		v.fail(at, "The value for the field '%s' must be a valid Reference Path", key)
	}
}

// stringIntrinsics are the intrinsic functions that return a string, the only ones ErrorPath
// and CausePath accept.
var stringIntrinsics = setOf("ArrayGetItem", "Base64Encode", "Base64Decode", "Format", "JsonToString", "Hash", "UUID")

// errorPath checks a Fail state's ErrorPath or CausePath: a Reference Path or an intrinsic call
// returning a string.
func (v *validator) errorPath(o map[string]any, key, loc string) {
	at := field(loc, key)
	s, ok := v.str(o, key, loc)
	if !ok {
		return
	}
	if isIntrinsicCall(s) {
		if checkIntrinsic(s) != nil {
			v.fail(at, msgTemplateValue, key)
			return
		}
		name := strings.TrimPrefix(s, "States.")
		if i := strings.IndexByte(name, '('); i >= 0 {
			name = name[:i]
		}
		if !stringIntrinsics[strings.TrimSpace(name)] {
			v.fail(at, "The intrinsic function 'States.%s' does not return a string", strings.TrimSpace(name))
		}
		return
	}
	if !validPath(s, pathReference) {
		v.fail(at, msgTemplateValue, key)
	}
}

// template checks a JSONPath payload template (Parameters, ResultSelector, ItemSelector, ...):
// the value of every key ending in ".$" must be a path or an intrinsic call. Problems are
// reported at the template's own field, as AWS does.
func (v *validator) template(x any, at string) {
	switch t := x.(type) {
	case map[string]any:
		for _, k := range keysInHashOrder(t) {
			val := t[k]
			if strings.HasSuffix(k, ".$") {
				v.dynamic(val, k, at)
				continue
			}
			v.noDollar(val, k, at)
			v.template(val, at)
		}
	case []any:
		for _, e := range t {
			v.template(e, at)
		}
	}
}

// dynamic checks the value of a ".$" key.
func (v *validator) dynamic(val any, key, at string) {
	s, ok := val.(string)
	if !ok || !validDynamic(s) {
		v.fail(at, msgTemplateValue, key)
	}
}

func validDynamic(s string) bool {
	if isIntrinsicCall(s) {
		return checkIntrinsic(s) == nil
	}
	return validPath(s, pathPlain)
}

// noDollar warns about a literal value that looks like it was meant to be evaluated.
func (v *validator) noDollar(val any, key, at string) {
	if s, ok := val.(string); ok && (looksLikePath(s) || looksLikeIntrinsic(s)) {
		v.warn(CodeNoDollar, at,
			"The value of field '%s' looks like a JSONPath or an intrinsic function call, but the field name does not end with '.$'", key)
	}
}

func looksLikePath(s string) bool {
	return strings.HasPrefix(s, "$.") || strings.HasPrefix(s, "$$.") || strings.HasPrefix(s, "$[")
}

func looksLikeIntrinsic(s string) bool {
	return strings.HasPrefix(s, "States.") && strings.Contains(s, "(") && strings.HasSuffix(s, ")")
}

// staticResult warns when a Pass state's Result holds what looks like a path to evaluate.
func (v *validator) staticResult(x any, at string) {
	found := false
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, e := range t {
				if strings.HasSuffix(k, ".$") {
					found = true
				}
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(x)
	if found {
		v.warn(CodePassResultIsStatic, at,
			"The Result of a Pass state is static: fields ending in '.$' are not evaluated; use Parameters to compute values")
	}
}

// assign checks an Assign object: its keys are variable names (with ".$" in JSONPath when the
// value is to be evaluated), its values templates (JSONPath) or JSONata values.
func (v *validator) assign(x any, at string, c *jctx) {
	o, ok := x.(map[string]any)
	if !ok {
		v.fail(at, msgExpectedType, "OBJECT")
		return
	}
	for _, k := range keysInHashOrder(o) {
		val := o[k]
		if c != nil {
			v.variableName(k, at)
			v.jsonataValue(val, field(at, k), c)
			continue
		}
		if name, ok := strings.CutSuffix(k, ".$"); ok {
			v.variableName(name, at)
			v.dynamic(val, k, at)
			continue
		}
		v.variableName(k, at)
		v.noDollar(val, k, at)
		v.template(val, at)
	}
}

// variableName checks the name of a workflow variable: a Unicode identifier of at most 80
// characters, not "states". Parts of variables ("x.y", "x[0]") cannot be assigned.
func (v *validator) variableName(name, at string) {
	if v.cur != nil {
		v.cur.assigned = append(v.cur.assigned, assignment{name, at})
	}
	switch {
	case name == "states":
		v.fail(at, "The variable name 'states' is reserved")
	case !validVariableName(name):
		v.fail(at, "The variable name '%s' is not valid: it must start with a letter or '_' and contain only letters, digits and '_'", name)
	case utf8.RuneCountInString(name) > maxVariableLength:
		v.fail(at, "The variable name '%s' is longer than %d characters", name, maxVariableLength)
	}
}

func validVariableName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if i == 0 && !isVariableStart(r) || i > 0 && !isVariablePart(r) {
			return false
		}
	}
	return true
}

// isVariableStart and isVariablePart follow Unicode's ID_Start and ID_Continue, which AWS
// names for variables (and '_' to start, as JavaScript identifiers may).
func isVariableStart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.In(r, unicode.Nl, unicode.Other_ID_Start)
}

func isVariablePart(r rune) bool {
	return isVariableStart(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc, unicode.Other_ID_Continue)
}

// shadowedVariables reports the variables an inner scope (a Parallel branch, an inline Map's
// item processor) assigns while a scope around it assigns them too: AWS's "Passing data
// between states with variables" says an inner scope cannot assign a variable with the name
// of one assigned in an outer scope. A Distributed Map's item processor is not checked against
// the scopes around it: its iterations are child executions.
func (v *validator) shadowedVariables() {
	for _, sc := range v.scopes {
		for _, a := range sc.assigned {
			for in := sc; !in.isolated && in.parent != nil; in = in.parent {
				if in.parent.assigns(a.name) {
					v.fail(a.loc, msgShadowed, a.name)
					break
				}
			}
		}
	}
}

func (sc *vscope) assigns(name string) bool {
	for _, a := range sc.assigned {
		if a.name == name {
			return true
		}
	}
	return false
}
