// Command testfn is a Lambda function built with aws-lambda-go, for the lambda package's
// tests: its event's "action" picks what it does.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

type event struct {
	Action  string `json:"action"`
	Message string `json:"message"`
	SleepMs int    `json:"sleepMs"`
	Value   any    `json:"value"`
	// Token is a .waitForTaskToken task's token, which approve and reject answer.
	Token string `json:"token"`
	// File and Failures are flaky's: it appends its request id to File, a line an
	// invocation, and fails while File has Failures lines or fewer.
	File     string `json:"file"`
	Failures int    `json:"failures"`
}

// CustomError is an error type of the user's own: Lambda reports its name as errorType.
type CustomError struct{ Reason string }

func (e *CustomError) Error() string { return e.Reason }

var started = time.Now()

func handle(ctx context.Context, ev event) (any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	switch ev.Action {
	case "error":
		return nil, errors.New(ev.Message)
	case "custom":
		return nil, &CustomError{Reason: ev.Message}
	case "panic":
		panic(ev.Message)
	case "exit":
		os.Exit(3)
	case "sleep":
		time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
	case "string":
		return ev.Message, nil
	case "flaky":
		f, err := os.OpenFile(ev.File, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		_, err = f.WriteString(lc.AwsRequestID + "\n")
		f.Close()
		data, _ := os.ReadFile(ev.File)
		if err != nil || bytes.Count(data, []byte("\n")) <= ev.Failures {
			return nil, fmt.Errorf("flaky: attempt %d fails", bytes.Count(data, []byte("\n")))
		}
		return "ok", nil
	case "approve", "reject":
		// Answers the token with the AWS SDK, at the Step Functions endpoint the environment
		// names (AWS_ENDPOINT_URL_SFN), before it returns.
		return map[string]string{"answered": ev.Action}, answer(ctx, ev)
	}
	out := map[string]any{
		"value":       ev.Value,
		"pid":         os.Getpid(),
		"requestId":   lc.AwsRequestID,
		"functionArn": lc.InvokedFunctionArn,
		"function":    lambdacontext.FunctionName,
		"memory":      lambdacontext.MemoryLimitInMB,
		"region":      os.Getenv("AWS_REGION"),
		"handler":     os.Getenv("_HANDLER"),
		"deadlineIn":  time.Until(deadline).Milliseconds(),
		"startedAt":   started.UnixNano(),
	}
	if cc := lc.ClientContext; cc.Custom != nil || cc.Env != nil || cc.Client.AppTitle != "" {
		out["clientContext"] = cc // the invocation's ClientContext, when it has one
	}
	return out, nil
}

func answer(ctx context.Context, ev event) error {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	c := sfn.NewFromConfig(cfg)
	if ev.Action == "reject" {
		_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: &ev.Token, Error: aws.String("Rejected"), Cause: aws.String(ev.Message)})
		return err
	}
	out, _ := json.Marshal(map[string]any{"approvedBy": "testfn", "value": ev.Value})
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &ev.Token, Output: aws.String(string(out))})
	return err
}

func main() {
	lambda.Start(handle)
}
