package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestExpressBilledDuration: a synchronous Express execution that lasts a second is billed a
// second (its duration rounded up to 100 ms), not the minimum.
func TestExpressBilledDuration(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("slow"), RoleArn: aws.String(role), Type: types.StateMachineTypeExpress,
		Definition: aws.String(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if b := out.BillingDetails.BilledDurationInMilliseconds; b < 1000 || b > 3000 || b%100 != 0 {
		t.Errorf("billed %d ms for a 1-second execution", b)
	}
}
