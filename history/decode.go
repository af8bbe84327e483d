package history

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/internal/jsontext"
)

// Reading a long history is mostly decoding its events (a store keeps each as its JSON), and
// encoding/json's reflection took over four fifths of reading 25,000 of them. decodeFast reads
// the events Stepwise writes in one pass without reflection; whatever it does not expect (an
// unknown member, a null, a malformed document) makes it give up, and UnmarshalJSON then
// decodes the event with encoding/json, so the two agree on every input (FuzzDecodeFast).

// decodeFast decodes data into e and reports whether it could.
func (e *Event) decodeFast(data []byte) bool {
	var typ, ts, id, prev []byte
	var other [2]struct{ key, val []byte }
	nOther := 0
	ok := members(data, func(key, val []byte) bool {
		switch string(key) {
		case "type":
			typ = val
		case "timestamp":
			ts = val
		case "id":
			id = val
		case "previousEventId":
			prev = val
		default:
			for i := range nOther {
				if string(other[i].key) == string(key) {
					other[i].val = val
					return true
				}
			}
			if nOther == len(other) {
				return false
			}
			other[nOther].key, other[nOther].val = key, val
			nOther++
		}
		return true
	})
	if !ok || typ == nil {
		return false
	}
	var ev Event
	if ev.Type, ok = unquote(typ); !ok {
		return false
	}
	if ts != nil && ev.Timestamp.UnmarshalJSON(ts) != nil {
		return false
	}
	if id != nil && !parseInt(id, &ev.ID) || prev != nil && !parseInt(prev, &ev.PreviousEventID) {
		return false
	}
	key := DetailsKey(ev.Type)
	for i := range nOther {
		if string(other[i].key) != key {
			continue
		}
		d := newDetails(ev.Type)
		if !decodeDetails(d, other[i].val) {
			return false
		}
		ev.Details = d
	}
	*e = ev
	return true
}

// decodeDetails fills the details types of the frequent events; false for the others and
// for members it does not expect.
func decodeDetails(d any, data []byte) bool {
	switch d := d.(type) {
	case *StateEntered:
		return members(data, func(k, v []byte) bool {
			switch string(k) {
			case "name":
				return str(v, &d.Name)
			case "input":
				return str(v, &d.Input)
			case "inputDetails":
				return dataDetails(v, &d.InputDetails)
			}
			return false
		})
	case *StateExited:
		return members(data, func(k, v []byte) bool {
			switch string(k) {
			case "name":
				return str(v, &d.Name)
			case "output":
				return str(v, &d.Output)
			case "outputDetails":
				return dataDetails(v, &d.OutputDetails)
			}
			return false
		})
	case *ExecutionStarted:
		return members(data, func(k, v []byte) bool {
			switch string(k) {
			case "input":
				return str(v, &d.Input)
			case "inputDetails":
				return dataDetails(v, &d.InputDetails)
			case "roleArn":
				return str(v, &d.RoleArn)
			case "stateMachineAliasArn":
				return str(v, &d.StateMachineAliasArn)
			case "stateMachineVersionArn":
				return str(v, &d.StateMachineVersionArn)
			}
			return false
		})
	case *Output:
		return members(data, func(k, v []byte) bool {
			switch string(k) {
			case "output":
				return str(v, &d.Output)
			case "outputDetails":
				return dataDetails(v, &d.OutputDetails)
			}
			return false
		})
	case *Failure:
		return members(data, func(k, v []byte) bool {
			switch string(k) {
			case "error":
				return strPtr(v, &d.Error)
			case "cause":
				return strPtr(v, &d.Cause)
			}
			return false
		})
	case *TaskResource:
		return members(data, func(k, v []byte) bool {
			switch string(k) {
			case "resourceType":
				return str(v, &d.ResourceType)
			case "resource":
				return str(v, &d.Resource)
			}
			return false
		})
	case *TaskOutput:
		return members(data, func(k, v []byte) bool {
			switch string(k) {
			case "resourceType":
				return str(v, &d.ResourceType)
			case "resource":
				return str(v, &d.Resource)
			case "output":
				return str(v, &d.Output)
			case "outputDetails":
				return dataDetails(v, &d.OutputDetails)
			}
			return false
		})
	case *TaskFailure:
		return members(data, func(k, v []byte) bool {
			switch string(k) {
			case "resourceType":
				return str(v, &d.ResourceType)
			case "resource":
				return str(v, &d.Resource)
			case "error":
				return strPtr(v, &d.Error)
			case "cause":
				return strPtr(v, &d.Cause)
			}
			return false
		})
	case *TaskScheduled:
		return members(data, func(k, v []byte) bool {
			switch string(k) {
			case "resourceType":
				return str(v, &d.ResourceType)
			case "resource":
				return str(v, &d.Resource)
			case "region":
				return str(v, &d.Region)
			case "parameters":
				return str(v, &d.Parameters)
			case "timeoutInSeconds":
				return intPtr(v, &d.TimeoutInSeconds)
			case "heartbeatInSeconds":
				return intPtr(v, &d.HeartbeatInSeconds)
			}
			return false
		})
	}
	return false
}

