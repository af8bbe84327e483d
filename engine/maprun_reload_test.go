package engine_test

import (
	"encoding/json"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
)

// An execution reloaded from its saved state (parent links are not saved) aborts its
// children when stopped.
func TestMapRunStopAfterReload(t *testing.T) {
	d := newMapRunDriver(t, distributed(`"MaxConcurrency": 1,`), `[1,2,3]`)
	b, _ := json.Marshal(d.ex)
	var ex engine.Execution
	json.Unmarshal(b, &ex)
	d.ex = &ex
	d.apply(engine.Event{Kind: engine.Stop})
	if d.ex.Status != engine.Aborted || d.record().Status != "ABORTED" || len(d.children) != 1 || d.children[0].Status != engine.Aborted {
		t.Fatalf("%s %s %d", d.ex.Status, d.record().Status, len(d.children))
	}
}

// A Distributed Map's records (its map run's, its children's) are the same whether the
// execution is held in memory or saved and loaded before every event, as a node may.
func TestMapRunRecordsAfterReload(t *testing.T) {
	for _, c := range []struct{ name, def, input string }{
		// No items in batches: the run once kept an empty batch list that a reload dropped,
		// and its records gained executionCounts only when held (the last one comes after
		// the results are written, in a later call).
		{"batched, no items", distributed(`"ItemBatcher": {"MaxItemsPerBatch": 2}, "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "p"}},`), `[]`},
		{"batched", distributed(`"ItemBatcher": {"MaxItemsPerBatch": 2},`), `[1, 2, 3]`},
		{"express, timed out", `{"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 1, "End": true,
			"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
				"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$", "End": true}}}}}}`, `[10, 400, 20]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			sm, err := asl.Parse([]byte(c.def), asl.ValidateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in := engine.New(sm, fuzzConfig)
			held, loaded := &sim{t: t, in: in}, &sim{t: t, in: in, reload: true}
			held.start(startOf(c.input))
			loaded.start(startOf(c.input))
			runAlike(t, held, loaded, c.name)
			if len(held.runs) != 1 {
				t.Fatalf("%d map runs", len(held.runs))
			}
		})
	}
}
