package replay

import "strings"

// TestState's stateConfiguration (test_state/test_state_configuration): a mocked Map's
// iteration failures against its tolerance, retrierRetryCount, errorCausedByState and
// mapItemReaderData.
func init() {
	const dir = "test_state/statemachines/"
	const values = `{"Values":["first","second","third"]}`
	maps := map[string]string{"BASE_MAP_STATE": "base_map_state.json5", "BASE_MAP_STATE_CATCH": "base_map_state_catch.json5",
		"BASE_MAP_STATE_RETRY": "base_map_state_retry.json5", "MAP_TASK_STATE": "map_task_state.json5"}
	errorOutput := func(cause string) map[string]any {
		return map[string]any{"errorOutput": map[string]any{"error": "MockException", "cause": cause}}
	}
	call := func(r *replay, tmpl, state, input, level string, config, mock map[string]any) map[string]any {
		req := map[string]any{"definition": template(r.t, dir+tmpl), "roleArn": role, "input": input, "inspectionLevel": level,
			"stateConfiguration": config, "mock": mock}
		if state != "" {
			req["stateName"] = state
		}
		return r.call("TestState", req)
	}
	// pair replays a test's two calls: failure counts 0 and 2 with the same other settings.
	pair := func(tmpl, state, input, level string, config map[string]any, mock0, mock2 map[string]any) func(*replay) {
		return func(r *replay) {
			for key, n := range map[string]int{"below_tolerated_failure": 0, "exceeds_tolerated_failure": 2} {
				c := map[string]any{"mapIterationFailureCount": n}
				for k, v := range config {
					c[k] = v
				}
				mock := mock0
				if n == 2 {
					mock = mock2
				}
				r.record(key, call(r, tmpl, state, input, level, c, mock))
			}
		}
	}
	register(file{
		path:      "v2/test_state/test_state_configuration.snapshot.json",
		stateless: true,
		scenario: func(test string) (func(*replay), string) {
			name, id := param(test)
			switch name {
			case "test_map_state_failure_count":
				level, tmpl, _ := strings.Cut(id, "-")
				return pair(maps[tmpl], "", values, level, nil, map[string]any{"result": "[1,1,1]"}, map[string]any{"result": "[0,0,1]"}), ""
			case "test_map_state_error_caused_by_state":
				return func(r *replay) {
					r.record("test_case_response", call(r, "base_map_state.json5", "", `{"Values":[1,1,1]}`, id,
						map[string]any{"errorCausedByState": "TestState"}, errorOutput("Mock the cause of the error.")))
				}, ""
			case "test_state_configuration_retrier_retry_count":
				return func(r *replay) {
					for key, n := range map[string]int{"below_tolerated_retry_count_with_backoff": 4, "exceeds_tolerated_retry_count": 5} {
						r.record(key, call(r, "base_task_state_retry.json5", "", values, id, map[string]any{"retrierRetryCount": n}, errorOutput("Mock the cause of the error.")))
					}
				}, ""
			case "test_state_configuration_map_iteration_failure_count_with_state_error":
				e := errorOutput("Mock the error cause.")
				return pair("base_map_state.json5", "", values, id, map[string]any{"errorCausedByState": "TestState"}, e, e), ""
			case "test_state_machine_with_state_error":
				e := errorOutput("Mock the error cause.")
				return pair("base_map_state_machine.json5", "State0", values, id, map[string]any{"errorCausedByState": "HandleItem"}, e, e), ""
			case "test_state_machine_configuration_map_iteration_item_reader":
				return func(r *replay) {
					r.record("test_case_response", call(r, "map_item_reader_state_machine.json5", "State0", `{"Bucket":"test-bucket","Key":"test-key"}`, id,
						map[string]any{"mapItemReaderData": "[1,2,3]"}, map[string]any{"result": "[1,4,9]"}))
				}, ""
			case "test_state_machine_configuration_item_reader_with_error":
				e := errorOutput("Mock the error cause.")
				return pair("map_item_reader_state_machine.json5", "State0", `{"Bucket":"test-bucket","Key":"test-key"}`, id,
					map[string]any{"errorCausedByState": "HandleItem", "mapItemReaderData": "[1,2,3]"}, e, e), ""
			}
			return nil, "unknown test " + test
		},
	})
}
