package asl

import (
	"regexp"
	"strings"
)

// jctx is what a JSONata expression may read besides $states.input and $states.context.
type jctx struct {
	result      bool // $states.result: a Task, Parallel or Map state's Output and Assign
	errorOutput bool // $states.errorOutput: a Catcher's Output and Assign
}

// jsonataBody returns the expression of a "{% ... %}" string.
func jsonataBody(s string) (string, bool) {
	if len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") {
		return s[2 : len(s)-2], true
	}
	return "", false
}

// jsonataValue checks a JSONata-mode value: every "{% %}" string in it, at any depth, is an
// expression. Nested values are located "/Field/key" and "/Field[i]".
func (v *validator) jsonataValue(x any, at string, c *jctx) {
	switch t := x.(type) {
	case string:
		v.jsonataString(t, at, c)
	case map[string]any:
		for _, k := range sortedKeys(t) {
			v.jsonataValue(t[k], field(at, k), c)
		}
	case []any:
		for i, e := range t {
			v.jsonataValue(e, index(at, i), c)
		}
	}
}

// jsonataString checks one string of a JSONata-mode value.
func (v *validator) jsonataString(s, at string, c *jctx) {
	body, ok := jsonataBody(s)
	if !ok {
		if strings.HasPrefix(s, "{%") {
			v.fail(at, "%s", msgJSONataDelimiter)
		}
		return
	}
	if c == nil {
		c = &jctx{}
	}
	if err := compileJSONata(body); err != nil {
		v.errorf(CodeInvalidJSONataExpression, at, "%s", jsonataErrorText(err.Error()))
		return
	}
	if msg := unsupportedJSONata(body, c); msg != "" {
		v.errorf(CodeUnsupportedJSONataExpression, at, "%s", msg)
	}
}

var jsonataCode = regexp.MustCompile(`^(?:jsonata:\s*)?[A-Z][0-9]{4}:?\s*`)

// jsonataErrorText is a JSONata parser error as AWS words it: without the "S0xxx: " code.
func jsonataErrorText(s string) string { return jsonataCode.ReplaceAllString(s, "") }

// unsupportedJSONata finds what AWS refuses in an expression that parses: "$$", $states fields
// not offered where the expression is, and paths that start from the top-level input instead of
// $states or a variable. It returns the first problem's message, or "".
func unsupportedJSONata(expr string, c *jctx) string {
	toks := lexJSONata(expr)
	type frame struct{ relative bool }
	var stack []frame
	relative := func() bool {
		for _, f := range stack {
			if f.relative {
				return true
			}
		}
		return false
	}
	transform := false
	for i, t := range toks {
		prev := jtok{}
		if i > 0 {
			prev = toks[i-1]
		}
		switch t.kind {
		case jtVariable:
			if t.text == "$$" {
				return msgDollarDollar
			}
			if t.text == "$states" && i+2 < len(toks) && toks[i+1].is(".") && toks[i+2].kind == jtName {
				switch f := toks[i+2].text; f {
				case "input", "context":
				case "result":
					if !c.result {
						return "Field '$states.result' does not exist."
					}
				case "errorOutput":
					if !c.errorOutput {
						return "Field '$states.errorOutput' does not exist."
					}
				default:
					return "Field '$states." + f + "' does not exist."
				}
			}
		case jtName:
			if transform || relative() || prev.is(".") || prev.is("@") || prev.is("#") {
				continue
			}
			return "Reference to '" + t.text + "' at the top level is not supported."
		case jtOperator:
			switch t.text {
			case "(":
				// A parenthesised step of a path, or a sort's terms, reads the context item.
				stack = append(stack, frame{relative: prev.is(".") || prev.is("^")})
			case "[", "{":
				// Predicates, array constructors, object constructors, group-by and function
				// bodies: left alone.
				stack = append(stack, frame{relative: true})
			case ")", "]", "}":
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			case "|":
				transform = true // the transform operator's pattern reads the matched object
			}
		}
	}
	return ""
}

// A small JSONata tokenizer: enough to tell names, variables, strings and operators apart.
type jtokKind int

const (
	jtNone jtokKind = iota
	jtName
	jtVariable
	jtString
	jtNumber
	jtRegex
	jtOperator
	jtValue // true, false, null
)

type jtok struct {
	kind jtokKind
	text string
}

func (t jtok) is(op string) bool { return t.kind == jtOperator && t.text == op }

const jsonataOperatorChars = ".[]{}(),@#;:?+-*/%|=<>^&!~"

var jsonataTwoCharOps = []string{"..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"}

func isJSONataSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' }

// lexJSONata splits an expression into tokens; it never fails (a parser has already accepted
// the expression) and stops at anything it cannot read.
func lexJSONata(s string) []jtok {
	var out []jtok
	prefix := func() bool { // where a "/" starts a regular expression rather than dividing
		if len(out) == 0 {
			return true
		}
		p := out[len(out)-1]
		switch p.kind {
		case jtName, jtVariable, jtString, jtNumber, jtRegex, jtValue:
			return false
		}
		return !(p.is(")") || p.is("]") || p.is("}"))
	}
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case isJSONataSpace(c):
			i++
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '/' && prefix():
			j := i + 1
			for j < len(s) && s[j] != '/' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j++
			for j < len(s) && (s[j] == 'i' || s[j] == 'm') {
				j++
			}
			if j > len(s) {
				j = len(s)
			}
			out = append(out, jtok{jtRegex, s[i:j]})
			i = j
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return out
			}
			out = append(out, jtok{jtString, s[i : j+1]})
			i = j + 1
		case c == '`':
			j := strings.IndexByte(s[i+1:], '`')
			if j < 0 {
				return out
			}
			out = append(out, jtok{jtName, s[i+1 : i+1+j]})
			i += j + 2
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' ||
				(s[j] == 'e' || s[j] == 'E') || (s[j] == '+' || s[j] == '-') && j > i && (s[j-1] == 'e' || s[j-1] == 'E')) {
				j++
			}
			out = append(out, jtok{jtNumber, s[i:j]})
			i = j
		case strings.IndexByte(jsonataOperatorChars, c) >= 0:
			op := string(c)
			for _, two := range jsonataTwoCharOps {
				if strings.HasPrefix(s[i:], two) {
					op = two
					break
				}
			}
			out = append(out, jtok{jtOperator, op})
			i += len(op)
		default:
			j := i + 1
			for j < len(s) && !isJSONataSpace(s[j]) && strings.IndexByte(jsonataOperatorChars, s[j]) < 0 {
				j++
			}
			word := s[i:j]
			i = j
			switch {
			case word[0] == '$':
				out = append(out, jtok{jtVariable, word})
			case word == "and" || word == "or" || word == "in":
				out = append(out, jtok{jtOperator, word})
			case word == "true" || word == "false" || word == "null":
				out = append(out, jtok{jtValue, word})
			case word == "function" || word == "λ":
				out = append(out, jtok{jtOperator, word})
			default:
				out = append(out, jtok{jtName, word})
			}
		}
	}
	return out
}
