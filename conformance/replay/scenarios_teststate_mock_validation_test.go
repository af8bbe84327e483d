package replay

// TestState's checks of a mock (test_state/test_state_mock_validation): the states a mock
// cannot answer, the states that need one, and mocks of the wrong shape. Tests recorded after
// the test file's stored version are replayed from what their answers say they asked (a
// Parallel without a mock, with an object or an array of the wrong length, with no branches;
// a Map iteration failure count without a mock or above the mocked items).
func init() {
	const dir = "test_state/statemachines/"
	testState := func(r *replay, tmpl string, extra map[string]any) map[string]any {
		req := map[string]any{"definition": template(r.t, dir+tmpl), "inspectionLevel": "TRACE"}
		for k, v := range extra {
			req[k] = v
		}
		return r.call("TestState", req)
	}
	states := map[string]string{"PassState": "base_pass_state.json5", "FailState": "base_fail_state.json5", "SucceedState": "base_succeed_state.json5",
		"MapState": "base_map_state.json5", "MapTaskState": "map_task_state.json5", "ParallelState": "base_parallel_state.json5"}
	mocks := map[string]any{
		"mock_result":       map[string]any{"result": `{"mock":"the unmockable"}`},
		"mock_error_output": map[string]any{"errorOutput": map[string]any{"error": "Error", "cause": "Cause"}},
	}
	record := func(f func(r *replay) map[string]any) func(*replay) {
		return func(r *replay) { r.record("validation_exception", f(r)) }
	}
	scenarios := map[string]func(*replay){
		"test_both_mock_result_and_mock_error_output_are_set": record(func(r *replay) map[string]any {
			return testState(r, "base_lambda_service_task_state.json5", map[string]any{"mock": map[string]any{
				"result": `{"mock":"response"}`, "errorOutput": map[string]any{"error": "Error", "cause": "Cause"}}})
		}),
		"test_reveal_secrets_is_true_and_mock_result_is_set": record(func(r *replay) map[string]any {
			return testState(r, "base_lambda_service_task_state.json5", map[string]any{"mock": map[string]any{"result": `{"mock":"response"}`}, "revealSecrets": true})
		}),
		"test_mock_result_is_not_array_on_map_state_without_result_writer": record(func(r *replay) map[string]any {
			return testState(r, "base_map_state.json5", map[string]any{"mock": map[string]any{"result": `{"mock":"array is expected but object is provided instead"}`}})
		}),
		"test_mock_result_is_not_object_on_map_state_with_result_writer": record(func(r *replay) map[string]any {
			return testState(r, "base_map_state_result_writer.json5", map[string]any{"mock": map[string]any{"result": `["object is expected but array is provided instead"]`}})
		}),
		"test_mock_result_is_not_array_on_parallel_state": record(func(r *replay) map[string]any {
			return testState(r, "base_parallel_state.json5", map[string]any{"mock": map[string]any{"result": `{"mock":"array is expected"}`}})
		}),
		"test_mock_result_array_size_mismatch_on_parallel_state": record(func(r *replay) map[string]any {
			return testState(r, "base_parallel_state.json5", map[string]any{"mock": map[string]any{"result": `["only one"]`}})
		}),
		"test_parallel_state_empty_branches": record(func(r *replay) map[string]any {
			return r.call("TestState", map[string]any{"definition": `{"Type":"Parallel","Branches":[],"End":true}`, "inspectionLevel": "TRACE",
				"mock": map[string]any{"result": `[]`}})
		}),
		"test_map_iteration_failure_count_without_mock": record(func(r *replay) map[string]any {
			return testState(r, "base_map_state.json5", map[string]any{"stateConfiguration": map[string]any{"mapIterationFailureCount": 1}})
		}),
		"test_map_iteration_failure_count_exceeds_mock_result_items": record(func(r *replay) map[string]any {
			return testState(r, "base_map_state.json5", map[string]any{"mock": map[string]any{"result": `[1,2]`},
				"stateConfiguration": map[string]any{"mapIterationFailureCount": 3}})
		}),
	}
	register(file{
		path:      "v2/test_state/test_state_mock_validation.snapshot.json",
		stateless: true,
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			name, id := param(test)
			switch name {
			case "test_state_type_does_not_accept_mock":
				var mock, state string
				for m := range mocks {
					if len(id) > len(m) && id[:len(m)+1] == m+"-" {
						mock, state = m, id[len(m)+1:]
					}
				}
				return record(func(r *replay) map[string]any {
					return testState(r, states[state], map[string]any{"mock": mocks[mock]})
				}), ""
			case "test_state_type_requires_mock":
				return record(func(r *replay) map[string]any { return testState(r, states[id], nil) }), ""
			}
			return nil, "unknown test " + test
		},
	})
}
