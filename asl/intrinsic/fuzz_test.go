package intrinsic

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/internal/cputime"
	"github.com/stepwise-run/stepwise/internal/racetest"
)

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

// FuzzEval parses and evaluates calls under a small budget, every path resolved to the
// JSON value data holds (null when it is not JSON). Whatever the call and its arguments, an
// evaluation must return rather than panic, stay within a bounded time, fail only with the
// errors the engine reports (an *Error, which it reports as States.Runtime, or a
// *budget.ExceededError), and return a value whose encoding is JSON.
//
//	go test ./asl/intrinsic -run X -fuzz FuzzEval -fuzztime 5m
func FuzzEval(f *testing.F) {
	for _, c := range []struct{ call, data string }{
		{"States.Format('{} and {}', $.a, $.a)", `"x"`},
		{"States.StringToJson($.s)", `"{\"a\":[1,2]}"`},
		{"States.JsonToString($.a)", `{"a":[1,{"b":null}]}`},
		{"States.ArrayPartition($.a, 2)", `[1,2,3,4,5]`},
		{"States.ArrayContains($.a, 3)", `[1,2,3]`},
		{"States.ArrayRange(1, 9, 2)", `null`},
		{"States.ArrayRange($.a, $.a, $.a)", `1`},
		{"States.ArrayGetItem($.a, 1)", `[1,2,3]`},
		{"States.ArrayLength($.a)", `[1,2,3]`},
		{"States.ArrayUnique($.a)", `[1,1,{"a":1},{"a":1}]`},
		{"States.Base64Encode($.a)", `"hello"`},
		{"States.Base64Decode($.a)", `"aGVsbG8="`},
		{"States.Hash($.a, 'SHA-256')", `"hello"`},
		{"States.JsonMerge($.a, $.a, false)", `{"a":{"b":1}}`},
		{"States.MathRandom(1, 100)", `null`},
		{"States.MathRandom($.a, $.a, 7)", `3`},
		{"States.MathAdd($.a, -1)", `2147483647`},
		{"States.StringSplit($.a, ',')", `"a,b,,c"`},
		{"States.UUID()", `null`},
		{"States.ArrayGetItem(States.StringSplit($.a, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($.a, '-')), -1))", `"a-b-c"`},
	} {
		f.Add(c.call, c.data)
	}
	limits := budget.Limits{Steps: 200_000, Memory: 4 << 20}
	f.Fuzz(func(t *testing.T, s, data string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		doc, err := value.DecodeString(data)
		if err != nil {
			doc = nil
		}
		resolve := func(string) (any, error) { return doc, nil }
		cpu0 := cputime.Self()
		v, err := evalRecovered(c, resolve, budget.New(limits))
		if took := cputime.Self() - cpu0; took > racetest.Scale(time.Second) {
			t.Fatalf("%q took %v of CPU within a budget of %d steps and %d bytes", s, took, limits.Steps, limits.Memory)
		}
		if err != nil {
			var ie *Error
			var be *budget.ExceededError
			if !errors.As(err, &ie) && !errors.As(err, &be) {
				t.Fatalf("%q on %s: error %T %v is none the engine reports", s, data, err, err)
			}
			return
		}
		if out := value.EncodeBytes(v); !json.Valid(out) {
			t.Fatalf("%q on %s: the result encodes as %q, not JSON", s, data, out)
		}
	})
}

// evalRecovered is EvalMetered with a panic turned into an error that fails the fuzz test.
func evalRecovered(c *Call, resolve Resolver, m *budget.Meter) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return c.EvalMetered(resolve, fixedRandom{}, m)
}
