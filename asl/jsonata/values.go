package jsonata

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
)

// Inside the evaluator values are those of package value plus: undefined (JSONata's "nothing"),
// float64 numbers (computed ones; json.Number from the input is read as is), *arr for arrays the
// evaluator builds (sequences and constructed arrays carry flags), and functions (*lambda,
// *native, *partialFn, *regexFn). Input values are never changed.

type undefinedType struct{}

var undefined any = undefinedType{}

// arr is an array the evaluator made. seq marks a sequence (flattened, unwrapped to its single
// item); cons an array built by [...] (not flattened by paths).
type arr struct {
	items         []any
	seq           bool
	cons          bool
	keepSingleton bool
	tupleStream   bool
	outerWrapper  bool
}

func newSeq(items ...any) *arr { return &arr{items: items, seq: true} }

// items returns the elements of an array value.
func items(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case *arr:
		return x.items, true
	}
	return nil, false
}

func isArray(v any) bool {
	switch v.(type) {
	case []any, *arr:
		return true
	}
	return false
}

func isSeq(v any) bool {
	a, ok := v.(*arr)
	return ok && a.seq
}

func toNum(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			f, _ = value.Float(x)
		}
		return f, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func isNum(v any) bool {
	switch v.(type) {
	case float64, json.Number, int, int64:
		return true
	}
	return false
}

func isFunc(v any) bool {
	switch v.(type) {
	case *lambda, *native, *partialFn, *regexFn, *transformFn:
		return true
	}
	return false
}

func isString(v any) bool { _, ok := v.(string); return ok }

// symbol is a value's type letter in function signatures.
func symbol(v any) byte {
	switch v.(type) {
	case undefinedType:
		return 'm'
	case string:
		return 's'
	case bool:
		return 'b'
	case nil:
		return 'l'
	case *value.Object, map[string]any:
		return 'o'
	}
	if isNum(v) {
		return 'n'
	}
	if isArray(v) {
		return 'a'
	}
	if isFunc(v) {
		return 'f'
	}
	return 'x'
}

// truthy is $boolean.
func truthy(v any) (bool, bool) {
	switch x := v.(type) {
	case undefinedType:
		return false, false
	case nil:
		return false, true
	case bool:
		return x, true
	case string:
		return x != "", true
	case *value.Object:
		return x.Len() > 0, true
	case map[string]any:
		return len(x) > 0, true
	}
	if f, ok := toNum(v); ok {
		return f != 0, true
	}
	if it, ok := items(v); ok {
		if len(it) == 1 {
			return truthy(it[0])
		}
		for _, e := range it {
			if b, _ := truthy(e); b {
				return true, true
			}
		}
		return false, true
	}
	if isFunc(v) {
		return false, true
	}
	return false, true
}

