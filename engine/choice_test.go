package engine_test

import (
	"testing"

	"github.com/stepwise-run/stepwise/engine"
)

// TestTimestampsFromInput: a timestamp read from the input (Choice's IsTimestamp and
// Timestamp comparisons, Wait's TimestampPath) is one the validator accepts as a literal:
// RFC 3339 with a "." before the fraction and two-digit fields. Go's time.Parse also takes
// "," and a one-digit hour; AWS's ISO-8601 parser takes neither.
func TestTimestampsFromInput(t *testing.T) {
	isTimestamp := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.t","IsTimestamp":true,"Next":"Y"}],"Default":"N"},
		"Y":{"Type":"Pass","Result":"yes","End":true},"N":{"Type":"Pass","Result":"no","End":true}}}`
	equals := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.t","TimestampEquals":"2020-01-01T00:00:00.5Z","Next":"Y"}],"Default":"N"},
		"Y":{"Type":"Pass","Result":"yes","End":true},"N":{"Type":"Pass","Result":"no","End":true}}}`
	wait := `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}}`
	tests := []struct {
		name   string
		def    string
		t      string
		status engine.Status
		output string
	}{
		{"IsTimestamp with a fraction", isTimestamp, "2020-01-01T00:00:00.5+01:00", engine.Succeeded, `"yes"`},
		{"IsTimestamp with a comma before the fraction", isTimestamp, "2020-01-01T00:00:00,5Z", engine.Succeeded, `"no"`},
		{"IsTimestamp with a one-digit hour", isTimestamp, "2020-01-01T1:00:00Z", engine.Succeeded, `"no"`},
		{"TimestampEquals with a fraction", equals, "2020-01-01T00:00:00.500Z", engine.Succeeded, `"yes"`},
		{"TimestampEquals with a comma before the fraction", equals, "2020-01-01T00:00:00,5Z", engine.Succeeded, `"no"`},
		{"TimestampPath in the past", wait, "2020-01-01T00:00:00.5Z", engine.Succeeded, ""},
		{"TimestampPath with a comma before the fraction", wait, "2020-01-01T00:00:00,5Z", engine.Failed, ""},
		{"TimestampPath with a one-digit hour", wait, "2020-01-01T1:00:00Z", engine.Failed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, _ := execute(t, tc.def, `{"t":"`+tc.t+`"}`, nil, engine.Config{})
			if ex.Status != tc.status {
				t.Fatalf("status = %s, want %s (%s %s)", ex.Status, tc.status, deref(ex.Error), deref(ex.Cause))
			}
			if tc.status == engine.Failed && deref(ex.Error) != "States.Runtime" {
				t.Errorf("error = %s, want States.Runtime", deref(ex.Error))
			}
			if tc.output != "" {
				jsonEqual(t, ex.Output, tc.output)
			}
		})
	}
}

// TestChoiceStringOrder: the String comparison rules order strings by UTF-16 code units, as
// Java's String.compareTo does (AWS evaluates JSONPath states in Java: its path errors quote
// Jayway and Jackson). A character above U+FFFF, whose first unit is a surrogate, comes before
// those from U+E000 to U+FFFF.
func TestChoiceStringOrder(t *testing.T) {
	tests := []struct {
		op, operand, s string
		want           string
	}{
		{"StringLessThan", "\uFF01", "\U0001F600", `"yes"`},
		{"StringGreaterThan", "\uE000", "\U0001F600", `"no"`},
		{"StringGreaterThan", "\uD7FF", "\U0001F600", `"yes"`},
		{"StringLessThanEquals", "b", "a", `"yes"`},
		{"StringGreaterThanEquals", "\U0001F600", "\U0001F600", `"yes"`},
	}
	for _, tc := range tests {
		t.Run(tc.op+" "+tc.operand, func(t *testing.T) {
			def := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.s","` + tc.op + `":"` + tc.operand + `","Next":"Y"}],"Default":"N"},
				"Y":{"Type":"Pass","Result":"yes","End":true},"N":{"Type":"Pass","Result":"no","End":true}}}`
			ex, _ := execute(t, def, `{"s":"`+tc.s+`"}`, nil, engine.Config{})
			if ex.Status != engine.Succeeded {
				t.Fatalf("status = %s (%s %s)", ex.Status, deref(ex.Error), deref(ex.Cause))
			}
			jsonEqual(t, ex.Output, tc.want)
		})
	}
}
