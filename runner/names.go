package runner

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

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
