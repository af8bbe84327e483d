// Package value holds the conventions for JSON data flowing through a state machine.
//
// A value is one of: nil, bool, json.Number, string, []any, *Object. Numbers stay
// json.Number so that large integers and decimal text survive a round trip unchanged, as they
// do in AWS. Values are immutable once shared: code that changes a document (ResultPath, for
// example) copies the spine it touches and leaves the original alone.
//
// # Key order
//
// Objects keep their keys in order, as AWS does: Decode reads them in the text's order, Encode
// writes them in that order, and every package that builds objects (templates, intrinsics,
// JSONata, ResultPath) produces an *Object in the order AWS gives. Equal ignores key order.
//
// A map[string]any is still accepted wherever a value is read, as an object whose keys are
// sorted (a Go map has none to keep): Encode sorts its keys, AsObject and Get read it. Code
// that reads values should not assert map[string]any, which misses ordered objects:
//
//	value.Get(v, "k")            instead of  v.(map[string]any)["k"]
//	o, ok := value.AsObject(v)   instead of  m, ok := v.(map[string]any)
//	for _, m := range o.Members()  (or o.All())  instead of  for k, e := range m
//	value.IsObject(v)            instead of  _, ok := v.(map[string]any)
//	value.Obj("a", 1, "b", 2)    to build an object in that order (or NewObject and Set)
//	value.Plain(v)               for code that needs Go maps (order is lost)
//
// Type switches over values have a case *Object (and may keep case map[string]any).
package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Decode parses JSON text into a value. Numbers become json.Number, objects *Object in the
// text's key order (a repeated key keeps its first place and its last value, as AWS reads it).
func Decode(data []byte) (any, error) {
	if json.Valid(data) {
		p := parser{s: data}
		return p.value(), nil
	}
	// Invalid text: encoding/json says what is wrong, in the words users already see.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("invalid character after top-level value")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("invalid character after top-level value")
	}
	return v, nil
}

// DecodeString is Decode for a string.
func DecodeString(s string) (any, error) { return Decode([]byte(s)) }

// Encode renders a value as compact JSON text, without HTML escaping (AWS does not escape
// '<', '>' or '&'). An *Object's keys come in its order; a map[string]any's sorted.
func Encode(v any) string {
	bp := encodeBuffers.Get().(*[]byte)
	b := AppendEncode((*bp)[:0], v)
	s := string(b)
	if cap(b) <= 64<<10 { // a rare large value does not stay pinned in the pool
		*bp = b
		encodeBuffers.Put(bp)
	}
	return s
}

// encodeBuffers keeps Encode's scratch buffers: a value's text is built in one and copied out
// once, instead of growing a new buffer for every value.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// EncodeBytes is Encode returning bytes.
func EncodeBytes(v any) []byte { return AppendEncode(nil, v) }

// AppendEncode appends v's JSON text (as Encode renders it) to b.
func AppendEncode(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		if x {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case json.Number:
		return append(b, x...)
	case float64:
		return append(b, FromFloat(x)...)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case string:
		return appendString(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendEncode(b, e)
		}
		return append(b, ']')
	case *Object:
		b = append(b, '{')
		for i, m := range x.Members() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, m.Key)
			b = append(b, ':')
			b = AppendEncode(b, m.Value)
		}
		return append(b, '}')
	case map[string]any:
		return appendObject(b, x)
	default:
		// Anything else came from outside the conventions; let encoding/json render it.
		data, err := json.Marshal(x)
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, data...)
	}
}

// appendObject writes an object with its keys sorted. Most objects in a workflow are small:
// their keys are sorted in an array on the stack.
func appendObject(b []byte, m map[string]any) []byte {
	var arr [16]string
	keys := arr[:0]
	if len(m) > len(arr) {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = AppendEncode(b, m[k])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		default:
			b = append(b, `\u00`...)
			b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// FromFloat renders a float64 as a JSON number: integral values without a fraction, others in
// the shortest form that round-trips.
func FromFloat(f float64) json.Number {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return json.Number("null")
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// FromInt renders an integer as a JSON number.
func FromInt(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

// Float returns the numeric value of v, and whether v is a number.
func Float(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil || isRangeErr(err)
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func isRangeErr(err error) bool {
	var ne *strconv.NumError
	return errors.As(err, &ne) && ne.Err == strconv.ErrRange
}

// Int returns v as an integer when it is a number with no fractional part.
func Int(v any) (int64, bool) {
	if n, ok := v.(json.Number); ok {
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i, true
		}
	}
	f, ok := Float(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// IsNumber reports whether v is a JSON number.
func IsNumber(v any) bool {
	switch v.(type) {
	case json.Number, float64, int, int64:
		return true
	}
	return false
}

// Equal compares two values as JSON: numbers by numeric value, objects regardless of key order.
func Equal(a, b any) bool {
	if IsNumber(a) && IsNumber(b) {
		if x, ok := a.(json.Number); ok {
			if y, ok := b.(json.Number); ok && x == y {
				return true
			}
		}
		fa, _ := Float(a)
		fb, _ := Float(b)
		return fa == fb
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case *Object:
		if !IsObject(b) || x.Len() != objectLen(b) {
			return false
		}
		for _, m := range x.Members() {
			yv, ok := Get(b, m.Key)
			if !ok || !Equal(m.Value, yv) {
				return false
			}
		}
		return true
	case map[string]any:
		if !IsObject(b) || len(x) != objectLen(b) {
			return false
		}
		for k, xv := range x {
			yv, ok := Get(b, k)
			if !ok || !Equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

func objectLen(v any) int {
	switch x := v.(type) {
	case *Object:
		return x.Len()
	case map[string]any:
		return len(x)
	}
	return 0
}

// Same reports whether a and b are the same value: the same object or array (not merely equal
// ones), or equal scalars of the same type. Values are immutable once shared, so the same
// value has the same JSON text.
func Same(a, b any) bool {
	switch x := a.(type) {
	case *Object:
		y, ok := b.(*Object)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && len(x) == len(y) && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case nil, bool, string, json.Number, float64, int, int64:
		return a == b
	}
	return false
}

// TypeName names the JSON type of v as Jackson's JsonNodeType does in AWS messages.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case *Object, map[string]any:
		return "object"
	}
	if IsNumber(v) {
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// Clone returns a deep copy of v. Use it only where a value must be changed in place.
func Clone(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Clone(e)
		}
		return out
	case *Object:
		out := NewObject(x.Len())
		for _, m := range x.Members() {
			out.Set(m.Key, Clone(m.Value))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Clone(e)
		}
		return out
	}
	return v
}

// CompareStrings orders strings by UTF-16 code units, as JavaScript (JSONata's comparison
// operators, $sort and order-by) and Java's String.compareTo (the String rules of Choice
// states, Jayway's filters) do. That is Go's order (by code points) except that a character above U+FFFF, whose
// first unit is a surrogate (U+D800 to U+DBFF), comes before the characters from U+E000 to
// U+FFFF.
func CompareStrings(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			if utf16Key(ra) < utf16Key(rb) {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// utf16Key maps a code point to a number that orders as its UTF-16 encoding does.
func utf16Key(r rune) rune {
	switch {
	case r >= 0x10000:
		return r - 0x10000 + 0xD800 // below U+E000's key, above U+D7FF's
	case r >= 0xE000:
		return r + 0x100000 // above every astral character's key
	}
	return r
}
