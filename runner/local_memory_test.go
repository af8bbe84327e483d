package runner_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// TestLocalNoHistoryHoldsNoHistory runs a long Express loop and samples the heap as it
// runs: without the history, it stays flat; with it, it grows with every iteration (issue
// #15: a 1,000,000-iteration Express loop took the server to 1.6 GB). The heap is the
// whole process's: alone, the run without the history grows it by about 2 MiB (21 to 26 MiB
// with it); under make test, after the package's other tests, by 5.2 MiB (19 MiB with it);
// with other processes busy on the machine, once by 9 MiB (29 MiB with it), whatever the
// other tests' goroutines still allocate meanwhile. So the bound is relative: half of the
// growth with the history, which a run that kept its history would reach.
func TestLocalNoHistoryHoldsNoHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 30,000 iterations twice")
	}
	def := `{"StartAt":"Inc","States":{
		"Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"Check"},
		"Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericGreaterThanEquals":30000,"Next":"Done"}],"Default":"Inc"},
		"Done":{"Type":"Succeed"}}}`
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{Type: "EXPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	in := engine.New(sm, engine.Config{Region: "us-east-1", Express: true})
	peak := func(noHistory bool) (uint64, int) {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var max atomic.Uint64
		done := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var ms runtime.MemStats
			for {
				select {
				case <-done:
					return
				case <-time.After(20 * time.Millisecond):
				}
				runtime.GC()
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > base.HeapAlloc && ms.HeapAlloc-base.HeapAlloc > max.Load() {
					max.Store(ms.HeapAlloc - base.HeapAlloc)
				}
			}
		}()
		ex, events, err := runner.Local(context.Background(), in, engine.Start{ExecutionArn: "arn:aws:states:us-east-1:123456789012:express:sm:e:1",
			Name: "e", StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
			Input: `{"i":0}`}, runner.LocalOptions{NoHistory: noHistory})
		close(done)
		<-sampled
		if err != nil || ex.Status != engine.Succeeded {
			t.Fatalf("%v %s", err, ex.Status)
		}
		return max.Load(), len(events)
	}
	with, n := peak(false)
	without, m := peak(true)
	t.Logf("peak heap growth: %d KiB with the history (%d events), %d KiB without (%d events)", with>>10, n, without>>10, m)
	if m != 0 || n < 120000 {
		t.Fatalf("%d events without, %d with", m, n)
	}
	if without*2 > with {
		t.Errorf("without the history the heap grew by %d KiB (with: %d KiB)", without>>10, with>>10)
	}
}
