package storetest

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// BenchCommit measures one step of one execution: a Commit of 2 events and a timer.
func BenchCommit(b *testing.B, s store.Store) {
	ctx := context.Background()
	e := newExecution("sm", "bench")
	e.State = `{"pc":"Wait","vars":{"order":{"id":"1234","items":[1,2,3]}},"attempts":{}}`
	if err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, 1)}); err != nil {
		b.Fatal(err)
	}
	e.Version, e.LastEventID = 1, 1
	b.ReportAllocs()
	for b.Loop() {
		next := *e
		next.LastEventID += 2
		c := store.Commit{
			Execution: &next,
			Events:    []history.Event{event(e.LastEventID+1, t0), event(e.LastEventID+2, t0)},
			NewTimers: []store.Timer{{ID: e.Version, Due: at(time.Duration(e.Version) * time.Second)}},
		}
		if err := s.Commit(ctx, c); err != nil {
			b.Fatal(err)
		}
		e.Version++
		e.LastEventID = next.LastEventID
	}
}

// BenchHistory measures reading the whole history of an execution of n events.
func BenchHistory(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	e := newExecution("sm", "long")
	const batch = 1000
	first := min(n, batch)
	if err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, first)}); err != nil {
		b.Fatal(err)
	}
	e.Version, e.LastEventID = 1, int64(first)
	for e.LastEventID < int64(n) {
		k := min(batch, n-int(e.LastEventID))
		next := *e
		if err := s.Commit(ctx, store.Commit{Execution: &next, Events: events(e.LastEventID+1, k)}); err != nil {
			b.Fatal(err)
		}
		e.Version++
		e.LastEventID += int64(k)
	}
	b.ReportAllocs()
	for b.Loop() {
		evs, err := s.History(ctx, e.Arn, 0, 0, false)
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) != n {
			b.Fatalf("got %d events, want %d", len(evs), n)
		}
	}
}

// BenchDueTimers measures the timer loop's look at the store while n executions sleep, each
// with a timer due in a day: the look finds nothing due, and must not read every sleeping
// execution to say so (it did, before the query walked timers by due time).
func BenchDueTimers(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	const workers = 32
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				e := newExecution("sm", fmt.Sprint("sleeper", i))
				err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, 2),
					NewTimers: []store.Timer{{ID: 1, Due: at(24 * time.Hour)}}, Lease: store.Lease{Parked: true}})
				if err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
	b.ReportAllocs()
	for b.Loop() {
		due, err := s.DueTimers(ctx, at(time.Hour), 1024)
		if err != nil || len(due) != 0 {
			b.Fatalf("DueTimers = %d, %v; want none", len(due), err)
		}
	}
}

// BenchStart measures what a start of the bench's chain scenario writes: CreateExecution of a
// new execution that ends in its first step, with its 22 events, from clients callers at
// once (b.N starts in all). It reports starts/s; the store's server, if it has one, spends
// CPU that the benchmark's own figures do not show.
func BenchStart(b *testing.B, s store.Store, clients int) { benchStart(b, s, clients, false, false) }

// BenchStartWithEvents is BenchStart with the two status change events such a start writes
// to the outbox (RUNNING and SUCCEEDED), as with an events destination configured: joined in
// one change (store.JoinStarted), as the runner writes them, or not, as two.
func BenchStartWithEvents(b *testing.B, s store.Store, clients int, joined bool) {
	benchStart(b, s, clients, true, joined)
}

func benchStart(b *testing.B, s store.Store, clients int, changes, joined bool) {
	ctx := context.Background()
	evs := events(1, 22)
	var next atomic.Int64
	stop, out := t0.Add(time.Second), `{"done":true}`
	b.ReportAllocs()
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e := newExecution("sm", fmt.Sprint("start", next.Add(1)))
			e.Status, e.Output, e.StoppedAt = "SUCCEEDED", &out, &stop
			c := store.Commit{Execution: e, Events: evs}
			if changes {
				c.StatusChanges = []store.StatusChange{{EventID: e.Name + "r", Status: "RUNNING"},
					{EventID: e.Name + "s", Status: "SUCCEEDED", StoppedAt: &stop}}
				if joined {
					c.StatusChanges = store.JoinStarted(c.StatusChanges)
				}
			}
			if err := s.CreateExecution(ctx, c); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "starts/s")
}

