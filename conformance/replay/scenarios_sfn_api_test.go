package replay

import (
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
)

// The core state machine and execution actions (test_sfn_api): create, describe, update,
// delete and list state machines; start, stop, describe, list executions and read their
// history; and the errors for names, ARNs and inputs AWS refuses.
func init() {
	const sm = "statemachine_s"
	withResult := func(r *replay, arg string) string {
		v, _ := value.DecodeMaps([]byte(template(r.t, passResult)))
		v.(map[string]any)["States"].(map[string]any)["State_1"].(map[string]any)["Result"].(map[string]any)["Arg1"] = arg
		return value.Encode(v)
	}
	describe := func(r *replay, key string, arn any) {
		r.record(key, r.call("DescribeStateMachine", map[string]any{"stateMachineArn": arn}))
	}
	start := func(r *replay, arn any, extra map[string]any) map[string]any {
		req := map[string]any{"stateMachineArn": arn}
		for k, v := range extra {
			req[k] = v
		}
		return r.call("StartExecution", req)
	}
	// other returns the ARN of a machine that does not exist, named as the test names it.
	other := func(r *replay, word string) string {
		c := r.createMachine(sm, passResult, nil)
		arn := strings.Replace(str(c, "stateMachineArn"), sm, "statemachine_none", 1)
		r.replace(arn, word)
		return arn
	}
	// finished creates the machine, starts one execution and waits for its end.
	finished := func(r *replay, name string) (map[string]any, map[string]any) {
		c := r.createMachine(name, passResult, nil)
		r.record("creation_resp", c)
		e := start(r, c["stateMachineArn"], nil)
		r.record("exec_resp", e)
		r.awaitEnd(str(e, "executionArn"))
		return c, e
	}
	roleT1 := "arn:aws:iam::123456789012:role/replay-second"
	roleT2 := "arn:aws:iam::123456789012:role/replay-third"
	updates := func(t1, t2 func(r *replay, arn any) map[string]any, roles bool) func(*replay) {
		return func(r *replay) {
			if roles {
				r.replace(roleT1, "snf_role_arn_t1")
				r.replace(roleT2, "snf_role_arn_t2")
			}
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_t0", c)
			arn := c["stateMachineArn"]
			describe(r, "describe_resp_t0", arn)
			key := "update_state_machine_res_t1"
			if _, ok := r.got["update_state_machine_res"]; !ok && !roles {
				key = "update_state_machine_res"
			}
			r.record(key, t1(r, arn))
			describe(r, "describe_resp_t1", arn)
			r.record("update_state_machine_res_t2", t2(r, arn))
			describe(r, "describe_resp_t2", arn)
		}
	}
	update := func(fields func(r *replay) map[string]any) func(r *replay, arn any) map[string]any {
		return func(r *replay, arn any) map[string]any {
			req := fields(r)
			req["stateMachineArn"] = arn
			return r.call("UpdateStateMachine", req)
		}
	}
	scenarios := map[string]func(*replay){
		"test_create_delete_valid_sm": func(r *replay) {
			v, _ := value.DecodeMaps([]byte(template(r.t, "base/statemachines/task_seq_2.json5")))
			for _, s := range []string{"State_1", "State_2"} {
				v.(map[string]any)["States"].(map[string]any)[s].(map[string]any)["Resource"] = "arn:aws:lambda:us-east-1:123456789012:function:id_function"
			}
			c := r.call("CreateStateMachine", map[string]any{"name": sm, "definition": value.Encode(v), "roleArn": role})
			r.record("creation_resp_1", c)
			r.record("deletion_resp_1", r.call("DeleteStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"]}))
		},
		"test_create_delete_invalid_sm": func(r *replay) {
			r.record("invalid_definition_1", r.createMachine(sm, "base/statemachines/invalid_der.json5", nil))
		},
		"test_delete_nonexistent_sm": func(r *replay) {
			r.record("deletion_resp_1", r.call("DeleteStateMachine", map[string]any{"stateMachineArn": other(r, "sm_nonexistent_arn")}))
		},
		"test_describe_nonexistent_sm": func(r *replay) {
			r.record("describe_nonexistent_sm", errorText("DescribeStateMachine", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": other(r, "sm_nonexistent_arn")})))
		},
		"test_describe_invalid_arn_sm": func(r *replay) {
			r.record("exception", exception("DescribeStateMachine", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": "not_a_valid_arn"})))
		},
		"test_create_exact_duplicate_sm": func(r *replay) {
			c1 := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_1", c1)
			describe(r, "describe_resp_1", c1["stateMachineArn"])
			c2 := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_2", c2)
			describe(r, "describe_resp_2", c2["stateMachineArn"])
			describe(r, "describe_resp_1_2", c1["stateMachineArn"])
		},
		"test_create_duplicate_definition_format_sm": func(r *replay) {
			c1 := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_1", c1)
			describe(r, "describe_resp_1", c1["stateMachineArn"])
			// The same definition, indented: another text, so another machine to AWS.
			v, _ := value.DecodeMaps([]byte(template(r.t, passResult)))
			indented := strings.ReplaceAll(value.Encode(v), ",", ",\n    ")
			r.record("already_exists_1", r.call("CreateStateMachine", map[string]any{"name": sm, "definition": indented, "roleArn": role}))
		},
		"test_create_duplicate_sm_name": func(r *replay) {
			c1 := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_1", c1)
			describe(r, "describe_resp_1", c1["stateMachineArn"])
			v, _ := value.DecodeMaps([]byte(template(r.t, passResult)))
			v.(map[string]any)["States"].(map[string]any)["State_1"].(map[string]any)["Result"].(map[string]any)["Arg2"] = "Argument2"
			r.record("already_exists_1", r.call("CreateStateMachine", map[string]any{"name": sm, "definition": value.Encode(v), "roleArn": role}))
		},
		"test_list_sms": func(r *replay) {
			var arns []any
			for i := 0; i < 3; i++ {
				c := r.createMachine("statemachine_"+itoa(i+1)+"_s", passResult, nil)
				r.record("creation_resp_"+itoa(i), c)
				arns = append(arns, c["stateMachineArn"])
			}
			r.record("lst_resp_filter", r.call("ListStateMachines", map[string]any{})["stateMachines"])
			for i, a := range arns {
				r.record("deletion_resp_"+itoa(i), r.call("DeleteStateMachine", map[string]any{"stateMachineArn": a}))
			}
			r.record("lst_resp_del_filter", r.call("ListStateMachines", map[string]any{})["stateMachines"])
		},
		"test_start_execution": func(r *replay) {
			c, e := finished(r, sm)
			r.record("exec_list_resp", r.call("ListExecutions", map[string]any{"stateMachineArn": c["stateMachineArn"]}))
			r.record("exec_hist_resp", r.call("GetExecutionHistory", map[string]any{"executionArn": e["executionArn"]}))
		},
		"test_get_execution_history_reversed": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			e := start(r, c["stateMachineArn"], nil)
			r.awaitEnd(str(e, "executionArn"))
			r.record("get_execution_history_reverseOrder[False]", r.call("GetExecutionHistory", map[string]any{"executionArn": e["executionArn"]}))
			r.record("get_execution_history_reverseOrder[True]", r.call("GetExecutionHistory", map[string]any{"executionArn": e["executionArn"], "reverseOrder": true}))
		},
		"test_invalid_start_execution_arn": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp", c)
			arn := str(c, "stateMachineArn")
			r.call("DeleteStateMachine", map[string]any{"stateMachineArn": arn})
			r.record("start_exec_of_deleted", start(r, strings.Replace(arn, sm, "statemachine_invalid_"+sm, 1), nil))
		},
		"test_invalid_start_execution_input": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp", c)
			arn := c["stateMachineArn"]
			r.record("start_exec_str_inp", start(r, arn, map[string]any{"input": "not some json"}))
			r.record("start_exec_not_json_inp", start(r, arn, map[string]any{"input": "{'not': 'json'"}))
			r.record("start_res_empty", start(r, arn, map[string]any{"input": ""}))
			r.record("start_res_num", start(r, arn, map[string]any{"input": "2"}))
			r.record("start_res_str", start(r, arn, map[string]any{"input": `"some text"`}))
			r.record("start_res_null", start(r, arn, map[string]any{"input": "null"}))
		},
		"test_stop_execution": func(r *replay) {
			c := r.createMachine(sm, "base/statemachines/wait_1_min.json5", nil)
			r.record("creation_resp", c)
			e := start(r, c["stateMachineArn"], nil)
			r.record("exec_resp", e)
			for i := 0; i < 300; i++ {
				h := r.call("GetExecutionHistory", map[string]any{"executionArn": e["executionArn"]})
				if strings.Contains(value.Encode(h), `"WaitStateEntered"`) {
					break
				}
				sleep()
			}
			r.record("stop_res", r.call("StopExecution", map[string]any{"executionArn": e["executionArn"]}))
			r.awaitEnd(str(e, "executionArn"))
			r.record("exec_hist_resp", r.call("GetExecutionHistory", map[string]any{"executionArn": e["executionArn"]}))
		},
		"test_create_update_state_machine_base_definition": updates(
			update(func(r *replay) map[string]any { return map[string]any{"definition": withResult(r, "AfterUpdate1")} }),
			update(func(r *replay) map[string]any { return map[string]any{"definition": withResult(r, "AfterUpdate2")} }), false),
		"test_create_update_state_machine_base_role_arn": func(r *replay) {
			r.replace(role, "snf_role_arn_t0")
			updates(
				update(func(r *replay) map[string]any { return map[string]any{"roleArn": roleT1} }),
				update(func(r *replay) map[string]any { return map[string]any{"roleArn": roleT2} }), true)(r)
		},
		"test_create_update_state_machine_base_definition_and_role": updates(
			update(func(r *replay) map[string]any {
				return map[string]any{"definition": withResult(r, "AfterUpdate1"), "roleArn": roleT1}
			}),
			update(func(r *replay) map[string]any {
				return map[string]any{"definition": withResult(r, "AfterUpdate2"), "roleArn": roleT2}
			}), true),
		"test_create_update_state_machine_same_parameters": func(r *replay) {
			r.replace(role, "snf_role_arn_t0")
			updates(
				update(func(r *replay) map[string]any { return map[string]any{"roleArn": roleT1} }),
				update(func(r *replay) map[string]any {
					return map[string]any{"definition": template(r.t, passResult), "roleArn": roleT1}
				}), true)(r)
		},
		"test_create_update_state_machine_base_update_none": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_t0", c)
			describe(r, "describe_resp_t0", c["stateMachineArn"])
			r.record("missing_required_parameter", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"]}))
		},
		"test_describe_state_machine_for_execution": func(r *replay) {
			_, e := finished(r, sm)
			r.record("describe_resp", r.call("DescribeStateMachineForExecution", map[string]any{"executionArn": e["executionArn"]}))
		},
		"test_list_execution_no_such_state_machine": func(r *replay) {
			r.record("exception", exception("ListExecutions", r.call("ListExecutions", map[string]any{"stateMachineArn": other(r, "ssm_nonexistent_arn")})))
		},
		"test_list_execution_invalid_arn": func(r *replay) {
			r.record("exception", exception("ListExecutions", r.call("ListExecutions", map[string]any{"stateMachineArn": "invalid_state_machine_arn"})))
		},
		"test_describe_execution": func(r *replay) {
			_, e := finished(r, sm)
			r.record("describe_execution", r.call("DescribeExecution", map[string]any{"executionArn": e["executionArn"]}))
		},
		"test_describe_execution_no_such_state_machine": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			e := start(r, c["stateMachineArn"], nil)
			r.awaitEnd(str(e, "executionArn"))
			invalid := str(e, "executionArn")
			invalid = invalid[:len(invalid)-4] + "0000"
			r.replace(invalid, "invalid_execution_arn")
			r.record("exception", exception("DescribeExecution", r.call("DescribeExecution", map[string]any{"executionArn": invalid})))
		},
		"test_describe_execution_invalid_arn": func(r *replay) {
			r.record("exception", exception("DescribeExecution", r.call("DescribeExecution", map[string]any{"executionArn": "invalid_state_machine_arn"})))
		},
		"test_get_execution_history_no_such_execution": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			e := start(r, c["stateMachineArn"], nil)
			invalid := str(e, "executionArn")
			invalid = invalid[:len(invalid)-4] + "0000"
			r.replace(invalid, "invalid_execution_arn")
			r.record("exception", exception("GetExecutionHistory", r.call("GetExecutionHistory", map[string]any{"executionArn": invalid})))
		},
		"test_get_execution_history_invalid_arn": func(r *replay) {
			r.record("exception", exception("GetExecutionHistory", r.call("GetExecutionHistory", map[string]any{"executionArn": "invalid_state_machine_arn"})))
		},
		"test_state_machine_status_filter": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp", c)
			arn := c["stateMachineArn"]
			r.record("list_before_execution", r.call("ListExecutions", map[string]any{"stateMachineArn": arn, "statusFilter": "SUCCEEDED"}))
			e := start(r, arn, nil)
			r.record("exec_resp", e)
			r.awaitEnd(str(e, "executionArn"))
			r.record("list_succeeded_when_complete", r.call("ListExecutions", map[string]any{"stateMachineArn": arn, "statusFilter": "SUCCEEDED"}))
			r.record("list_running_when_complete", r.call("ListExecutions", map[string]any{"stateMachineArn": arn, "statusFilter": "RUNNING"}))
			r.record("list_executions_filter_exc", r.call("ListExecutions", map[string]any{"stateMachineArn": arn, "statusFilter": "succeeded"}))
		},
		"test_describe_execution_arn_containing_punctuation": func(r *replay) {
			c := r.createMachine("state.machine_s", passResult, nil)
			r.record("creation_resp", c)
			e := start(r, c["stateMachineArn"], map[string]any{"name": "state.machine.execution_s"})
			r.record("exec_resp", e)
			r.awaitEnd(str(e, "executionArn"))
			r.record("describe_execution", r.call("DescribeExecution", map[string]any{"executionArn": e["executionArn"]}))
		},
		"test_describe_sm_arn_containing_punctuation": func(r *replay) {
			c := r.createMachine("state.machine_s", passResult, nil)
			r.record("creation_resp", c)
			describe(r, "describe_resp", c["stateMachineArn"])
		},
		"test_start_sync_execution": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_response", c)
			r.record("start_sync_execution_error", r.call("StartSyncExecution", map[string]any{"stateMachineArn": c["stateMachineArn"], "input": "{}"}))
		},
		"test_start_execution_idempotent": func(r *replay) {
			c := r.createMachine(sm, "base/statemachines/wait_1_min.json5", nil)
			r.record("creation_resp", c)
			arn := c["stateMachineArn"]
			e := start(r, arn, map[string]any{"name": "execution_s", "input": "{}"})
			r.record("exec_resp", e)
			r.record("exec_resp_idempotent", start(r, arn, map[string]any{"name": "execution_s", "input": "{}"}))
			r.record("start_exec_already_exists", start(r, arn, map[string]any{"name": "execution_s", "input": `{"other":1}`}))
			r.record("stop_res", r.call("StopExecution", map[string]any{"executionArn": e["executionArn"]}))
		},
	}
	// tooLong asks action with a nextToken one character longer than AWS takes.
	tooLong := func(r *replay, action string, req map[string]any, n int) map[string]any {
		token := strings.Repeat("x", n)
		r.replace(token, "<invalid_token_"+itoa(n)+"_chars>")
		req["nextToken"] = token
		return r.call(action, req)
	}
	with := func(req map[string]any, k string, v any) map[string]any {
		out := map[string]any{k: v}
		for k, v := range req {
			out[k] = v
		}
		return out
	}
	scenarios["test_list_sms_pagination"] = func(r *replay) {
		for i := 0; i < 13; i++ {
			r.createMachine("statemachine_"+itoa(i)+"_a1b2c3d4", passResult, nil)
		}
		// Every page, 5 at most, in the order ListStateMachines gives them.
		var all []any
		token := ""
		for {
			req := map[string]any{"maxResults": value.FromInt(5)}
			if token != "" {
				req["nextToken"] = token
			}
			page := r.call("ListStateMachines", req)
			items, _ := page["stateMachines"].([]any)
			if len(items) == 0 || len(items) > 5 {
				r.t.Errorf("a page of %d state machines", len(items))
			}
			all = append(all, items...)
			if token = str(page, "nextToken"); token == "" {
				break
			}
		}
		if len(all) != 13 {
			r.t.Fatalf("%d state machines listed, not 13", len(all))
		}
		r.record("list-state-machines-page-1", all[:10])
		r.record("list-state-machines-page-2", all[10:])
		r.record("list-state-machines-invalid-param-too-large", r.call("ListStateMachines", map[string]any{"maxResults": value.FromInt(1001)}))
		r.record("list-state-machines-invalid-param-long-nextToken", tooLong(r, "ListStateMachines", map[string]any{}, 1025))
		if n := len(r.call("ListStateMachines", map[string]any{"maxResults": value.FromInt(0)})["stateMachines"].([]any)); n != 13 {
			r.t.Errorf("maxResults 0 listed %d state machines, not 13", n)
		}
	}
	executionsPagination := func(version bool) func(*replay) {
		return func(r *replay) {
			c := r.createMachine(sm, passResult, map[string]any{"publish": version})
			arn := c["stateMachineArn"]
			if version {
				arn = c["stateMachineVersionArn"]
			}
			for i := 0; i < 13; i++ {
				e := start(r, arn, map[string]any{"input": "{}"})
				r.awaitEnd(str(e, "executionArn"))
			}
			req := map[string]any{"stateMachineArn": arn}
			p1 := r.call("ListExecutions", with(req, "maxResults", value.FromInt(10)))
			r.record("list-executions-page-1", p1)
			key := "list-executions-page-2"
			if version {
				key = "list-execution-page-2"
			}
			r.record(key, r.call("ListExecutions", with(with(req, "maxResults", value.FromInt(3)), "nextToken", p1["nextToken"])))
			r.record("list-executions-invalid-param-too-large", r.call("ListExecutions", with(req, "maxResults", value.FromInt(1001))))
			r.record("list-executions-invalid-param-long-nextToken", tooLong(r, "ListExecutions", with(req, "stateMachineArn", arn), 3097))
			all := r.call("ListExecutions", with(req, "maxResults", value.FromInt(0)))
			if n := len(all["executions"].([]any)); n != 13 || all["nextToken"] != nil {
				r.t.Errorf("maxResults 0 listed %d executions (nextToken %v), not 13", n, all["nextToken"])
			}
			if version {
				r.record("deletion_resp", r.call("DeleteStateMachineVersion", map[string]any{"stateMachineVersionArn": arn}))
			} else {
				r.record("deletion_resp", r.call("DeleteStateMachine", map[string]any{"stateMachineArn": arn}))
			}
		}
	}
	scenarios["test_list_executions_pagination"] = executionsPagination(false)
	scenarios["test_list_executions_versions_pagination"] = executionsPagination(true)
	register(file{
		path: "v2/test_sfn_api.snapshot.json",
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			name, _ := param(test)
			switch name {
			case "test_cloudformation_definition_create_describe", "test_cloudformation_definition_string_create_describe":
				return nil, "creates the state machine through a CloudFormation stack, a service Stepwise does not host"
			}
			return nil, "unknown test " + test
		},
	})
}
