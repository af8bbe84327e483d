package server

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestStartExecutionTaskTargets: a startExecution task starts what StartExecution would for
// its StateMachineArn: a state machine's latest revision, a version, or an alias's version
// (the child's DescribeExecution names them); an ARN of nothing is
// StateMachineDoesNotExist, and a malformed one InvalidArn, as the API answers them.
func TestStartExecutionTaskTargets(t *testing.T) {
	s, _ := startServer(t, Config{})
	kid := invoke(t, s, "CreateStateMachine", map[string]any{"name": "kid", "roleArn": "arn:aws:iam::123456789012:role/r", "publish": true,
		"definition": `{"StartAt":"D","States":{"D":{"Type":"Pass","Result":"v1","End":true}}}`})
	smArn, v1 := kid["stateMachineArn"].(string), kid["stateMachineVersionArn"].(string)
	alias := invoke(t, s, "CreateStateMachineAlias", map[string]any{"name": "prod",
		"routingConfiguration": []map[string]any{{"stateMachineVersionArn": v1, "weight": 100}}})["stateMachineAliasArn"].(string)
	invoke(t, s, "UpdateStateMachine", map[string]any{"stateMachineArn": smArn,
		"definition": `{"StartAt":"D","States":{"D":{"Type":"Pass","Result":"v2","End":true}}}`})

	for _, c := range []struct{ target, want, version, alias string }{
		{smArn, `"v2"`, "", ""},
		{v1, `"v1"`, v1, ""},
		{alias, `"v1"`, v1, alias},
		{smArn + ":7", "StepFunctions.StateMachineDoesNotExistException", "", ""},
		{smArn + "-gone", "StepFunctions.StateMachineDoesNotExistException", "", ""},
		{"kid", "StepFunctions.InvalidArnException", "", ""},
	} {
		parent := invoke(t, s, "CreateStateMachine", map[string]any{"name": "parent-" + strings.NewReplacer(":", "-", "/", "-").Replace(c.target[max(0, len(c.target)-12):]),
			"roleArn": "arn:aws:iam::123456789012:role/r",
			"definition": `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
				"Parameters":{"StateMachineArn":"` + c.target + `"},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
				"Caught":{"Type":"Pass","Parameters":{"Output.$":"$.Error"},"End":true}}}`})["stateMachineArn"].(string)
		arn := invoke(t, s, "StartExecution", map[string]any{"stateMachineArn": parent})["executionArn"].(string)
		waitSucceeded(t, s, arn)
		var out struct {
			Output       json.RawMessage
			ExecutionArn string
		}
		_ = json.Unmarshal([]byte(invoke(t, s, "DescribeExecution", map[string]any{"executionArn": arn})["output"].(string)), &out)
		if got := strings.Trim(string(out.Output), `"`); got != strings.Trim(c.want, `"`) {
			t.Errorf("a task starting %s: %s, want %s", c.target, out.Output, c.want)
			continue
		}
		if out.ExecutionArn == "" {
			continue
		}
		child := invoke(t, s, "DescribeExecution", map[string]any{"executionArn": out.ExecutionArn})
		if got, _ := child["stateMachineVersionArn"].(string); got != c.version {
			t.Errorf("a task starting %s: the child's stateMachineVersionArn %q, want %q", c.target, got, c.version)
		}
		if got, _ := child["stateMachineAliasArn"].(string); got != c.alias {
			t.Errorf("a task starting %s: the child's stateMachineAliasArn %q, want %q", c.target, got, c.alias)
		}
	}
}
