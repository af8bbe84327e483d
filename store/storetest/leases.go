package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

func testLeases(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	arns := map[string]string{}
	for _, n := range []string{"a", "b", "c", "d"} {
		arns[n] = create(t, s, newExecution("sm", n), 1, nil, nil).Arn
	}
	d := get(t, s, arns["d"])
	d.Status = "SUCCEEDED"
	if err := s.Commit(ctx, store.Commit{Execution: d}); err != nil {
		t.Fatal(err)
	}
	names := func(list []string) string {
		var out []string
		for _, arn := range list {
			for n, a := range arns {
				if a == arn {
					out = append(out, n)
				}
			}
		}
		slices.Sort(out)
		return fmt.Sprint(out)
	}
	unleased := func(now time.Time, want string) {
		t.Helper()
		got, err := s.Unleased(ctx, now, 0)
		if err != nil {
			t.Fatalf("Unleased: %v", err)
		}
		if names(got) != want {
			t.Errorf("Unleased = %s, want %s", names(got), want)
		}
	}
	lease := func(owner string, until time.Time, want string, ns ...string) {
		t.Helper()
		var list []string
		for _, n := range ns {
			list = append(list, arns[n])
		}
		got, err := s.Lease(ctx, owner, list, until)
		if err != nil {
			t.Fatalf("Lease(%s, %v): %v", owner, ns, err)
		}
		if names(got) != want {
			t.Errorf("Lease(%s, %v) = %s, want %s", owner, ns, names(got), want)
		}
	}

	unleased(now, "[a b c]") // d has ended
	got, err := s.Unleased(ctx, now, 2)
	if err != nil || len(got) != 2 {
		t.Errorf("Unleased(limit 2) = %v, %v; want 2", got, err)
	}
	lease("n1", now.Add(time.Minute), "[a b]", "a", "b", "missing")
	lease("n2", now.Add(time.Minute), "[c]", "a", "c")
	unleased(now, "[]")
	unleased(now.Add(2*time.Minute), "[a b c]")     // as seen from after the leases end
	lease("n1", now.Add(2*time.Minute), "[a]", "a") // an owner may extend its own lease

	// Renewal extends every lease of the owner, and no other.
	if err := s.RenewLeases(ctx, "n1", now.Add(5*time.Minute)); err != nil {
		t.Fatalf("RenewLeases: %v", err)
	}
	unleased(now.Add(3*time.Minute), "[c]")
	lease("n2", now.Add(time.Minute), "[]", "a", "b")

	// Commits keep the lease.
	step(t, s, get(t, s, arns["a"]), 1)
	unleased(now.Add(3*time.Minute), "[c]")

	// A lease until a past time has already expired: anyone may take it.
	lease("n3", now.Add(-time.Second), "[]", "c") // n2's lease on c still holds
	if err := s.ReleaseLeases(ctx, "n2"); err != nil {
		t.Fatal(err)
	}
	lease("n3", now.Add(-time.Second), "[c]", "c")
	unleased(now, "[c]")
	lease("n4", now.Add(time.Minute), "[c]", "c")

	// Release frees every lease of the owner.
	if err := s.ReleaseLeases(ctx, "n1"); err != nil {
		t.Fatalf("ReleaseLeases: %v", err)
	}
	unleased(now, "[a b]")
	lease("n5", now.Add(time.Minute), "[a b]", "a", "b")
	if err := s.ReleaseLeases(ctx, "nobody"); err != nil {
		t.Fatalf("ReleaseLeases(nobody): %v", err)
	}
	if err := s.RenewLeases(ctx, "nobody", now); err != nil {
		t.Fatalf("RenewLeases(nobody): %v", err)
	}
	if got, err := s.Lease(ctx, "n6", nil, now.Add(time.Minute)); err != nil || len(got) != 0 {
		t.Errorf("Lease(no arns) = %v, %v", got, err)
	}

	// A parked execution is not an orphan, and anyone may lease it; only its owner parks it.
	if err := s.Park(ctx, "n1", arns["a"]); err != nil { // n5 holds a
		t.Fatalf("Park: %v", err)
	}
	lease("n6", now.Add(time.Minute), "[]", "a")
	if err := s.Park(ctx, "n5", arns["a"]); err != nil {
		t.Fatalf("Park: %v", err)
	}
	unleased(now.Add(time.Hour), "[b c]")
	lease("n6", now.Add(time.Minute), "[a]", "a")
	unleased(now.Add(time.Hour), "[a b c]")
}

