package replay

import "strings"

// TestState's check of a mocked result against the API's output shape, in each
// mock.fieldValidationMode (test_state/test_field_validation_mode, _present, _none): one Task
// per API (events:putEvents, states:startExecution, lambda:invoke, dynamodb:putItem, and the
// aws-sdk s3:getObject, kms:encrypt, lambda:getFunction), each mocked with results of the
// wrong type, of a value out of the model's range or enum, or without required members.
func init() {
	const dir = "test_state/statemachines/"
	type api struct{ template, input string }
	const target = "arn:aws:states:us-east-1:123456789012:stateMachine:TargetStateMachine"
	events := api{"base_events_put_events.json5", `{"Entries":[{"Detail":"detail","DetailType":"detail_type","Source":"source"}]}`}
	sfn := api{"base_sfn_start_execution.json5", `{"stateMachineArn":"` + target + `","targetInput":null,"name":"TestStartTarget"}`}
	apis := map[string]api{
		"mock_result_field_not_in_api_spec": events,
		"eventbridge_task":                  events,
		"sfn_task":                          sfn,
		"sfn_task_validation_pass":          sfn,
		"sfn_task_validation_fail":          sfn,
		"lambda_task":                       {"base_lambda_service_task_state.json5", `{"FunctionName":"function_name","Payload":null}`},
		"dynamodb_task":                     {"base_dynamodb_service_task_state.json5", `{"TableName":"table_name","Item":{"data":{"S":"HelloWorld"},"id":{"S":"id1"}}}`},
		"aws_sdk_s3_task":                   {"base_aws_api_s3_get_object.json5", `{"Bucket":"bucket_name","Key":"file_key"}`},
		"aws_sdk_kms_task":                  {"base_aws_api_kms_encrypt.json5", `{"KeyId":"key_id","Plaintext":"plain_text"}`},
		"aws_sdk_lambda_get_function_task":  {"base_aws_api_lambda_get_function.json5", `{"FunctionName":"function_name"}`},
	}
	// results are the mocked results, by the tests' parameter ids (the same id names the same
	// result in the three files, but for the sfn results PRESENT passes and fails).
	results := map[string]string{
		"field_not_part_of_api_spec":          `{"random":"json"}`,
		"empty_json":                          `{}`,
		"wrong_type_top_level_field":          `{"Entries":"Entries value should have been a list of entry objects"}`,
		"wrong_type_nested_field":             `{"Entries":[{"EventId":["EventId value should have been a string not a list of strings"]}]}`,
		"wrong_type_2nd_array_element":        `{"Entries":[{"EventId":"First eventId has correct type: string"},{"EventId":["Second eventId has incorrect type: array"]}]}`,
		"missing_required_fields":             `{}`,
		"field_name_not_in_sfn_case":          `{"executionArn":"stringValueExecutionArn","startDate":"stringValueStartDate"}`,
		"wrong_timestamp_type_bool":           `{"ExecutionArn":"stringValueExecutionArn","StartDate":true}`,
		"wrong_timestamp_type_number":         `{"ExecutionArn":"stringValueExecutionArn","StartDate":1764103483}`,
		"wrong_integer_type_string":           `{"StatusCode":"200"}`,
		"wrong_float_type_string":             `{"ConsumedCapacity":{"CapacityUnits":"123.45"}}`,
		"wrong_long_type_string":              `{"ContentLength":"9000"}`,
		"non_existent_enum_value":             `{"StorageClass":"Papyrus"}`,
		"wrong_blob_type_number":              `{"CiphertextBlob":123}`,
		"wrong_blob_length_less_than_minimum": `{"CiphertextBlob":""}`,
		"integer_less_than_minimum_allowed":   `{"Configuration":{"MemorySize":127}}`,
		"integer_more_than_maximum_allowed":   `{"Configuration":{"MemorySize":10241}}`,
	}
	// PRESENT's failing sfn results lack the required member the STRICT ones have.
	presentResults := map[string]string{
		"wrong_timestamp_type_bool": `{"StartDate":true}`,
		"wrong_string_type_number":  `{"ExecutionArn":1764103483}`,
	}
	scenario := func(mode string) func(test string) (func(*replay), string) {
		return func(test string) (func(*replay), string) {
			name, id := param(test)
			rest, ok := strings.CutPrefix(name, "test_"+strings.ToLower(mode)+"_mode_")
			a, known := apis[rest]
			result, hasResult := results[id]
			if rest == "sfn_task_validation_fail" {
				result, hasResult = presentResults[id]
			}
			if !ok || !known || !hasResult {
				return nil, "unknown test " + test
			}
			key := "validation-exception"
			switch {
			case rest == "mock_result_field_not_in_api_spec":
				key = "test_case_response"
			case rest == "sfn_task_validation_pass" || mode == "NONE":
				key = "test_state_response"
			}
			if id == "integer_more_than_maximum_allowed" {
				// AWS raised Lambda's memory limit after the recording: the botocore release
				// Stepwise embeds (1.43.11) has MemorySize up to 32768 MB, AWS checked 10241
				// against 10240.
				return nil, "Lambda's MemorySize limit changed after the recording (10240 then, 32768 in the model Stepwise embeds)"
			}
			return func(r *replay) {
				mock := map[string]any{"result": result}
				if mode != "STRICT" {
					mock["fieldValidationMode"] = mode
				}
				r.record(key, r.call("TestState", map[string]any{"definition": template(r.t, dir+a.template), "roleArn": role,
					"input": a.input, "inspectionLevel": "INFO", "mock": mock}))
			}, ""
		}
	}
	for suffix, mode := range map[string]string{"": "STRICT", "_present": "PRESENT", "_none": "NONE"} {
		register(file{
			path:      "v2/test_state/test_field_validation_mode" + suffix + ".snapshot.json",
			stateless: true,
			scenario:  scenario(mode),
		})
	}
}
