package intrinsic

import "testing"

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"States.UUID()",
		"States.Format('Hello {} \\' \\{ \\} \\\\', $.a, $$.b, $c.d)",
		"States.Array(1, -2.5e3, true, false, null, 'x')",
		"States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength($.a), -1))",
		"States.Array($.a['b c'], $.a[?(@.x == ')')])",
		"States.MathRandom(1, 2, 3)",
		"States.Format('",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		IsCall(s)
		c, err := Parse(s)
		if err != nil {
			return
		}
		text := c.String()
		c2, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, text, err)
		}
		if got := c2.String(); got != text {
			t.Fatalf("String() not stable: %q then %q", text, got)
		}
		c.Paths()
	})
}
