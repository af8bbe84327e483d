package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// testRedrive: a failed execution keeps its state; a redrive commits it running again with a
// redrive count and date, and ListExecutions filters on whether executions were redriven.
func testRedrive(t *testing.T, s store.Store) {
	ctx := context.Background()
	e := create(t, s, newExecution("sm", "redriven"), 2, nil, nil)
	other := create(t, s, newExecution("sm", "never"), 2, nil, nil)
	if e.RedriveCount != 0 || e.RedriveDate != nil {
		t.Fatalf("new execution: redrive count %d date %v", e.RedriveCount, e.RedriveDate)
	}

	failed := *e
	failed.Status = "FAILED"
	failed.Error = history.Str("E")
	stopped := t0.Add(time.Minute)
	failed.StoppedAt = &stopped
	failed.State = `{"pc":"B","failed":true}`
	if err := s.Commit(ctx, store.Commit{Execution: &failed, Events: events(3, 1)}); err != nil {
		t.Fatalf("Commit failure: %v", err)
	}
	want := failed
	want.Version, want.LastEventID = e.Version+1, 3
	checkExecution(t, get(t, s, e.Arn), &want)

	// The node that ran it may still hold (and renew) its lease: an ended execution's lease
	// guards nothing, and another node can claim it to redrive it.
	until := time.Now().Add(time.Hour)
	if got, err := s.Lease(ctx, "ran-it", []string{e.Arn}, until); err != nil || len(got) != 1 {
		t.Fatalf("Lease by the first node: %v %v", got, err)
	}
	if got, err := s.Lease(ctx, "running", []string{other.Arn}, until); err != nil || len(got) != 1 {
		t.Fatalf("Lease of a running execution: %v %v", got, err)
	}
	if got, err := s.Lease(ctx, "redriver", []string{e.Arn, other.Arn}, until); err != nil || len(got) != 1 || got[0] != e.Arn {
		t.Fatalf("Lease of an ended execution held by another node: %v %v, want only %s", got, err, e.Arn)
	}

	redriven := want
	redriven.Status = running
	redriven.Error, redriven.StoppedAt = nil, nil
	at := t0.Add(time.Hour)
	redriven.RedriveCount, redriven.RedriveDate = 1, &at
	if err := s.Commit(ctx, store.Commit{Execution: &redriven, Events: events(4, 2)}); err != nil {
		t.Fatalf("Commit redrive: %v", err)
	}
	want = redriven
	want.Version, want.LastEventID = failed.Version+2, 5
	checkExecution(t, get(t, s, e.Arn), &want)
	checkEvents(t, hist(t, s, e.Arn, 0, 0, false), events(1, 5))

	yes, no := true, false
	for _, tc := range []struct {
		redriven *bool
		want     []string
	}{{&yes, []string{e.Arn}}, {&no, []string{other.Arn}}, {nil, []string{other.Arn, e.Arn}}} {
		got, _, err := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineArn: smArn("sm"), Redriven: tc.redriven}, store.Page{})
		if err != nil {
			t.Fatalf("ListExecutions: %v", err)
		}
		var arns []string
		for _, g := range got {
			arns = append(arns, g.Arn)
			if g.Arn == e.Arn && (g.RedriveCount != 1 || g.RedriveDate == nil || !g.RedriveDate.Equal(at)) {
				t.Errorf("listed redrive count %d date %v", g.RedriveCount, g.RedriveDate)
			}
		}
		if len(arns) != len(tc.want) || (len(arns) > 0 && arns[0] != tc.want[0]) {
			t.Errorf("ListExecutions(redriven=%v) = %v, want %v", tc.redriven != nil && *tc.redriven, arns, tc.want)
		}
	}
}
