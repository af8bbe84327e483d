package runner

// This file holds the checks the Step Functions API makes of a request's names and JSON
// members, which a Task state that starts an execution makes too.

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
)

// MaxPayloadBytes bounds what the API takes as an execution's input (StartExecution's, and
// the Input of a Task state that starts an execution) and a task's output (SendTaskSuccess),
// in bytes of UTF-8, not in characters as the model's other lengths are: "Length constraints
// apply to the payload size, and are expressed as bytes in UTF-8 encoding" (the API
// reference of each).
const MaxPayloadBytes = 262144

// InputLength is what the API model's bound on an execution's input finds wrong with it, or
// "" (the member is sensitive: AWS names it without its value).
func InputLength(in string) string {
	if len(in) > MaxPayloadBytes {
		return "Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144"
	}
	return ""
}

// InvalidInput is the message of StartExecution's InvalidExecutionInput for an input that is
// not JSON (blank, or text a JSON parser refuses, in Jackson's words as AWS answers), or ""
// when it is JSON.
func InvalidInput(in string) string {
	if strings.TrimSpace(in) == "" {
		return "Invalid State Machine Execution Input: 'Invalid execution input.'"
	}
	if msg := JSONProblem(in); msg != "" {
		return fmt.Sprintf("Invalid State Machine Execution Input: '%s'", msg)
	}
	return ""
}

// JSONProblem is what is wrong with a text that should be JSON, in Jackson's words as AWS
// answers (an execution's input, a task's output), or "" when it is JSON.
func JSONProblem(s string) string {
	err := checkJSON(s)
	if err == nil {
		return ""
	}
	if msg := asl.JSONSyntaxMessage(s); msg != "" {
		return msg
	}
	return err.Error()
}

// checkJSON reports whether value.DecodeString would take s, and its error if not, without
// building the value when s is valid JSON (the interpreter decodes it again anyway): only
// text json.Valid refuses is decoded, for the error or for what DecodeString takes besides
// (a stray closing bracket after the value). Half the time of a decode, or less.
func checkJSON(s string) error {
	if json.Valid([]byte(s)) { // not copied: the compiler sees the bytes are only read
		return nil
	}
	_, err := value.DecodeString(s)
	return err
}

// NameLength is what the API model's length bounds of a name (1 to 80 characters) find wrong
// with it, or "": AWS's request validation checks them before the name's characters
// (InvalidName) and before the resource the request names is looked up.
func NameLength(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case n < 1:
		return "Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"
	case n > 80:
		return fmt.Sprintf("Value '%s' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80", name)
	}
	return ""
}

// ValidName reports whether s is a valid state machine, execution or activity name, as
// CreateStateMachine, StartExecution and CreateActivity check it (stepwise test checks a
// test's executionName with it, and a startExecution task its Name).
func ValidName(s string) bool {
	n := 0
	for _, r := range s {
		n++
		switch {
		case r <= 0x20, r >= 0x7f && r <= 0xa0, r == 0x1680, r >= 0x2000 && r <= 0x200a, r == 0x2028, r == 0x2029,
			r == 0x202f, r == 0x205f, r == 0x3000, r == 0xfffe, r == 0xffff, r == 0xfffd && !strings.ContainsRune(s, 0xfffd):
			return false
		case strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r):
			return false
		}
	}
	return n >= 1 && n <= 80
}
