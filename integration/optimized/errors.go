package optimized

import (
	"context"
	"errors"
	"fmt"

	"github.com/stepwise-run/stepwise/runner"
)

// failure names a failed call as Step Functions names it for an optimized integration:
// <Prefix>.<Exception> for a modelled service error, <Prefix>.<V1Client>Exception for an
// unmodelled one, both with the Java SDK v1's cause text, and <Prefix>.SdkClientException for
// a request that got no answer.
func failure(svc service, err error) error {
	if err == nil {
		return nil
	}
	var te *runner.TaskError
	if errors.As(err, &te) {
		return te
	}
	var se *ServiceError
	if errors.As(err, &se) {
		exc := se.Exception
		if exc == "" {
			exc = svc.exception
		}
		return &runner.TaskError{Name: svc.prefix + "." + exc, Cause: javaCause(svc, se)}
	}
	var ce *ConnectionError
	if errors.As(err, &ce) {
		return &runner.TaskError{Name: svc.prefix + ".SdkClientException", Cause: ce.Error()}
	}
	if errors.Is(err, context.Canceled) {
		return err // the task is no longer wanted, or the node shuts down: not a service error
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// The client gave up waiting (the runner's contexts have no deadline of their own).
		return &runner.TaskError{Name: svc.prefix + ".SdkClientException", Cause: "Unable to execute HTTP request: Read timed out"}
	}
	return &runner.TaskError{Name: svc.prefix + ".SdkClientException", Cause: err.Error()}
}

// javaCause is AmazonServiceException.getMessage() of the Java SDK v1.
func javaCause(svc service, se *ServiceError) string {
	return fmt.Sprintf("%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		se.Message, svc.client, se.Status, se.Code, se.RequestID)
}

// badParameters fails a task whose parameters Step Functions cannot use, in AWS's words.
func badParameters(params, msg string) error {
	return &runner.TaskError{Name: "States.Runtime",
		Cause: fmt.Sprintf("The Parameters '%s' could not be used to start the Task: [%s]", params, msg)}
}
