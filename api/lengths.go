package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf16"
)

// arnMember is an ARN member of a request and the most characters it may have: the model's
// Arn shape (1 to 256) or LongArn (1 to 2,000).
type arnMember struct {
	name   string
	quoted []byte
	max    int
}

func arns(max int, names ...string) []arnMember {
	out := make([]arnMember, len(names))
	for i, n := range names {
		out[i] = arnMember{name: n, quoted: []byte(`"` + n + `"`), max: max}
	}
	return out
}

// arnMembers are the ARN members of each action's request, in the order of the API model
// (botocore's stepfunctions service-2.json), whose lengths AWS's request validation checks
// before the action looks them up: an ARN of 300 characters is a ValidationException, not
// ExecutionDoesNotExist, and an empty one too, not InvalidArn. A roleArn is checked by its
// action, with the action's other members (CreateStateMachine, UpdateStateMachine, TestState).
var arnMembers = map[string][]arnMember{
	"DeleteActivity":                   arns(256, "activityArn"),
	"DeleteStateMachine":               arns(256, "stateMachineArn"),
	"DeleteStateMachineAlias":          arns(256, "stateMachineAliasArn"),
	"DeleteStateMachineVersion":        arns(2000, "stateMachineVersionArn"),
	"DescribeActivity":                 arns(256, "activityArn"),
	"DescribeExecution":                arns(256, "executionArn"),
	"DescribeMapRun":                   arns(2000, "mapRunArn"),
	"DescribeStateMachine":             arns(256, "stateMachineArn"),
	"DescribeStateMachineAlias":        arns(256, "stateMachineAliasArn"),
	"DescribeStateMachineForExecution": arns(256, "executionArn"),
	"GetActivityTask":                  arns(256, "activityArn"),
	"GetExecutionHistory":              arns(256, "executionArn"),
	"ListExecutions":                   append(arns(256, "stateMachineArn"), arns(2000, "mapRunArn")...),
	"ListMapRuns":                      arns(256, "executionArn"),
	"ListStateMachineAliases":          arns(256, "stateMachineArn"),
	"ListStateMachineVersions":         arns(256, "stateMachineArn"),
	"ListTagsForResource":              arns(256, "resourceArn"),
	"PublishStateMachineVersion":       arns(256, "stateMachineArn"),
	"RedriveExecution":                 arns(256, "executionArn"),
	"StartExecution":                   arns(256, "stateMachineArn"),
	"StartSyncExecution":               arns(256, "stateMachineArn"),
	"StopExecution":                    arns(256, "executionArn"),
	"TagResource":                      arns(256, "resourceArn"),
	"UntagResource":                    arns(256, "resourceArn"),
	"UpdateMapRun":                     arns(2000, "mapRunArn"),
	"UpdateStateMachine":               arns(256, "stateMachineArn"),
	"UpdateStateMachineAlias":          arns(256, "stateMachineAliasArn"),
}

// checkMembers runs the checks AWS's request validation makes of an action's members before
// the action itself: required members (checkRequired), then ARN lengths. The HTTP API and
// Invoke (aws-sdk:sfn tasks, in process) both run it.
func checkMembers(action string, body []byte) *Error {
	if e := checkRequired(action, body); e != nil {
		return e
	}
	return checkArnLengths(action, body)
}

// checkArnLengths refuses a request whose ARN members are empty or longer than the model
// allows, naming each as AWS does: "Value '...' at 'executionArn' failed to satisfy
// constraint: Member must have length less than or equal to 256". As checkRequired, it reads
// a body whose ARNs are plain ASCII strings without decoding it, and decodes the others.
func checkArnLengths(action string, body []byte) *Error {
	members := arnMembers[action]
	if len(members) == 0 {
		return nil
	}
	sure := true
	for _, m := range members {
		if n, present, ok := plainStringLen(body, m.quoted); present && (!ok || n == 0 || n > m.max) {
			sure = false
			break
		}
	}
	if sure {
		return nil
	}
	var values map[string]json.RawMessage
	if json.Unmarshal(body, &values) != nil {
		return nil // the action words the error
	}
	var problems []string
	for _, m := range members {
		var s string
		if json.Unmarshal(values[m.name], &s) != nil {
			continue // absent, null (refused before, if required) or not a string (the action's error)
		}
		switch n := len(utf16.Encode([]rune(s))); { // Java's length: UTF-16 code units
		case n == 0:
			problems = append(problems, fmt.Sprintf("Value '' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", m.name))
		case n > m.max:
			problems = append(problems, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", s, m.name, m.max))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return validation(problems...)
}

// plainStringLen reads the value of the first quoted name in body. present is false when
// the name is not there at all; ok is true when it is followed by a colon and a string of
// printable ASCII without escapes, whose length is n. Otherwise the body must be decoded to
// tell.
func plainStringLen(body, quoted []byte) (n int, present, ok bool) {
	i := bytes.Index(body, quoted)
	if i < 0 {
		return 0, false, true
	}
	i = skipSpace(body, i+len(quoted))
	if i >= len(body) || body[i] != ':' {
		return 0, true, false
	}
	i = skipSpace(body, i+1)
	if i >= len(body) || body[i] != '"' {
		return 0, true, false
	}
	for j := i + 1; j < len(body); j++ {
		switch c := body[j]; {
		case c == '"':
			return j - i - 1, true, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return 0, true, false
		}
	}
	return 0, true, false
}
