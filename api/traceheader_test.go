package api_test

import (
	"context"
	"strings"
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

// TestTraceHeaderFromLambda: inside a Lambda function (AWS_LAMBDA_FUNCTION_NAME and
// _X_AMZN_TRACE_ID set, as Stepwise's runtime sets them), the AWS SDK sends the function's
// trace header as X-Amzn-Trace-Id by itself; the execution keeps that header, preferred to
// the body's traceHeader, and ignores one that traceHeader's constraints refuse.
func TestTraceHeaderFromLambda(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	const def = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	express, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("x"), Definition: aws.String(def), RoleArn: aws.String(role),
		Type: types.StateMachineTypeExpress})
	if err != nil {
		t.Fatal(err)
	}
	const fromEnv = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	body := aws.String("Root=1-11111111-222222222222222222222222;Sampled=1")
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "caller")
	for _, tc := range []struct{ env, want string }{
		{fromEnv, fromEnv},
		{"Root=" + strings.Repeat("1", 260), *body}, // too long for traceHeader: the body's
	} {
		t.Setenv("_X_AMZN_TRACE_ID", tc.env)
		start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, TraceHeader: body})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(waitDone(t, c, start.ExecutionArn).TraceHeader); got != tc.want {
			t.Errorf("DescribeExecution: traceHeader %q, want %q", got, tc.want)
		}
		sync, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: express.StateMachineArn, TraceHeader: body})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(sync.TraceHeader); got != tc.want {
			t.Errorf("StartSyncExecution: traceHeader %q, want %q", got, tc.want)
		}
	}
}

func show(s *string) string {
	if s == nil {
		return "absent"
	}
	return "'" + *s + "'"
}
