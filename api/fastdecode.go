package api

import (
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/internal/jsontext"
)

// flatField is a string member of a request that decodeFlat fills: str for a string, ptr
// for a *string (set only when the member is there).
type flatField struct {
	name string
	str  *string
	ptr  **string
}

// decodeFlat decodes the requests of the hottest actions (StartExecution,
// StartSyncExecution, DescribeExecution), flat objects of strings, without reflection:
// encoding/json took a sixth of what the server spent on such a call outside the store and
// the interpreter. It reports false, having set nothing, for whatever it is not sure to read
// exactly as encoding/json would (a member it does not know or whose name differs in case,
// a value that is not a string, a \u escape, a control character or invalid UTF-8 in a
// string, anything malformed); the caller then decodes with encoding/json, which also words
// the errors. FuzzDecodeFlat holds the two equal.
func decodeFlat(body []byte, fields []flatField) bool {
	var values [8]string
	var seen [8]bool
	if len(fields) > len(values) {
		return false
	}
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return true // {}: nothing to set
	}
	for {
		key, next, ok := flatString(body, i)
		if !ok {
			return false
		}
		f := -1
		for j := range fields {
			if fields[j].name == key {
				f = j
				break
			}
		}
		if f < 0 {
			return false
		}
		i = skipSpace(body, next)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		values[f], next, ok = flatString(body, skipSpace(body, i+1))
		if !ok {
			return false
		}
		seen[f] = true // a repeated member: the last one counts, as with encoding/json
		i = skipSpace(body, next)
		if i >= len(body) {
			return false
		}
		if body[i] == '}' {
			break // what follows the object is not read, as json.Decoder does not
		}
		if body[i] != ',' {
			return false
		}
		i = skipSpace(body, i+1)
	}
	for j, f := range fields {
		if !seen[j] {
			continue
		}
		if f.ptr != nil {
			v := values[j]
			*f.ptr = &v
		} else {
			*f.str = values[j]
		}
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// flatString reads the JSON string at b[i:], returning it and the index after it; ok is false
// when there is no string there or it holds what decodeFlat leaves to encoding/json.
func flatString(b []byte, i int) (s string, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	start := i + 1
	ascii := true
	j := start
	for ; j < len(b); j++ {
		c := b[j]
		if c == '"' {
			break
		}
		if c == '\\' {
			return unescapeFlat(b, start)
		}
		if c < 0x20 {
			return "", 0, false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if j >= len(b) || (!ascii && !utf8.Valid(b[start:j])) {
		return "", 0, false
	}
	return string(b[start:j]), j + 1, true
}

// unescapeFlat is flatString for a string with escapes, from its first character.
func unescapeFlat(b []byte, start int) (string, int, bool) {
	out := make([]byte, 0, 64)
	for j := start; j < len(b); j++ {
		c := b[j]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				return "", 0, false
			}
			return string(out), j + 1, true
		case c < 0x20:
			return "", 0, false
		case c != '\\':
			out = append(out, c)
			continue
		}
		j++
		if j >= len(b) {
			return "", 0, false
		}
		c, ok := jsontext.Unescape(b[j])
		if !ok { // \u escapes (surrogates and all) are left to encoding/json
			return "", 0, false
		}
		out = append(out, c)
	}
	return "", 0, false
}
