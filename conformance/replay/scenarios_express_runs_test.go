package replay

import "github.com/stepwise-run/stepwise/asl/value"

// Express executions, run synchronously (express/test_express_sync: StartSyncExecution's
// answer) and asynchronously (express/test_express_async: the last event the execution logs,
// read here from the logs the server writes): a Pass, a Fail, the Context object, and a
// Lambda function that raises an error, caught, and retried before it is caught.
func init() {
	const logGroup = "arn:aws:logs:us-east-1:123456789012:log-group:replay-express:*"
	type run struct {
		template, input string
		lambda          bool
	}
	runs := map[string]run{
		"test_base[BASE_PASS_RESULT]":   {passResult, "{}", false},
		"test_base[BASE_RAISE_FAILURE]": {"base/statemachines/raise_failure.json5", "{}", false},
		"test_query_runtime_memory":     {"base/statemachines/query_context_object_values.json5", `{"message":"TestMessage"}`, false},
		"test_catch":                    {"errorhandling/statemachines/task_service_lambda_invoke_catch_all.json5", `{"FunctionName":"` + functionName + `","Payload":null}`, true},
		"test_retry":                    {"scenarios/statemachines/lambda_invoke_with_retry_extended_input.json5", "{}", true},
	}
	create := func(r *replay, tmpl string, logs bool) any {
		r.replace(functionName, "lambda_function_name")
		extra := map[string]any{"type": "EXPRESS"}
		if tmpl == runs["test_retry"].template {
			// The test sets the Task's Resource to the function's ARN.
			v, _ := value.DecodeMaps([]byte(template(r.t, tmpl)))
			v.(map[string]any)["States"].(map[string]any)["InvokeLambdaWithRetry"].(map[string]any)["Resource"] = "arn:aws:lambda:us-east-1:123456789012:function:" + functionName
			extra["definition"] = value.Encode(v)
		}
		if logs {
			extra["loggingConfiguration"] = map[string]any{"level": "ALL", "includeExecutionData": true,
				"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": logGroup}}}}
		}
		c := r.createMachine("express_statemachine", tmpl, extra)
		r.record("creation_response", c)
		return c["stateMachineArn"]
	}
	// The tests leave the billed duration and the Lambda function's error cause (its stack
	// trace, request id) unverified.
	unverified := map[string]string{
		"billingDetails": "the billed duration and memory ($..billingDetails)",
		"output.Cause":   "the function's error cause: its stack trace and request id ($..output.Cause)",
	}
	register(file{
		path:       "v2/express/test_express_sync.snapshot.json",
		lambda:     true,
		unverified: unverified,
		scenario: func(test string) (func(*replay), string) {
			x, ok := runs[test]
			if !ok {
				return nil, "unknown test " + test
			}
			return func(r *replay) {
				arn := create(r, x.template, false)
				r.record("start_execution_sync_response", r.call("StartSyncExecution", map[string]any{"stateMachineArn": arn, "input": x.input}))
			}, ""
		},
	})
	register(file{
		path:       "v2/express/test_express_async.snapshot.json",
		logs:       true,
		lambda:     true,
		unverified: unverified,
		scenario: func(test string) (func(*replay), string) {
			x, ok := runs[test]
			if !ok {
				return nil, "unknown test " + test
			}
			return func(r *replay) {
				arn := create(r, x.template, true)
				r.call("StartExecution", map[string]any{"stateMachineArn": arn, "input": x.input})
				if evs := r.logEvents(1); len(evs) > 0 {
					r.record("end_event", evs[len(evs)-1])
				}
			}, ""
		},
	})
}
