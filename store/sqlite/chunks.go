package sqlite

import (
	"fmt"
	"strings"
)

// overlapGuard is the new last_event_id of an execution's row when a step's events (the
// first of them the second parameter, chunk.FirstID) all come after those stored, and NULL
// otherwise, which the column refuses: rows keyed by their last event would not collide on
// every overlap, as rows of one event did.
const overlapGuard = `CASE WHEN last_event_id < ? THEN ? END`

// overlapError tells what a refused overlapGuard meant.
func overlapError(err error, first int64) error {
	if isOverlap(err) {
		return fmt.Errorf("store: events from %d are not after the execution's stored events: %w", first, err)
	}
	return err
}

// isOverlap tells whether err is a refused overlapGuard.
func isOverlap(err error) bool {
	return err != nil && strings.Contains(err.Error(), "NOT NULL constraint failed: executions.last_event_id")
}
