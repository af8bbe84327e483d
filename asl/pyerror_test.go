package asl_test

import (
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
)

// A definition whose only fault is its Map's Label is refused in AWS's Python form, the
// character shown as repr() shows it and the definition quoted as sent
// (test_sfn_api_map_run's recordings).
func TestDefinitionErrorMessageLabel(t *testing.T) {
	machine := func(label string) string {
		return `{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Label": ` + label + `, "End": true}}}`
	}
	for _, c := range []struct{ label, args string }{
		{`"label_ "`, `["Label contains invalid character: ' '"]`},
		{`"label_\\"`, `["Label contains invalid character: '\\\\'"]`},
		{`"label_\""`, `['Label contains invalid character: \'"\'']`},
		{`"label_\t"`, `["Label contains invalid character: '\\t'"]`},
		{`"label_\u0000"`, `["Label contains invalid character: '\\x00'"]`},
		{`"label_\u009f"`, `["Label contains invalid character: '\\x9f'"]`},
		{`""`, `['Label cannot be empty']`},
		{`"12345678901234567890123456789012345678901"`, `['Label cannot exceed 40 characters']`},
	} {
		def := machine(c.label)
		got := asl.DefinitionErrorMessage(def, asl.Validate([]byte(def), asl.ValidateOptions{}))
		want := "Error=ValueError Args=" + c.args + " in definition '" + def + "'."
		if got != want {
			t.Errorf("Label %s:\n got %s\nwant %s", c.label, got, want)
		}
	}
	// With another fault too, the usual message, which names the Label's as well.
	def := strings.Replace(machine(`"a b"`), `"Type": "Map"`, `"Type": "Map", "Bogus": 1`, 1)
	got := asl.DefinitionErrorMessage(def, asl.Validate([]byte(def), asl.ValidateOptions{}))
	if !strings.HasPrefix(got, "Invalid State Machine Definition: '") || !strings.Contains(got, "INVALID_LABEL_NAME") {
		t.Errorf("got %s", got)
	}
}
