package replay

import "github.com/stepwise-run/stepwise/asl/value"

// Distributed Map runs (test_sfn_api_map_run): ListMapRuns and DescribeMapRun of a run that
// read its items from a CSV object in S3, and the Labels CreateStateMachine refuses.
func init() {
	const labelTemplate = "scenarios/statemachines/map_state_label_invalid_char_fail.json5"
	refused := func(tmpl, key string, label *string) func(*replay) {
		return func(r *replay) {
			def := orderedTemplate(r.t, tmpl)
			if label != nil {
				states, _ := def.Get("States")
				m, _ := states.(*value.Object).Get("MapState")
				m.(*value.Object).Set("Label", *label)
			}
			r.record(key, r.call("CreateStateMachine", map[string]any{"name": "sm_s", "definition": pyDumps(def), "roleArn": role}))
		}
	}
	scenarios := map[string]func(*replay){
		"test_list_map_runs_and_describe_map_run": func(r *replay) {
			const bucket, key = "bucket-a1b2c3d4", "file.csv"
			if err := r.s3.Backend.CreateBucket(bucket); err != nil {
				r.t.Fatal(err)
			}
			if err := r.s3.Put(bucket, key, []byte("Col1,Col2,Col3\nValue1,Value2,Value3\nValue4,Value5,Value6")); err != nil {
				r.t.Fatal(err)
			}
			r.replace(bucket, "bucket_name")
			c := r.createMachine("sm_s", "scenarios/statemachines/map_item_reader_base_csv_headers_first_line.json5", nil)
			e := r.call("StartExecution", map[string]any{"stateMachineArn": c["stateMachineArn"],
				"input": `{"Bucket": "` + bucket + `", "Key": "` + key + `"}`})
			r.awaitEnd(str(e, "executionArn"))
			list := r.call("ListMapRuns", map[string]any{"executionArn": e["executionArn"]})
			r.record("list_map_runs", list)
			runs, _ := list["mapRuns"].([]any)
			if len(runs) == 0 {
				r.t.Errorf("no map run listed: %v", list)
				return
			}
			r.record("describe_map_run", r.call("DescribeMapRun", map[string]any{"mapRunArn": runs[0].(map[string]any)["mapRunArn"]}))
		},
		"test_map_state_label_empty_fail":    refused("scenarios/statemachines/map_state_label_empty_fail.json5", "map_state_label_empty_fail", nil),
		"test_map_state_label_too_long_fail": refused("scenarios/statemachines/map_state_label_too_long_fail.json5", "map_state_label_too_long_fail", nil),
	}
	register(file{
		path: "v2/test_sfn_api_map_run.snapshot.json",
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			if name, id := param(test); name == "test_map_state_label_invalid_char_fail" {
				label := "label_" + unescapeID(id)
				return refused(labelTemplate, "map_state_label_invalid_char_fail", &label), ""
			}
			return nil, "unknown test " + test
		},
	})
}
