package jsonata

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/internal/cputime"
	"github.com/stepwise-run/stepwise/internal/racetest"
)

// TestBudgetStopsHostileExpressions runs expressions that, unbounded, take a core for
// minutes or gigabytes of memory (issue #15), and checks each fails fast, with the budget
// it exceeded named (which one comes first depends on the defaults).
func TestBudgetStopsHostileExpressions(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 3000) + "1" + strings.Repeat("}", 3000)
	tests := []struct {
		name, expr string
		input      string
	}{
		{"nested sums", `$sum([1..100000].($sum([1..100000])))`, `{}`},
		{"range of ranges", `$count([1..1e7].[1..1e7])`, `{}`},
		{"map of maps", `[1..10000].([1..10000].($ * 2))`, `{}`},
		{"shared parts unfolded by $string", `($f := function($x, $n) { $n = 0 ? $x : $f([[$x], [$x]], $n - 1) }; $string($f([1..100], 40)))`, `{}`},
		{"shared parts unfolded by the result", `($f := function($x, $n) { $n = 0 ? $x : $f([[$x], [$x]], $n - 1) }; $f([1..100], 40))`, `{}`},
		{"shared parts unfolded by **", `($f := function($x, $n) { $n = 0 ? $x : $f([[$x], [$x]], $n - 1) }; $count($f([1..100], 40).**))`, `{}`},
		{"huge pad", `$pad("x", 2000000000)`, `{}`},
		{"doubling string", `($f := function($s, $n) { $n = 0 ? $length($s) : $f($s & $s, $n - 1) }; $f("ab", 40))`, `{}`},
		{"replace multiplies", `($s := $join([1..100000].("a")); $replace($s, "a", $s))`, `{}`},
		{"join of a shared string", `($s := $join([1..100000].("a")); $join([1..100000].($s)))`, `{}`},
		{"reduce loop", `$reduce([1..5000000], function($a, $b) { $a + $b })`, `{}`},
		{"sort with a comparator", `$sort([1..1000000], function($a, $b) { $a < $b })`, `{}`},
		{"descendants of a deep input, many times", `[1..100000].($$.**)`, deep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			start, cpu0 := time.Now(), cputime.Self()
			_, _, err = e.Eval(mustParse(t, tt.input), nil)
			took, cpu := time.Since(start), cputime.Self()-cpu0
			var be *budget.ExceededError
			if !errors.As(err, &be) {
				t.Fatalf("err = %v, want a budget error", err)
			}
			// Bounded by the CPU this process spent, not the wall clock, which a loaded
			// machine stretched past the bound once (the subtests run one at a time).
			if cpu > racetest.Scale(20*time.Second) {
				t.Errorf("took %v of CPU (%v) to fail", cpu, took)
			}
			t.Logf("%v after %v (%v of CPU)", err, took, cpu)
		})
	}
}

// TestBudgetLimitsAreConfigurable checks the limits in Env are the ones applied, and that
// legitimate work on the largest arrays a payload can hold fits the defaults.
func TestBudgetLimitsAreConfigurable(t *testing.T) {
	e, err := Compile(`$sum([1..1000])`)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.EvalWith(nil, nil, Env{Limits: budget.Limits{Memory: 1000}}); err == nil || !strings.Contains(err.Error(), "memory budget (1000 bytes") {
		t.Errorf("Memory 1000: err = %v", err)
	}
	if _, _, err := e.EvalWith(nil, nil, Env{Limits: budget.Limits{Steps: 3}}); err == nil || !strings.Contains(err.Error(), "step budget (3 steps") {
		t.Errorf("Steps 3: err = %v", err)
	}
	if v, _, err := e.EvalWith(nil, nil, Env{Limits: budget.Limits{Steps: 1000000, Memory: 1 << 20}}); err != nil || v == nil {
		t.Errorf("within budget: %v, %v", v, err)
	}
	// $range counts what it would build before it builds it: one past 1e7 elements, or past
	// the memory budget, fails at once (it built up to 1e7 first: 0.5-1.7 s of CPU).
	for _, tc := range []struct {
		expr   string
		limits budget.Limits
		want   string
	}{
		{`$range(0, 1e300, 1)`, budget.Limits{}, "D2014"},
		{`$range(0, 9999999, 1)`, budget.Limits{Memory: 1 << 20}, "memory budget"},
	} {
		r, err := Compile(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		cpu0 := cputime.Self()
		_, _, err = r.EvalWith(nil, nil, Env{Limits: tc.limits})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %s", tc.expr, err, tc.want)
		}
		if cpu := cputime.Self() - cpu0; cpu > racetest.Scale(100*time.Millisecond) {
			t.Errorf("%s: %v of CPU to fail", tc.expr, cpu)
		}
	}
	// 130,000 elements: what a 256 KiB payload of "1," holds.
	for _, expr := range []string{
		`$sort([1..130000].($ % 977), function($a, $b) { $a > $b })[0]`,
		`$count([1..130000].{"id": $, "name": "item" & $})`,
		`$reduce([1..130000], function($a, $b) { $a + $b })`,
		`$length($join([1..130000].$string($), ","))`,
	} {
		e, err := Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.Eval(nil, nil); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}
}

func mustParse(t *testing.T, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
