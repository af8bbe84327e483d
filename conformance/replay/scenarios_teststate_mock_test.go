package replay

import "strings"

// TestState answered by a mock (test_state/test_test_state_mock_scenarios): optimized
// integrations' results, a result that is not JSON, and Parallel states. The Parallel tests,
// recorded after the stored source, are replayed from their answers: the mock is the two
// branches' results, the input what inspectionData.input shows.
func init() {
	const dir = "test_state/statemachines/"
	mocked := func(tmpl, input, result, level string) func(*replay) {
		return func(r *replay) {
			r.record("test_case_response", r.call("TestState", map[string]any{"definition": template(r.t, dir+tmpl), "input": input,
				"inspectionLevel": level, "mock": map[string]any{"result": result}}))
		}
	}
	const uuid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	dynamo := `{"TableName":"sfn_test_table_x","Item":{"data":{"S":"HelloWorld"},"id":{"S":"id1"}}}`
	scenarios := map[string]func(*replay){
		"test_base_lambda_service_task_mock_is_not_json_string": func(r *replay) {
			r.record("validation-exception", r.call("TestState", map[string]any{"definition": template(r.t, dir+"base_lambda_service_task_state.json5"),
				"input": `{"FunctionName":"lambda_func_x","Payload":null}`, "inspectionLevel": "INFO",
				"mock": map[string]any{"result": "not JSON string", "fieldValidationMode": "NONE"}}))
		},
		"test_base_lambda_service_task_mock_success": mocked("base_lambda_service_task_state.json5", `{"FunctionName":"lambda_func_x","Payload":null}`,
			`{"Payload":"function output","SdkHttpMetadata":{"HttpStatusCode":200}}`, "INFO"),
		"test_put_events_mock_success": mocked("base_events_put_events.json5", `{"Entries":[{"Detail":"detail","DetailType":"detail_type","Source":"source"}]}`,
			`{"Entries":[{"EventId":"`+uuid+`"}]}`, "INFO"),
		"test_send_sqs_message_success": func(r *replay) {
			r.replace("6a1b8f3c1b4e0e6f5a3d2c1b0a9f8e7d", "<md5_of_message_body>")
			mocked("base_sqs_send_message.json5", `{"QueueUrl":"queue_url","MessageBody":"message_body"}`,
				`{"MD5OfMessageBody":"6a1b8f3c1b4e0e6f5a3d2c1b0a9f8e7d","MessageId":"`+uuid+`"}`, "INFO")(r)
		},
		"test_sfn_start_execution_success": mocked("base_sfn_start_execution.json5",
			`{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:TargetStateMachine","targetInput":null,"name":"TestStartTarget"}`,
			`{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:TargetStateMachine:TestStartTarget","StartDate":"2025-01-15T10:30:00.123456"}`, "INFO"),
	}
	dynamoTemplates := map[string]string{"base": "base_dynamodb_service_task_state.json5", "io": "io_dynamodb_service_task_state.json5", "io_output_path": "io_output_path_dynamodb_service_task_state.json5"}
	parallel := map[string][2]string{
		"test_base_parallel_state_mock_success":       {"base_parallel_state.json5", `{"key":"value"}`},
		"test_io_parallel_state_mock_success":         {"io_parallel_state.json5", `{"parallelInput":{"data":"input_value"}}`},
		"test_io_jsonata_parallel_state_mock_success": {"io_jsonata_parallel_state.json5", `{"parallelInput":{"data":"input_value"}}`},
	}
	register(file{
		path:      "v2/test_state/test_test_state_mock_scenarios.snapshot.json",
		stateless: true,
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			name, id := param(test)
			if name == "test_io_dynamodb_service_task_mock_success" {
				return func(r *replay) {
					r.replace("sfn_test_table_x", "<table_name>")
					mocked(dynamoTemplates[id], dynamo, `{"SdkHttpMetadata":{"HttpStatusCode":200}}`, "INFO")(r)
				}, ""
			}
			if p, ok := parallel[name]; ok {
				return mocked(p[0], p[1], `[{"branch1":"result"},{"branch2":"result"}]`, strings.ToUpper(id)), ""
			}
			return nil, "unknown test " + test
		},
	})
}
