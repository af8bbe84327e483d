package jsonata

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

// FuzzEval compiles and evaluates expressions against JSON inputs, seeded with every case of
// the reference suite (its expression and its data), under a small budget. Whatever the
// expression, an evaluation must return rather than panic, stay within a bounded time (the
// budget, not the input, decides how long it may run), fail only with the errors the engine
// turns into States.QueryEvaluationError (a JSONata *Error, a *budget.ExceededError, or
// ErrFunctionResult), and return a value whose encoding is JSON.
//
//	go test ./asl/jsonata -run X -fuzz FuzzEval -fuzztime 5m
func FuzzEval(f *testing.F) {
	// The reference suite has none of the functions Step Functions adds.
	for _, s := range []string{`$states.input.a`, `$sum(a.b[c > 1].d)`, `a ~> $map(function($v){$v})`,
		`$partition(a.b, 2)`, `$range(0, 10, 3)`, `$hash(a.b[0].c & "", "SHA-256")`, `$random(7)`,
		`$uuid()`, `$parse('{"x":[1,2]}')`} {
		f.Add(s, `{"a":{"b":[{"c":2,"d":3}]}}`)
	}
	groups, datasets := loadSuite(f)
	for _, cases := range groups {
		for _, c := range cases {
			data := []byte(c.Data)
			if c.Dataset != nil {
				data = value.EncodeBytes(datasets[*c.Dataset])
			}
			f.Add(c.Expr, string(data))
		}
	}
	limits := budget.Limits{Steps: 200_000, Memory: 4 << 20}
	env := Env{
		Now:    func() time.Time { return time.UnixMilli(1509380732935) },
		Random: func() float64 { return 0.5 },
		UUID:   func() string { return "7c1f4bd2-7c4b-4d6e-9d39-2f3c2b7b5b63" },
		Limits: limits,
	}
	f.Fuzz(func(t *testing.T, expr, data string) {
		e, err := Compile(expr)
		if err != nil {
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("Compile(%q) = %T %v, want a *jsonata.Error", expr, err, err)
			}
			return
		}
		input, err := value.DecodeString(data)
		if err != nil {
			input = nil
		}
		cpu0 := cputime.Self()
		v, defined, err := evalRecovered(e, input, env)
		// 200,000 steps take milliseconds; a second of CPU means something ran unmetered.
		if took := cputime.Self() - cpu0; took > racetest.Scale(time.Second) {
			t.Fatalf("%q took %v of CPU within a budget of %d steps", expr, took, limits.Steps)
		}
		if err != nil {
			var je *Error
			var be *budget.ExceededError
			if !errors.As(err, &je) && !errors.As(err, &be) && !errors.Is(err, ErrFunctionResult) {
				t.Fatalf("%q on %s: error %T %v is none the engine reports as a query error", expr, data, err, err)
			}
			return
		}
		if defined {
			if out := value.EncodeBytes(v); !json.Valid(out) {
				t.Fatalf("%q on %s: the result encodes as %q, not JSON", expr, data, out)
			}
		}
	})
}

// evalRecovered is EvalWith with a panic turned into an error that fails the fuzz test.
func evalRecovered(e *Expr, input any, env Env) (v any, defined bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return e.EvalWith(input, nil, env)
}
