package engine_test

import (
	"encoding/json"
	"testing"

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