// testLeaseExecution: LeaseExecution takes a lease as Lease does and returns the execution as
// GetExecution reads it afterwards; nothing when another owner holds it or it does not exist.
func testLeaseExecution(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	traced := newExecution("sm", "a")
	traced.TraceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1" // read back by the lease too
	traced.TraceParent = "00-5759e988bd862e3fe1be46a994272793-0123456789abcdef-01"
	a := step(t, s, create(t, s, traced, 2, nil, nil), 3)
	ended := get(t, s, create(t, s, newExecution("sm", "ended"), 1, nil, nil).Arn)
	ended.Status = "SUCCEEDED"
	if err := s.Commit(ctx, store.Commit{Execution: ended}); err != nil {
		t.Fatal(err)
	}
	leaseOne := func(owner, arn string, until time.Time) *store.Execution {
		t.Helper()
		got, err := s.LeaseExecution(ctx, owner, arn, until)
		if err != nil {
			t.Fatalf("LeaseExecution(%s, %s): %v", owner, arn, err)
		}
		return got
	}
	got := leaseOne("n1", a.Arn, now.Add(time.Minute))
	if got == nil {
		t.Fatal("LeaseExecution of a free execution returned nothing")
	}
	if want := get(t, s, a.Arn); !reflect.DeepEqual(got, want) {
		t.Errorf("LeaseExecution returned\n%+v\nGetExecution reads\n%+v", got, want)
	}
	if got := leaseOne("n2", a.Arn, now.Add(time.Minute)); got != nil {
		t.Errorf("LeaseExecution took n1's lease for n2")
	}
	if got := leaseOne("n1", a.Arn, now.Add(2*time.Minute)); got == nil {
		t.Errorf("LeaseExecution refused the owner its own lease")
	}
	if got, err := s.Unleased(ctx, now.Add(90*time.Second), 0); err != nil || len(got) != 0 {
		t.Errorf("Unleased before the extended lease ends = %v, %v; want none", got, err)
	}
	if got := leaseOne("n2", "arn:aws:states:us-east-1:123456789012:execution:sm:missing", now.Add(time.Minute)); got != nil {
		t.Errorf("LeaseExecution of a missing execution = %+v", got)
	}
	if got := leaseOne("n2", ended.Arn, now.Add(time.Minute)); got == nil || got.Status != "SUCCEEDED" {
		t.Errorf("LeaseExecution of an ended execution = %+v, want it (leases of ended executions guard nothing)", got)
	}
	if err := s.ReleaseLeases(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	if got := leaseOne("n2", a.Arn, now.Add(time.Minute)); got == nil || got.Arn != a.Arn {
		t.Errorf("LeaseExecution after release = %+v", got)
	}
}

// testLeaseConcurrent: owners race to lease the same executions; each goes to exactly one.
func testLeaseConcurrent(t *testing.T, s store.Store) {
	const owners = 8
	ctx := context.Background()
	var arns []string
	for i := range 4 {
		arns = append(arns, create(t, s, newExecution("sm", fmt.Sprint(i)), 1, nil, nil).Arn)
	}
	got := make([][]string, owners)
	errs := make([]error, owners)
	var wg sync.WaitGroup
	for i := range owners {
		wg.Go(func() { got[i], errs[i] = s.Lease(ctx, fmt.Sprint("owner", i), arns, time.Now().Add(time.Minute)) })
	}
	wg.Wait()
	held := map[string]int{}
	for i := range owners {
		if errs[i] != nil {
			t.Fatalf("owner %d: %v", i, errs[i])
		}
		for _, arn := range got[i] {
			held[arn]++
		}
	}
	for _, arn := range arns {
		if held[arn] != 1 {
			t.Errorf("%s leased %d times, want once", arn, held[arn])
		}
	}
}

// testLeaseMany: a Lease of more executions than one statement of a store may carry.
func testLeaseMany(t *testing.T, s store.Store) {
	const n = 600
	ctx := context.Background()
	var arns []string
	for i := range n {
		e := newExecution("sm", fmt.Sprint("many", i))
		if err := s.CreateExecution(ctx, store.Commit{Execution: e}); err != nil {
			t.Fatal(err)
		}
		arns = append(arns, e.Arn)
	}
	got, err := s.Lease(ctx, "n1", arns, time.Now().Add(time.Minute))
	if err != nil || len(got) != n {
		t.Fatalf("Lease(%d executions) = %d, %v", n, len(got), err)
	}
	if left, err := s.Unleased(ctx, time.Now(), 0); err != nil || len(left) != 0 {
		t.Fatalf("Unleased after leasing all = %d, %v", len(left), err)
	}
}

// testCreateLeased: CreateExecution writes the lease a new execution starts with — held,
// parked or free — so that a start needs no second write.
func testCreateLeased(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	arns := map[string]string{}
	for n, l := range map[string]store.Lease{
		"held":   {Owner: "n1", Until: now.Add(time.Minute)},
		"parked": {Parked: true},
		"free":   {},
	} {
		e := newExecution("sm", "created-"+n)
		if err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, 1), Lease: l}); err != nil {
			t.Fatalf("CreateExecution(%s): %v", n, err)
		}
		arns[n] = e.Arn
	}
	got, err := s.Unleased(ctx, now.Add(time.Hour), 0)
	if err != nil || len(got) != 2 || !slices.Contains(got, arns["held"]) || !slices.Contains(got, arns["free"]) {
		t.Errorf("Unleased an hour on = %v, %v; want held (expired) and free", got, err)
	}
	if got, err := s.Unleased(ctx, now, 0); err != nil || len(got) != 1 || got[0] != arns["free"] {
		t.Errorf("Unleased now = %v, %v; want free", got, err)
	}
	for n, want := range map[string]int{"held": 0, "parked": 1, "free": 1} {
		got, err := s.Lease(ctx, "n2", []string{arns[n]}, now.Add(time.Minute))
		if err != nil || len(got) != want {
			t.Errorf("Lease(n2, %s) = %v, %v; want %d", n, got, err, want)
		}
	}
	if got, err := s.Lease(ctx, "n1", []string{arns["held"]}, now.Add(time.Minute)); err != nil || len(got) != 1 {
		t.Errorf("Lease(n1, held) by its owner = %v, %v", got, err)
	}
}
