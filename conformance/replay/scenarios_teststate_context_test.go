package replay

import (
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
)

// TestState with a Context object (test_state/test_state_context_object): the context given
// is what $$ reads, and AWS's checks of it.
func init() {
	full := map[string]any{
		"Execution": map[string]any{
			"Id":        "arn:aws:states:::execution:MyStateMachine:execution-name-12345",
			"Input":     map[string]any{"input-value": 0, "message": "test data", "values": []any{"charizard", "pikachu", "bulbasaur"}},
			"Name":      "execution-name-12345",
			"RoleArn":   "arn:aws:iam:::role/StepFunctionsRole",
			"StartTime": "2025-01-15T10:30:00.000Z",
		},
		"State":        map[string]any{"EnteredTime": "2025-01-15T10:30:01.500Z", "Name": "MyTaskState", "RetryCount": 0},
		"StateMachine": map[string]any{"Id": "arn:aws:states:::stateMachine:MyStateMachine", "Name": "MyStateMachine"},
	}
	withTask := map[string]any{"Task": map[string]any{"Token": "abcd123"}}
	for k, v := range full {
		withTask[k] = v
	}
	bindings := map[string]string{"ALL": "$$", "EXECUTION_INPUT": "$$.Execution.Input", "EXECUTION_INPUT_VALUES": "$$.Execution.Input.values"}
	// state reads the state TestState of a context_object template with the test's path in
	// place of the placeholder. The Task tests' template (CONTEXT_OBJECT_RESULT_PATH) is not in
	// the recordings' checkout; CONTEXT_OBJECT_RESULT_SELECTOR, which the recorded answers fit
	// (the path's value in ResultSelector's ContextObjectValue), stands in for it.
	state := func(r *replay, tmpl, path string) string {
		v, err := value.DecodeMaps([]byte(template(r.t, "context_object/statemachines/"+tmpl)))
		if err != nil {
			r.t.Fatal(err)
		}
		s := value.Encode(v.(map[string]any)["States"].(map[string]any)["TestState"])
		return strings.ReplaceAll(s, "%CONTEXT_OBJECT_LITERAL_PLACEHOLDER%", path)
	}
	lambdaInput := `{"FunctionName":"lambda_function_name","Payload":{"input-value":0}}`
	testState := func(r *replay, def, input string, ctx any, result string) map[string]any {
		req := map[string]any{"definition": def, "inspectionLevel": "TRACE", "context": value.Encode(ctx), "mock": map[string]any{"result": result}}
		if input != "" {
			req["input"] = input
		}
		return r.call("TestState", req)
	}
	register(file{
		path:      "v2/test_state/test_state_context_object.snapshot.json",
		stateless: true,
		scenario: func(test string) (func(*replay), string) {
			name, id := param(test)
			switch name {
			case "test_state_task_context_object":
				return func(r *replay) {
					r.record("test_case_response", testState(r, state(r, "context_object_result_selector.json5", bindings[id]), lambdaInput, full,
						`{"pokemon":["charizard","pikachu","bulbasaur"]}`))
				}, ""
			case "test_state_wait_task_context_object":
				return func(r *replay) {
					def := strings.ReplaceAll(template(r.t, "test_state/statemachines/io_sqs_service_task_wait.json5"), "__QUEUE_URL__",
						"https://sqs.us-east-1.amazonaws.com/123456789012/test-queue")
					r.record("test_case_response", testState(r, def, "", withTask, `{"pokemon":["charizard","pikachu","bulbasaur"]}`))
				}, ""
			case "test_state_map_context_object":
				return func(r *replay) {
					r.record("test_case_response", testState(r, state(r, "context_object_items_path.json5", bindings[id]), `["fire","electricity","grass"]`, full,
						`["CHARIZARD","PIKACHU","BULBASAUR"]`))
				}, ""
			case "test_state_context_object_invalid_states":
				tmpl, ctx := "context_object_result_selector.json5", withTask
				if id == "INVALID_STATE_PASS" {
					tmpl, ctx = "context_object_input_path.json5", full
				}
				return func(r *replay) {
					r.record("exception", exception("TestState", testState(r, state(r, tmpl, "$$"), `["fire","electricity","grass"]`, ctx,
						`{"pokemon":["CHARIZARD","PIKACHU","BULBASAUR"]}`)))
				}, ""
			case "test_state_context_object_validation_failures":
				ctx := map[string]any{
					"INVALID_EXECUTION_ID_TYPE": map[string]any{"Execution": map[string]any{"Id": 1}},
					"INVALID_MAP":               map[string]any{"Map": map[string]any{}},
					"INVALID_EXECUTION_FIELD":   map[string]any{"Execution": map[string]any{"pokemon": "squirtle"}},
					"INVALID_FIELD":             map[string]any{"Pokedex": map[string]any{}},
				}[id]
				return func(r *replay) {
					r.record("exception", exception("TestState", testState(r, template(r.t, "test_state/statemachines/base_sfn_start_execution.json5"),
						`{"stateMachineArn":"arn","targetInput":null,"name":"exec_name"}`, ctx, `{"ExecutionArn":"exec_arn","StartDate":"2025-01-15T10:30:00"}`)))
				}, ""
			case "test_state_context_object_edge_cases":
				ctx := map[string]any{}
				if id == "EMPTY_OBJECTS" {
					ctx = map[string]any{"Execution": map[string]any{}, "State": map[string]any{}, "StateMachine": map[string]any{}}
				}
				return func(r *replay) {
					r.record("test_case_response", testState(r, state(r, "context_object_result_selector.json5", "$$"), lambdaInput, ctx, `{"pokemon":"pikachu"}`))
				}, ""
			}
			return nil, "unknown test " + test
		},
	})
}
