package replay

import "strings"

// Variable references (test_sfn_api_variable_references): DescribeStateMachine and
// DescribeStateMachineForExecution list, per state, the variables its JSONPath fields read.
func init() {
	register(file{
		path: "v2/test_sfn_api_variable_references.snapshot.json",
		scenario: func(test string) (func(*replay), string) {
			name, id := param(test)
			switch name {
			case "test_base_variable_references_in_assign_templates":
				return func(r *replay) {
					// The recording's normalisation took the Wait's TimestampPath ("$startAt",
					// BASE_REFERENCE_IN_WAIT) for a timestamp and wrote "timestamp" in its
					// place; the definition echoed back is normalised the same way.
					r.replace("$startAt", "timestamp")
					c := r.createMachine("sm-a1b2c3d4", "assign/statemachines/"+strings.ToLower(id)+".json5", nil)
					r.record("describe_response", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"]}))
					e := r.call("StartExecution", map[string]any{"stateMachineArn": c["stateMachineArn"]})
					r.awaitEnd(str(e, "executionArn"))
					r.record("describe_for_execution_response", r.call("DescribeStateMachineForExecution", map[string]any{"executionArn": e["executionArn"]}))
				}, ""
			case "test_base_variable_references_in_jsonata_template":
				// The scenario templates' names: CHOICE_CONDITION_CONSTANT_JSONATA is
				// choice_state_condition_constant_jsonata.json5.
				file := strings.ToLower(id)
				if !strings.HasPrefix(file, "choice_state_") {
					file = strings.Replace(file, "choice_", "choice_state_", 1)
				}
				return func(r *replay) {
					c := r.createMachine("sm-a1b2c3d4", "scenarios/statemachines/"+file+".json5", nil)
					r.record("describe_response", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"]}))
				}, ""
			}
			return nil, "unknown test " + test
		},
	})
}
