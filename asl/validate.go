package asl

import (
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/stepwise-run/stepwise/asl/value"
)

// Diagnostic is one problem found in a definition, as ValidateStateMachineDefinition reports it.
type Diagnostic struct {
	Severity string `json:"severity"` // "ERROR" or "WARNING"
	Code     string `json:"code"`
	Message  string `json:"message"`            // without the code
	Location string `json:"location,omitempty"` // e.g. "/States/X/Next"; empty when AWS gives none
}

// ValidateOptions tunes Validate.
type ValidateOptions struct {
	// Type is the state machine type: "STANDARD" (the default) or "EXPRESS".
	Type string
}

// Severities.
const (
	SeverityError   = "ERROR"
	SeverityWarning = "WARNING"
)

// Diagnostic codes (botocore ValidateStateMachineDefinitionDiagnostic, plus the two JSONata
// codes AWS reports).
const (
	CodeInvalidJSONDescription       = "INVALID_JSON_DESCRIPTION"
	CodeSchemaValidationFailed       = "SCHEMA_VALIDATION_FAILED"
	CodeInvalidResource              = "INVALID_RESOURCE"
	CodeMissingEndState              = "MISSING_END_STATE"
	CodeDuplicateStateName           = "DUPLICATE_STATE_NAME"
	CodeInvalidStateName             = "INVALID_STATE_NAME"
	CodeDuplicateLabelName           = "DUPLICATE_LABEL_NAME"
	CodeInvalidLabelName             = "INVALID_LABEL_NAME"
	CodeMissingTransitionTarget      = "MISSING_TRANSITION_TARGET"
	CodeTooDeeplyNested              = "TOO_DEEPLY_NESTED"
	CodeInvalidJSONataExpression     = "INVALID_JSONATA_EXPRESSION"
	CodeUnsupportedJSONataExpression = "UNSUPPORTED_JSONATA_EXPRESSION"
	CodeNoDollar                     = "NO_DOLLAR"
	CodeNoPath                       = "NO_PATH"
	CodePassResultIsStatic           = "PASS_RESULT_IS_STATIC"
)

// Limits.
const (
	maxDefinitionLength = 1048576 // Definition shape: at most 1,048,576 characters
	maxJSONDepth        = 1000    // deeper documents are TOO_DEEPLY_NESTED
	maxStateNameLength  = 80
	maxLabelLength      = 40
	maxVariableLength   = 80
)

