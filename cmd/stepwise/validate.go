package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/stepwise-run/stepwise/asl"
)

// validateResult mirrors ValidateStateMachineDefinition's response.
type validateResult struct {
	Result      string           `json:"result"`
	Diagnostics []asl.Diagnostic `json:"diagnostics"`
	Truncated   bool             `json:"truncated"`
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commandUsage(fs, stderr)
	typ := fs.String("type", "STANDARD", "state machine type: STANDARD or EXPRESS")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: stepwise validate [--type STANDARD|EXPRESS] DEFINITION.json")
		return 2
	}
	def, err := readDefinition(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	diags := asl.Validate(def, asl.ValidateOptions{Type: *typ})
	res := validateResult{Result: "OK", Diagnostics: diags}
	if res.Diagnostics == nil {
		res.Diagnostics = []asl.Diagnostic{}
	}
	for _, d := range diags {
		if d.Severity == "ERROR" {
			res.Result = "FAIL"
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
	if res.Result == "FAIL" {
		return 1
	}
	return 0
}
