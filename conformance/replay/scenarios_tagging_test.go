package replay

import "fmt"

// Tags (test_sfn_api_tagging): TagResource, UntagResource and ListTagsForResource on a state
// machine, tags given at CreateStateMachine, and a version, which cannot be tagged.
func init() {
	tag := func(kv ...string) []any {
		out := []any{}
		for i := 0; i < len(kv); i += 2 {
			out = append(out, map[string]any{"key": kv[i], "value": kv[i+1]})
		}
		return out
	}
	tagLists := map[string][]any{
		"tag_list0": tag(), "tag_list1": tag("key1", "value1"), "tag_list2": tag("key1", ""),
		"tag_list3": tag("key1", "value1", "key1", "value1"), "tag_list4": tag("key1", "value1", "key2", "value2"),
	}
	tagKeys := map[string][]any{
		"tag_keys0": {}, "tag_keys1": {"key1"}, "tag_keys2": {"key1", "key1"}, "tag_keys3": {"key1", "key2"},
	}
	create := func(r *replay, tags []any) string {
		req := map[string]any{"name": "statemachine_1", "definition": template(r.t, "base/statemachines/pass_result.json5"), "roleArn": role}
		if tags != nil {
			req["tags"] = tags
		}
		resp := r.call("CreateStateMachine", req)
		r.record("creation_resp_1", resp)
		arn, _ := resp["stateMachineArn"].(string)
		return arn
	}
	untag := func(keys []any) func(*replay) {
		return func(r *replay) {
			arn := create(r, nil)
			r.record("tag_resource_resp", r.call("TagResource", map[string]any{"resourceArn": arn, "tags": tag("key1", "value1")}))
			r.record("untag_resource_resp", r.call("UntagResource", map[string]any{"resourceArn": arn, "tagKeys": keys}))
			r.record("list_resources_res", r.call("ListTagsForResource", map[string]any{"resourceArn": arn}))
		}
	}
	register(file{
		path: "v2/test_sfn_api_tagging.snapshot.json",
		scenario: func(test string) (func(*replay), string) {
			name, id := param(test)
			switch name {
			case "test_tag_state_machine":
				if keys, ok := tagKeys[id]; ok {
					// An older version of the test, recorded with an untag step: the same
					// steps as test_untag_state_machine.
					return untag(keys), ""
				}
				tags := tagLists[id]
				return func(r *replay) {
					arn := create(r, nil)
					r.record("tag_resource_resp", r.call("TagResource", map[string]any{"resourceArn": arn, "tags": tags}))
					r.record("list_resources_res", r.call("ListTagsForResource", map[string]any{"resourceArn": arn}))
				}, ""
			case "test_untag_state_machine":
				return untag(tagKeys[id]), ""
			case "test_tag_invalid_state_machine":
				return func(r *replay) {
					create(r, nil)
					for _, k := range []string{"error", "resource_not_found"} {
						r.skip(k, botocoreValidation)
					}
				}, ""
			case "test_tag_state_machine_version":
				return func(r *replay) {
					arn := create(r, nil)
					pub := r.call("PublishStateMachineVersion", map[string]any{"stateMachineArn": arn})
					r.record("publish_resp", pub)
					resp := r.call("TagResource", map[string]any{"resourceArn": pub["stateMachineVersionArn"], "tags": tag("key1", "value1")})
					r.record("error", errorText("TagResource", resp))
				}, ""
			case "test_create_state_machine":
				return func(r *replay) {
					arn := create(r, tag("key1", "value1", "key2", "value2"))
					r.record("list_resources_res", r.call("ListTagsForResource", map[string]any{"resourceArn": arn}))
				}, ""
			}
			return nil, fmt.Sprintf("unknown test %s", name)
		},
	})
}
