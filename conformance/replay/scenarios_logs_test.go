package replay

import "strings"

// Logging configuration (test_sfn_api_logs): levels and the execution-data flag at creation,
// incomplete and invalid configurations, and updates.
func init() {
	const group = "replay-log-group"
	dest := func(name string) map[string]any {
		return map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:" + name + ":*"}}
	}
	create := func(r *replay, logging map[string]any) map[string]any {
		r.replace(group, "log_group_name")
		return r.createMachine("statemachine_l", passResult, map[string]any{"loggingConfiguration": logging})
	}
	createDescribe := func(logging map[string]any) func(*replay) {
		return func(r *replay) {
			c := create(r, logging)
			r.record("creation_resp", c)
			r.record("describe_resp", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"]}))
		}
	}
	refused := func(logging map[string]any) func(*replay) {
		return func(r *replay) {
			r.record("exception", exception("CreateStateMachine", create(r, logging)))
		}
	}
	register(file{
		path: "v2/test_sfn_api_logs.snapshot.json",
		scenario: func(test string) (func(*replay), string) {
			name, id := param(test)
			switch name {
			case "test_logging_configuration":
				level, flag, _ := strings.Cut(id, "-")
				return createDescribe(map[string]any{"level": level, "includeExecutionData": flag == "True", "destinations": []any{dest(group)}}), ""
			case "test_incomplete_logging_configuration":
				if id == "logging_configuration0" {
					return createDescribe(map[string]any{}), ""
				}
				return createDescribe(map[string]any{"destinations": []any{}}), ""
			case "test_invalid_logging_configuration":
				level := map[string]string{"logging_configuration0": "ALL", "logging_configuration1": "FATAL", "logging_configuration2": "ERROR"}[id]
				return refused(map[string]any{"level": level}), ""
			case "test_multiple_destinations":
				return refused(map[string]any{"level": "ALL", "destinations": []any{dest(group), dest(group + "-2")}}), ""
			case "test_deleted_log_group":
				return nil, "needs a CloudWatch Logs log group that was deleted: a service Stepwise does not host"
			case "test_update_logging_configuration":
				return func(r *replay) {
					logging := map[string]any{"level": "ALL", "includeExecutionData": true, "destinations": []any{dest(group)}}
					c := create(r, logging)
					r.record("creation_resp", c)
					arn := c["stateMachineArn"]
					describe := func(key string) {
						r.record(key, r.call("DescribeStateMachine", map[string]any{"stateMachineArn": arn}))
					}
					update := func() map[string]any {
						return r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "loggingConfiguration": logging})
					}
					describe("describe_resp")
					logging["level"] = "FATAL"
					update()
					describe("describe_resp_log_level")
					update()
					describe("describe_resp_no_change")
					logging["includeExecutionData"] = false
					update()
					describe("describe_resp_flag")
					logging["destinations"] = []any{dest(group), dest(group + "-2")}
					r.record("exception_multiple_endpoints", exception("UpdateStateMachine", update()))
					logging = map[string]any{"level": "ALL"}
					r.record("exception_invalid", exception("UpdateStateMachine", update()))
				}, ""
			}
			return nil, "unknown test " + test
		},
	})
}
