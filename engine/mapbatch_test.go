package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// distributedPass is a Distributed Map whose children run one Pass state, in JSONPath or
// JSONata (lang), with the Map's other fields.
func distributedPass(lang, fields string) string {
	return `{"StartAt": "M", "QueryLanguage": "` + lang + `", "States": {"M": {"Type": "Map", ` + fields + `"Label": "L", "End": true,
		"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
			"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}}`
}

func TestMapItemBatcher(t *testing.T) {
	type counts = engine.MapRunCounts
	tests := []struct {
		name, lang, fields, input string
		// children are the children's inputs, in start order; output the execution's.
		children []string
		output   string
		items    counts
		execs    counts
	}{
		{name: "one per batch", lang: "JSONPath", fields: `"ItemBatcher": {"MaxItemsPerBatch": 1},`, input: `[1,2]`,
			children: []string{`{"Items":[1]}`, `{"Items":[2]}`}, output: `[{"Items":[1]},{"Items":[2]}]`,
			items: counts{Succeeded: 2, Total: 2, ResultsWritten: 2}, execs: counts{Succeeded: 2, Total: 2, ResultsWritten: 2}},
		{name: "three, uneven last batch", lang: "JSONPath", fields: `"ItemBatcher": {"MaxItemsPerBatch": 3},`, input: `[1,2,3,4,5,6,7]`,
			children: []string{`{"Items":[1,2,3]}`, `{"Items":[4,5,6]}`, `{"Items":[7]}`},
			output:   `[{"Items":[1,2,3]},{"Items":[4,5,6]},{"Items":[7]}]`,
			items:    counts{Succeeded: 7, Total: 7, ResultsWritten: 7}, execs: counts{Succeeded: 3, Total: 3, ResultsWritten: 3}},
		{name: "path from the input", lang: "JSONPath", fields: `"ItemsPath": "$.xs", "ItemBatcher": {"MaxItemsPerBatchPath": "$.n"},`,
			input: `{"xs": [1,2,3], "n": "2"}`, children: []string{`{"Items":[1,2]}`, `{"Items":[3]}`},
			output: `[{"Items":[1,2]},{"Items":[3]}]`,
			items:  counts{Succeeded: 3, Total: 3, ResultsWritten: 3}, execs: counts{Succeeded: 2, Total: 2, ResultsWritten: 2}},
		// {"Items":[]} is 12 bytes and each "aa" 4 more, with a comma between two: at most 21
		// bytes hold two items.
		{name: "bytes limit", lang: "JSONPath", fields: `"ItemBatcher": {"MaxInputBytesPerBatch": 21},`, input: `["aa","bb","cc"]`,
			children: []string{`{"Items":["aa","bb"]}`, `{"Items":["cc"]}`}, output: `[{"Items":["aa","bb"]},{"Items":["cc"]}]`,
			items: counts{Succeeded: 3, Total: 3, ResultsWritten: 3}, execs: counts{Succeeded: 2, Total: 2, ResultsWritten: 2}},
		{name: "both limits, items first", lang: "JSONPath", fields: `"ItemBatcher": {"MaxItemsPerBatch": 2, "MaxInputBytesPerBatch": 1000},`,
			input: `["a","b","c"]`, children: []string{`{"Items":["a","b"]}`, `{"Items":["c"]}`},
			output: `[{"Items":["a","b"]},{"Items":["c"]}]`,
			items:  counts{Succeeded: 3, Total: 3, ResultsWritten: 3}, execs: counts{Succeeded: 2, Total: 2, ResultsWritten: 2}},
		{name: "BatchInput (its literal fields first) and ItemSelector", lang: "JSONPath",
			fields: `"ItemsPath": "$.xs", "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
				"ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"k.$": "$.k", "c": 1}},`,
			input: `{"xs": ["a","b","c"], "k": "K"}`,
			children: []string{`{"BatchInput":{"c":1,"k":"K"},"Items":[{"v":"a","i":0},{"v":"b","i":1}]}`,
				`{"BatchInput":{"c":1,"k":"K"},"Items":[{"v":"c","i":2}]}`},
			output: `[{"BatchInput":{"c":1,"k":"K"},"Items":[{"v":"a","i":0},{"v":"b","i":1}]},{"BatchInput":{"c":1,"k":"K"},"Items":[{"v":"c","i":2}]}]`,
			items:  counts{Succeeded: 3, Total: 3, ResultsWritten: 3}, execs: counts{Succeeded: 2, Total: 2, ResultsWritten: 2}},
		{name: "JSONata", lang: "JSONata",
			fields: `"Items": "{% $states.input.xs %}", "ItemSelector": "{% $states.context.Map.Item.Value * 10 %}",
				"ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.n %}", "BatchInput": {"k": "{% $states.input.k %}"}},`,
			input:    `{"xs": [1,2,3], "n": 2, "k": "K"}`,
			children: []string{`{"BatchInput":{"k":"K"},"Items":[10,20]}`, `{"BatchInput":{"k":"K"},"Items":[30]}`},
			output:   `[{"BatchInput":{"k":"K"},"Items":[10,20]},{"BatchInput":{"k":"K"},"Items":[30]}]`,
			items:    counts{Succeeded: 3, Total: 3, ResultsWritten: 3}, execs: counts{Succeeded: 2, Total: 2, ResultsWritten: 2}},
		{name: "no items", lang: "JSONPath", fields: `"ItemBatcher": {"MaxItemsPerBatch": 2},`, input: `[]`, output: `[]`},
		{name: "COMPACT", lang: "JSONPath",
			fields: `"ItemBatcher": {"MaxItemsPerBatch": 2}, "ResultWriter": {"WriterConfig": {"OutputType": "JSON", "Transformation": "COMPACT"}},`,
			input:  `[1,2,3]`, children: []string{`{"Items":[1,2]}`, `{"Items":[3]}`}, output: `[{"Items":[1,2]},{"Items":[3]}]`,
			items: counts{Succeeded: 3, Total: 3, ResultsWritten: 3}, execs: counts{Succeeded: 2, Total: 2, ResultsWritten: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newMapRunDriver(t, distributedPass(tt.lang, tt.fields), tt.input)
			if d.ex.Status != engine.Succeeded || d.ex.Output != tt.output {
				t.Fatalf("%s %s %v %v, want output %s", d.ex.Status, d.ex.Output, d.ex.Error, d.ex.Cause, tt.output)
			}
			var got []string
			for _, ce := range d.children {
				got = append(got, *ce.Input)
				if ce.Status != engine.Succeeded || *ce.Output != *ce.Input {
					t.Errorf("child %s: %s %v", ce.Name, ce.Status, ce.Output)
				}
				if h := childHistory(ce); h != "1:0:ExecutionStarted 2:1:PassStateEntered 3:2:PassStateExited 4:3:ExecutionSucceeded" {
					t.Errorf("child history %s", h)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.children, " ") {
				t.Errorf("children %s, want %s", got, tt.children)
			}
			r := d.record()
			execs := r.Counts
			if r.ExecutionCounts != nil {
				execs = *r.ExecutionCounts
			}
			if r.Status != engine.MapRunSucceeded || r.Counts != tt.items || execs != tt.execs {
				t.Errorf("record %s items %+v executions %+v, want %+v and %+v", r.Status, r.Counts, execs, tt.items, tt.execs)
			}
		})
	}
}

// A failed child fails every item of its batch: the tolerance counts items.
func TestMapItemBatcherTolerance(t *testing.T) {
	type counts = engine.MapRunCounts
	tests := []struct {
		name, fields, steps string
		status              engine.Status
		items, execs        counts
	}{
		{name: "count tolerates the batch", fields: `"ToleratedFailureCount": 2,`, steps: "fs", status: engine.Succeeded,
			items: counts{Succeeded: 1, Failed: 2, Total: 3, ResultsWritten: 1}, execs: counts{Succeeded: 1, Failed: 1, Total: 2, ResultsWritten: 1}},
		{name: "count below the batch", fields: `"ToleratedFailureCount": 1,`, steps: "f", status: engine.Failed,
			items: counts{Failed: 2, Aborted: 1, Total: 3}, execs: counts{Failed: 1, Aborted: 1, Total: 2}},
		{name: "percentage counts items", fields: `"ToleratedFailurePercentage": 50,`, steps: "f", status: engine.Failed,
			items: counts{Failed: 2, Aborted: 1, Total: 3}, execs: counts{Failed: 1, Aborted: 1, Total: 2}},
		{name: "running and pending items", fields: `"MaxConcurrency": 1,`, steps: "", status: engine.Running,
			items: counts{Running: 2, Pending: 1, Total: 3}, execs: counts{Running: 1, Pending: 1, Total: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newMapRunDriver(t, distributed(tt.fields+`"ItemBatcher": {"MaxItemsPerBatch": 2},`), `[1,2,3]`)
			for _, s := range tt.steps {
				d.answer(s == 's')
			}
			r := d.record()
			if d.ex.Status != tt.status || r.Counts != tt.items || r.ExecutionCounts == nil || *r.ExecutionCounts != tt.execs {
				t.Fatalf("%s items %+v executions %+v, want %s %+v %+v", d.ex.Status, r.Counts, r.ExecutionCounts, tt.status, tt.items, tt.execs)
			}
		})
	}
}

func TestMapItemBatcherErrors(t *testing.T) {
	tests := []struct{ name, lang, fields, input, err, cause string }{
		{name: "path not an integer", lang: "JSONPath", fields: `"ItemBatcher": {"MaxItemsPerBatchPath": "$.n"}, "ItemsPath": "$.xs",`,
			input: `{"xs": [1], "n": "x"}`, err: "States.Runtime",
			cause: `The MaxItemsPerBatchPath field refers to value "x" which is not a valid integer: $.n`},
		{name: "zero items", lang: "JSONPath", fields: `"ItemBatcher": {"MaxItemsPerBatchPath": "$.n"}, "ItemsPath": "$.xs",`,
			input: `{"xs": [1], "n": 0}`, err: "States.Runtime", cause: `MaxItemsPerBatch must be greater than 0, but was 0.`},
		{name: "bytes above 256 KiB", lang: "JSONPath", fields: `"ItemBatcher": {"MaxInputBytesPerBatchPath": "$.n"}, "ItemsPath": "$.xs",`,
			input: `{"xs": [1], "n": 262145}`, err: "States.Runtime", cause: `MaxInputBytesPerBatch must be between 1 and 262144, but was 262145.`},
		{name: "item too large", lang: "JSONPath", fields: `"ItemBatcher": {"MaxInputBytesPerBatch": 14},`,
			input: `[1, 100]`, err: "States.Runtime", cause: `The item at index 1 does not fit in a batch of at most 14 bytes.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newMapRunDriver(t, distributedPass(tt.lang, tt.fields), tt.input)
			if d.ex.Status != engine.Failed || d.ex.Error == nil || *d.ex.Error != tt.err || !strings.HasSuffix(*d.ex.Cause, tt.cause) {
				t.Fatalf("%s %v %v, want %s %s", d.ex.Status, ptrText(d.ex.Error), ptrText(d.ex.Cause), tt.err, tt.cause)
			}
		})
	}
}

func ptrText(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestMapResultWriterFlatten(t *testing.T) {
	d := newMapRunDriver(t, distributedPass("JSONPath",
		`"ItemsPath": "$.xs", "ResultWriter": {"WriterConfig": {"OutputType": "JSON", "Transformation": "FLATTEN"}},`),
		`{"xs": [[1,2],[3],4]}`)
	if d.ex.Status != engine.Succeeded || d.ex.Output != `[1,2,3,4]` {
		t.Fatalf("%s %s %v", d.ex.Status, d.ex.Output, ptrText(d.ex.Cause))
	}
}

// A ResultWriter Stepwise cannot apply fails the run before any child runs.
func TestMapResultWriterUnsupported(t *testing.T) {
	for name, writer := range map[string]string{
		"NONE": `{"WriterConfig": {"OutputType": "JSON", "Transformation": "NONE"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			d := newMapRunDriver(t, distributed(`"ResultWriter": `+writer+`,`), `[1,2]`)
			want := "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunFailed MapStateFailed ExecutionFailed"
			if got := strings.Join(d.events, " "); got != want || len(d.children) != 0 || len(d.tasks) != 0 {
				t.Fatalf("events %s, %d children, want %s", got, len(d.children), want)
			}
			if *d.ex.Error != "States.ResultWriterFailed" || d.record().Status != engine.MapRunFailed {
				t.Fatalf("%s %s", *d.ex.Error, d.record().Status)
			}
		})
	}
}

// A redrive runs again the batches that failed and those not started, each with its items.
func TestMapItemBatcherRedrive(t *testing.T) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"MaxConcurrency":1,"ToleratedFailureCount":1,"ItemBatcher":{"MaxItemsPerBatch":2},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id.$":"$.Items[0].id","fails.$":"$.Items[0].fails"},"End":true}}}}}}`
	items := `[{"id":"a","fails":0},{"id":"b","fails":0},{"id":"c","fails":1},{"id":"d","fails":0},{"id":"e","fails":0}]`
	fl := &flaky{}
	interp, ex, first := startLocal(t, def, items, fl, engine.Config{})
	// One failed batch is two failed items, beyond the one tolerated.
	if ex.Status != engine.Failed || *ex.Error != "States.ExceedToleratedFailureThreshold" {
		t.Fatalf("first run %s %v: %s", ex.Status, ptrText(ex.Error), types(first))
	}
	ex = roundTrip(t, ex)
	if _, err := runner.LocalRedrive(context.Background(), interp, ex, ex.StopTime.Add(time.Hour), runner.LocalOptions{TimeSkipping: true, Tasks: fl}); err != nil {
		t.Fatal(err)
	}
	if ex.Status != engine.Succeeded {
		t.Fatalf("after redrive %s %v", ex.Status, ptrText(ex.Cause))
	}
	jsonEqual(t, ex.Output, `[{"id":"a","call":1},{"id":"c","call":2},{"id":"e","call":1}]`)
	for id, n := range map[string]int{"a": 1, "c": 2, "e": 1} {
		if got := fl.count(id); got != n {
			t.Errorf("task %s ran %d times, want %d", id, got, n)
		}
	}
}
