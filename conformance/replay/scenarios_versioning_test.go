package replay

import "strings"

// Versions (test_sfn_api_versioning): publishing at creation, on update and on its own,
// describing, listing and deleting versions, and executions of a version.
func init() {
	const sm = "statemachine_v"
	pub := map[string]any{"publish": true}
	scenarios := map[string]func(r *replay){
		"test_create_with_publish": func(r *replay) {
			r.record("creation_resp_1", r.createMachine(sm, passResult, pub))
		},
		"test_create_express_with_publish": func(r *replay) {
			r.record("creation_resp_1", r.createMachine(sm, passResult, map[string]any{"publish": true, "type": "EXPRESS"}))
		},
		"test_create_with_version_description_no_publish": func(r *replay) {
			r.record("validation_exception", r.createMachine(sm, passResult, map[string]any{"versionDescription": "HelloWorld!"}))
		},
		"test_create_publish_describe_no_version_description": func(r *replay) {
			c := r.createMachine(sm, passResult, pub)
			r.record("creation_resp_1", c)
			r.record("describe_resp_version", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": c["stateMachineVersionArn"]}))
			r.record("describe_resp", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"]}))
		},
		"test_create_publish_describe_with_version_description": func(r *replay) {
			c := r.createMachine(sm, passResult, map[string]any{"publish": true, "versionDescription": "HelloWorld!"})
			r.record("creation_resp_1", c)
			r.record("describe_resp_version", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": c["stateMachineVersionArn"]}))
			r.record("describe_resp", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"]}))
		},
		"test_list_state_machine_versions_pagination": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_1", c)
			arn := str(c, "stateMachineArn")
			def := template(r.t, passResult)
			for i := 1; i <= 13; i++ {
				// Each revision's Comment gathers every suffix so far, as the test builds it.
				def = strings.Replace(def, `"Comment":"BASE_PASS_RESULT`, `"Comment":"BASE_PASS_RESULT-R`+itoa(i), 1)
				r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": def, "publish": true})
			}
			p1 := r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn, "maxResults": 10})
			r.record("list-state-machine-versions-page-1", p1)
			r.record("list-state-machine-versions-page-2", r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn, "maxResults": 3, "nextToken": p1["nextToken"]}))
			r.record("list-state-machine-versions-invalid-param-too-large", r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn, "maxResults": 1001}))
			r.skip("list-state-machine-versions-param-short-nextToken", botocoreValidation)
			long := strings.Repeat("x", 1025)
			r.replace(long, "<invalid_token_1025_chars>")
			r.record("list-state-machine-versions-invalid-param-long-nextToken", r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn, "nextToken": long}))
		},
		"test_list_delete_version": func(r *replay) {
			c := r.createMachine(sm, passResult, pub)
			r.record("creation_resp_1", c)
			arn, v := c["stateMachineArn"], c["stateMachineVersionArn"]
			r.record("describe_resp_version", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": v}))
			r.record("list_versions_resp_1", r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn}))
			r.record("delete_version_resp", r.call("DeleteStateMachineVersion", map[string]any{"stateMachineVersionArn": v}))
			r.record("list_versions_resp_2", r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn}))
			r.record("delete_version_resp_after_del", r.call("DeleteStateMachineVersion", map[string]any{"stateMachineVersionArn": v}))
		},
		"test_update_state_machine": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_1", c)
			arn := c["stateMachineArn"]
			r.record("update_resp_1", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": withComment(r, passResult, "R1"), "publish": true}))
			r.record("list_versions_resp_1", r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn}))
			u2 := r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": withComment(r, passResult, "R2"), "publish": true})
			r.record("update_resp_2", u2)
			r.record("list_versions_resp_2", r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn}))
			r3 := withComment(r, passResult, "R3")
			r.record("invalid_arn_1", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": u2["stateMachineVersionArn"], "definition": r3}))
			r.record("invalid_arn_2", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": u2["stateMachineVersionArn"], "definition": r3, "publish": true}))
		},
		"test_publish_state_machine_version": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_1", c)
			arn := c["stateMachineArn"]
			r.record("update_resp_1", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": withComment(r, passResult, "R1")}))
			p1 := r.call("PublishStateMachineVersion", map[string]any{"stateMachineArn": arn})
			r.record("publish_v1", p1)
			r.record("list_versions_resp_1", r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn}))
			r.record("describe_v1", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": p1["stateMachineVersionArn"]}))
			u2 := r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": withComment(r, passResult, "R2")})
			r.record("update_resp_2", u2)
			p2 := r.call("PublishStateMachineVersion", map[string]any{"stateMachineArn": arn, "description": "PublishedV2Description"})
			r.record("publish_v2", p2)
			r.record("list_versions_resp_2", r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn}))
			r.record("describe_v2", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": p2["stateMachineVersionArn"]}))
			r.record("update_resp_3", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": withComment(r, passResult, "R3")}))
			r.record("conflict_exception", errorText("PublishStateMachineVersion",
				r.call("PublishStateMachineVersion", map[string]any{"stateMachineArn": arn, "revisionId": u2["revisionId"]})))
		},
		"test_start_version_execution": func(r *replay) {
			c := r.createMachine(sm, passResult, pub)
			r.record("creation_resp_1", c)
			arn, v := c["stateMachineArn"], c["stateMachineVersionArn"]
			e := r.call("StartExecution", map[string]any{"stateMachineArn": arn})
			r.record("execution_resp", e)
			r.awaitEnd(str(e, "executionArn"))
			r.record("exec_list_resp", r.call("ListExecutions", map[string]any{"stateMachineArn": arn}))
			ev := r.call("StartExecution", map[string]any{"stateMachineArn": v})
			r.record("execution_version_resp", ev)
			r.awaitEnd(str(ev, "executionArn"))
			r.record("exec_version_list_resp", r.call("ListExecutions", map[string]any{"stateMachineArn": v}))
		},
		"test_version_ids_between_deletions": func(r *replay) {
			c := r.createMachine(sm, passResult, pub)
			r.record("creation_resp_1", c)
			arn := str(c, "stateMachineArn")
			r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": withComment(r, passResult, "R2"), "publish": true})
			r.call("DeleteStateMachineVersion", map[string]any{"stateMachineVersionArn": arn + ":2"})
			r.record("publish_res_v2_2", r.call("PublishStateMachineVersion", map[string]any{"stateMachineArn": arn}))
		},
		"test_idempotent_publish": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_1", c)
			arn := c["stateMachineArn"]
			r.record("publish_v1_1", r.call("PublishStateMachineVersion", map[string]any{"stateMachineArn": arn}))
			r.record("publish_v1_2", r.call("PublishStateMachineVersion", map[string]any{"stateMachineArn": arn}))
			r.record("list_versions_resp", r.call("ListStateMachineVersions", map[string]any{"stateMachineArn": arn}))
		},
		"test_publish_state_machine_version_no_such_machine": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			other := strings.Replace(str(c, "stateMachineArn"), sm, "statemachine_none", 1)
			r.replace(other, "ssm_nonexistent_arn")
			r.record("exception", exception("PublishStateMachineVersion", r.call("PublishStateMachineVersion", map[string]any{"stateMachineArn": other})))
		},
		"test_publish_state_machine_version_invalid_arn": func(r *replay) {
			r.record("exception", exception("PublishStateMachineVersion", r.call("PublishStateMachineVersion", map[string]any{"stateMachineArn": "invalid_arn"})))
		},
		"test_empty_revision_with_publish_and_publish_on_creation": func(r *replay) {
			c := r.createMachine(sm, passResult, pub)
			r.record("creation_resp_1", c)
			def := template(r.t, passResult)
			r.record("update_resp_1", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"], "definition": def, "publish": true}))
			r.record("update_resp_2", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"], "definition": def, "publish": true}))
		},
		"test_empty_revision_with_publish_and_no_publish_on_creation": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_1", c)
			def := template(r.t, passResult)
			r.record("update_resp_1", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"], "definition": def, "publish": true}))
			r.record("update_resp_2", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": c["stateMachineArn"], "definition": def, "publish": true}))
		},
		"test_describe_state_machine_for_execution_of_version": func(r *replay) {
			c := r.createMachine(sm, passResult, pub)
			r.record("creation_resp_1", c)
			e := r.call("StartExecution", map[string]any{"stateMachineArn": c["stateMachineVersionArn"]})
			r.record("execution_resp", e)
			r.awaitEnd(str(e, "executionArn"))
			r.record("describe_resp", r.call("DescribeStateMachineForExecution", map[string]any{"executionArn": e["executionArn"]}))
		},
		"test_describe_state_machine_for_execution_of_version_with_revision": func(r *replay) {
			c := r.createMachine(sm, passResult, nil)
			r.record("creation_resp_1", c)
			arn := str(c, "stateMachineArn")
			r.record("update_resp", r.call("UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": withComment(r, passResult, "R2"), "publish": true}))
			e := r.call("StartExecution", map[string]any{"stateMachineArn": arn + ":1"})
			r.record("execution_resp", e)
			r.awaitEnd(str(e, "executionArn"))
			r.record("describe_resp", r.call("DescribeStateMachineForExecution", map[string]any{"executionArn": e["executionArn"]}))
		},
	}
	register(file{
		path: "v2/test_sfn_api_versioning.snapshot.json",
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			return nil, "unknown test " + test
		},
	})
}
