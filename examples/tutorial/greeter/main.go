// Command greeter is the tutorial's Lambda function: a Go program built with aws-lambda-go,
// as it would be deployed to AWS Lambda (GOOS=linux, the provided.al2023 runtime). Stepwise
// runs it through the Lambda Runtime API, as Lambda does.
package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Event is what the child state machine sends.
type Event struct {
	Name string `json:"name"`
}

// Greeting is what the function returns.
type Greeting struct {
	Greeting  string `json:"greeting"`
	RequestID string `json:"requestId"`
}

func handle(ctx context.Context, ev Event) (Greeting, error) {
	if strings.TrimSpace(ev.Name) == "" {
		return Greeting{}, fmt.Errorf("no name to greet")
	}
	lc, _ := lambdacontext.FromContext(ctx)
	return Greeting{Greeting: "Hello, " + ev.Name + "!", RequestID: lc.AwsRequestID}, nil
}

func main() { lambda.Start(handle) }
