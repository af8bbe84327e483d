package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestBackupAndRestore backs a SQLite store up while serve runs executions that wait, kills
// the server, restores the backup into a new file and serves from it: every execution that
// was running when the backup was taken goes on and succeeds.
func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	live, backup, restored := filepath.Join(dir, "live.db"), filepath.Join(dir, "backup.db"), filepath.Join(dir, "restored.db")
	s := serve(t, "--store", "sqlite:"+live, "--lease-ttl", "1s")
	arns := startWaiting(t, client(s.url), 20)
	if out, err := exec.Command(stepwise(t), "backup", "--store", "sqlite:"+live, backup).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	s.kill9(t)
	if out, err := exec.Command(stepwise(t), "restore", "--store", "sqlite:"+restored, backup).CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if out, err := exec.Command(stepwise(t), "restore", "--store", "sqlite:"+restored, backup).CombinedOutput(); err == nil {
		t.Errorf("a second restore over the store without --force succeeded: %s", out)
	}
	allSucceed(t, client(serve(t, "--store", "sqlite:"+restored, "--lease-ttl", "1s").url), arns)
}

// startWaiting starts n executions of a machine that waits 3 seconds and then succeeds with
// "done", and returns their ARNs.
func startWaiting(t *testing.T, c *sfn.Client, n int) []string {
	t.Helper()
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("waits"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"Next":"P"},"P":{"Type":"Pass","Result":"done","End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for i := range n {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(fmt.Sprintf("e%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.ExecutionArn))
	}
	return arns
}

// allSucceed waits for each execution to succeed with "done" (startWaiting's).
func allSucceed(t *testing.T, c *sfn.Client, arns []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, arn := range arns {
		for {
			d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			if err != nil {
				t.Fatalf("%s after restore: %v", arn, err)
			}
			if d.Status == types.ExecutionStatusSucceeded && aws.ToString(d.Output) == `"done"` {
				break
			}
			if d.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
				t.Fatalf("%s after restore: %s %s", arn, d.Status, aws.ToString(d.Output))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