func str(v []byte, dst *string) bool {
	s, ok := unquote(v)
	*dst = s
	return ok
}

func strPtr(v []byte, dst **string) bool {
	s, ok := unquote(v)
	*dst = &s
	return ok
}

func intPtr(v []byte, dst **int64) bool {
	var n int64
	if !parseInt(v, &n) {
		return false
	}
	*dst = &n
	return true
}

func dataDetails(v []byte, dst *DataDetails) bool {
	return members(v, func(k, v []byte) bool {
		if string(k) != "truncated" {
			return false
		}
		switch string(v) {
		case "true":
			dst.Truncated = true
		case "false":
			dst.Truncated = false
		default:
			return false
		}
		return true
	})
}

// parseInt reads a JSON integer (no fraction, no exponent: encoding/json refuses those for
// an int64 too).
func parseInt(v []byte, dst *int64) bool {
	if len(v) == 0 || len(v) > 1 && (v[0] == '0' || v[0] == '-' && v[1] == '0') {
		return false
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	*dst = n
	return err == nil
}

// members calls fn with each member of the JSON object data (its key unquoted, its value as
// written), in order, and reports whether data is one well-formed object and fn accepted
// every member. Keys with escapes are refused (fn would have to match them as encoding/json
// does).
func members(data []byte, fn func(key, val []byte) bool) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return skipSpace(data, i+1) == len(data)
	}
	for {
		end, ok := skipString(data, i)
		if !ok {
			return false
		}
		key := data[i+1 : end-1]
		for _, c := range key {
			if c == '\\' {
				return false
			}
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		i = skipSpace(data, i+1)
		end, ok = skipValue(data, i, 0)
		if !ok || !fn(key, data[i:end]) {
			return false
		}
		i = skipSpace(data, end)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return skipSpace(data, i+1) == len(data)
		default:
			return false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// maxDepth bounds the nesting skipValue follows; deeper documents go to encoding/json.
const maxDepth = 64

// skipValue returns the end of the JSON value starting at b[i].
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > maxDepth {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{' || c == '[':
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == closing {
			return i + 1, true
		}
		for {
			if c == '{' {
				end, ok := skipString(b, i)
				if !ok {
					return 0, false
				}
				i = skipSpace(b, end)
				if i >= len(b) || b[i] != ':' {
					return 0, false
				}
				i = skipSpace(b, i+1)
			}
			end, ok := skipValue(b, i, depth+1)
			if !ok {
				return 0, false
			}
			i = skipSpace(b, end)
			if i >= len(b) {
				return 0, false
			}
			if b[i] == closing {
				return i + 1, true
			}
			if b[i] != ',' {
				return 0, false
			}
			i = skipSpace(b, i+1)
		}
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	default:
		return skipNumber(b, i)
	}
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}

// skipNumber returns the end of the JSON number at b[i] (RFC 8259's grammar).
func skipNumber(b []byte, i int) (int, bool) {
	digits := func(i int) int {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

// skipString returns the end of the JSON string at b[i] (after its closing quote). It
// refuses control characters and invalid UTF-8, which encoding/json refuses or replaces.
func skipString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	for i++; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 >= len(b) {
				return 0, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return 0, false
				}
				i += 6
			default:
				return 0, false
			}
		case c < 0x20:
			return 0, false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return 0, false
			}
			i += size
		}
	}
	return 0, false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// unquote decodes a JSON string that skipString accepted, as encoding/json does (a lone
// surrogate becomes U+FFFD).
func unquote(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	body := v[1 : len(v)-1]
	esc := -1
	for i, c := range body {
		if c == '\\' {
			esc = i
			break
		}
	}
	if esc < 0 {
		return string(body), true
	}
	out := make([]byte, esc, len(body))
	copy(out, body[:esc])
	for i := esc; i < len(body); {
		c := body[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(body) {
			return "", false
		}
		if c, ok := jsontext.Unescape(body[i+1]); ok {
			out = append(out, c)
			i += 2
			continue
		}
		if body[i+1] != 'u' || i+6 > len(body) || !isHex4(body[i+2:i+6]) {
			return "", false
		}
		r := hex4(body[i+2 : i+6])
		i += 6
		if utf16.IsSurrogate(r) {
			r2 := utf8.RuneError
			if i+6 <= len(body) && body[i] == '\\' && body[i+1] == 'u' && isHex4(body[i+2:i+6]) {
				if dec := utf16.DecodeRune(r, hex4(body[i+2:i+6])); dec != utf8.RuneError {
					r2 = dec
					i += 6
				}
			}
			r = r2
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out), true
}
