package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestTraceHeaderGivenBack: the traceHeader a start is given comes back as AWS documents it,
// in DescribeExecution of a Standard execution and in StartSyncExecution's answer; without
// one, the member is left out.
func TestTraceHeaderGivenBack(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	const def = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	standard, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("standard"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	express, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("express"), Definition: aws.String(def), RoleArn: aws.String(role),
		Type: types.StateMachineTypeExpress})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		header *string
	}{
		{"X-Ray header", aws.String("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")},
		{"any ASCII", aws.String("not a trace header, but ASCII")},
		{"absent", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: standard.StateMachineArn, TraceHeader: tc.header})
			if err != nil {
				t.Fatal(err)
			}
			if got := waitDone(t, c, start.ExecutionArn).TraceHeader; aws.ToString(got) != aws.ToString(tc.header) || (got == nil) != (tc.header == nil) {
				t.Errorf("DescribeExecution: traceHeader %v, want %v", show(got), show(tc.header))
			}
			sync, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: express.StateMachineArn, TraceHeader: tc.header})
			if err != nil {
				t.Fatal(err)
			}
			if got := sync.TraceHeader; aws.ToString(got) != aws.ToString(tc.header) || (got == nil) != (tc.header == nil) {
				t.Errorf("StartSyncExecution: traceHeader %v, want %v", show(got), show(tc.header))
			}
		})
	}
}

func show(s *string) string {
	if s == nil {
		return "absent"
	}
	return "'" + *s + "'"
}