// Messages. Those marked [AWS] are copied from responses recorded against AWS (the recordings in
// shared/spec, or measurements published with their definitions); the rest are written in AWS's
// style.
//
// Text not confirmed against AWS (the rule is AWS's; the wording is ours):
//   - "Definition must not be longer than 1048576 characters" (definition size)
//   - "The definition is nested too deeply (more than 1000 levels)" (TOO_DEEPLY_NESTED)
//   - the Jackson-style INVALID_JSON_DESCRIPTION messages other than "Unrecognized token" (they
//     follow Jackson 2.x's wording; only that one is recorded), and "Unexpected content after
//     the root value" for trailing text, which AWS's parser probably ignores
//   - "These fields are required: [Type]" / "[Resource]" / "[Branches]" / "[Choices]" /
//     "[ErrorEquals, Next]" and the other required-field lists except [States, StartAt] and
//     [StartAt] at "/" and [Next] on a Choice rule
//   - "Expected value of type Integer" / "Expected value of type Number" and "Expected value of type
//     [BOOLEAN|OBJECT|ARRAY]" (only [STRING] is recorded)
//   - "Maximum value is N" (only "Minimum value is 0" is recorded) and the ranges of
//     ToleratedFailurePercentage, MaxInputBytesPerBatch, MaxItemsPerBatch and the top-level
//     TimeoutSeconds
//   - "This object should have only one of the following fields: [...]" for fields other than
//     Next/End and ItemProcessor/Iterator, and "There should only be one of the following
//     fields: [X, XPath]" for the X/XPath pairs
//   - "The value of 'HeartbeatSeconds' must be less than the value of 'TimeoutSeconds'"
//   - "The value for the field 'F' must be a valid JSONPath" / "... a valid Reference Path" /
//     "... a valid JSONPath or a valid intrinsic function call" for fields other than a ".$"
//     key of Parameters, and "The intrinsic function 'States.X' does not return a string" for
//     ErrorPath/CausePath
//   - "The value for the field 'ResultPath' can not reference the Context Object or a variable"
//   - "'States.ALL' must appear alone in ErrorEquals" / "'States.ALL' must appear in the last
//     Retrier" / "... Catcher"
//   - "Each Choice Rule can only have one comparison operator." (from the language service),
//     "A Choice Rule with a 'Variable' field needs one comparison operator" and "This object
//     should have only one of the following fields: [And, Or, Not, Variable]"
//   - "Value should be one of the following: [...]" for JitterStrategy, Mode, InputType,
//     CSVHeaderLocation, CSVDelimiter, Transformation and OutputType (recorded for
//     QueryLanguage and ExecutionType)
//   - "The field 'Resource' does not match any of the allowed values" (ItemReader, ResultWriter),
//     "The field 'CSVHeaderLocation' is required", "This object should have at least one of the
//     following fields: [Resource, WriterConfig]"
//   - DUPLICATE_LABEL_NAME, the state-name messages (INVALID_STATE_NAME, DUPLICATE_STATE_NAME),
//     and INVALID_LABEL_NAME when other faults come with it (a Label alone is refused in AWS's
//     recorded words: see DefinitionErrorMessage)
//   - "Express state machine does not support Distributed Map"
//   - "JSONata string must start with {% and end with %}"
//   - "Field '$states.result' does not exist." and "Field '$states.X' does not exist." for other
//     names ('$states.errorOutput' is recorded)
//   - the Assign variable-name messages, and the one for a variable an inner scope assigns
//     while an outer scope assigns it too (the rule is documented; its message is not)
//   - the NO_DOLLAR, NO_PATH and PASS_RESULT_IS_STATIC warnings
//   - "Express state machine does not support '.sync' service integration" etc. inside a
//     Distributed Map whose ExecutionType is EXPRESS (recorded only for Express machines)
const (
	msgNotJSONObject    = "Definition must be a valid JSON object"                                                                     // [AWS]
	msgRequired         = "These fields are required: [%s]"                                                                            // [AWS]
	msgNotSupported     = "Field '%s' is not supported"                                                                                // [AWS]
	msgTypeEnum         = "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]" // [AWS]
	msgEnum             = "Value should be one of the following: [%s]"                                                                 // [AWS]
	msgExpectedType     = "Expected value of type [%s]"                                                                                // [AWS] for STRING
	msgExpectedInteger  = "Expected value of type Integer"                                                                             //
	msgExpectedNumber   = "Expected value of type Number"                                                                              //
	msgMinimum          = "Minimum value is %s"                                                                                        // [AWS]
	msgMaximum          = "Maximum value is %s"                                                                                        //
	msgEmpty            = "Value cannot be empty"                                                                                      // [AWS]
	msgOnlyOne          = "There should only be one of the following fields: [%s]"                                                     //
	msgExactlyOne       = "This object should have only one of the following fields: [%s]"                                             //
	msgRoleArnMissing   = "The field 'RoleArn' is required but was missing"                                                            // [AWS]
	msgShadowed         = "The variable '%s' is assigned in an outer scope: an inner scope cannot assign it"
	msgNoTimestamp      = "String does not match RFC3339 timestamp"                                                                                             // [AWS]
	msgTemplateValue    = "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call"                                            // [AWS]
	msgDowngrade        = "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"                                                   // [AWS]
	msgOnlyJSONPath     = "The QueryLanguage is set to 'JSONata', but field '%s' is only supported for the 'JSONPath' QueryLanguage"                            // [AWS]
	msgOnlyJSONata      = "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage"                            // [AWS]
	msgNotRecognized    = "The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region." // [AWS]
	msgExpressSync      = "Express state machine does not support '.sync' service integration"                                                                  // [AWS]
	msgExpressCallback  = "Express state machine does not support '.waitForTaskToken' service integration "                                                     // [AWS] (trailing space)
	msgExpressActivity  = "Express state machine does not support Activity ARN"                                                                                 // [AWS]
	msgMissingTarget    = "Missing 'Next' target: %s"                                                                                                           // [AWS]
	msgNotReachable     = "State \"%s\" is not reachable."                                                                                                      // [AWS]
	msgNoTerminal       = "Workflow has no terminal state"                                                                                                      // [AWS]
	msgDollarDollar     = "Reference to '$$' is not supported."                                                                                                 // [AWS]
	msgNoSuchField      = "Field '%s' does not exist."                                                                                                          // [AWS] for $states.errorOutput
	msgTopLevelRef      = "Reference to '%s' at the top level is not supported."                                                                                // [AWS]
	msgTooLong          = "Definition must not be longer than 1048576 characters"                                                                               //
	msgTooDeep          = "The definition is nested too deeply (more than 1000 levels)"                                                                         //
	msgJSONataDelimiter = "JSONata string must start with {% and end with %}"                                                                                   //
)

