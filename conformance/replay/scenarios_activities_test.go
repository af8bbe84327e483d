package replay

import (
	"strconv"
	"strings"
)

// Activities (test_sfn_api_activities): creating (idempotently), describing, listing and
// deleting activities, their name rules, and the errors for deleted or malformed ARNs.
func init() {
	createDescribeDelete := func(base string) func(*replay) {
		return func(r *replay) {
			name := base + "-a1b2c3d4"
			c := r.call("CreateActivity", map[string]any{"name": name})
			arn := str(c, "activityArn")
			r.replace(arn, "activity_arn")
			r.replace(name, "activity_name")
			r.record("create_activity_response", c)
			r.record("create_activity_response_duplicate", r.call("CreateActivity", map[string]any{"name": name}))
			r.record("describe_activity_response", r.call("DescribeActivity", map[string]any{"activityArn": arn}))
			r.record("delete_activity_response", r.call("DeleteActivity", map[string]any{"activityArn": arn}))
			r.record("delete_activity_response_2", r.call("DeleteActivity", map[string]any{"activityArn": arn}))
		}
	}
	deleted := func(action string) func(*replay) {
		return func(r *replay) {
			arn := str(r.call("CreateActivity", map[string]any{"name": "TestActivity-a1b2c3d4"}), "activityArn")
			r.replace(arn, "activity_arn")
			r.call("DeleteActivity", map[string]any{"activityArn": arn})
			r.record("no_such_activity", r.call(action, map[string]any{"activityArn": arn}))
		}
	}
	invalidArn := func(action string) func(*replay) {
		return func(r *replay) {
			r.record("exception", exception(action, r.call(action, map[string]any{"activityArn": "no_an_activity_arn"})))
		}
	}
	scenarios := map[string]func(*replay){
		"test_describe_deleted_activity":     deleted("DescribeActivity"),
		"test_get_activity_task_deleted":     deleted("GetActivityTask"),
		"test_describe_activity_invalid_arn": invalidArn("DescribeActivity"),
		"test_get_activity_task_invalid_arn": invalidArn("GetActivityTask"),
		"test_list_activities": func(r *replay) {
			for i := 0; i < 3; i++ {
				name := "TestActivity-" + itoa(i) + "-a1b2c3d4"
				arn := str(r.call("CreateActivity", map[string]any{"name": name}), "activityArn")
				r.replace(arn, "activity_arn_"+itoa(i))
				r.replace(name, "activity_name_"+itoa(i))
			}
			r.record("list_activities_response", r.call("ListActivities", map[string]any{}))
		},
	}
	register(file{
		path: "v2/test_sfn_api_activities.snapshot.json",
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			name, id := param(test)
			switch name {
			case "test_create_describe_delete_activity":
				return createDescribeDelete(id), ""
			case "test_create_activity_invalid_name":
				return func(r *replay) {
					r.record("invalid_name", r.call("CreateActivity", map[string]any{"name": unescapeID(id)}))
				}, ""
			}
			return nil, "unknown test " + test
		},
	})
}

// unescapeID undoes pytest's escaping of a parameter id (\x00, \\, \t, \n, \r).
func unescapeID(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		if id[i] == '\\' && i+1 < len(id) {
			if c, ok := map[byte]byte{'\\': '\\', 't': '\t', 'n': '\n', 'r': '\r'}[id[i+1]]; ok {
				b.WriteByte(c)
				i++
				continue
			}
			if id[i+1] == 'x' && i+3 < len(id) {
				if n, err := strconv.ParseUint(id[i+2:i+4], 16, 8); err == nil {
					b.WriteRune(rune(n)) // \x80 is the character U+0080, as in Python
					i += 3
					continue
				}
			}
		}
		b.WriteByte(id[i])
	}
	return b.String()
}
