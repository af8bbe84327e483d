package runner_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// TestEndedExecutionsHoldNoLease runs executions that end in a later step than their first
// (after a task, after a Wait, and stopped) and checks none keeps a lease (issue #15: those
// of machines with Task states were renewed for ever).
func TestEndedExecutionsHoldNoLease(t *testing.T) {
	st := openStore(t)
	n := newNode(st, "n1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Run(ctx)
	sm := createMachine(t, st, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Next":"W"},
		"W":{"Type":"Wait","Seconds":0,"End":true}}}`)
	var arns []string
	for i := range 20 {
		ex, err := n.Start(ctx, runner.StartRequest{StateMachine: sm, Name: fmt.Sprint("e", i), Input: "{}"})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, ex.Arn)
	}
	waitDone(t, st, arns, 20*time.Second)
	lo := st.(*sqlite.Store)
	for _, arn := range arns {
		// The node releases nothing on its own: the ended execution must hold no lease as
		// soon as it is seen ended.
		if owner, err := lo.LeaseOwner(ctx, arn); err != nil || owner != "" {
			t.Errorf("%s: lease_owner %q, %v; want none", arn, owner, err)
		}
	}
}
