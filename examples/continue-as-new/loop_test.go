package continueasnew_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise-run/stepwise/stepwisetest"
)

// historyLen counts an execution's events through GetExecutionHistory's pages.
func historyLen(t *testing.T, c *sfn.Client, arn string) int {
	t.Helper()
	n := 0
	p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Events)
	}
	return n
}

// TestContinueAsNew counts to 6,600 in executions of at most 3,300 steps: each stays under
// the 25,000-event quota, and together they record more than 25,000 events. Each execution
// names the one before as AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID; the hour-long pause
// between them passes at once on the virtual clock. The same count in one execution fails
// at the quota.
func TestContinueAsNew(t *testing.T) {
	def, err := os.ReadFile("loop.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	sw := stepwisetest.New(t, stepwisetest.TimeSkipping())
	c := sfn.NewFromConfig(sw.AWSConfig())
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("loop"), Definition: aws.String(string(def)),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/loop")})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	run, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("count"),
		Input: aws.String(`{"total":6600,"perRun":3300,"done":0,"run":0}`)})
	if err != nil {
		t.Fatal(err)
	}
	arn, parent, total := aws.ToString(run.ExecutionArn), "", 0
	var runs int
	for {
		out := sw.Wait(t, arn)
		if out.Status != "SUCCEEDED" {
			t.Fatalf("%s: %s %s %s", arn, out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
		}
		runs++
		var in map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(out.Input)), &in); err != nil {
			t.Fatal(err)
		}
		if got, _ := in["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"].(string); got != parent {
			t.Errorf("%s was started by %q, want %q", arn, got, parent)
		}
		n := historyLen(t, c, arn)
		if n >= 25000 {
			t.Errorf("%s has %d events: past the quota", arn, n)
		}
		total += n
		var res struct {
			ContinuedAs string  `json:"continuedAs"`
			Done        float64 `json:"done"`
			Run         float64 `json:"run"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &res); err != nil {
			t.Fatal(err)
		}
		if res.ContinuedAs == "" {
			if res.Done != 6600 || int(res.Run) != runs {
				t.Errorf("the last execution's output %s after %d runs", aws.ToString(out.Output), runs)
			}
			break
		}
		parent, arn = arn, res.ContinuedAs
	}
	if runs != 2 || total <= 25000 {
		t.Errorf("%d executions, %d events in all: want 2, more than 25,000", runs, total)
	}
	t.Logf("%d executions, %d events, in %s", runs, total, time.Since(began).Round(time.Millisecond))

	// Without continue-as-new, the one execution reaches the quota (not under the race
	// detector, which makes its 25,000 events ten times slower).
	if raceEnabled {
		return
	}
	one, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("at-once"),
		Input: aws.String(`{"total":6600,"perRun":6600,"done":0,"run":0}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out := sw.Wait(t, aws.ToString(one.ExecutionArn)); out.Status != "FAILED" {
		t.Errorf("one execution of 6,600 steps: %s, want FAILED at the quota", out.Status)
	} else {
		t.Logf("one execution: %s %s", aws.ToString(out.Error), aws.ToString(out.Cause))
	}
}
