package runner

import (
	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/store"
)

// statusEvents adds to c's outbox the status change events of c.Execution, which was prev
// (the zero Execution for a new one). An execution that ends in its first step, or in the
// first step of a redrive, reports RUNNING first, as AWS does for every start and redrive.
func (n *Node) statusEvents(c *store.Commit, prev store.Execution) {
	row := c.Execution
	started := prev.Status == "" || row.RedriveCount != prev.RedriveCount
	if started && row.Status != "RUNNING" {
		started := *row
		started.Status, started.StoppedAt, started.Output, started.Error, started.Cause = "RUNNING", nil, nil, nil, nil
		n.addStatusEvent(c, &started)
	}
	n.addStatusEvent(c, row)
}

func (n *Node) addStatusEvent(c *store.Commit, row *store.Execution) {
	reason := ""
	if row.MapRunArn == "" {
		reason = n.RedriveReason(row)
	}
	if ch, ok := events.Change(row, reason); ok {
		c.StatusChanges = append(c.StatusChanges, ch)
		return
	}
	c.Outbox = append(c.Outbox, events.StatusChange(row, n.opts.Region, n.opts.Account, reason))
}
