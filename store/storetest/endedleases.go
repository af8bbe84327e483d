package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// leaseOwner is what a store shows of an execution's lease, for this test.
type leaseOwner interface {
	LeaseOwner(ctx context.Context, arn string) (string, error)
}

// testEndedHoldsNoLease: an execution gives up its lease as it ends, whatever held it, and a
// renewal extends only running executions' leases (issue #15: ended executions kept theirs,
// renewed every few seconds for ever).
func testEndedHoldsNoLease(t *testing.T, s store.Store) {
	lo, ok := s.(leaseOwner)
	if !ok {
		t.Skip("the store does not show leases")
	}
	ctx := context.Background()
	until := time.Now().Add(time.Hour)
	owner := func(arn string) string {
		t.Helper()
		o, err := lo.LeaseOwner(ctx, arn)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	for _, status := range []string{"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"} {
		e := newExecution("sm", "held-"+status)
		if err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, 1), Lease: store.Lease{Owner: "n1", Until: until}}); err != nil {
			t.Fatal(err)
		}
		running := step(t, s, get(t, s, e.Arn), 2) // a step that leaves it running keeps the lease
		if got := owner(e.Arn); got != "n1" {
			t.Fatalf("%s: running, lease_owner %q, want n1", status, got)
		}
		running.Status = status
		if err := s.Commit(ctx, store.Commit{Execution: running, Events: events(4, 1)}); err != nil {
			t.Fatal(err)
		}
		if got := owner(e.Arn); got != "" {
			t.Errorf("%s: lease_owner %q after it ended, want none", status, got)
		}
		// A node that leases it (to redrive it, say) and then lets go leaves no lease.
		if _, err := s.LeaseExecution(ctx, "n2", e.Arn, until); err != nil {
			t.Fatal(err)
		}
		if err := s.Park(ctx, "n2", e.Arn); err != nil {
			t.Fatal(err)
		}
		if got := owner(e.Arn); got != "" {
			t.Errorf("%s: lease_owner %q after a lease and a park, want none", status, got)
		}
	}
	if err := s.RenewLeases(ctx, "n1", until); err != nil {
		t.Fatal(err)
	}
}
