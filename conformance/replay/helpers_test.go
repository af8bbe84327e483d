package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stepwise-run/stepwise/asl/value"
)

// passResult is the state machine most API tests create (BaseTemplate.BASE_PASS_RESULT).
const passResult = "base/statemachines/pass_result.json5"

// createMachine creates a state machine named name from a template, with extra request
// members, and returns the answer.
func (r *replay) createMachine(name, tmpl string, extra map[string]any) map[string]any {
	req := map[string]any{"name": name, "definition": template(r.t, tmpl), "roleArn": role}
	for k, v := range extra {
		req[k] = v
	}
	return r.call("CreateStateMachine", req)
}

// withComment returns a template's definition with "-<suffix>" added to its Comment, as the
// tests make new revisions.
func withComment(r *replay, tmpl, suffix string) string {
	v, err := value.DecodeMaps([]byte(template(r.t, tmpl)))
	if err != nil {
		r.t.Fatal(err)
	}
	m := v.(map[string]any)
	m["Comment"] = m["Comment"].(string) + "-" + suffix
	return value.Encode(m)
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// awaitEnd polls DescribeExecution until the execution has ended.
func (r *replay) awaitEnd(arn string) map[string]any {
	for i := 0; i < 500; i++ {
		d := r.call("DescribeExecution", map[string]any{"executionArn": arn})
		if str(d, "status") != "RUNNING" {
			return d
		}
		sleep()
	}
	r.t.Fatalf("execution %s did not end", arn)
	return nil
}

func itoa(i int) string { return value.FromInt(int64(i)).String() }

// orderedTemplate reads a template keeping its keys' order, for requests whose text the answer
// quotes back.
func orderedTemplate(t *testing.T, path string) *value.Object {
	data, err := os.ReadFile(filepath.Join(recordings, "templates", path))
	if err != nil {
		t.Fatal(err)
	}
	v, err := value.Decode(json5ToJSON(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v.(*value.Object)
}

// pyDumps renders a value as the recorded tests' json.dumps did (", " and ": " between
// members, non-ASCII and control characters escaped): AWS quotes some definitions back
// verbatim, so the text sent must be the text the test sent.
func pyDumps(v any) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case *value.Object:
			b.WriteByte('{')
			for i, k := range x.Keys() {
				if i > 0 {
					b.WriteString(", ")
				}
				walk(k)
				b.WriteString(": ")
				e, _ := x.Get(k)
				walk(e)
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					b.WriteString(", ")
				}
				walk(e)
			}
			b.WriteByte(']')
		case string:
			b.WriteByte('"')
			for _, r := range x {
				switch {
				case r == '"' || r == '\\':
					b.WriteByte('\\')
					b.WriteRune(r)
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
				case r < 0x20 || r > 0x7e:
					if r > 0xffff {
						r1, r2 := utf16.EncodeRune(r)
						fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
					} else {
						fmt.Fprintf(&b, `\u%04x`, r)
					}
				default:
					b.WriteRune(r)
				}
			}
			b.WriteByte('"')
		default:
			b.WriteString(value.Encode(v))
		}
	}
	walk(v)
	return b.String()
}
