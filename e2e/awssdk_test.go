package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise-run/stepwise/internal/awstest"
)

// TestServeDynamoDB runs `stepwise serve` with nothing but AWS_ENDPOINT_URL_DYNAMODB pointing
// at dynalite (and test credentials): a state machine creates a table, puts an item and gets
// it back through aws-sdk:dynamodb tasks.
func TestServeDynamoDB(t *testing.T) {
	url := awstest.Dynalite(t)
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": url})
	s := serve(t, "--store", "sqlite:"+filepath.Join(t.TempDir(), "db"))
	c := client(s.url)
	ctx := context.Background()
	def := `{"StartAt":"Create","States":{
		"Create":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:createTable","Parameters":{
			"TableName":"orders","BillingMode":"PAY_PER_REQUEST",
			"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]},
			"ResultPath":null,"Next":"Settle"},
		"Settle":{"Type":"Wait","Seconds":1,"Next":"Put"},
		"Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem","Parameters":{
			"TableName":"orders","Item":{"id":{"S.$":"$.id"},"total":{"N":"42"}}},"ResultPath":null,"Next":"Get"},
		"Get":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:getItem","Parameters":{
			"TableName":"orders","Key":{"id":{"S.$":"$.id"}}},"OutputPath":"$.Item","End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("ddb"), RoleArn: aws.String(role), Definition: aws.String(def)})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"id":"o-1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		switch d.Status {
		case types.ExecutionStatusRunning:
			time.Sleep(100 * time.Millisecond)
			continue
		case types.ExecutionStatusSucceeded:
			if got, want := aws.ToString(d.Output), `{"id":{"S":"o-1"},"total":{"N":"42"}}`; got != want {
				t.Errorf("output %s, want %s", got, want)
			}
			return
		default:
			t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
	}
	t.Fatal("the execution did not end within 30s")
}
