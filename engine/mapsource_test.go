package engine_test

import (
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
)

// TestMapItemSource: $$.Map.Item.Source (and $states.context.Map.Item.Source) is where a
// Map's items come from, as AWS's developer guide defines it (the Context object, "Map"):
// STATE_DATA for items from the state's input, "S3://bucket" for s3:listObjectsV2,
// "S3://bucket/key" for the other readers. The Context's Map.Item lists Index, Value, Source.
func TestMapItemSource(t *testing.T) {
	inline := func(lang, selector string) string {
		items := `"ItemsPath": "$.xs", `
		if lang == "JSONata" {
			items = `"Items": "{% $states.input.xs %}", `
		}
		return `{"StartAt": "M", "QueryLanguage": "` + lang + `", "States": {"M": {"Type": "Map", ` + items + `"ItemSelector": ` + selector + `,
			"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}`
	}
	for _, tc := range []struct {
		name, def, want string
	}{
		{"inline JSONPath: STATE_DATA",
			inline("JSONPath", `{"s.$": "$$.Map.Item.Source"}`), `[{"s":"STATE_DATA"},{"s":"STATE_DATA"}]`},
		{"inline JSONata",
			inline("JSONata", `{"s": "{% $states.context.Map.Item.Source %}"}`), `[{"s":"STATE_DATA"},{"s":"STATE_DATA"}]`},
		{"the whole Map.Item, in AWS's order",
			inline("JSONPath", `{"item.$": "$$.Map.Item"}`),
			`[{"item":{"Index":0,"Value":"a","Source":"STATE_DATA"}},{"item":{"Index":1,"Value":"b","Source":"STATE_DATA"}}]`},
		{"Distributed over the state's input: STATE_DATA too",
			`{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.xs", "ItemSelector": {"s.$": "$$.Map.Item.Source"}, "Label": "L", "End": true,
				"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}`,
			`[{"s":"STATE_DATA"},{"s":"STATE_DATA"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, _ := execute(t, tc.def, `{"xs":["a","b"]}`, nil, engine.Config{})
			if ex.Status != engine.Succeeded || ex.Output != tc.want {
				t.Fatalf("%s %s %s\nwant %s", ex.Status, ex.Output, deref(ex.Cause), tc.want)
			}
		})
	}
}

// TestMapItemSourceReader: the items of an ItemReader carry the S3 URI they were read from.
func TestMapItemSourceReader(t *testing.T) {
	for _, tc := range []struct {
		name, reader, input, want string
	}{
		{"s3:getObject: the object's URI",
			`"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket.$": "$.b", "Key": "dir/items.json"}},`,
			`{"b": "bucket"}`, `S3://bucket/dir/items.json`},
		{"s3:listObjectsV2: the bucket's URI",
			`"ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "bucket", "Prefix": "p/"}},`,
			`{}`, `S3://bucket`},
		{"JSONata Arguments",
			`"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}, "Arguments": {"Bucket": "{% $states.input.b %}", "Key": "k.csv"}},`,
			`{"b": "bk"}`, `S3://bk/k.csv`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lang, selector := "JSONPath", `"ItemSelector": {"s.$": "$$.Map.Item.Source", "v.$": "$$.Map.Item.Value"}, `
			if containsArguments(tc.reader) {
				lang, selector = "JSONata", `"ItemSelector": {"s": "{% $states.context.Map.Item.Source %}", "v": "{% $states.context.Map.Item.Value %}"}, `
			}
			d := newMapRunDriver(t, distributedPass(lang, tc.reader+selector), tc.input)
			rt := readerTask(t, d)
			d.apply(engine.Event{Kind: engine.TaskStarted, TaskID: rt.ID})
			d.apply(engine.Event{Kind: engine.TaskSucceeded, TaskID: rt.ID, Output: `[1,2]`})
			want := `[{"s":"` + tc.want + `","v":1},{"s":"` + tc.want + `","v":2}]`
			if d.ex.Status != engine.Succeeded || d.ex.Output != want {
				t.Fatalf("%s %s %s\nwant %s", d.ex.Status, d.ex.Output, deref(d.ex.Cause), want)
			}
		})
	}
}

func containsArguments(s string) bool { return strings.Contains(s, `"Arguments"`) }
