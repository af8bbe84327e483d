package replay

import "strings"

// TestState of one state of a whole machine, picked by stateName
// (test_state/test_test_state_machine_scenarios).
func init() {
	const dir = "test_state/statemachines/"
	const hello = `{"Value":"HelloWorld"}`
	machines := map[string][2]string{
		"BASE_PASS_STATE_MACHINE": {"base_pass_state_machine.json5", "State0"},
		"BASE_FAIL_STATE_MACHINE": {"base_fail_state_machine.json5", "State0"},
		"BASE_MAP_STATE_MACHINE":  {"base_map_state_machine.json5", "HandleItem"},
	}
	testState := func(r *replay, tmpl, state, level string) map[string]any {
		return r.call("TestState", map[string]any{"stateName": state, "definition": template(r.t, dir+tmpl), "input": hello, "inspectionLevel": level})
	}
	register(file{
		path:      "v2/test_state/test_test_state_machine_scenarios.snapshot.json",
		stateless: true,
		scenario: func(test string) (func(*replay), string) {
			name, id := param(test)
			level, rest, _ := strings.Cut(id, "-")
			switch name {
			case "test_base_state_name":
				m := machines[rest]
				return func(r *replay) { r.record("test_case_response", testState(r, m[0], m[1], level)) }, ""
			case "test_base_state_name_multi_state":
				return func(r *replay) {
					r.record("test_case_response", testState(r, "base_multi_state_machine.json5", rest, level))
				}, ""
			case "test_base_state_name_validation_failures":
				state := map[string]string{"dne": "dne", "invalid": `"invalid"`, "empty": ""}[id]
				return func(r *replay) {
					r.record("exception", exception("TestState", testState(r, "base_pass_state_machine.json5", state, "INFO")))
				}, ""
			case "test_state_name_invalid_state_definition":
				return func(r *replay) {
					r.record("validation_exception", testState(r, "base_invalid_state_definition.json5", "ExistingButInvalidState", "INFO"))
				}, ""
			}
			return nil, "unknown test " + test
		},
	})
}
