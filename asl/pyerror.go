package asl

import (
	"fmt"
	"strings"
	"unicode"
)

// AWS checks a Distributed Map's Label apart from the rest of the definition, and words what
// it finds as a Python ValueError, quoting the definition whole (recorded in
// test_sfn_api_map_run):
//
//	Error=ValueError Args=["Label contains invalid character: ' '"] in definition '{...}'.
//
// DefinitionErrorMessage gives that form when the Label is all that is wrong; otherwise the
// usual InvalidDefinitionMessage, Label diagnostics included. Which of the two AWS reports for a
// definition wrong in both ways is not recorded; the schema's errors are the ones a user must
// fix anyway, so they win.

// DefinitionErrorMessage renders the error diagnostics of definition as CreateStateMachine's
// InvalidDefinition message.
func DefinitionErrorMessage(definition string, diags []Diagnostic) string {
	var label *Diagnostic
	for i, d := range diags {
		if d.Severity != SeverityError {
			continue
		}
		if d.Code != CodeInvalidLabelName {
			return InvalidDefinitionMessage(diags)
		}
		if label == nil {
			label = &diags[i]
		}
	}
	if label == nil {
		return InvalidDefinitionMessage(diags)
	}
	return fmt.Sprintf("Error=ValueError Args=[%s] in definition '%s'.", pyRepr(label.Message), definition)
}

// pyRepr is Python's repr() of a string: single quotes unless the text holds a single quote
// and no double one; backslash, quote and the usual control escapes; \xNN, \uNNNN or
// \UNNNNNNNN for other characters Python does not print.
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\' || r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}
