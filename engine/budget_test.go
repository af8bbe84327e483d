package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/internal/racetest"
)

// TestEvaluationBudgets runs the hostile expressions of issue #15 through whole executions:
// each fails fast with AWS's error for its language, a cause naming the budget, and the same
// history on every run (the budgets count work, not time).
func TestEvaluationBudgets(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 3000) + "1" + strings.Repeat("}", 3000)
	tests := []struct {
		name, def, input string
		limits           budget.Limits
		error, cause     string
	}{
		{
			name:  "JSONata nested sums",
			def:   `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $sum([1..100000].($sum([1..100000]))) %}","End":true}}}`,
			input: `{}`, error: "States.QueryEvaluationError", cause: "exceeded its memory budget (134217728 bytes",
		},
		{
			name:  "JSONata range of ranges",
			def:   `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"n":"{% $count([1..1e7].[1..1e7]) %}"},"End":true}}}`,
			input: `{}`, error: "States.QueryEvaluationError", cause: "exceeded its memory budget",
		},
		{
			name:  "JSONata with a configured step budget",
			def:   `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $sum([1..1000]) %}","End":true}}}`,
			input: `{}`, limits: budget.Limits{Steps: 50}, error: "States.QueryEvaluationError", cause: "exceeded its step budget (50 steps)",
		},
		{
			name:  "JSONPath nested scans",
			def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$..[?(@..[?(@..[?(@..a)])])]","End":true}}}`,
			input: deep, error: "States.Runtime", cause: "exceeded its step budget (20000000 steps)",
		},
		{
			name:  "JSONPath in Parameters",
			def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"$..[?(@..[?(@..a)])]"},"End":true}}}`,
			input: deep, error: "States.Runtime", cause: "exceeded its step budget",
		},
		{
			name:  "intrinsic copies",
			def:   `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"x.$":"States.Array($.s, $.s, $.s, $.s, $.s, $.s, $.s, $.s)"},"End":true}}}`,
			input: `{"s":"` + strings.Repeat("x", 1000) + `"}`, limits: budget.Limits{Memory: 4000}, error: "States.Runtime", cause: "intrinsic function: States.Array($.s, $.s, $.s, $.s, $.s, $.s, $.s, $.s). The evaluation exceeded its memory budget (4000 bytes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			ex, events := execute(t, tt.def, tt.input, nil, engine.Config{EvalLimits: tt.limits})
			took := time.Since(start)
			if ex.Status != engine.Failed || deref(ex.Error) != tt.error || !strings.Contains(deref(ex.Cause), tt.cause) {
				t.Fatalf("status %s error %s cause %q", ex.Status, deref(ex.Error), deref(ex.Cause))
			}
			if took > racetest.Scale(20*time.Second) {
				t.Errorf("took %v", took)
			}
			_, again := execute(t, tt.def, tt.input, nil, engine.Config{EvalLimits: tt.limits})
			if types(events) != types(again) {
				t.Errorf("histories differ:\n%s\n%s", types(events), types(again))
			}
			t.Logf("%s after %v: %s", deref(ex.Error), took, deref(ex.Cause))
		})
	}
}