// Validate checks a definition given as JSON text and returns every diagnostic, errors first, in
// AWS's order. It never panics.
func Validate(definition []byte, opts ValidateOptions) (diags []Diagnostic) {
	defer func() {
		if r := recover(); r != nil {
			// A bug in a check must not take the caller down; report it as a schema failure.
			diags = append(diags, Diagnostic{Severity: SeverityError, Code: CodeSchemaValidationFailed,
				Message: "The definition could not be validated", Location: "/"})
		}
	}()
	if utf16Length(string(definition)) > maxDefinitionLength {
		return []Diagnostic{errorDiag(CodeSchemaValidationFailed, msgTooLong, "")}
	}
	if strings.TrimSpace(string(definition)) == "" {
		return []Diagnostic{errorDiag(CodeSchemaValidationFailed, msgNotJSONObject, "")}
	}
	scan := scanJSON(definition)
	if scan.tooDeep {
		return []Diagnostic{errorDiag(CodeTooDeeplyNested, msgTooDeep, "")}
	}
	if scan.err != nil {
		return []Diagnostic{errorDiag(CodeInvalidJSONDescription, scan.err.message, scan.err.location)}
	}
	root, err := value.Decode(definition)
	if err != nil {
		return []Diagnostic{errorDiag(CodeInvalidJSONDescription, err.Error(), "")}
	}
	obj, ok := value.Plain(root).(map[string]any) // the validator reads Go maps: order plays no part
	if !ok {
		return []Diagnostic{errorDiag(CodeSchemaValidationFailed, msgNotJSONObject, "")}
	}
	v := newValidator(opts, scan.duplicates)
	v.stateMachine(obj)
	return v.result()
}

func errorDiag(code, msg, loc string) Diagnostic {
	return Diagnostic{Severity: SeverityError, Code: code, Message: msg, Location: loc}
}

// result orders the diagnostics as AWS does: the schema checks first, sorted by location (the
// order AWS's messages come in whenever several were recorded together); the graph checks
// (transitions, reachability, terminal state) only when the schema checks passed; warnings last.
func (v *validator) result() []Diagnostic {
	v.shadowedVariables()
	sortByLocation(v.schema)
	out := v.schema
	if len(out) == 0 {
		out = v.graphChecks()
	}
	sortByLocation(v.warnings)
	out = append(out, v.warnings...)
	if out == nil {
		out = []Diagnostic{}
	}
	return out
}

// sortByLocation sorts diagnostics by location, keeping the order of those at the same
// location; diagnostics without a location go last.
func sortByLocation(ds []Diagnostic) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Location, ds[j].Location
		if a == "" || b == "" {
			return a != "" && b == ""
		}
		return a < b
	})
}

// InvalidDefinitionMessage renders the error diagnostics as CreateStateMachine's
// InvalidDefinition message: "Invalid State Machine Definition: 'CODE: message at location, ...'".
// A diagnostic without a location is rendered "at null", as AWS does.
func InvalidDefinitionMessage(diags []Diagnostic) string {
	var parts []string
	for _, d := range diags {
		if d.Severity != SeverityError {
			continue
		}
		part := d.Code + ": " + d.Message
		switch {
		case d.Location == "":
			part += " at null"
		case strings.HasSuffix(d.Message, d.Location):
			// JSON syntax errors already end with their "[Source: ...]" location.
		default:
			part += " at " + d.Location
		}
		parts = append(parts, part)
	}
	return "Invalid State Machine Definition: '" + strings.Join(parts, ", ") + "'"
}

// utf16Length is the length of s as Java counts it.
func utf16Length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
