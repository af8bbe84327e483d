package jsontext

import (
	"bytes"
	"encoding/json"
	"strconv"
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

// TestAppendStringEveryPlace puts each kind of byte that is not plain at each place of a
// string longer than two words, alone and after another (a borrow in the word test), and
// holds AppendString to encoding/json.
func TestAppendStringEveryPlace(t *testing.T) {
	for _, odd := range []string{"\x00", "\x1f", "\"", "\\", "\x7f", "é", "\u2028", "\xff", "<", "&", "!", "#", "[", "]"} {
		for at := range 20 {
			for _, s := range []string{
				strings.Repeat("a", at) + odd + strings.Repeat("b", 20-at),
				strings.Repeat("a", at) + "\x00" + odd + strings.Repeat("b", 20-at),
				strings.Repeat("a", at) + odd + "\"" + strings.Repeat("b", 20-at),
			} {
				for _, html := range []bool{false, true} {
					var buf bytes.Buffer
					enc := json.NewEncoder(&buf)
					enc.SetEscapeHTML(html)
					enc.Encode(s)
					if got, want := string(AppendString(nil, s, html)), strings.TrimSuffix(buf.String(), "\n"); got != want {
						t.Fatalf("AppendString(%q, %v) = %s, encoding/json %s", s, html, got, want)
					}
				}
			}
		}
	}
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

// BenchmarkAppendString: an execution's ARN, as execution logs and events write it, an
// input's JSON, as a history event holds it, and a string with characters to escape.
func BenchmarkAppendString(b *testing.B) {
	for _, s := range []string{
		"arn:aws:states:us-east-1:123456789012:execution:chain:0f6c1e9e-5b1a-4b7e-9c1d-3f0e2a7b8c9d",
		`{"i":0,"payload":"some execution data of a typical size, a few dozen bytes"}`,
		"line one\nline \"two\" <b>é</b>\ttab",
	} {
		b.Run(strconv.Itoa(len(s)), func(b *testing.B) {
			buf := make([]byte, 0, 256)
			for b.Loop() {
				buf = AppendString(buf[:0], s, false)
			}
		})
	}
}
