// Command replayfn holds the Lambda functions the recordings' tests deploy, picked by the
// handler name it is started with (_HANDLER, as Lambda's runtimes read it):
//
//   - raise (LAMBDA_FUNC_RAISE_EXCEPTION): every invocation fails with an error of type
//     Exception and the message "Some exception was raised.";
//   - identity (LAMBDA_ID_FUNCTION): answers its event;
//   - hello (LAMBDA_RETURN_BYTES_STR): answers the JSON text "HelloWorld!".
//
// It is built with aws-lambda-go and run by the replay suite as `serve --function` runs a
// function: a process speaking the Lambda Runtime API.
package main

import (
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

// Exception is the error's type: Lambda reports its name as the errorType.
type Exception struct{}

func (Exception) Error() string { return "Some exception was raised." }

func main() {
	switch os.Getenv("_HANDLER") {
	case "hello":
		lambda.Start(func(json.RawMessage) (string, error) { return "HelloWorld!", nil })
	case "raise":
		lambda.Start(func(json.RawMessage) (any, error) { return nil, Exception{} })
	default:
		lambda.Start(func(event json.RawMessage) (json.RawMessage, error) { return event, nil })
	}
}
