package intrinsic

import (
	"errors"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl/budget"
)

// TestBudgetStopsCopies checks that calls copying a large argument many times fail with a
// budget error before they build the copy.
func TestBudgetStopsCopies(t *testing.T) {
	big := strings.Repeat("x", 200_000)
	many := strings.Repeat("$.s, ", 2000) + "$.s"
	tests := []struct{ name, call string }{
		{"format of many copies", "States.Format('" + strings.Repeat("{}", 2001) + "', " + many + ")"},
		{"array of many copies", "States.Array(" + many + ")"},
		{"json of many copies", "States.JsonToString(States.Array(" + many + "))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.call)
			if err != nil {
				t.Fatal(err)
			}
			resolve := func(string) (any, error) { return big, nil }
			_, err = c.EvalMetered(resolve, systemRandom{}, budget.New(budget.Limits{Memory: 64 << 20}))
			var be *budget.ExceededError
			if !errors.As(err, &be) || be.Budget != "memory" {
				t.Fatalf("err = %v, want the memory budget", err)
			}
		})
	}
}
