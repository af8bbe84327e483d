package jsontext

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzAppendString holds AppendString to encoding/json, with and without HTML escaping.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\s", "<a&b>", "\x00\x1f\b\f\n\r\t", "\u2028\u2029", "\xff\xfe", "é€😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s, true); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q, html) = %s, encoding/json %s", s, got, want)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got := string(AppendString([]byte("x"), s, false)); got != "x"+strings.TrimSuffix(buf.String(), "\n") {
			t.Fatalf("AppendString(%q) = %s, encoding/json %s", s, got, buf.String())
		}
	})
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{`\"`: `"`, `\\`: `\`, `\/`: `/`, `\b`: "\b", `\f`: "\f", `\n`: "\n", `\r`: "\r", `\t`: "\t"} {
		var s string
		if err := json.Unmarshal([]byte(`"`+in+`"`), &s); err != nil || s != want {
			t.Fatalf("the test's own table is wrong for %s", in)
		}
		got, ok := Unescape(in[1])
		if !ok || string(got) != want {
			t.Errorf("Unescape(%q) = %q, %v; want %q", in[1], got, ok, want)
		}
	}
	for _, c := range []byte("uax0'") {
		if _, ok := Unescape(c); ok {
			t.Errorf("Unescape(%q) ok, want not", c)
		}
	}
}
