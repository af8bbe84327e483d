package replay

import (
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
)

// TestState's answers per inspection level (test_state/test_test_state_scenarios): each state
// type, a mocked Map with JSONata limits, a mocked Task's errors caught, a whole machine
// tested state by state, and variables.
func init() {
	const dir = "test_state/statemachines/"
	const hello = `{"Value":"HelloWorld"}`
	const nested = `{"initialData":{"fieldFromInput":"value from input","otherField":"other"},"unrelatedData":{"someOtherField":1234}}`
	bindings := map[string][2]string{
		"BASE_PASS_STATE":        {"base_pass_state.json5", hello},
		"BASE_RESULT_PASS_STATE": {"base_result_pass_state.json5", hello},
		"IO_PASS_STATE":          {"io_pass_state.json5", nested},
		"IO_RESULT_PASS_STATE":   {"io_result_pass_state.json5", nested},
		"BASE_FAIL_STATE":        {"base_fail_state.json5", hello},
		"BASE_SUCCEED_STATE":     {"base_succeed_state.json5", hello},
		"BASE_CHOICE_STATE":      {"base_choice_state.json5", `{"type":"Private","value":22}`},
	}
	testState := func(r *replay, req map[string]any) map[string]any { return r.call("TestState", req) }
	levels := map[string]string{"test_base_inspection_level_info": "INFO", "test_base_inspection_level_debug": "DEBUG", "test_base_inspection_level_trace": "TRACE"}
	limits := map[string]string{"MAX_CONCURRENCY": "MaxConcurrency", "TOLERATED_FAILURE_PERCENTAGE": "ToleratedFailurePercentage", "TOLERATED_FAILURE_COUNT": "ToleratedFailureCount"}
	mapInspect := func(limit, level string) func(*replay) {
		return func(r *replay) {
			v, _ := value.DecodeMaps([]byte(template(r.t, dir+"base_map_state.json5")))
			v.(map[string]any)[limits[limit]] = "{% 1 %}"
			r.record("test_case_response", testState(r, map[string]any{"definition": value.Encode(v), "roleArn": role,
				"input": `{"Values":[1,2,3]}`, "inspectionLevel": level, "mock": map[string]any{"result": "[1,1,1]"}}))
		}
	}
	register(file{
		path:      "v2/test_state/test_test_state_scenarios.snapshot.json",
		stateless: true,
		lambda:    true,
		scenario: func(test string) (func(*replay), string) {
			name, id := param(test)
			if level, ok := levels[name]; ok {
				b, ok := bindings[id]
				if !ok {
					return nil, "unknown parameter " + id
				}
				return func(r *replay) {
					r.record("test_case_response", testState(r, map[string]any{"definition": template(r.t, dir+b[0]), "roleArn": role, "input": b[1], "inspectionLevel": level}))
				}, ""
			}
			switch name {
			case "test_base_lambda_task_state":
				return func(r *replay) {
					v, _ := value.DecodeMaps([]byte(template(r.t, dir+"base_lambda_task_state.json5")))
					v.(map[string]any)["Resource"] = "arn:aws:lambda:us-east-1:123456789012:function:" + helloName
					r.record("test_case_response", testState(r, map[string]any{"definition": value.Encode(v), "roleArn": role,
						"input": `{"inputData":"HelloWorld"}`, "inspectionLevel": id}))
				}, ""
			case "test_base_lambda_service_task_state":
				return func(r *replay) {
					r.replace(identityName, "<lambda_function_name>")
					r.record("test_case_response", testState(r, map[string]any{"definition": template(r.t, dir+"base_lambda_service_task_state.json5"), "roleArn": role,
						"input": `{"FunctionName":"` + identityName + `","Payload":null}`, "inspectionLevel": id}))
				}, ""
			case "test_base_lambda_service_task_state_no_role_arn_validation":
				return func(r *replay) {
					r.record("validation_exception", testState(r, map[string]any{"definition": template(r.t, dir+"base_lambda_service_task_state.json5"),
						"input": `{"FunctionName":"lambda_func_x","Payload":null}`, "inspectionLevel": "TRACE"}))
				}, ""
			case "test_base_map_state_inspect":
				limit, level, _ := strings.Cut(id, "-")
				return mapInspect(limit, level), ""
			case "test_base_map_state_inspect_trace": // an older version of the test, at TRACE
				return mapInspect(id, "TRACE"), ""
			case "test_state_task_catch_error":
				return func(r *replay) {
					def := template(r.t, dir+"base_task_state_catch.json5")
					for key, mock := range map[string][2]string{
						"test_catch_mock_exception_response": {"MockException", "Mock the cause of the error."},
						"catch_task_failed_response":         {"States.TaskFailed", "The task failed."},
					} {
						r.record(key, testState(r, map[string]any{"definition": def, "roleArn": role, "input": hello, "inspectionLevel": id,
							"mock": map[string]any{"errorOutput": map[string]any{"error": mock[0], "cause": mock[1]}}}))
					}
				}, ""
			case "test_localstack_blogpost_scenario":
				return func(r *replay) {
					v, _ := value.DecodeMaps([]byte(template(r.t, dir+"localstack_blogpost_scenario_state_machine.json5")))
					v.(map[string]any)["States"].(map[string]any)["Ask for Approval"].(map[string]any)["Arguments"].(map[string]any)["ApiEndpoint"] = "example.execute-api.us-east-1.amazonaws.com"
					def := value.Encode(v)
					step := func(key, input, state string, mock map[string]any) {
						req := map[string]any{"definition": def, "input": input, "stateName": state, "inspectionLevel": "TRACE"}
						if mock != nil {
							req["mock"] = mock
						}
						r.record(key, testState(r, req))
					}
					step("small_purchase_approval_required_response", `{"cost":9}`, "Approval Required", nil)
					step("large_purchase_approval_required_response", `{"cost":10}`, "Approval Required", nil)
					step("large_purchase_ask_for_approval_response", `{"cost":10}`, "Ask for Approval", map[string]any{"result": `{"approval": true }`})
					step("check_approval_granted_response", `{"approval":true,"approval_code":"2387462","approved_by":"Mary"}`, "Check Approval", nil)
					step("check_approval_denied_response", `{"approval":false}`, "Check Approval", nil)
				}, ""
			case "test_state_with_variables":
				if id != "base_expressions" {
					return nil, "scenario not written: the test's stored source has only the base_expressions case"
				}
				return func(r *replay) {
					r.record("test_case_response", testState(r, map[string]any{"definition": template(r.t, "outputdecl/statemachines/base_expr.json5"),
						"stateName": "State0", "input": `{"input_values":[1,2,3]}`, "variables": `{"var_input_value":"test_value","var_constant_1":10}`, "inspectionLevel": "TRACE"}))
				}, ""
			}
			return nil, "unknown test " + test
		},
	})
}
