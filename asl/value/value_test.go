package value

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEncode(t *testing.T) {
	many := map[string]any{}
	for _, k := range strings.Split("q w e r t y u i o p a s d f g h j k l z", " ") {
		many[k] = json.Number("1")
	}
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{true, `true`},
		{json.Number("12345678901234567891"), `12345678901234567891`},
		{1.5, `1.5`},
		{float64(3), `3`},
		{int64(-7), `-7`},
		{"a<b>&\"\\\n\r\t\b\f\x01é", `"a<b>&\"\\\n\r\t\b\f\u0001é"`},
		{[]any{}, `[]`},
		{map[string]any{}, `{}`},
		{map[string]any{"b": []any{json.Number("1"), nil}, "a": map[string]any{"z": "", "y": false}}, `{"a":{"y":false,"z":""},"b":[1,null]}`},
		{many, `{"a":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1,"k":1,"l":1,"o":1,"p":1,"q":1,"r":1,"s":1,"t":1,"u":1,"w":1,"y":1,"z":1}`},
		{strings.Repeat("x", 300), `"` + strings.Repeat("x", 300) + `"`},
	} {
		if got := Encode(tc.in); got != tc.want {
			t.Errorf("Encode(%#v) = %s, want %s", tc.in, got, tc.want)
		}
		if got := string(AppendEncode([]byte("pre"), tc.in)); got != "pre"+tc.want {
			t.Errorf("AppendEncode(%#v) = %s, want pre%s", tc.in, got, tc.want)
		}
	}
}

// FuzzEncode holds Decode and Encode to a round trip (the same value, the same text again) and
// Encode of the value as Go maps to encoding/json's rendering (keys sorted, no HTML escaping)
// for every document encoding/json renders the same way: valid UTF-8 without U+2028 and
// U+2029, which encoding/json escapes and Encode leaves as they are.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x\u0001"],"b":{"c":null,"d":true}}`, `"<&>"`, `[]`, `{"":{}}`, `-0`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		v, err := DecodeString(doc)
		if err != nil {
			return
		}
		got := Encode(v)
		back, err := DecodeString(got)
		if err != nil || !Equal(back, v) {
			t.Fatalf("Encode(%s) = %s does not decode to the same value (%v)", doc, got, err)
		}
		if again := Encode(back); again != got {
			t.Fatalf("Encode(%s) = %s, then %s: the key order changed", doc, got, again)
		}
		var std any
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		if err := dec.Decode(&std); err != nil || !Equal(std, v) {
			t.Fatalf("Decode(%s) = %s, encoding/json %v (%v)", doc, got, std, err)
		}
		v = Plain(v)
		got = Encode(v)
		if !utf8.ValidString(doc) || strings.ContainsAny(doc, "\u2028\u2029") {
			return
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSuffix(buf.String(), "\n"); got != want {
			t.Fatalf("Encode(%s) = %s, encoding/json %s", doc, got, want)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	v, err := DecodeString(`{"i":41,"name":"bench","tag":"bench-40","items":[1,2,3,{"k":"v"}],"nested":{"a":"x\ny","b":true}}`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Encode(v)
	}
}

func TestSame(t *testing.T) {
	m := map[string]any{"a": json.Number("1")}
	s := []any{"x"}
	for _, tc := range []struct {
		a, b any
		want bool
	}{
		{m, m, true},
		{m, map[string]any{"a": json.Number("1")}, false}, // equal, not the same
		{s, s, true},
		{s, []any{"x"}, false},
		{[]any{}, []any{}, true},
		{"x", "x", true},
		{json.Number("1"), json.Number("1.0"), false},
		{nil, nil, true},
		{nil, m, false},
		{m, nil, false},
		{true, "true", false},
	} {
		if got := Same(tc.a, tc.b); got != tc.want {
			t.Errorf("Same(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
