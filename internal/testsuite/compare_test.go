package testsuite

import "testing"

func TestDiff(t *testing.T) {
	tests := []struct {
		name, want, got string
		subset          bool
		diff            string // "" when they match
	}{
		{"same", `{"a":[1,"x",null,true]}`, `{"a":[1,"x",null,true]}`, false, ""},
		{"numbers by value", `[1, 1.0, 1e2, 0.1]`, `[1.00, 1, 100, 1e-1]`, false, ""},
		{"big numbers", `123456789012345678901234567890`, `123456789012345678901234567891`, false, "$: want 123456789012345678901234567890, got 123456789012345678901234567891"},
		{"scalar", `{"a":{"b":1}}`, `{"a":{"b":2}}`, false, "$.a.b: want 1, got 2"},
		{"type", `{"a":"1"}`, `{"a":1}`, false, `$.a: want "1", got 1`},
		{"null is a value", `{"a":null}`, `{}`, false, "$.a: missing (want null)"},
		{"missing member", `{"a":1,"b":2}`, `{"a":1}`, false, "$.b: missing (want 2)"},
		{"extra member", `{"a":1}`, `{"a":1,"z":[1]}`, false, "$.z: not expected (got [1])"},
		{"first in key order", `{"b":1,"a":1}`, `{"b":2,"a":2}`, false, "$.a: want 1, got 2"},
		{"missing element", `[1,2,3]`, `[1,2]`, false, "$[2]: missing (want 3)"},
		{"extra element", `[1]`, `[1,{"x":1}]`, false, `$[1]: not expected (got {"x":1})`},
		{"object for array", `[1]`, `{"0":1}`, false, `$: want [1], got {"0":1}`},
		{"odd keys", `{"unit price":1,"it's":{"x-y":2}}`, `{"unit price":1,"it's":{"x-y":3}}`, false, `$['it\'s']['x-y']: want 2, got 3`},
		{"html is not escaped", `"<a&b>"`, `"x"`, false, `$: want "<a&b>", got "x"`},

		{"subset", `{"a":1}`, `{"a":1,"b":2}`, true, ""},
		{"subset nested", `{"a":{"b":1}}`, `{"a":{"b":1,"c":2},"d":3}`, true, ""},
		{"subset missing", `{"a":{"c":1}}`, `{"a":{"b":1}}`, true, "$.a.c: missing (want 1)"},
		{"subset wrong value", `{"a":{"b":1}}`, `{"a":{"b":"1"}}`, true, `$.a.b: want 1, got "1"`},
		{"subset arrays element by element", `{"a":[{"id":1},{"id":2}]}`, `{"a":[{"id":1,"x":0},{"id":2,"x":0}]}`, true, ""},
		{"subset arrays keep their length", `{"a":[{"id":1}]}`, `{"a":[{"id":1},{"id":2}]}`, true, `$.a[1]: not expected (got {"id":2})`},
		{"subset of a scalar", `"x"`, `"x"`, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := decode(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			g, err := decode(tc.got)
			if err != nil {
				t.Fatal(err)
			}
			d := diff(w, g, tc.subset)
			got := ""
			if d != nil {
				got = d.String()
			}
			if got != tc.diff {
				t.Errorf("\n got %q\nwant %q", got, tc.diff)
			}
		})
	}
}

func TestShowCuts(t *testing.T) {
	long := make([]any, 0, 100)
	for range 100 {
		long = append(long, "é")
	}
	s := show(long)
	if len(s) > maxShown+len("…") || s[len(s)-len("…"):] != "…" {
		t.Errorf("show: %d bytes: %s", len(s), s)
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, text := range []string{``, `{`, `1 2`, `{"a":}`} {
		if _, err := decode(text); err == nil {
			t.Errorf("decode(%q): no error", text)
		}
	}
}

func TestNearest(t *testing.T) {
	names := []string{"Work", "Done", "Big?", "ChargeCard", "ChargeCards"}
	for _, tc := range []struct{ name, want string }{
		{"Wrok", "Work"},             // two neighbours swapped: one edit
		{"Wor", "Work"},              // one deletion
		{"Dine", "Done"},             // one substitution
		{"ChargeCrd", "ChargeCard"},  // one edit from ChargeCard, two from ChargeCards
		{"chargecard", "ChargeCard"}, // two edits, within a third of ten letters
		{"ChargeCardz", ""},          // one edit from ChargeCard and from ChargeCards: a tie
		{"Elsewhere", ""},            // nothing near
		{"Wo", ""},                   // two edits from Work: more than a third of two letters
	} {
		if got := nearest(tc.name, names); got != tc.want {
			t.Errorf("nearest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
