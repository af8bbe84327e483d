package runner

import (
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/store"
)

// maxWarm bounds the parked executions whose decoded state a node keeps. A parked execution
// is reloaded from the store when its timer fires: decoding its state is most of that when the
// state is large, and it grows with what the execution holds (a Distributed Map run keeps
// every iteration's record: 3.8 MB at 20,000 items, decoded at each of its batches, a quarter
// of the run's CPU). A few dozen cover the executions that wake soon after they sleep;
// 100,000 sleeping executions are not all kept.
const maxWarm = 64

// maxWarmBytes bounds the states kept by their stored (JSON) size, a measure of the memory
// they hold: a few large ones (Distributed Map runs of many items) are kept, not dozens.
const maxWarmBytes = 64 << 20

// warmState is a parked execution's state as this node last committed it: version is the
// stored version that commit made, so a reload that reads the same version (no node has
// committed since) can use ex instead of decoding the stored state. The start time tells an
// execution from a later one of the same name (the first ended and was purged meanwhile),
// whose versions start over.
type warmState struct {
	ex      *engine.Execution
	in      *engine.Interpreter
	version int64
	started time.Time
	size    int // the stored state's length
}

// fits reports whether w is the state of row. Start times are compared to the millisecond:
// PostgreSQL keeps microseconds.
func (w warmState) fits(row *store.Execution) bool {
	return w.version == row.Version && w.started.Truncate(time.Millisecond).Equal(row.StartedAt.Truncate(time.Millisecond))
}

// keepWarm keeps the state of l, parked (or created parked); it is called under n.mu, once l
// is not live (nothing changes l.ex from then on).
func (n *Node) keepWarm(arn string, l *live) {
	n.dropWarm(arn)
	size := len(l.row.State)
	if size > maxWarmBytes {
		return
	}
	for k := range n.warm { // any ones: those kept are all recent
		if len(n.warm) < maxWarm && n.warmBytes+size <= maxWarmBytes {
			break
		}
		n.dropWarm(k)
	}
	n.warm[arn] = warmState{ex: l.ex, in: l.in, version: l.row.Version, started: l.row.StartedAt, size: size}
	n.warmBytes += size
}

// dropWarm forgets the kept state of an execution; it is called under n.mu.
func (n *Node) dropWarm(arn string) {
	if w, ok := n.warm[arn]; ok {
		n.warmBytes -= w.size
		delete(n.warm, arn)
	}
}

// takeWarm returns and forgets the kept state of an execution, if any.
func (n *Node) takeWarm(arn string) (warmState, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	w, ok := n.warm[arn]
	n.dropWarm(arn)
	return w, ok
}

// timeoutTimer is the id of the timer that times a running execution out, read from the state
// this node keeps warm when the stored row is at its version, else decoded from the row.
func (n *Node) timeoutTimer(row *store.Execution) int64 {
	n.mu.Lock()
	w, ok := n.warm[row.Arn]
	if ok && w.fits(row) {
		id := w.ex.TimeoutTimer // a parked state: nothing changes it while it is kept
		n.mu.Unlock()
		return id
	}
	n.mu.Unlock()
	ex, err := decodeState(row.State)
	if err != nil {
		return 0
	}
	n.Stats.StatesDecoded.Add(1)
	return ex.TimeoutTimer
}
