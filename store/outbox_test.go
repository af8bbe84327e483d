package store

import (
	"testing"
	"time"
)

// TestJoinStarted: a commit's RUNNING change and the one after it, of the same redrive,
// become one; any other list stays as it is.
func TestJoinStarted(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	t1, t0again := t0.Add(time.Minute), t0.Add(0)
	errStr := "Oops"
	running := StatusChange{EventID: "r", Status: "RUNNING", RedriveReason: "Execution is RUNNING and cannot be redriven"}
	ended := StatusChange{EventID: "s", Status: "SUCCEEDED", StoppedAt: &t1, RedriveReason: "Execution is SUCCEEDED and cannot be redriven"}
	with := func(c StatusChange, f func(*StatusChange)) StatusChange { f(&c); return c }
	for _, tc := range []struct {
		name    string
		changes []StatusChange
		joined  bool
	}{
		{"started and ended", []StatusChange{running, ended}, true},
		{"redriven and ended", []StatusChange{
			with(running, func(c *StatusChange) { c.RedriveCount, c.RedriveDate = 2, &t0 }),
			with(ended, func(c *StatusChange) { c.RedriveCount, c.RedriveDate = 2, &t0again })}, true},
		{"one change", []StatusChange{running}, false},
		{"ended first", []StatusChange{ended, running}, false},
		{"running with an error", []StatusChange{with(running, func(c *StatusChange) { c.Error = &errStr }), ended}, false},
		{"other redrive counts", []StatusChange{running, with(ended, func(c *StatusChange) { c.RedriveCount = 1 })}, false},
		{"other redrive dates", []StatusChange{with(running, func(c *StatusChange) { c.RedriveDate = &t0 }),
			with(ended, func(c *StatusChange) { c.RedriveDate = &t1 })}, false},
		{"one redrive date", []StatusChange{with(running, func(c *StatusChange) { c.RedriveDate = &t0 }), ended}, false},
		{"joined already", []StatusChange{running, with(ended, func(c *StatusChange) { c.StartedEventID = "x" })}, false},
		{"three", []StatusChange{running, ended, ended}, false},
		{"running twice", []StatusChange{running, with(running, func(c *StatusChange) { c.EventID = "r2" })}, false},
	} {
		got := JoinStarted(tc.changes)
		if !tc.joined {
			if len(got) != len(tc.changes) || (len(got) > 0 && &got[0] != &tc.changes[0]) {
				t.Errorf("%s: JoinStarted changed the list: %+v", tc.name, got)
			}
			continue
		}
		if len(got) != 1 {
			t.Fatalf("%s: JoinStarted gave %d changes, want 1", tc.name, len(got))
		}
		end := tc.changes[1]
		if got[0].EventID != end.EventID || got[0].Status != end.Status || got[0].StartedEventID != "r" ||
			got[0].StartedRedriveReason != running.RedriveReason {
			t.Errorf("%s: joined %+v", tc.name, got[0])
		}
		r, ok := got[0].Started()
		want := tc.changes[0]
		if !ok || r.EventID != want.EventID || r.Status != "RUNNING" || r.StoppedAt != nil || r.Error != nil || r.Cause != nil ||
			r.RedriveCount != want.RedriveCount || r.RedriveReason != want.RedriveReason || !sameTime(r.RedriveDate, want.RedriveDate) {
			t.Errorf("%s: Started() = %+v, %v; want %+v", tc.name, r, ok, want)
		}
	}
	if _, ok := ended.Started(); ok {
		t.Error("a change without StartedEventID has a started change")
	}
}