// BenchSpread measures steps of many running executions taken in turn, as a node that runs
// them takes them: executions running executions, each with a first step of 22 events, then
// Commits of 3 events each from clients callers at once, each caller the only one stepping
// its share of the executions. Unlike BenchCommit, each step's events land beside those of
// other executions' steps, not after the same execution's last ones.
func BenchSpread(b *testing.B, s store.Store, executions, clients int) {
	ctx := context.Background()
	callers := max(1, clients/runtime.GOMAXPROCS(0)) * runtime.GOMAXPROCS(0) // what RunParallel starts
	if executions < callers {
		b.Fatalf("%d executions for %d callers", executions, callers)
	}
	es := make([]*store.Execution, executions)
	for i := range es {
		e := newExecution("sm", fmt.Sprint("spread", i))
		if err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, 22)}); err != nil {
			b.Fatal(err)
		}
		e.Version, e.LastEventID = 1, 22
		es[i] = e
	}
	var caller atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(callers / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []*store.Execution
		for i := int(caller.Add(1)) - 1; i < len(es); i += callers {
			mine = append(mine, es[i])
		}
		for i := 0; pb.Next(); i++ {
			e := mine[i%len(mine)]
			next := *e
			next.LastEventID += 3
			if err := s.Commit(ctx, store.Commit{Execution: &next, Events: events(e.LastEventID+1, 3)}); err != nil {
				b.Error(err)
				return
			}
			e.Version, e.LastEventID = e.Version+1, next.LastEventID
		}
	})
}

// BenchChildren measures a Distributed Map's children as its parent's steps write them: one
// Commit that starts n children (2 events each), then one that ends them (1 event each), as
// a run's batches do. It reports the time per child of the two steps together.
func BenchChildren(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	parent := newExecution("sm", "parent")
	if err := s.CreateExecution(ctx, store.Commit{Execution: parent, Events: events(1, 1)}); err != nil {
		b.Fatal(err)
	}
	parent.Version, parent.LastEventID = 1, 1
	runArn := mapRunArn("sm", "L", "1")
	started, ended := make([]store.ChildStep, n), make([]store.ChildStep, n)
	startEvs, endEvs := events(1, 2), events(3, 1)
	out, stop := `{"done":true}`, t0.Add(time.Second)
	step := func(children []store.ChildStep) {
		next := *parent
		next.LastEventID++
		if err := s.Commit(ctx, store.Commit{Execution: &next, Events: events(next.LastEventID, 1), Children: children}); err != nil {
			b.Fatal(err)
		}
		parent.Version, parent.LastEventID = parent.Version+1, next.LastEventID
	}
	b.ReportAllocs()
	round := 0
	for b.Loop() {
		round++
		for i := range started {
			name := fmt.Sprintf("c%d-%d", round, i)
			e := store.Execution{Arn: account + ":execution:sm/L:" + name, StateMachineArn: smArn("sm") + "/L", Name: name,
				Status: running, Input: `{"item":1}`, StartedAt: t0, LastEventID: 2, MapRunArn: runArn}
			started[i] = store.ChildStep{Execution: e, Events: startEvs}
			e.Input, e.Status, e.Output, e.StoppedAt, e.LastEventID = "", "SUCCEEDED", &out, &stop, 3
			ended[i] = store.ChildStep{Execution: e, Events: endEvs}
		}
		step(started)
		step(ended)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/child")
}

// BenchHeadOutbox measures reading the head of an outbox of status changes kept by reference
// (RUNNING and SUCCEEDED of n/2 executions, each read with its execution's row), 100 at a
// time, as the Deliverer reads them.
func BenchHeadOutbox(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	for i := range n / 2 {
		e := newExecution("sm", fmt.Sprintf("e%d", i))
		if err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: events(1, 1),
			StatusChanges: []store.StatusChange{{EventID: fmt.Sprintf("r%d", i), Status: running}}}); err != nil {
			b.Fatal(err)
		}
		done := *e
		done.Version, done.LastEventID, done.Status, done.State = 1, 2, "SUCCEEDED", ""
		out, stop := `{"i":1}`, t0.Add(time.Second)
		done.Output, done.StoppedAt = &out, &stop
		if err := s.Commit(ctx, store.Commit{Execution: &done, Events: events(2, 1),
			StatusChanges: []store.StatusChange{{EventID: fmt.Sprintf("s%d", i), Status: "SUCCEEDED", StoppedAt: &stop}}}); err != nil {
			b.Fatal(err)
		}
	}
	o, ok := s.(store.Outbox)
	if !ok {
		b.Fatalf("%T keeps no outbox (store.Outbox)", s)
	}
	b.ReportAllocs()
	for b.Loop() {
		evs, err := o.HeadOutbox(ctx, 100)
		if err != nil || len(evs) != min(n, 100) || evs[0].Execution == nil {
			b.Fatalf("%d events, %v", len(evs), err)
		}
	}
}
