package scheduler

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/internal/pgtest"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/postgres"
)

// TestTwoNodesPostgres: two nodes share one PostgreSQL database and fire the same
// schedules at once; every firing starts once, with no second attempt.
func TestTwoNodesPostgres(t *testing.T) {
	pgtest.Connect(t).Close(context.Background()) // skips when no server answers
	url := pgtest.FreshSchema(t)
	open := func() store.Store {
		st, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	c := &clock{t: t0.Add(-30 * time.Second)}
	f := newFakeSFN()
	a := newFixture(t, open(), "a", c, f)
	b := newFixture(t, open(), "b", c, f)
	const n = 300
	for i := range n {
		fx := a
		if i%2 == 1 {
			fx = b
		}
		fx.create(t, fmt.Sprintf("s%03d", i), "cron(* * * * ? *)", nil)
	}
	for range 3 {
		c.Add(time.Minute)
		var wg sync.WaitGroup
		for _, fx := range []*fixture{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := fx.svc.RunDue(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	if got := f.started(); got != 3*n {
		t.Fatalf("%d started, want %d", got, 3*n)
	}
	for name, k := range f.attempts {
		if k != 1 {
			t.Fatalf("%s attempted %d times", name, k)
		}
	}
	if fa, fb := a.svc.Stats().Fired.Load(), b.svc.Stats().Fired.Load(); fa == 0 || fb == 0 {
		t.Logf("one node fired everything (a %d, b %d): the claims did not overlap this time", fa, fb)
	}
}
