package testsuite

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// decode reads JSON text as encoding/json does, numbers kept as json.Number so that they
// compare by value and not through float64.
func decode(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("text after the JSON value")
	}
	return v, nil
}

// step is one step of a path into a JSON value: a member name or an array index.
type step struct {
	key   string
	index int
	isIdx bool
}

// difference is the first place where two JSON values differ.
type difference struct {
	path []step
	want any
	got  any
	// missing: the expected member or element is not there; extra: an actual member or
	// element that was not expected (exact comparisons only).
	missing, extra bool
}

// String renders the difference for the report: "$.a[2]: want 1, got 2".
func (d *difference) String() string {
	p := pathText(d.path)
	switch {
	case d.missing:
		return fmt.Sprintf("%s: missing (want %s)", p, show(d.want))
	case d.extra:
		return fmt.Sprintf("%s: not expected (got %s)", p, show(d.got))
	}
	return fmt.Sprintf("%s: want %s, got %s", p, show(d.want), show(d.got))
}

// diff compares an expected value with an actual one and returns the first difference, or
// nil. subset: the expected value need only be part of the actual one — an object's
// expected members must be there (others may be too); arrays still match element by
// element, each element compared as a subset.
func diff(want, got any, subset bool) *difference {
	return diffAt(nil, want, got, subset)
}

func diffAt(path []step, want, got any, subset bool) *difference {
	here := func() *difference {
		return &difference{path: append([]step(nil), path...), want: want, got: got}
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return here()
		}
		for _, k := range sortedKeys(w) {
			at := append(path, step{key: k})
			gv, ok := g[k]
			if !ok {
				return &difference{path: append([]step(nil), at...), want: w[k], missing: true}
			}
			if d := diffAt(at, w[k], gv, subset); d != nil {
				return d
			}
		}
		if !subset {
			for _, k := range sortedKeys(g) {
				if _, ok := w[k]; !ok {
					return &difference{path: append(append([]step(nil), path...), step{key: k}), got: g[k], extra: true}
				}
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok {
			return here()
		}
		for i := 0; i < len(w) || i < len(g); i++ {
			at := append(path, step{index: i, isIdx: true})
			switch {
			case i >= len(g):
				return &difference{path: append([]step(nil), at...), want: w[i], missing: true}
			case i >= len(w):
				return &difference{path: append([]step(nil), at...), got: g[i], extra: true}
			}
			if d := diffAt(at, w[i], g[i], subset); d != nil {
				return d
			}
		}
		return nil
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || !sameNumber(w, g) {
			return here()
		}
		return nil
	default: // nil, bool, string
		if want != got {
			return here()
		}
		return nil
	}
}

// equal tells whether two decoded JSON values are the same.
func equal(a, b any) bool { return diff(a, b, false) == nil }

// sameNumber compares two JSON numbers by value: 1, 1.0 and 1e0 are the same.
func sameNumber(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, okx := new(big.Rat).SetString(string(a))
	y, oky := new(big.Rat).SetString(string(b))
	return okx && oky && x.Cmp(y) == 0
}

// lookup finds the value at a path, or false when it is not there.
func lookup(v any, path []step) (any, bool) {
	for _, s := range path {
		if s.isIdx {
			a, ok := v.([]any)
			if !ok || s.index >= len(a) {
				return nil, false
			}
			v = a[s.index]
		} else {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[s.key]; !ok {
				return nil, false
			}
		}
	}
	return v, true
}

// pathText renders a path as JSONPath: $.order.items[2]['unit price'].
func pathText(path []step) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range path {
		switch {
		case s.isIdx:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case isIdent(s.key):
			b.WriteString("." + s.key)
		default:
			b.WriteString("['" + strings.ReplaceAll(strings.ReplaceAll(s.key, `\`, `\\`), "'", `\'`) + "']")
		}
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')) {
			return false
		}
	}
	return true
}

// maxShown is how much of a value a report line shows.
const maxShown = 200

// show renders a value compactly for a report line, cut at maxShown bytes.
func show(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSuffix(b.String(), "\n")
	if len(s) > maxShown {
		cut := maxShown
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
