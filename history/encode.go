package history

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// appendDetails appends the JSON of the frequent details types as encoding/json writes them
// (the same bytes: FuzzAppendString, TestAppendDetails), without its reflection, which was a
// tenth of the server's time writing steps; the other types go through json.Marshal.
func appendDetails(b []byte, d any) ([]byte, error) {
	switch d := d.(type) {
	case *StateEntered:
		b = appendField(b, '{', "name", d.Name)
		b = appendField(b, ',', "input", d.Input)
		return appendDataDetails(b, "inputDetails", d.InputDetails), nil
	case *StateExited:
		if d.AssignedVariables != nil || d.AssignedVariablesDetails != nil {
			break
		}
		b = appendField(b, '{', "name", d.Name)
		b = appendField(b, ',', "output", d.Output)
		return appendDataDetails(b, "outputDetails", d.OutputDetails), nil
	case *Output:
		b = appendField(b, '{', "output", d.Output)
		return appendDataDetails(b, "outputDetails", d.OutputDetails), nil
	case *TaskResource:
		b = appendField(b, '{', "resourceType", d.ResourceType)
		b = appendField(b, ',', "resource", d.Resource)
		return append(b, '}'), nil
	case *TaskOutput:
		b = appendField(b, '{', "resourceType", d.ResourceType)
		b = appendField(b, ',', "resource", d.Resource)
		b = appendField(b, ',', "output", d.Output)
		return appendDataDetails(b, "outputDetails", d.OutputDetails), nil
	}
	data, err := json.Marshal(d)
	return append(b, data...), err
}

// appendField appends sep, "key":, and s as a JSON string.
func appendField(b []byte, sep byte, key, s string) []byte {
	b = append(b, sep, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, s)
}

// appendDataDetails appends ,"key":{"truncated":...} and closes the object.
func appendDataDetails(b []byte, key string, d DataDetails) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":{"truncated":`...)
	b = strconv.AppendBool(b, d.Truncated)
	return append(b, '}', '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string exactly as encoding/json's Marshal does: HTML
// characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
