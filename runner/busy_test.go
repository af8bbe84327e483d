package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/internal/racetest"
	"github.com/stepwise-run/stepwise/runner"
)

// busyLoop never waits, and each of its states computes for a while (within the budgets).
const busyLoop = `{"QueryLanguage":"JSONata","StartAt":"Work","States":{
	"Work":{"Type":"Pass","Output":{"n":"{% $count([1..2000].($sum([1..2000]))) %}"},"Next":"Again"},
	"Again":{"Type":"Choice","Choices":[{"Condition":"{% false %}","Next":"Done"}],"Default":"Work"},
	"Done":{"Type":"Succeed"}}}`

// TestNoCallWaitsOnEvaluation starts an execution that computes for ever: Start and reads
// answer at once, Stop as soon as the evaluation under way ends, and the stopped execution
// stays stopped when another node takes over the store (issue #15).
func TestNoCallWaitsOnEvaluation(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	n1 := newNode(st, "n1")
	ctx1, stop1 := context.WithCancel(ctx)
	done1 := make(chan struct{})
	go func() { n1.Run(ctx1); close(done1) }()
	sm := createMachine(t, st, busyLoop)

	start := time.Now()
	ex, err := n1.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "busy", Input: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > racetest.Scale(300*time.Millisecond) {
		t.Errorf("Start took %v", took)
	}
	// A few yields in: on a loaded machine the first ones may take longer than the 1.5 s
	// they take alone, so wait for them (each read must still be quick).
	time.Sleep(1500 * time.Millisecond)
	deadline := time.Now().Add(racetest.Scale(10 * time.Second))
	for {
		start = time.Now()
		row, err := st.GetExecution(ctx, ex.Arn)
		if took := time.Since(start); took > racetest.Scale(300*time.Millisecond) {
			t.Errorf("GetExecution took %v", took)
		}
		if err == nil && row.Status == "RUNNING" && row.LastEventID >= 3 {
			break
		}
		if err != nil || row.Status != "RUNNING" || time.Now().After(deadline) {
			t.Fatalf("running: %+v %v", row, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	start = time.Now()
	if err := n1.Stop(ctx, ex.Arn, "", "", false, false); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("Stop answered after %v", took)
	if took > racetest.Scale(2*time.Second) {
		t.Errorf("Stop took %v", took)
	}
	row, err := st.GetExecution(ctx, ex.Arn)
	if err != nil || row.Status != "ABORTED" {
		t.Fatalf("after Stop: %+v %v", row, err)
	}
	last := row.LastEventID

	// A restart: the node stops, another takes the store over; nothing runs it again.
	stop1()
	<-done1
	n2 := newNode(st, "n2")
	ctx2, stop2 := context.WithCancel(ctx)
	defer stop2()
	go n2.Run(ctx2)
	time.Sleep(1500 * time.Millisecond)
	row, err = st.GetExecution(ctx, ex.Arn)
	if err != nil || row.Status != "ABORTED" || row.LastEventID != last {
		t.Fatalf("after a restart: %s, last event %d (was %d), %v", row.Status, row.LastEventID, last, err)
	}
	if timers, err := st.DueTimers(ctx, time.Now().Add(time.Hour), 10); err != nil || len(timers) != 0 {
		t.Errorf("timers left: %v %v", timers, err)
	}
}
