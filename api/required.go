package api

import (
	"bytes"
	"encoding/json"
)

// requiredMembers are the members each action's request must have, in the order of the API
// model (botocore's stepfunctions service-2.json, the "required" of each input shape). AWS's
// request validation refuses a request where one is absent or null with a
// ValidationException ("Value null at 'stateMachineArn' failed to satisfy constraint: Member
// must not be null") before the action looks at anything else; the actions would otherwise
// answer InvalidArn for an ARN of "".
var requiredMembers = map[string][]string{
	"CreateActivity":                   {"name"},
	"CreateStateMachine":               {"name", "definition", "roleArn"},
	"CreateStateMachineAlias":          {"name", "routingConfiguration"},
	"DeleteActivity":                   {"activityArn"},
	"DeleteStateMachine":               {"stateMachineArn"},
	"DeleteStateMachineAlias":          {"stateMachineAliasArn"},
	"DeleteStateMachineVersion":        {"stateMachineVersionArn"},
	"DescribeActivity":                 {"activityArn"},
	"DescribeExecution":                {"executionArn"},
	"DescribeMapRun":                   {"mapRunArn"},
	"DescribeStateMachine":             {"stateMachineArn"},
	"DescribeStateMachineAlias":        {"stateMachineAliasArn"},
	"DescribeStateMachineForExecution": {"executionArn"},
	"GetActivityTask":                  {"activityArn"},
	"GetExecutionHistory":              {"executionArn"},
	"ListMapRuns":                      {"executionArn"},
	"ListStateMachineAliases":          {"stateMachineArn"},
	"ListStateMachineVersions":         {"stateMachineArn"},
	"ListTagsForResource":              {"resourceArn"},
	"PublishStateMachineVersion":       {"stateMachineArn"},
	"RedriveExecution":                 {"executionArn"},
	"SendTaskFailure":                  {"taskToken"},
	"SendTaskHeartbeat":                {"taskToken"},
	"SendTaskSuccess":                  {"taskToken", "output"},
	"StartExecution":                   {"stateMachineArn"},
	"StartSyncExecution":               {"stateMachineArn"},
	"StopExecution":                    {"executionArn"},
	"TagResource":                      {"resourceArn", "tags"},
	"TestState":                        {"definition"},
	"UntagResource":                    {"resourceArn", "tagKeys"},
	"UpdateMapRun":                     {"mapRunArn"},
	"UpdateStateMachine":               {"stateMachineArn"},
	"UpdateStateMachineAlias":          {"stateMachineAliasArn"},
	"ValidateStateMachineDefinition":   {"definition"},
}

// quotedRequired holds each required member's name in quotes, as it appears in a body that
// has it, made once.
var quotedRequired = func() map[string][][]byte {
	m := make(map[string][][]byte, len(requiredMembers))
	for action, names := range requiredMembers {
		for _, n := range names {
			m[action] = append(m[action], []byte(`"`+n+`"`))
		}
	}
	return m
}()

// checkRequired refuses a request (a JSON object, checkBody passed it) that lacks one of its
// action's required members or gives it as null. A body in which each name is found followed
// by a colon and a value other than null is let through without being decoded: the answer of
// nearly every request. (Inside a JSON string a quote is escaped, so the quoted name found is
// a member's name or a whole string value, and a value is decoded to tell.)
func checkRequired(action string, body []byte) *Error {
	quoted := quotedRequired[action]
	if len(quoted) == 0 {
		return nil
	}
	sure := true
	for _, q := range quoted {
		if !presentNotNull(body, q) {
			sure = false
			break
		}
	}
	if sure {
		return nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil // the action words the error
	}
	var problems []string
	for _, name := range requiredMembers[action] {
		if v, ok := members[name]; !ok || string(v) == "null" {
			problems = append(problems, "Value null at '"+name+"' failed to satisfy constraint: Member must not be null")
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return validation(problems...)
}

// presentNotNull reports whether the first quoted name in body is followed by a colon and a
// value that is not null.
func presentNotNull(body, quoted []byte) bool {
	i := bytes.Index(body, quoted)
	if i < 0 {
		return false
	}
	i = skipSpace(body, i+len(quoted))
	if i >= len(body) || body[i] != ':' {
		return false
	}
	i = skipSpace(body, i+1)
	return i < len(body) && body[i] != 'n'
}
