package optimized

import (
	"context"
	"fmt"
	"net/http"
)

// Caller makes one AWS API call. It is the seam to the model-driven client
// (integration/awssdk.Client): an adapter of a few lines maps Request to awssdk.Call,
// awssdk.Result to Response, and the client's errors to *ServiceError and *ConnectionError.
type Caller interface {
	Call(ctx context.Context, req Request) (*Response, error)
}

// ParameterChecker is a Caller that can tell, without calling, that an API has no place for
// a request's parameters: CheckParams returns a *ParameterError then, else nil.
type ParameterChecker interface {
	CheckParams(req Request) error
}

// CallerFunc adapts a function to Caller.
type CallerFunc func(ctx context.Context, req Request) (*Response, error)

// Call implements Caller.
func (f CallerFunc) Call(ctx context.Context, req Request) (*Response, error) { return f(ctx, req) }

// Request is one API call.
type Request struct {
	// Service is the service as the aws-sdk integration names it ("dynamodb", "sqs",
	// "bedrockruntime"), Action the API in lower camel case ("putItem").
	Service, Action string
	// Params are the request's members in PascalCase, as a task writes them.
	Params map[string]any
	// Region and RoleArn are the task's (empty: the client's defaults).
	Region, RoleArn string
}

// Response is a call's answer.
type Response struct {
	// Output is the result in PascalCase, as an aws-sdk task renders it: map[string]any
	// with json.Number numbers (nil for an empty result).
	Output any
	// Status is the HTTP status code.
	Status int
	// Header is the response's headers. Keys in Go's canonical form are written as AWS
	// spells them on the wire (see wireName); other keys are kept as given.
	Header http.Header
	// RequestID is the request id the service returned.
	RequestID string
}

// ServiceError is an error answer from the service.
type ServiceError struct {
	// Code is the error code on the wire ("ResourceNotFoundException", "NotFound").
	Code    string
	Message string
	Status  int
	// RequestID is the service's request id.
	RequestID string
	// Exception is the modelled error shape the code maps to ("NotFoundException" for SNS's
	// "NotFound"), or "" when the service's model does not declare it. It names the error:
	// a modelled one is <Prefix>.<Exception>, others <Prefix>.<V1Client>Exception.
	Exception string
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("%s: %s (status %d)", e.Code, e.Message, e.Status)
}

// ConnectionError is a request that got no answer: the host is unknown, the connection was
// refused or reset, or no answer came in time.
type ConnectionError struct {
	// Host is the endpoint's host name.
	Host string
	// Reason says why, as the Java SDK's cause ends: "Name or service not known",
	// "Connection refused", "Read timed out".
	Reason string
	Err    error
}

func (e *ConnectionError) Error() string {
	return "Unable to execute HTTP request: " + e.Host + ": " + e.Reason
}

func (e *ConnectionError) Unwrap() error { return e.Err }

// ParameterError is a request whose parameters the API has no place for (an unknown member,
// a value of the wrong type), found before any call. Step Functions fails such a task with
// States.Runtime, naming the parameters, as it does for aws-sdk tasks.
type ParameterError struct {
	// Message says what does not fit, in AWS's words: The field "X" is not supported by Step
	// Functions.
	Message string
}

func (e *ParameterError) Error() string { return e.Message }
