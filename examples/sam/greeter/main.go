// Command greeter is the example's Lambda function: the same binary runs on AWS Lambda
// (provided.al2023, handler bootstrap) and under `stepwise serve --function`.
package main

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

type request struct {
	Name string `json:"name"`
}

type greeting struct {
	Greeting string `json:"greeting"`
	Length   int    `json:"length"`
}

func greet(_ context.Context, r request) (greeting, error) {
	name := strings.TrimSpace(r.Name)
	if name == "" {
		return greeting{}, errors.New("no name to greet")
	}
	return greeting{Greeting: "Hello, " + name, Length: len(name)}, nil
}

func main() { lambda.Start(greet) }
