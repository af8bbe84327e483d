package approval_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise-run/stepwise/stepwisetest"
)

// request is what the notify-approver function gets: in production it would mail the token
// to the approver; here it hands it to the test, which answers as the approver would.
type request struct {
	TaskToken string `json:"taskToken"`
	Order     string `json:"order"`
	Execution string `json:"execution"`
}

// TestApproval runs the approval twice: approved (SendTaskSuccess) the order ships, rejected
// (SendTaskFailure) it does not; both executions succeed. On the virtual clock the week-long
// timeout does not pass while the token waits for its answer: the clock skips only when no
// one outside is expected to answer.
func TestApproval(t *testing.T) {
	requests := make(chan request, 2)
	sw := stepwisetest.New(t, stepwisetest.TimeSkipping(),
		stepwisetest.Function("notify-approver", func(ctx context.Context, event json.RawMessage) (any, error) {
			var r request
			if err := json.Unmarshal(event, &r); err != nil {
				return nil, err
			}
			requests <- r
			return map[string]string{"sent": "approver@example.com"}, nil
		}))
	c := sfn.NewFromConfig(sw.AWSConfig())
	ctx := context.Background()
	def, err := os.ReadFile("approval.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("approval"), Definition: aws.String(string(def)),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/approval")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		order   string
		answer  func(token string) error
		want    string
		details string
	}{
		{"o-1", func(token string) error {
			_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"approver":"grace"}`)})
			return err
		}, "SHIPPED", `"approvedBy":"grace"`},
		{"o-2", func(token string) error {
			_, err := c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String("Rejected"), Cause: aws.String("over budget")})
			return err
		}, "REJECTED", `"reason":"over budget"`},
	} {
		t.Run(tc.order, func(t *testing.T) {
			run, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(tc.order),
				Input: aws.String(`{"order":"` + tc.order + `"}`)})
			if err != nil {
				t.Fatal(err)
			}
			var r request
			select {
			case r = <-requests:
			case <-time.After(30 * time.Second):
				t.Fatal("the approver was not notified")
			}
			if r.Order != tc.order || r.Execution != aws.ToString(run.ExecutionArn) || r.TaskToken == "" {
				t.Fatalf("notified %+v", r)
			}
			// The execution waits, RUNNING, for the answer: the week-long timeout does not pass.
			time.Sleep(200 * time.Millisecond)
			if d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: run.ExecutionArn}); err != nil || d.Status != "RUNNING" {
				t.Fatalf("before the answer: %v %v", d, err)
			}
			if err := tc.answer(r.TaskToken); err != nil {
				t.Fatal(err)
			}
			out := sw.Wait(t, aws.ToString(run.ExecutionArn))
			var res struct{ Status string }
			if out.Status != "SUCCEEDED" || json.Unmarshal([]byte(aws.ToString(out.Output)), &res) != nil || res.Status != tc.want {
				t.Fatalf("%s %s %s", out.Status, aws.ToString(out.Output), aws.ToString(out.Cause))
			}
			if !strings.Contains(aws.ToString(out.Output), tc.details) {
				t.Errorf("output %s lacks %s", aws.ToString(out.Output), tc.details)
			}
			// A token answers once.
			if err := tc.answer(r.TaskToken); err == nil {
				t.Error("a second answer with the same token was accepted")
			}
		})
	}
}
