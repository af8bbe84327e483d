// Command raisefn is the Lambda function the express recordings' tests deploy
// (LAMBDA_FUNC_RAISE_EXCEPTION): every invocation fails with an error of type Exception and
// the message "Some exception was raised.". It is built with aws-lambda-go and run by the
// replay suite as `serve --function` runs a function: a process speaking the Lambda Runtime API.
package main

import "github.com/aws/aws-lambda-go/lambda"

// Exception is the error's type: Lambda reports its name as the errorType.
type Exception struct{}

func (Exception) Error() string { return "Some exception was raised." }

func main() {
	lambda.Start(func(any) (any, error) { return nil, Exception{} })
}
