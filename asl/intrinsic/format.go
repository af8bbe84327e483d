package intrinsic

import (
	"encoding/json"
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
)

// format implements States.Format. In a literal template an escaped brace (\{ or \}) is
// text; "{}" is a placeholder; any other brace is an error. A template taken from a path or
// a nested call has no escapes left, so only "{}" is special there.
func format(in *invocation) (any, error) {
	var tpl string
	if a := in.call.args[0]; a.kind == kindString {
		tpl = a.text
	} else {
		s, ok := in.args[0].(string)
		if !ok {
			return nil, errArgs
		}
		tpl = escapeBraces(s)
	}
	vals := in.args[1:]
	var b strings.Builder
	used := 0
	for i := 0; i < len(tpl); i++ {
		c := tpl[i]
		switch {
		case c == '\\' && i+1 < len(tpl):
			i++
			b.WriteByte(tpl[i])
		case c == '{' && i+1 < len(tpl) && tpl[i+1] == '}':
			i++
			if used < len(vals) {
				writeFormatted(&b, vals[used])
			}
			used++
		case c == '{':
			return nil, in.fail("matching '}' not found for '{'")
		case c == '}':
			return nil, in.fail("matching '{' not found for '}'")
		default:
			b.WriteByte(c)
		}
	}
	if used != len(vals) {
		return nil, in.fail("number of arguments do not match the occurrences of {}")
	}
	return b.String(), nil
}

// escapeBraces keeps a template's lone braces and backslashes from being read as syntax:
// only "{}" remains a placeholder.
func escapeBraces(s string) string {
	if !strings.ContainsAny(s, "{}\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '{' && i+1 < len(s) && s[i+1] == '}':
			b.WriteString("{}")
			i++
		case c == '{' || c == '}' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// writeFormatted renders a value as AWS's Java implementation does: strings raw, numbers as
// written, objects as {key=value, ...} and arrays as [a, b].
func writeFormatted(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case json.Number:
		b.WriteString(string(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeFormatted(b, e)
		}
		b.WriteByte(']')
	case *value.Object, map[string]any:
		o, _ := value.AsObject(x)
		b.WriteByte('{')
		for i, m := range o.Members() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.Key)
			b.WriteByte('=')
			writeFormatted(b, m.Value)
		}
		b.WriteByte('}')
	default:
		b.WriteString(value.Encode(v))
	}
}
