package runner

import (
	"fmt"

	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/store"
)

// statusEvents adds to c's outbox the status change events of c.Execution, which was prev
// (the zero Execution for a new one). An execution that ends in its first step, or in the
// first step of a redrive, reports RUNNING first, as AWS does for every start and redrive.
func (n *Node) statusEvents(c *store.Commit, prev store.Execution) error {
	row := c.Execution
	started := prev.Status == "" || row.RedriveCount != prev.RedriveCount
	if started && row.Status != "RUNNING" {
		started := *row
		started.Status, started.StoppedAt, started.Output, started.Error, started.Cause = "RUNNING", nil, nil, nil, nil
		if err := n.addStatusEvent(c, &started); err != nil {
			return err
		}
	}
	return n.addStatusEvent(c, row)
}

func (n *Node) addStatusEvent(c *store.Commit, row *store.Execution) error {
	reason := ""
	if row.MapRunArn == "" {
		reason = n.RedriveReason(row)
	}
	ev, err := events.StatusChange(row, n.opts.Region, n.opts.Account, reason)
	if err != nil {
		return fmt.Errorf("encode status change event: %w", err)
	}
	c.Outbox = append(c.Outbox, ev)
	return nil
}
