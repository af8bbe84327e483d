package execlog

import (
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/history"
)

// maxData is the most of an input or output a log event carries, JSON-escaped: past it
// Step Functions truncates it and says so in inputDetails or outputDetails ("truncated":
// true), "as a result of CloudWatch Logs quotas". AWS documents the bound, not the
// cut: here the data keeps its longest prefix, whole characters, that fits.
const maxData = 248 * 1024

// truncated returns details with an input or output past maxData cut to fit and marked
// truncated: a copy, or details itself when nothing is cut.
func truncated(details any) any {
	switch d := details.(type) {
	case *history.ExecutionStarted:
		return cut(d, func(c *history.ExecutionStarted) (*string, *bool) { return &c.Input, &c.InputDetails.Truncated })
	case *history.StateEntered:
		return cut(d, func(c *history.StateEntered) (*string, *bool) { return &c.Input, &c.InputDetails.Truncated })
	case *history.LambdaScheduled:
		return cut(d, func(c *history.LambdaScheduled) (*string, *bool) { return &c.Input, &c.InputDetails.Truncated })
	case *history.ActivityScheduled:
		return cut(d, func(c *history.ActivityScheduled) (*string, *bool) { return &c.Input, &c.InputDetails.Truncated })
	case *history.Output:
		return cut(d, func(c *history.Output) (*string, *bool) { return &c.Output, &c.OutputDetails.Truncated })
	case *history.StateExited:
		return cut(d, func(c *history.StateExited) (*string, *bool) { return &c.Output, &c.OutputDetails.Truncated })
	case *history.TaskOutput:
		return cut(d, func(c *history.TaskOutput) (*string, *bool) { return &c.Output, &c.OutputDetails.Truncated })
	}
	return details
}

// cut returns d, or a copy of it with its data (what field points to in a T) cut to fit and
// its truncated flag set.
func cut[T any](d *T, field func(*T) (data *string, truncated *bool)) any {
	data, _ := field(d)
	s, ok := fit(*data)
	if !ok {
		return d
	}
	c := *d
	data, flag := field(&c)
	*data, *flag = s, true
	return &c
}

// fit returns the longest prefix of s, in whole characters, whose JSON escape (as the log
// line writes it) takes at most maxData bytes, and whether that is less than s.
func fit(s string) (string, bool) {
	if len(s) <= maxData/6 { // no character escapes to more than 6 bytes a byte
		return s, false
	}
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		w := escapedSize(s[i], r, size)
		if n+w > maxData {
			return s[:i], true
		}
		n += w
		i += size
	}
	return s, false
}

// escapedSize is how many bytes a character (its first byte c, rune r of size bytes) takes
// in a JSON string with HTML escaping, as encoding/json writes it.
func escapedSize(c byte, r rune, size int) int {
	if c >= utf8.RuneSelf {
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return 6
		}
		return size
	}
	switch {
	case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
		return 2
	case c < 0x20 || c == '<' || c == '>' || c == '&':
		return 6
	}
	return 1
}
