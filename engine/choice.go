package engine

import (
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
)

// evalRule evaluates a Choice rule against the scope's input.
func (x *run) evalRule(sc *scope, r *asl.ChoiceRule, loc string) (bool, error) {
	switch {
	case r.Condition != nil:
		v, err := sc.template(r.Condition, "Condition")
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, sc.typeErr(r.Condition, "Condition", "boolean", v)
		}
		return b, nil
	case r.And != nil:
		for _, sub := range r.And {
			ok, err := x.evalRule(sc, sub, loc)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.Or != nil:
		for _, sub := range r.Or {
			ok, err := x.evalRule(sc, sub, loc)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.Not != nil:
		ok, err := x.evalRule(sc, r.Not, loc)
		return !ok, err
	}
	v, err := sc.query(r.Variable)
	present := err == nil
	if r.Operator == "IsPresent" {
		want, _ := r.Operand.(bool)
		return present == want, nil
	}
	if !present {
		return false, sc.runtimeErr("Invalid path '%s': The choice state's condition path references an invalid value.", r.Variable.Text)
	}
	operand := r.Operand
	if r.OperandPath != nil {
		if operand, err = sc.query(r.OperandPath); err != nil {
			return false, sc.runtimeErr("Invalid path '%s': The choice state's condition path references an invalid value.", r.OperandPath.Text)
		}
	}
	return compare(r.Operator, v, operand), nil
}

// compare applies a comparison operator. Values of the wrong type compare false, as in AWS.
func compare(op string, v, operand any) bool {
	switch op {
	case "IsNull":
		want, _ := operand.(bool)
		return (v == nil) == want
	case "IsNumeric":
		want, _ := operand.(bool)
		return value.IsNumber(v) == want
	case "IsString":
		want, _ := operand.(bool)
		_, ok := v.(string)
		return ok == want
	case "IsBoolean":
		want, _ := operand.(bool)
		_, ok := v.(bool)
		return ok == want
	case "IsTimestamp":
		want, _ := operand.(bool)
		s, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(s)
		}
		return ok == want
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && wildcardMatch(b, a)
	}
	switch {
	case strings.HasPrefix(op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		// By UTF-16 code units, as Java's String.compareTo orders them.
		return ok1 && ok2 && ordered(op[len("String"):], value.CompareStrings(a, b))
	case strings.HasPrefix(op, "Numeric"):
		a, ok1 := value.Float(v)
		b, ok2 := value.Float(operand)
		if !ok1 || !ok2 || !value.IsNumber(v) || !value.IsNumber(operand) {
			return false
		}
		c := 0
		if a < b {
			c = -1
		} else if a > b {
			c = 1
		}
		return ordered(op[len("Numeric"):], c)
	case strings.HasPrefix(op, "Timestamp"):
		as, ok1 := v.(string)
		bs, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		a, ok1 := parseTimestamp(as)
		b, ok2 := parseTimestamp(bs)
		return ok1 && ok2 && ordered(op[len("Timestamp"):], compareTime(a, b))
	}
	return false
}

func compareTime(a, b time.Time) int {
	switch {
	case a.Before(b):
		return -1
	case a.After(b):
		return 1
	}
	return 0
}

// ordered maps a comparison's suffix to the sign it accepts.
func ordered(suffix string, c int) bool {
	switch suffix {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// wildcardMatch matches s against a StringMatches pattern: '*' matches any run of
// characters, '\*' a literal star and '\\' a backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		lit  rune
	}
	var toks []tok
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\\' && i+1 < len(rs):
			i++
			toks = append(toks, tok{lit: rs[i]})
		case rs[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{lit: rs[i]})
		}
	}
	in := []rune(s)
	// Iterative matching with backtracking to the last star.
	ti, si, starT, starS := 0, 0, -1, 0
	for si < len(in) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].lit == in[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starT, starS = ti, si
			ti++
		case starT >= 0:
			starS++
			ti, si = starT+1, starS
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
