package replay

import (
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
)

// Aliases (test_sfn_api_aliasing): creating, updating, describing, listing and deleting
// aliases, their routing and name rules, and executions started through one.
func init() {
	const sm = "state_machine_a"
	route := func(kv ...any) []any {
		out := []any{}
		for i := 0; i < len(kv); i += 2 {
			out = append(out, map[string]any{"stateMachineVersionArn": kv[i], "weight": kv[i+1]})
		}
		return out
	}
	// setup creates the machine with a first version and n more versions, as the tests do
	// (each with a new Comment), and returns the machine's ARN and its versions' ARNs.
	setup := func(r *replay, n int) (string, []any) {
		c := r.createMachine(sm, passResult, map[string]any{"publish": true})
		arn := str(c, "stateMachineArn")
		versions := []any{c["stateMachineVersionArn"]}
		v, _ := value.DecodeMaps([]byte(template(r.t, passResult)))
		def := v.(map[string]any)
		for i := 0; i < n; i++ {
			def["Comment"] = "Definition for version " + itoa(i)
			u := r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": value.Encode(def), "publish": true})
			versions = append(versions, u["stateMachineVersionArn"])
		}
		return arn, versions
	}
	alias := func(r *replay, name, description string, routing []any) map[string]any {
		req := map[string]any{"name": name, "routingConfiguration": routing}
		if description != "" {
			req["description"] = description
		}
		return r.call("CreateStateMachineAlias", req)
	}
	const desc = "create state machine alias description"
	const name = "AliasName-replay"
	named := func(r *replay) { r.replace(name, "state_machine_alias_name") }
	exc := func(action string, resp map[string]any) map[string]any { return exception(action, resp) }
	// pagination lists three aliases (created while the machine's revisions change) with
	// maxResults out of range and then as the test's parameter asks.
	pagination := func(maxResults int, bounds bool) func(*replay) {
		return func(r *replay) {
			arn, versions := setup(r, 0)
			v, _ := value.DecodeMaps([]byte(template(r.t, passResult)))
			def := v.(map[string]any)
			for i := 1; i <= 3; i++ {
				r.record("create_state_machine_alias_response-"+itoa(i), alias(r, "AliasName-"+itoa(i), "Description "+itoa(i)+" - create state machine alias", route(versions[0], 100)))
				def["Comment"] = "Comment " + itoa(i)
				r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": value.Encode(def)})
			}
			if bounds {
				r.record("list_state_machine_aliases_max_results_-1_response", errorText("ListStateMachineAliases", r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn, "maxResults": -1})))
				r.record("list_state_machine_aliases_max_results_1001_response", r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn, "maxResults": 1001}))
			}
			if maxResults == 0 {
				r.record("list_state_machine_aliases_max_results_0_response", r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn, "maxResults": 0}))
				return
			}
			first := r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn, "maxResults": 1})
			r.record("list_state_machine_aliases_max_results_1_response", first)
			r.record("list_state_machine_aliases_next_token_response", r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn, "nextToken": first["nextToken"]}))
		}
	}
	scenarios := map[string]func(r *replay){
		"test_base_create_alias_single_router_config": func(r *replay) {
			_, versions := setup(r, 0)
			named(r)
			r.record("create_state_machine_alias_response", alias(r, name, desc, route(versions[0], 100)))
		},
		"test_error_create_alias_with_state_machine_arn": func(r *replay) {
			arn, _ := setup(r, 0)
			r.record("exception", exc("CreateStateMachineAlias", alias(r, "AliasName-other", desc, route(arn, 100))))
		},
		"test_error_create_alias_not_idempotent": func(r *replay) {
			_, versions := setup(r, 1)
			named(r)
			r.record("create_state_machine_alias_response", alias(r, name, desc, route(versions[0], 100)))
			r.record("not_idempotent_description", exc("CreateStateMachineAlias", alias(r, name, "This is a different description", route(versions[0], 100))))
			r.record("not_idempotent_routing_configuration", exc("CreateStateMachineAlias", alias(r, name, desc, route(versions[0], 50, versions[1], 50))))
		},
		"test_idempotent_create_alias": func(r *replay) {
			arn, versions := setup(r, 0)
			named(r)
			for i := 0; i < 2; i++ {
				r.record("create_state_machine_alias_response_attempt_"+itoa(i), alias(r, name, desc, route(versions[0], 100)))
			}
			r.record("create_state_machine_alias_response_different_name", alias(r, name+"-second", desc, route(versions[0], 100)))
			r.record("list_state_machine_aliases_response", r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn}))
		},
		"test_error_create_alias_invalid_router_configs": func(r *replay) {
			arn, v := setup(r, 2)
			for _, c := range []struct {
				key     string
				routing []any
			}{
				{"no_routing", route()},
				{"too_many_routing", route(v[0], 50, v[1], 30, v[2], 20)},
				{"duplicate_routing", route(v[0], 50, v[0], 50)},
				{"invalid_arn", route(arn, 70, v[1], 30)},
				{"weight_too_large", route(v[0], 101)},
				{"weight_too_small", route(v[0], -1)},
				{"sum_weights_less_than_100", route(v[0], 70, v[1], 29)},
				{"sum_weights_more_than_100", route(v[0], 70, v[1], 31)},
			} {
				r.record(c.key, exc("CreateStateMachineAlias", alias(r, "AliasName-x", "", c.routing)))
			}
		},
		"test_error_create_alias_invalid_name": func(r *replay) {
			_, v := setup(r, 0)
			for _, n := range []string{"123", "", strings.Repeat("A", 81), "INVALID ALIAS", "!INVALID", "ALIAS@"} {
				r.record("exception_for_name"+n, exc("CreateStateMachineAlias", alias(r, n, desc, route(v[0], 100))))
			}
		},
		"test_base_lifecycle_create_delete_list": func(r *replay) {
			arn, v := setup(r, 0)
			r.record("list_state_machine_aliases_response_empty", r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn}))
			r.replace(name, "state_machine_alias_base_name")
			var arns []any
			for i := 0; i < 3; i++ {
				a := alias(r, name+"-"+itoa(i), desc, route(v[0], 100))
				r.record("create_state_machine_alias_response_num_"+itoa(i), a)
				arns = append(arns, a["stateMachineAliasArn"])
				r.record("list_state_machine_aliases_response_after_creation_"+itoa(i), r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn}))
			}
			for i, a := range arns {
				r.record("delete_state_machine_alias_response_"+itoa(i), r.call("DeleteStateMachineAlias", map[string]any{"stateMachineAliasArn": a}))
				r.record("list_state_machine_aliases_response_after_deletion_"+itoa(i), r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn}))
			}
		},
		"test_update_no_such_alias_arn": func(r *replay) {
			_, v := setup(r, 0)
			named(r)
			a := alias(r, name, desc, route(v[0], 100))
			r.record("create_state_machine_alias_response", a)
			r.call("DeleteStateMachineAlias", map[string]any{"stateMachineAliasArn": a["stateMachineAliasArn"]})
			r.record("update_no_such_alias_arn", exc("UpdateStateMachineAlias", r.call("UpdateStateMachineAlias", map[string]any{"stateMachineAliasArn": a["stateMachineAliasArn"], "description": "Updated state machine alias description"})))
		},
		"test_base_lifecycle_create_invoke_describe_list": func(r *replay) {
			arn, v := setup(r, 0)
			r.record("list_state_machine_aliases_response_empty", r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn}))
			named(r)
			a := alias(r, name, desc, route(v[0], 100))
			r.record("create_state_machine_alias_response", a)
			e := r.call("StartExecution", map[string]any{"stateMachineArn": a["stateMachineAliasArn"], "input": "{}"})
			r.record("start_execution_response_through_alias", e)
			r.record("describe_execution_response_through_alias", r.awaitEnd(str(e, "executionArn")))
			e2 := r.call("StartExecution", map[string]any{"stateMachineArn": v[0], "input": "{}"})
			r.record("start_execution_response_through_version_arn", e2)
			r.record("describe_execution_response_through_version_arn", r.awaitEnd(str(e2, "executionArn")))
			r.record("list_executions_response", r.call("ListExecutions", map[string]any{"stateMachineArn": arn}))
		},
		"test_base_lifecycle_create_update_describe": func(r *replay) {
			_, v := setup(r, 2)
			named(r)
			a := alias(r, name, desc, route(v[0], 100))
			r.record("create_state_machine_alias_response", a)
			aa := a["stateMachineAliasArn"]
			r.record("update_state_machine_alias_description_response", r.call("UpdateStateMachineAlias", map[string]any{"stateMachineAliasArn": aa, "description": "new description"}))
			r.record("describe_state_machine_alias_update_description_response", r.call("DescribeStateMachineAlias", map[string]any{"stateMachineAliasArn": aa}))
			r.record("update_state_machine_alias_routing_configuration_response", r.call("UpdateStateMachineAlias", map[string]any{"stateMachineAliasArn": aa, "routingConfiguration": route(v[0], 50, v[1], 50)}))
			r.record("describe_state_machine_alias_update_routing_configuration_response", r.call("DescribeStateMachineAlias", map[string]any{"stateMachineAliasArn": aa}))
		},
		"test_delete_version_with_alias": func(r *replay) {
			arn, v := setup(r, 0)
			named(r)
			a := alias(r, name, desc, route(v[0], 100))
			r.record("create_state_machine_alias_response", a)
			r.record("exception_delete_version_with_alias_reference", exc("DeleteStateMachineVersion", r.call("DeleteStateMachineVersion", map[string]any{"stateMachineVersionArn": v[0]})))
			d, _ := value.DecodeMaps([]byte(template(r.t, passResult)))
			def := d.(map[string]any)
			def["Comment"] = "Definition v1"
			u := r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": value.Encode(def), "publish": true})
			r.call("UpdateStateMachineAlias", map[string]any{"stateMachineAliasArn": a["stateMachineAliasArn"], "routingConfiguration": route(u["stateMachineVersionArn"], 100)})
			r.record("describe_state_machine_alias_response", r.call("DescribeStateMachineAlias", map[string]any{"stateMachineAliasArn": a["stateMachineAliasArn"]}))
			r.record("delete_version_response", r.call("DeleteStateMachineVersion", map[string]any{"stateMachineVersionArn": v[0]}))
		},
		"test_delete_revision_with_alias": func(r *replay) {
			arn, v := setup(r, 0)
			named(r)
			r.record("create_state_machine_alias_response", alias(r, name, desc, route(v[0], 100)))
			r.record("delete_state_machine_response", r.call("DeleteStateMachine", map[string]any{"stateMachineArn": arn}))
		},
		"test_delete_no_such_alias_arn": func(r *replay) {
			_, v := setup(r, 0)
			named(r)
			a := alias(r, name, desc, route(v[0], 100))
			r.record("create_state_machine_alias_response", a)
			r.call("DeleteStateMachineAlias", map[string]any{"stateMachineAliasArn": a["stateMachineAliasArn"]})
			r.record("delete_state_machine_alias_response", r.call("DeleteStateMachineAlias", map[string]any{"stateMachineAliasArn": a["stateMachineAliasArn"]}))
		},
		"test_list_state_machine_aliases_pagination_invalid_next_token": func(r *replay) {
			arn, v := setup(r, 0)
			named(r)
			r.record("create_state_machine_alias_response", alias(r, name, desc, route(v[0], 100)))
			r.record("invalidTokenException", exc("ListStateMachineAliases", r.call("ListStateMachineAliases", map[string]any{"stateMachineArn": arn, "nextToken": "InvalidToken"})))
		},
		// An older version of the next test, recorded without the out-of-range maxResults.
		"test_list_state_machine_aliases_pagination_max_results_1_next_token": pagination(1, false),
		"test_list_state_machine_aliases_pagination_max_results[0]":           pagination(0, true),
		"test_list_state_machine_aliases_pagination_max_results[1]":           pagination(1, true),
	}
	register(file{
		path: "v2/test_sfn_api_aliasing.snapshot.json",
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			return nil, "unknown test " + test
		},
	})
}
