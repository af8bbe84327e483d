package conformance

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A JSON value as the comparison needs it. It is hand-written rather than encoding/json's
// any because two things the verdicts depend on are lost there: the order of an object's keys
// (AWS keeps it, and the runner reports whether Stepwise does) and the difference between an
// integer and a number written with a fraction or exponent (the recordings' normalisation
// treats 1 and 1.0 as values of different kinds, and so does the comparer).
type kind uint8

const (
	kNull kind = iota
	kBool
	kInt
	kFloat
	kString
	kArray
	kObject
)

type jv struct {
	k    kind
	b    bool
	i    *big.Int // kInt
	f    float64  // kFloat
	s    string   // kString
	arr  []jv     // kArray
	keys []string // kObject, in the order written
	vals []jv     // kObject, vals[i] is keys[i]'s value
}

func jstr(s string) jv { return jv{k: kString, s: s} }

// get returns the value of key k in an object, and whether it is there.
func (v jv) get(k string) (jv, bool) {
	for i, key := range v.keys {
		if key == k {
			return v.vals[i], true
		}
	}
	return jv{}, false
}

// set returns a copy of object v with key k set to x (appended when new).
func (v jv) set(k string, x jv) jv {
	out := jv{k: kObject, keys: append([]string(nil), v.keys...), vals: append([]jv(nil), v.vals...)}
	for i, key := range out.keys {
		if key == k {
			out.vals[i] = x
			return out
		}
	}
	out.keys = append(out.keys, k)
	out.vals = append(out.vals, x)
	return out
}

// isNumber says whether v is an integer or a float (not a boolean).
func (v jv) isNumber() bool { return v.k == kInt || v.k == kFloat }

// equal is equality between values of the same kind.
func (v jv) equal(w jv) bool {
	if v.k != w.k {
		return false
	}
	switch v.k {
	case kNull:
		return true
	case kBool:
		return v.b == w.b
	case kInt:
		return v.i.Cmp(w.i) == 0
	case kFloat:
		return v.f == w.f
	case kString:
		return v.s == w.s
	case kArray:
		if len(v.arr) != len(w.arr) {
			return false
		}
		for i := range v.arr {
			if !v.arr[i].equal(w.arr[i]) {
				return false
			}
		}
		return true
	}
	if len(v.keys) != len(w.keys) {
		return false
	}
	for i, k := range v.keys {
		x, ok := w.get(k)
		if !ok || !v.vals[i].equal(x) {
			return false
		}
	}
	return true
}

// parseJSON reads one JSON document, keeping key order and the integer/float distinction.
// A repeated key keeps its first place and takes its last value.
func parseJSON(text string) (jv, error) {
	p := parser{s: text}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return jv{}, err
	}
	p.space()
	if p.i != len(p.s) {
		return jv{}, fmt.Errorf("extra data at offset %d", p.i)
	}
	return v, nil
}

type parser struct {
	s string
	i int
}

const maxDepth = 10000

func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *parser) value(depth int) (jv, error) {
	if depth > maxDepth {
		return jv{}, p.errorf("too deeply nested")
	}
	if p.i >= len(p.s) {
		return jv{}, p.errorf("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return jstr(s), err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return jv{k: kBool, b: true}, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return jv{k: kBool}, nil
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return jv{}, nil
	}
	return jv{}, p.errorf("unexpected %q", p.s[p.i])
}

func (p *parser) object(depth int) (jv, error) {
	p.i++
	v := jv{k: kObject, keys: []string{}, vals: []jv{}}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return jv{}, p.errorf("expected a key")
		}
		k, err := p.str()
		if err != nil {
			return jv{}, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return jv{}, p.errorf("expected ':'")
		}
		p.i++
		p.space()
		x, err := p.value(depth + 1)
		if err != nil {
			return jv{}, err
		}
		if j := indexOf(v.keys, k); j >= 0 {
			v.vals[j] = x
		} else {
			v.keys = append(v.keys, k)
			v.vals = append(v.vals, x)
		}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return v, nil
		}
		return jv{}, p.errorf("expected ',' or '}'")
	}
}

