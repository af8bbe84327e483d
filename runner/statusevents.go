package runner

import (
	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/store"
)

// statusEvents adds to c's outbox the status change events of c.Execution, which was prev
// (the zero Execution for a new one). An execution that ends in its first step, or in the
// first step of a redrive, reports RUNNING first, as AWS does for every start and redrive.
// The events are kept by reference (events.Change), the two of such a step as one
// (store.JoinStarted), unless one of them cannot be: then all
// of the step's are written whole, since the store writes whole events before the changes
// of a step and they must keep their order.
func (n *Node) statusEvents(c *store.Commit, prev store.Execution) {
	row := c.Execution
	rows := []*store.Execution{row}
	if started := prev.Status == "" || row.RedriveCount != prev.RedriveCount; started && row.Status != "RUNNING" {
		started := *row
		started.Status, started.StoppedAt, started.Output, started.Error, started.Cause = "RUNNING", nil, nil, nil, nil
		rows = []*store.Execution{&started, row}
	}
	changes := make([]store.StatusChange, 0, len(rows))
	reasons := make([]string, len(rows))
	for i, r := range rows {
		if r.MapRunArn == "" {
			reasons[i] = n.RedriveReason(r)
		}
		if ch, ok := events.Change(r, reasons[i]); ok {
			changes = append(changes, ch)
		}
	}
	if len(changes) == len(rows) {
		c.StatusChanges = append(c.StatusChanges, store.JoinStarted(changes)...)
		return
	}
	for i, r := range rows {
		c.Outbox = append(c.Outbox, events.StatusChange(r, n.opts.Region, n.opts.Account, reasons[i]))
	}
}
