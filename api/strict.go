package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// checkBody refuses a request body that is not one JSON object of valid UTF-8 with each
// member named once, as a strict JSON 1.0 server does: encoding/json alone would read the
// first of two values and drop the rest, keep the last of two members of one name, and
// turn invalid UTF-8 into U+FFFD, so that what ran would not be what was sent. The errors
// say where, in a sentence, never in Go's terms.
func checkBody(body []byte) *Error {
	if !utf8.Valid(body) {
		return apiErr("SerializationException", "The request body is not valid UTF-8 (at byte %d).", invalidUTF8At(body))
	}
	sc := scanner{b: body}
	sc.space()
	if sc.i < len(sc.b) && sc.b[sc.i] != '{' {
		switch sc.b[sc.i] {
		case '[':
			return apiErr("SerializationException", "Start of list found where not expected: the request body must be a JSON object.")
		default:
			return apiErr("SerializationException", "The request body must be a JSON object.")
		}
	}
	if err := sc.value(0); err != nil {
		return apiErr("SerializationException", "%s", err.Error())
	}
	sc.space()
	if sc.i < len(sc.b) {
		return apiErr("SerializationException", "The request body holds more than one JSON value: %q at byte %d follows the object.", sc.b[sc.i], sc.i)
	}
	return nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// scanner checks JSON syntax and repeated member names; it builds nothing.
type scanner struct {
	b []byte
	i int
}

// maxDepth is how deeply values may nest, as encoding/json allows.
const maxDepth = 10000

func (s *scanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *scanner) fail(what string) error {
	if s.i >= len(s.b) {
		return fmt.Errorf("The request body is not valid JSON: it ends before %s.", what)
	}
	return fmt.Errorf("The request body is not valid JSON: expected %s at byte %d, found %q.", what, s.i, s.b[s.i])
}

func (s *scanner) value(depth int) error {
	if depth > maxDepth {
		return errors.New("The request body nests more deeply than 10000 levels.")
	}
	s.space()
	if s.i >= len(s.b) {
		return s.fail("a value")
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		s.i++
		s.space()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return nil
		}
		for {
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.space()
			if s.i < len(s.b) && s.b[s.i] == ',' {
				s.i++
				continue
			}
			if s.i < len(s.b) && s.b[s.i] == ']' {
				s.i++
				return nil
			}
			return s.fail("',' or ']'")
		}
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.word("true")
	case c == 'f':
		return s.word("false")
	case c == 'n':
		return s.word("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return s.fail("a value")
}

func (s *scanner) object(depth int) error {
	s.i++ // {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	var backing [16][]byte
	names := backing[:0] // objects of requests are small: a list beats a map
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.fail("a member name")
		}
		name, err := s.str()
		if err != nil {
			return err
		}
		for _, n := range names {
			if string(n) == string(name) {
				return fmt.Errorf("The request body names the member '%s' twice in one object.", name)
			}
		}
		names = append(names, name)
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.fail("':'")
		}
		s.i++
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.space()
		if s.i < len(s.b) && s.b[s.i] == ',' {
			s.i++
			continue
		}
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return nil
		}
		return s.fail("',' or '}'")
	}
}

// str reads a string, returning its bytes, unescaped when it has escapes (the name compared
// for repeats is the decoded one, as encoding/json sees it); without escapes the bytes are
// the body's own, not a copy.
func (s *scanner) str() ([]byte, error) {
	start := s.i
	s.i++
	escaped := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			raw := s.b[start:s.i]
			if !escaped {
				return raw[1 : len(raw)-1], nil
			}
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("The request body is not valid JSON: a bad escape in the string at byte %d.", start)
			}
			return []byte(v), nil
		case c == '\\':
			escaped = true
			s.i += 2
			continue
		case c < 0x20:
			return nil, fmt.Errorf("The request body is not valid JSON: a control character in the string at byte %d.", s.i)
		}
		s.i++
	}
	return nil, s.fail("the end of a string")
}

func (s *scanner) word(w string) error {
	if !strings.HasPrefix(string(s.b[s.i:min(len(s.b), s.i+len(w))]), w) {
		return s.fail("a value")
	}
	s.i += len(w)
	return nil
}

func (s *scanner) number() error {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		return s.fail("a digit")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return s.fail("a digit")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return s.fail("a digit")
		}
	}
	if start == s.i {
		return s.fail("a number")
	}
	return nil
}

// decodeError words encoding/json's errors for a request that passed checkBody (so the
// JSON is well formed): a member of the wrong type, named after its path in the request.
func decodeError(err error, body []byte) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return apiErr("SerializationException", "The request body must be a JSON object.")
		}
		return apiErr("SerializationException", "Value at '%s' must be %s, not %s.", memberPath(te.Field, body), kindOf(te.Type), article(te.Value))
	}
	return apiErr("SerializationException", "The request body could not be read.")
}

// memberPath is encoding/json's path of a member as the request names it: the names of
// embedded Go structs it passes through are not members of the request, so the path keeps
// only the names found in the body along the way.
func memberPath(field string, body []byte) string {
	var cur any
	if json.Unmarshal(body, &cur) != nil {
		return field
	}
	var kept []string
	for _, name := range strings.Split(field, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			kept = append(kept, name) // inside a list: names cannot be checked further
			continue
		}
		if v, ok := obj[name]; ok {
			kept = append(kept, name)
			cur = v
		}
	}
	if len(kept) == 0 {
		return field
	}
	return strings.Join(kept, ".")
}

func kindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another type"
}

// article names a JSON value's kind as encoding/json reports it ("array", "number 1.5").
func article(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	switch kind {
	case "array":
		return "a list"
	case "object":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "number":
		return "a number"
	}
	return kind
}

// jsonContentType tells whether a Content-Type is one a JSON protocol request may have:
// application/x-amz-json-1.0 (what the SDKs and the CLI send), 1.1, or application/json.
// A request without one is read as JSON too (curl and hand-written clients often omit it).
func jsonContentType(ct string) bool {
	media, _, _ := strings.Cut(ct, ";")
	switch strings.ToLower(strings.TrimSpace(media)) {
	case "application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json":
		return true
	}
	return false
}
