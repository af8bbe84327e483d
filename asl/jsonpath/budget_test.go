package jsonpath

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/internal/racetest"
)

// TestBudgetStopsHostilePaths runs paths whose work grows as a power of the input's depth
// (issue #15: 30 s and more on a 21 KB input) and checks they fail fast with a budget error.
func TestBudgetStopsHostilePaths(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 3000) + "1" + strings.Repeat("}", 3000)
	wide := "[" + strings.Repeat(`{"a":[1,2,3,4,5,6,7,8,9,10]},`, 2000) + "1]"
	tests := []struct{ name, path, input string }{
		{"nested scans in filters", `$..[?(@..[?(@..[?(@..a)])])]`, deep},
		{"two nested scans", `$..[?(@..[?(@..a)])]`, deep},
		{"scan of a deep input compared with the root", `$..[?(@..a == $..a)]`, deep},
		{"wide scan with root scans", `$..[?(@.a == $..a)]`, wide},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := value.DecodeString(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = p.Query(doc)
			took := time.Since(start)
			var be *budget.ExceededError
			if !errors.As(err, &be) {
				t.Fatalf("err = %v, want a budget error", err)
			}
			if took > racetest.Scale(20*time.Second) {
				t.Errorf("took %v", took)
			}
			t.Logf("%v after %v", err, took)
		})
	}
}

func TestQueryWithLimits(t *testing.T) {
	p, err := Compile(`$..a`)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := value.DecodeString(`{"a":{"a":{"a":{"a":1}}}}`)
	if _, err := p.QueryWith(doc, budget.New(budget.Limits{Steps: 5})); err == nil || !strings.Contains(err.Error(), "step budget (5 steps)") {
		t.Errorf("Steps 5: %v", err)
	}
	got, err := p.QueryWith(doc, budget.New(budget.Limits{Steps: 100}))
	if err != nil || len(got.([]any)) != 4 {
		t.Errorf("Steps 100: %v, %v", got, err)
	}
}
