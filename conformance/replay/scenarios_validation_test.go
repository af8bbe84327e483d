package replay

// ValidateStateMachineDefinition (test_sfn_api_validation): each test validates one definition
// as a STANDARD or an EXPRESS machine.
func init() {
	templates := map[string]string{
		"VALID_BASE_PASS":                  "validation/statemachines/valid_base_pass.json5",
		"INVALID_BASE_NO_STARTAT":          "validation/statemachines/invalid_base_no_startat.json5",
		"ILLEGAL_WFTT":                     "callbacks/statemachines/sqs_wait_for_task_token.json5",
		"VALID_QUERY_LANGUAGE_PASS":        "validation/statemachines/valid_query_language_pass.json5",
		"INVALID_DOWNGRADE_QUERY_LANGUAGE": "validation/statemachines/invalid_downgrade_query_language.json5",
	}
	literal := map[string]string{"EMPTY_STRING": " ", "NOT_A_DEF": "not a definition", "EMPTY_DICT": "{}"}
	register(file{
		path:      "v2/test_sfn_api_validation.snapshot.json",
		stateless: true,
		scenario: func(test string) (func(*replay), string) {
			name, id := param(test)
			typ := map[string]string{
				"test_validate_state_machine_definition_not_a_definition": "STANDARD",
				"test_validate_state_machine_definition_type_standard":    "STANDARD",
				"test_validate_state_machine_definition_type_express":     "EXPRESS",
			}[name]
			if typ == "" {
				return nil, "unknown test"
			}
			return func(r *replay) {
				def, ok := literal[id]
				if !ok {
					def = template(r.t, templates[id])
				}
				r.record("validation_response", r.call("ValidateStateMachineDefinition", map[string]any{"definition": def, "type": typ}))
			}, ""
		},
	})
}
