// Command testfn is a Lambda function built with aws-lambda-go, for the lambda package's
// tests: its event's "action" picks what it does.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action  string `json:"action"`
	Message string `json:"message"`
	SleepMs int    `json:"sleepMs"`
	Value   any    `json:"value"`
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
	}
	return map[string]any{
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
	}, nil
}

func main() {
	lambda.Start(handle)
}
