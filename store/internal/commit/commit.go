package commit

import (
	"errors"
	"fmt"

	"github.com/stepwise-run/stepwise/store"
)

// ErrNoExecution: a Commit without its Execution.
var ErrNoExecution = errors.New("store: commit without an execution")

// Check rejects a Commit no store can write.
func Check(c store.Commit) error {
	if c.Execution == nil {
		return ErrNoExecution
	}
	return nil
}

// LastEventID is the id of the newest event after c: the larger of what c.Execution says
// and the ids of c.Events.
func LastEventID(c store.Commit) int64 {
	n := c.Execution.LastEventID
	for _, e := range c.Events {
		n = max(n, e.ID)
	}
	return n
}

// Event is one history event encoded, ready for a chunk's row (store/internal/chunk).
type Event struct {
	ID   int64
	Body string // the event as history.Event's JSON
}

// Events marshals c.Events. They are encoded into one buffer, converted to a string once, and
// each Body is a slice of it: four allocations for a step's events instead of three each.
func Events(c store.Commit) ([]Event, error) {
	out := make([]Event, len(c.Events))
	ends := make([]int, len(c.Events))
	b := make([]byte, 0, 256*len(c.Events))
	for i, e := range c.Events {
		var err error
		if b, err = e.AppendJSON(b); err != nil {
			return nil, fmt.Errorf("store: event %d (%s): %w", e.ID, e.Type, err)
		}
		ends[i] = len(b)
	}
	all, start := string(b), 0
	for i, e := range c.Events {
		out[i] = Event{ID: e.ID, Body: all[start:ends[i]]}
		start = ends[i]
	}
	return out, nil
}

// ChildRounds splits a step's Distributed Map children into rounds in which each child is
// once, a child's k-th entry in the k-th round, keeping their order. A driver that applies
// several events in one commit gathers their steps, and with them a child's successive
// steps: written round after round, each is written after the one before, as it would be in
// a step of its own. A step with each child once is one round, children itself.
func ChildRounds(children []store.ChildStep) [][]store.ChildStep {
	seen := make(map[string]int, len(children))
	twice := false
	for _, c := range children {
		seen[c.Execution.Arn]++
		twice = twice || seen[c.Execution.Arn] > 1
	}
	if !twice {
		return [][]store.ChildStep{children}
	}
	clear(seen)
	var rounds [][]store.ChildStep
	for _, c := range children {
		k := seen[c.Execution.Arn]
		seen[c.Execution.Arn] = k + 1
		if k == len(rounds) {
			rounds = append(rounds, nil)
		}
		rounds[k] = append(rounds[k], c)
	}
	return rounds
}
