package replay

import "github.com/stepwise-run/stepwise/asl/value"

// Express state machines (test_sfn_api_express): their lifecycle, StartSyncExecution, the
// actions they do not support, and the patterns they refuse.
func init() {
	express := map[string]any{"type": "EXPRESS"}
	scenarios := map[string]func(*replay){
		"test_create_describe_delete": func(r *replay) {
			c := r.createMachine("statemachine_e", passResult, express)
			r.record("creation_response", c)
			r.record("describe_response", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"]}))
			r.record("deletion_response", r.call("DeleteStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"]}))
		},
		"test_start_async_describe_history_execution": func(r *replay) {
			c := r.createMachine("statemachine_e", passResult, map[string]any{"type": "EXPRESS", "loggingConfiguration": map[string]any{
				"level": "ALL", "includeExecutionData": true,
				"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:replay:*"}}}}})
			r.record("creation_response", c)
			arn := c["stateMachineArn"]
			e := r.call("StartExecution", map[string]any{"stateMachineArn": arn, "input": "{}"})
			r.record("list_executions_error", r.call("ListExecutions", map[string]any{"stateMachineArn": arn}))
			r.record("describe_execution_error", r.call("DescribeExecution", map[string]any{"executionArn": e["executionArn"]}))
			r.record("stop_execution_error", r.call("StopExecution", map[string]any{"executionArn": e["executionArn"]}))
			r.record("get_execution_history_error", r.call("GetExecutionHistory", map[string]any{"executionArn": e["executionArn"]}))
			// The test reads the last event of the execution's log group.
			if evs := r.logEvents(1); len(evs) > 0 {
				r.record("end_event", evs[len(evs)-1])
			}
		},
		"test_start_sync_execution": func(r *replay) {
			c := r.createMachine("statemachine_e", passResult, express)
			r.record("creation_response", c)
			r.record("start_execution_sync_response", r.call("StartSyncExecution", map[string]any{"stateMachineArn": c["stateMachineArn"], "input": "{}"}))
		},
		"test_illegal_callbacks[WAIT_FOR_TASK_TOKEN]": func(r *replay) {
			r.record("creation_error", r.createMachine("express_statemachine", "callbacks/statemachines/sns_publish_wait_for_task_token.json5", express))
		},
		"test_illegal_callbacks[SYNC]": func(r *replay) {
			r.record("creation_error", r.createMachine("express_statemachine", "callbacks/statemachines/sfn_start_execution_sync.json5", express))
		},
		"test_illegal_activity_task": func(r *replay) {
			a := r.call("CreateActivity", map[string]any{"name": "activity-a1b2c3d4"})
			arn := str(a, "activityArn")
			r.replace(arn, "activity_arn")
			r.record("create_activity_output", a)
			v, _ := value.DecodeMaps([]byte(template(r.t, "activities/statemachines/base_activity_task.json5")))
			v.(map[string]any)["States"].(map[string]any)["ActivityTask"].(map[string]any)["Resource"] = arn
			r.record("creation_error", r.call("CreateStateMachine", map[string]any{"name": "express_statemachine", "definition": value.Encode(v), "roleArn": role, "type": "EXPRESS"}))
		},
	}
	register(file{
		path: "v2/test_sfn_api_express.snapshot.json",
		logs: true,
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			return nil, "unknown test " + test
		},
	})
}