// deepEqual is JSONata's "=" for non-numbers and the equality used by $distinct etc.
func deepEqual(a, b any) bool {
	if fa, ok := toNum(a); ok {
		fb, ok := toNum(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case undefinedType:
		return false
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case *value.Object, map[string]any:
		xo, _ := value.AsObject(x)
		yo, ok := value.AsObject(b)
		if !ok || xo.Len() != yo.Len() {
			return false
		}
		for _, m := range xo.Members() {
			yv, ok := yo.Get(m.Key)
			if !ok || !deepEqual(m.Value, yv) {
				return false
			}
		}
		return true
	}
	if xi, ok := items(a); ok {
		yi, ok := items(b)
		if !ok || len(xi) != len(yi) {
			return false
		}
		for i := range xi {
			if !deepEqual(xi[i], yi[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// export converts an evaluation result to the value conventions.
func export(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return x, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, &Error{Code: "D1001", Message: "Number out of range: " + strconv.FormatFloat(x, 'g', -1, 64)}
		}
		return value.FromFloat(x), nil
	case int:
		return value.FromInt(int64(x)), nil
	case int64:
		return value.FromInt(x), nil
	case *arr:
		out := make([]any, 0, len(x.items))
		for _, e := range x.items {
			if e == undefined {
				continue
			}
			c, err := export(e)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	case []any:
		// Input arrays are shared; copy only when something inside needs converting.
		for i, e := range x {
			c, err := export(e)
			if err != nil {
				return nil, err
			}
			if !same(c, e) {
				out := make([]any, 0, len(x))
				out = append(out, x[:i]...)
				if e != undefined {
					out = append(out, c)
				}
				for _, e := range x[i+1:] {
					if e == undefined {
						continue
					}
					c, err := export(e)
					if err != nil {
						return nil, err
					}
					out = append(out, c)
				}
				return out, nil
			}
		}
		return x, nil
	case *value.Object, map[string]any:
		o, _ := value.AsObject(x)
		var out *value.Object
		for i, m := range o.Members() {
			c, err := export(m.Value)
			if err != nil {
				return nil, err
			}
			if out == nil && (!same(c, m.Value) || m.Value == undefined) {
				out = value.NewObject(o.Len())
				for _, m2 := range o.Members()[:i] {
					out.Set(m2.Key, m2.Value)
				}
			}
			if out != nil && m.Value != undefined {
				out.Set(m.Key, c)
			}
		}
		if out != nil {
			return out, nil
		}
		return o, nil
	case undefinedType:
		return nil, nil
	}
	if isFunc(v) {
		return nil, ErrFunctionResult
	}
	return nil, ErrFunctionResult
}

// same reports whether export left a value unchanged (so the container need not be copied).
func same(a, b any) bool {
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case *value.Object:
		y, ok := b.(*value.Object)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		return mapID(x) == mapID(y)
	case json.Number, string, bool, nil:
		return a == b
	}
	return false
}

func mapID(m map[string]any) uintptr {
	return reflectPointer(m)
}

// formatNumberJS renders a number as JavaScript's Number.prototype.toString does.
func formatNumberJS(f float64) string {
	if math.IsNaN(f) {
		return "NaN"
	}
	if math.IsInf(f, 1) {
		return "Infinity"
	}
	if math.IsInf(f, -1) {
		return "-Infinity"
	}
	if f == 0 {
		return "0"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expS, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expS)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	var out string
	switch {
	case exp >= 21 || exp <= -7:
		out = digits[:1]
		if len(digits) > 1 {
			out += "." + digits[1:]
		}
		if exp > 0 {
			out += "e+" + strconv.Itoa(exp)
		} else {
			out += "e" + strconv.Itoa(exp)
		}
	case exp >= len(digits)-1:
		out = digits + strings.Repeat("0", exp-len(digits)+1)
	case exp >= 0:
		out = digits[:exp+1] + "." + digits[exp+1:]
	default:
		out = "0." + strings.Repeat("0", -exp-1) + digits
	}
	if neg {
		out = "-" + out
	}
	return out
}

// stringify is $string: JSON text for non-strings, with numbers to 15 significant digits.
func stringify(v any, pretty bool) (string, error) {
	var b strings.Builder
	if err := writeJSON(&b, v, pretty, ""); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeJSON(b *strings.Builder, v any, pretty bool, indent string) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		data, _ := json.Marshal(x)
		s := string(data)
		s = strings.ReplaceAll(s, `\u003c`, "<")
		s = strings.ReplaceAll(s, `\u003e`, ">")
		s = strings.ReplaceAll(s, `\u0026`, "&")
		s = strings.ReplaceAll(s, `\u2028`, "\u2028")
		s = strings.ReplaceAll(s, `\u2029`, "\u2029")
		b.WriteString(s)
	case *value.Object, map[string]any:
		o, _ := value.AsObject(x)
		b.WriteByte('{')
		n := 0
		for _, m := range o.Members() {
			k, e := m.Key, m.Value
			if e == undefined {
				continue
			}
			if isFunc(e) {
				e = ""
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			if pretty {
				b.WriteString("\n" + indent + "  ")
			}
			writeJSON(b, k, false, "")
			b.WriteByte(':')
			if pretty {
				b.WriteByte(' ')
			}
			if err := writeJSON(b, e, pretty, indent+"  "); err != nil {
				return err
			}
		}
		if pretty && n > 0 {
			b.WriteString("\n" + indent)
		}
		b.WriteByte('}')
	case undefinedType:
		b.WriteString("null")
	default:
		if f, ok := toNum(v); ok {
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return &Error{Code: "D1001", Message: "Number out of range"}
			}
			if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				b.WriteString(formatNumberJS(f))
				return nil
			}
			b.WriteString(formatNumberJS(toPrecision15(f)))
			return nil
		}
		if it, ok := items(v); ok {
			b.WriteByte('[')
			n := 0
			for _, e := range it {
				if e == undefined {
					continue
				}
				if isFunc(e) {
					e = ""
				}
				if n > 0 {
					b.WriteByte(',')
				}
				n++
				if pretty {
					b.WriteString("\n" + indent + "  ")
				}
				if err := writeJSON(b, e, pretty, indent+"  "); err != nil {
					return err
				}
			}
			if pretty && n > 0 {
				b.WriteString("\n" + indent)
			}
			b.WriteByte(']')
			return nil
		}
		if isFunc(v) {
			b.WriteString(`""`)
			return nil
		}
		b.WriteString("null")
	}
	return nil
}

func isIntText(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && !(i == 0 && s[i] == '-') {
			return false
		}
	}
	return len(s) <= 15
}

func toPrecision15(f float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return r
}
