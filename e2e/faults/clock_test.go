package faults

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestClockSteps steps the node's clock an hour forward, then two hours back, under load,
// while executions sleep in 3-second Wait states. The machine's clock cannot be changed in
// a container, so the step is of the clock the node reads: serve adds the offset in the file
// STEPWISE_TEST_CLOCK_OFFSET_FILE names to the system clock (a test-only setting). No timer
// may fire early after the step forward, none late after the step back.
func TestClockSteps(t *testing.T) {
	offset := filepath.Join(t.TempDir(), "offset")
	step := func(d string) {
		if err := os.WriteFile(offset, []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	step("0s")
	n := serve(t, []string{"STEPWISE_TEST_CLOCK_OFFSET_FILE=" + offset}, "--store", "sqlite:"+filepath.Join(t.TempDir(), "db"), "--lease-ttl", "2s")
	c := client(n.url)
	sm := createMachine(t, c, "nap", strings.Replace(napDef, `"Seconds":1`, `"Seconds":3`, 1))
	l := startLoad(sm, 4, pick(10*time.Millisecond, 2*time.Millisecond), n.url)
	l.waitAcked(t, pick(300, 3000))
	time.Sleep(2 * time.Second)

	forward := time.Now()
	step("1h")
	time.Sleep(500 * time.Millisecond)
	// Executions acknowledged in the second before the step have 2 s of their Wait left.
	var young []string
	l.mu.Lock()
	for name, at := range l.acked {
		if at.After(forward.Add(-time.Second)) && at.Before(forward) {
			young = append(young, name)
		}
	}
	l.mu.Unlock()
	early := 0
	for _, name := range young {
		d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(strings.Replace(sm, ":stateMachine:", ":execution:", 1) + ":" + name)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != types.ExecutionStatusRunning {
			early++
		}
	}
	if len(young) == 0 || early > 0 {
		t.Errorf("after the clock stepped an hour forward, %d of the %d executions with 2 s of Wait left had ended", early, len(young))
	}

	time.Sleep(time.Second)
	step("-1h")
	mark := time.Now()
	took := l.recovery(t, func() *sfn.Client { return c }, mark, 20*time.Second)
	l.waitAcked(t, pick(200, 2000))
	lost, bad := verify(t, l, c, []string{"ExecutionStarted", "WaitStateEntered", "WaitStateExited", "PassStateEntered", "PassStateExited",
		"SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"})
	acked, refused := l.counts()
	report(t, row{Fault: "the node's clock stepped 1h forward, then 2h back (Wait 3s)", Acked: acked, Refused: refused, Lost: lost, BadEvents: bad,
		Recovery: took, OnItsOwn: "yes: no timer fired early or late"})
}
