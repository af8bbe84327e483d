package replay

import (
	"sort"
	"strconv"
	"strings"
)

// The execution logs Step Functions writes to CloudWatch Logs (logs/test_logs), here captured
// as the server writes them with --execution-logs FILE: for the levels ALL, ERROR, FATAL and
// OFF, with and without the execution's data, of a Pass, a Fail and a Wait state that fails
// on its SecondsPath; and the events of three runs in one log group.
func init() {
	const logGroup = "arn:aws:logs:us-east-1:123456789012:log-group:replay-logs:*"
	templates := map[string]string{"pass_result.json5": passResult, "raise_failure.json5": "base/statemachines/raise_failure.json5",
		"wait_seconds_path.json5": "base/statemachines/wait_seconds_path.json5"}
	logging := func(level string, data bool) map[string]any {
		return map[string]any{"level": level, "includeExecutionData": data,
			"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": logGroup}}}}
	}
	// run starts one execution, waits for its end and records its history.
	run := func(r *replay, arn any, input string) string {
		e := r.call("StartExecution", map[string]any{"stateMachineArn": arn, "input": input})
		exec := str(e, "executionArn")
		r.awaitEnd(exec)
		return exec
	}
	// record keeps the execution's history and, when the level logs any of its events, the
	// log events (sorted by id when sorted is set, as test_partial_log_levels sorts them).
	record := func(r *replay, exec, level string, sorted bool) {
		h := r.call("GetExecutionHistory", map[string]any{"executionArn": exec})
		r.record("get_execution_history", h)
		if level == "OFF" {
			return
		}
		ends := 0
		if level == "ALL" {
			ends = 1
		}
		evs := r.logEvents(ends)
		if len(evs) == 0 {
			return
		}
		if sorted {
			sort.SliceStable(evs, func(i, j int) bool {
				a, _ := strconv.Atoi(str(evs[i].(map[string]any), "id"))
				b, _ := strconv.Atoi(str(evs[j].(map[string]any), "id"))
				return a < b
			})
		}
		r.record("logged_execution_events", evs)
	}
	register(file{
		path: "v2/logs/test_logs.snapshot.json",
		logs: true,
		scenario: func(test string) (func(*replay), string) {
			name, id := param(test)
			switch name {
			case "test_base", "test_partial_log_levels":
				parts := strings.Split(id, "_")
				if len(parts) < 3 {
					return nil, "unknown test " + test
				}
				tmpl := templates[strings.Join(parts[:len(parts)-2], "_")]
				level, data := parts[len(parts)-2], parts[len(parts)-1] == "True"
				if tmpl == "" {
					return nil, "unknown test " + test
				}
				if name == "test_base" {
					// Created without logging, then updated to log.
					return func(r *replay) {
						c := r.createMachine("statemachine_create_and_record_execution", tmpl, nil)
						arn := c["stateMachineArn"]
						r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "loggingConfiguration": logging(level, data)})
						record(r, run(r, arn, "{}"), level, false)
					}, ""
				}
				return func(r *replay) {
					c := r.createMachine("statemachine_create_and_record_execution", tmpl, map[string]any{"loggingConfiguration": logging(level, data)})
					record(r, run(r, c["stateMachineArn"], "{}"), level, true)
				}, ""
			case "test_deleted_log_group":
				// The execution runs whatever becomes of its log group; here the logs go to a
				// file, which has no log groups to delete.
				return func(r *replay) {
					c := r.createMachine("statemachine_create_and_record_execution", passResult, map[string]any{"loggingConfiguration": logging("ALL", false)})
					exec := run(r, c["stateMachineArn"], "{}")
					r.record("get_execution_history", r.call("GetExecutionHistory", map[string]any{"executionArn": exec}))
				}, ""
			case "test_log_group_with_multiple_runs":
				return func(r *replay) {
					c := r.createMachine("statemachine_create_and_record_execution", passResult, map[string]any{"loggingConfiguration": map[string]any{"level": "ALL",
						"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": logGroup}}}}})
					for i := 0; i < 3; i++ {
						run(r, c["stateMachineArn"], `{"ExecutionNumber":`+itoa(i)+`}`)
					}
					r.record("logged_execution_events", r.logEvents(3))
				}, ""
			}
			return nil, "unknown test " + test
		},
	})
}
