package jsonpath

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/asl/value"
)

// expr is a compiled filter expression, tested against one item.
type expr interface {
	test(m *budget.Meter, root, item any) bool
}

type logical struct {
	or   bool
	l, r expr
}

func (e *logical) test(m *budget.Meter, root, item any) bool {
	if e.or {
		return e.l.test(m, root, item) || e.r.test(m, root, item)
	}
	return e.l.test(m, root, item) && e.r.test(m, root, item)
}

type not struct{ x expr }

func (e *not) test(m *budget.Meter, root, item any) bool { return !e.x.test(m, root, item) }

// compare is "l op r", or a lone operand (op "exists").
type compare struct {
	op   string
	l, r operand
}

// operand is a path relative to the item (@) or the root ($), a literal, or a regex.
type operand struct {
	path     *Path
	relative bool
	lit      any
	re       *regexp.Regexp
}

// value returns the operand's value, and false when a path selects nothing.
func (o *operand) value(m *budget.Meter, root, item any) (any, bool) {
	if o.path == nil {
		return o.lit, true
	}
	doc := root
	if o.relative {
		doc = item
	}
	v, err := o.path.QueryWith(doc, m)
	return v, err == nil
}

func (c *compare) test(m *budget.Meter, root, item any) bool {
	l, lok := c.l.value(m, root, item)
	if c.op == "exists" {
		if c.l.path == nil {
			return l == true
		}
		return lok
	}
	if c.op == "=~" {
		return lok && c.r.re.MatchString(regexInput(l))
	}
	r, rok := c.r.value(m, root, item)
	switch c.op {
	case "==":
		return lok && rok && equal(l, r)
	case "!=":
		return !(lok && rok && equal(l, r))
	case "in", "nin":
		in := false
		if list, ok := r.([]any); lok && rok && ok {
			for _, e := range list {
				if equal(l, e) {
					in = true
					break
				}
			}
		}
		return in == (c.op == "in")
	}
	if !lok || !rok {
		return false
	}
	n, ok := order(l, r)
	if !ok {
		return false
	}
	switch c.op {
	case "<":
		return n < 0
	case "<=":
		return n <= 0
	case ">":
		return n > 0
	}
	return n >= 0 // ">="
}

// equal is Jayway's ValueNode equality: JSON equality, except that a number equals a string
// holding the same number, and a string equals a number written the same way.
func equal(l, r any) bool {
	switch x := l.(type) {
	case json.Number:
		if s, ok := r.(string); ok {
			n, ok := order(x, json.Number(strings.TrimSpace(s)))
			return ok && n == 0 && isNumber(s)
		}
	case string:
		if n, ok := r.(json.Number); ok {
			return x == string(n)
		}
	}
	return value.Equal(l, r)
}

// isNumber reports whether s is a number as Java's BigDecimal reads one (JSON's grammar is
// close enough; "NaN" and "Infinity" are not numbers).
func isNumber(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && strings.IndexByte("-0123456789", s[0]) >= 0 && json.Valid([]byte(s))
}

// order compares two numbers or two strings; other pairs are unordered.
func order(l, r any) (int, bool) {
	switch x := l.(type) {
	case json.Number:
		y, ok := r.(json.Number)
		if !ok {
			return 0, false
		}
		return compareNumbers(x, y), true
	case string:
		y, ok := r.(string)
		if !ok {
			return 0, false
		}
		return value.CompareStrings(x, y), true // Java's String.compareTo: UTF-16 code units
	}
	return 0, false
}

// compareNumbers compares exactly when both are integers that fit in 64 bits, and as float64
// otherwise (so 0.1 and 0.10000000000000001 compare equal, as doubles do).
func compareNumbers(x, y json.Number) int {
	if a, err := strconv.ParseInt(string(x), 10, 64); err == nil {
		if b, err := strconv.ParseInt(string(y), 10, 64); err == nil {
			switch {
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		}
	}
	a, _ := value.Float(x)
	b, _ := value.Float(y)
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// regexInput is what Jayway matches a regex against: strings as they are, numbers and
// booleans as text, anything else as the empty string.
func regexInput(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}
