package runner

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/store"
)

// TestWarmBounds: the states kept warm stay within maxWarm of them and maxWarmBytes of their
// stored size, the newest always kept (unless it alone is past the bytes), and the count of
// bytes follows what is kept and taken.
func TestWarmBounds(t *testing.T) {
	n := &Node{warm: map[string]warmState{}}
	keep := func(arn string, size int) {
		n.keepWarm(arn, &live{ex: &engine.Execution{}, row: store.Execution{State: strings.Repeat("x", size), Version: 1}})
	}
	check := func(when string) {
		t.Helper()
		sum := 0
		for _, w := range n.warm {
			sum += w.size
		}
		if sum != n.warmBytes || len(n.warm) > maxWarm || n.warmBytes > maxWarmBytes {
			t.Fatalf("%s: %d kept, %d bytes counted, %d held", when, len(n.warm), n.warmBytes, sum)
		}
	}
	for i := range 3 * maxWarm {
		keep(fmt.Sprint("small", i), 100)
		check("small ones")
	}
	if len(n.warm) != maxWarm {
		t.Errorf("%d small states kept, want %d", len(n.warm), maxWarm)
	}
	for i := range 5 {
		keep(fmt.Sprint("large", i), maxWarmBytes/3)
		check("large ones")
		if _, ok := n.warm[fmt.Sprint("large", i)]; !ok {
			t.Fatalf("the newest large state was not kept")
		}
	}
	keep("huge", maxWarmBytes+1)
	check("one past the bound")
	if _, ok := n.warm["huge"]; ok {
		t.Error("a state larger than the bound was kept")
	}
	keep("large4", 10) // kept again, smaller: counted once
	check("kept again")
	for arn := range n.warm {
		if _, ok := n.takeWarm(arn); !ok {
			t.Fatal("takeWarm missed a kept state")
		}
	}
	if len(n.warm) != 0 || n.warmBytes != 0 {
		t.Errorf("after taking them all: %d kept, %d bytes", len(n.warm), n.warmBytes)
	}
}

// TestWarmFits: a kept state serves the stored row of the same version and start (to the
// millisecond: PostgreSQL keeps microseconds), not a later execution of the same name.
func TestWarmFits(t *testing.T) {
	started := time.Date(2026, 12, 6, 17, 0, 0, 123456789, time.UTC)
	w := warmState{version: 3, started: started}
	for _, tc := range []struct {
		version int64
		started time.Time
		want    bool
	}{
		{3, started, true},
		{3, started.Truncate(time.Microsecond), true},
		{4, started, false},
		{3, started.Add(time.Hour), false},
	} {
		if got := w.fits(&store.Execution{Version: tc.version, StartedAt: tc.started}); got != tc.want {
			t.Errorf("version %d started %v: fits %v, want %v", tc.version, tc.started, got, tc.want)
		}
	}
}

// TestTimeoutTimerFromWarm: a node skipping time reads a waiting execution's timeout timer
// from the state it keeps when the stored row is at its version, and decodes the row's
// state otherwise.
func TestTimeoutTimerFromWarm(t *testing.T) {
	started := time.Date(2026, 12, 6, 17, 0, 0, 0, time.UTC)
	stored, err := json.Marshal(&engine.Execution{TimeoutTimer: 9})
	if err != nil {
		t.Fatal(err)
	}
	n := &Node{warm: map[string]warmState{}}
	n.keepWarm("e", &live{ex: &engine.Execution{TimeoutTimer: 7}, row: store.Execution{Version: 3, StartedAt: started, State: string(stored)}})
	row := &store.Execution{Arn: "e", Version: 3, StartedAt: started, State: string(stored)}
	if id := n.timeoutTimer(row); id != 7 || n.Stats.StatesDecoded.Load() != 0 {
		t.Errorf("at the kept version: timer %d, %d states decoded; want the kept 7, none", id, n.Stats.StatesDecoded.Load())
	}
	row.Version = 4 // another node committed since
	if id := n.timeoutTimer(row); id != 9 || n.Stats.StatesDecoded.Load() != 1 {
		t.Errorf("past the kept version: timer %d, %d states decoded; want the stored 9, one", id, n.Stats.StatesDecoded.Load())
	}
}