func indexOf(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

func (p *parser) array(depth int) (jv, error) {
	p.i++
	v := jv{k: kArray, arr: []jv{}}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		p.space()
		x, err := p.value(depth + 1)
		if err != nil {
			return jv{}, err
		}
		v.arr = append(v.arr, x)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return v, nil
		}
		return jv{}, p.errorf("expected ',' or ']'")
	}
}

func (p *parser) number() (jv, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return jv{}, p.errorf("bad number")
	}
	isFloat := false
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		isFloat = true
		if digits() == 0 {
			return jv{}, p.errorf("bad number")
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		isFloat = true
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return jv{}, p.errorf("bad number")
		}
	}
	text := p.s[start:p.i]
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return jv{}, err
		}
		return jv{k: kFloat, f: f}, nil
	}
	i, _ := new(big.Int).SetString(text, 10)
	return jv{k: kInt, i: i}, nil
}

func (p *parser) str() (string, error) {
	p.i++ // the opening quote
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", p.errorf("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c < 0x20:
			return "", p.errorf("control character in string")
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", p.errorf("unterminated string")
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) && strings.HasPrefix(p.s[p.i:], `\u`) {
					save := p.i
					p.i += 2
					r2, err := p.hex4()
					if err == nil && utf16.DecodeRune(r, r2) != utf8.RuneError {
						r = utf16.DecodeRune(r, r2)
					} else {
						p.i = save
					}
				}
				b.WriteRune(r)
			default:
				return "", p.errorf("bad escape")
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
}

func (p *parser) hex4() (rune, error) {
	if p.i+4 > len(p.s) {
		return 0, p.errorf("bad \\u escape")
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, p.errorf("bad \\u escape")
	}
	p.i += 4
	return rune(n), nil
}

// dumps renders v as Python's json.dumps does by default (", " and ": " separators, non-ASCII
// escaped, floats as Python's repr): the runner gives an execution this text as its input, as
// run.py did, so that an input recorded as a bare string reaches the engine in the same form.
// PyDumps rewrites JSON text as Python's json.dumps writes it (", " and ": " between
// members, non-ASCII and control characters escaped, floats as Python's repr), keys in the
// text's order: the form the recorded tests sent, which AWS quotes back in some errors.
func PyDumps(text string) (string, error) {
	v, err := parseJSON(text)
	if err != nil {
		return "", err
	}
	return dumps(v), nil
}

func dumps(v jv) string {
	var b strings.Builder
	writePy(&b, v)
	return b.String()
}

func writePy(b *strings.Builder, v jv) {
	switch v.k {
	case kNull:
		b.WriteString("null")
	case kBool:
		if v.b {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case kInt:
		b.WriteString(v.i.String())
	case kFloat:
		b.WriteString(pyFloat(v.f))
	case kString:
		writePyString(b, v.s)
	case kArray:
		b.WriteByte('[')
		for i, x := range v.arr {
			if i > 0 {
				b.WriteString(", ")
			}
			writePy(b, x)
		}
		b.WriteByte(']')
	case kObject:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyString(b, k)
			b.WriteString(": ")
			writePy(b, v.vals[i])
		}
		b.WriteByte('}')
	}
}

func writePyString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r < 0x10000):
			fmt.Fprintf(b, `\u%04x`, r)
		case r >= 0x10000:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// pyFloat is Python's repr of a float: the shortest digits that read back the same, in
// positional notation for exponents from -4 to 15 and scientific notation otherwise.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	sign := ""
	if strings.HasPrefix(mant, "-") {
		sign, mant = "-", mant[1:]
	}
	digits := strings.Replace(mant, ".", "", 1)
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := fmt.Sprintf("%+03d", exp)
		return sign + m + "e" + es
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

// compact renders v as compact JSON, for the messages that show a difference.
func compact(v jv, limit int) string {
	var b strings.Builder
	writePy(&b, v)
	s := b.String()
	if len(s) > limit {
		s = s[:limit]
	}
	return s
}
