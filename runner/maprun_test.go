package runner_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// A Distributed Map run outlives the node that started it: an UpdateMapRun it took is in
// force on the node that takes over, and every child's history is whole.
func TestMapRunSurvivesTakeOver(t *testing.T) {
	st := openStore(t)
	sm := createMachine(t, st, `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"L","MaxConcurrency":1,"End":true,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{
			"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","End":true}}}}}}`)
	ctx := context.Background()
	dead := newNode(st, "dead") // never Run: its leases lapse
	ex, err := dead.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: `[1,2,3]`})
	if err != nil {
		t.Fatal(err)
	}
	// Its first states run after Start returns: the run comes soon after.
	var runs []*store.MapRun
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		runs, _, err = st.ListMapRuns(ctx, ex.Arn, store.Page{})
		if err != nil || len(runs) == 1 || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || len(runs) != 1 {
		t.Fatalf("ListMapRuns: %v %v", runs, err)
	}
	if err := dead.UpdateMapRun(ctx, ex.Arn, engine.MapRunUpdate{MapRunArn: runs[0].Arn, MaxConcurrency: new(int64)}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b := newNode(st, "b")
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go b.Run(bctx)
	waitDone(t, st, []string{ex.Arn}, 10*time.Second)
	// One at a time, the three 1-second Waits would take 3 seconds at least.
	if d := time.Since(start); d >= 3*time.Second {
		t.Errorf("took %s: the iterations did not run together", d)
	}

	run, err := st.GetMapRun(ctx, runs[0].Arn)
	if err != nil {
		t.Fatal(err)
	}
	var rec engine.MapRunRecord
	if err := json.Unmarshal([]byte(run.Record), &rec); err != nil {
		t.Fatal(err)
	}
	if run.Status != "SUCCEEDED" || rec.MaxConcurrency != 0 || rec.Counts.Succeeded != 3 || run.StoppedAt == nil {
		t.Fatalf("map run %s %+v", run.Status, rec)
	}
	children, _, err := st.ListExecutions(ctx, store.ExecutionFilter{MapRunArn: run.Arn}, store.Page{})
	if err != nil || len(children) != 3 {
		t.Fatalf("children: %v %v", children, err)
	}
	for _, c := range children {
		if c.Status != "SUCCEEDED" || c.StoppedAt == nil {
			t.Fatalf("child %+v", c)
		}
		checkHistory(t, st, c.Arn, []string{"ExecutionStarted", "WaitStateEntered", "WaitStateExited",
			"PassStateEntered", "PassStateExited", "ExecutionSucceeded"})
	}
}
