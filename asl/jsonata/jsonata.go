// Package jsonata evaluates JSONata expressions the way AWS Step Functions does: JSONata 2.x
// without $eval, plus the functions Step Functions adds ($partition, $range, $hash, $random,
// $uuid, $parse).
//
// Values in and out follow the conventions of package value: nil, bool, json.Number, string,
// []any and *value.Object, whose keys keep their order as in JavaScript (a map[string]any is
// read as an object, keys sorted). An undefined result (JSONata's "nothing") is reported by
// defined=false rather than by a sentinel value.
package jsonata

import (
	"errors"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl/budget"
)

// Env supplies the sources of time and randomness an evaluation uses. A nil member means the
// real clock or a real random source; the engine passes deterministic ones so that an execution
// replays identically.
type Env struct {
	Now    func() time.Time
	Random func() float64
	UUID   func() string
	// Limits bound the evaluation's steps and memory (zero fields: the defaults). Past
	// them the evaluation fails with a *budget.ExceededError.
	Limits budget.Limits
	// Spent, if set, has the evaluation's steps added to it when it ends, however it ends.
	Spent *int64
}

// Error is a JSONata compile or evaluation error. Error() renders it as AWS does after "threw an
// error during evaluation.": "T1006: Attempted to invoke a non-function".
type Error struct {
	Code     string
	Message  string
	Position int
}

func (e *Error) Error() string {
	if e.Code == "" {
		return e.Message
	}
	return e.Code + ": " + e.Message
}

// ErrFunctionResult is returned (possibly wrapped) when an expression's result is a function or
// otherwise has no JSON representation.
var ErrFunctionResult = errors.New("jsonata: the result is not a JSON value")

// Expr is a compiled expression. It is safe for concurrent use.
type Expr struct {
	text string
	impl backend
	vars []string
}

// backend evaluates one compiled expression.
type backend interface {
	eval(input any, vars map[string]any, env Env) (any, bool, error)
}

// Compile parses an expression (the text inside "{% %}"). Syntax errors are *Error.
func Compile(expr string) (*Expr, error) {
	impl, err := compileBackend(expr)
	if err != nil {
		return nil, err
	}
	return &Expr{text: expr, impl: impl, vars: scanVariables(expr)}, nil
}

// String returns the expression's text.
func (e *Expr) String() string { return e.text }

// Eval evaluates the expression against input, with $name bound to vars["name"], using the real
// clock and random sources.
func (e *Expr) Eval(input any, vars map[string]any) (v any, defined bool, err error) {
	return e.EvalWith(input, vars, Env{})
}

// EvalWith is Eval with the clock and random sources of env.
func (e *Expr) EvalWith(input any, vars map[string]any, env Env) (v any, defined bool, err error) {
	return e.impl.eval(input, vars, env)
}

// Variables returns the names (without "$") of the variables an expression references, in
// order of first appearance, best effort: names that are called ("$f(...)") are left out, names
// bound inside the expression itself (by ":=" or as lambda parameters) are included.
func Variables(expr *Expr) []string {
	if expr == nil {
		return nil
	}
	return append([]string(nil), expr.vars...)
}

// scanVariables finds "$name" tokens outside string literals and comments.
func scanVariables(s string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			i = j
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 3
		case c == '$':
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r') {
				k++
			}
			call := k < len(s) && s[k] == '('
			if name := s[i+1 : j]; name != "" && !call && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
			i = j - 1
		}
	}
	return out
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
