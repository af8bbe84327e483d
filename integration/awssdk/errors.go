package awssdk

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
	"github.com/stepwise-run/stepwise/runner"
)

// ServiceError is an error a service answered with.
type ServiceError struct {
	Client            string // the Java SDK's client name: DynamoDb, S3, SecretsManager
	Code              string // the service's error code: ResourceNotFoundException, NoSuchKey
	Message           string
	Status            int
	RequestID         string
	ExtendedRequestID string // S3's x-amz-id-2
	// Modeled is true when the model declares the error (an error shape of the service);
	// Exception then names the shape.
	Modeled   bool
	Exception string // the Java SDK's exception class: NoSuchKeyException, DynamoDbException
}

func (e *ServiceError) Error() string {
	return fmt.Sprintf("%s: %s: %s (status %d, request ID %s)", e.Client, e.Code, e.Message, e.Status, e.RequestID)
}

// TaskError is the error an aws-sdk task fails with, as Step Functions names it:
// <Client>.<Exception>, and the Java SDK's message as its cause.
func (e *ServiceError) TaskError() *runner.TaskError {
	cause := fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s", e.Message, e.Client, e.Status, e.RequestID)
	if e.Client == "S3" {
		cause += ", Extended Request ID: " + e.ExtendedRequestID
	}
	return &runner.TaskError{Name: e.Client + "." + e.Exception, Cause: cause + ")"}
}

// newServiceError names an error answer as the Java SDK v2 does: the class generated for the
// model's error shape whose name or error code is the code (with an Exception suffix), else
// the client's base exception (a DynamoDB ValidationException, which DynamoDB's model does
// not declare, is a DynamoDbException).
func newServiceError(svc *model.Service, code, msg string, status int, reqID, extID string) *ServiceError {
	e := &ServiceError{Client: svc.ClientName, Code: code, Message: msg, Status: status, RequestID: reqID, ExtendedRequestID: extID}
	if shape := errorShape(svc, code); shape != "" {
		e.Modeled, e.Exception = true, exceptionName(shape)
	} else {
		e.Exception = svc.ClientName + "Exception"
	}
	if e.Message == "" {
		e.Message = e.Code
		if e.Message == "" {
			e.Message = fmt.Sprintf("Service returned HTTP status code %d", status)
		}
	}
	return e
}

// errorShape finds the model's error shape for a code: by the shape's name, by its error
// trait's code (IAM's NoSuchEntity is NoSuchEntityException), or, for a query-protocol code
// the model does not list, by the code's last dotted part or a known rename (SQS's
// AWS.SimpleQueueService.PurgeQueueInProgress is PurgeQueueInProgress, and its
// AWS.SimpleQueueService.NonExistentQueue is QueueDoesNotExist).
func errorShape(svc *model.Service, code string) string {
	if code == "" {
		return ""
	}
	isError := func(name string) bool {
		sh := svc.Shapes[name]
		return sh != nil && (sh.Exception || sh.Error != nil)
	}
	if isError(code) {
		return code
	}
	for name, sh := range svc.Shapes {
		if sh.Error != nil && sh.Error.Code == code {
			return name
		}
	}
	if name := queryCodes[svc.Name][code]; isError(name) {
		return name
	}
	if i := strings.LastIndexByte(code, '.'); i >= 0 && isError(code[i+1:]) {
		return code[i+1:]
	}
	return ""
}

// queryCodes are query-protocol error codes whose shape has another name, where the botocore
// model does not carry the code (the Smithy model's awsQueryError traits give them).
var queryCodes = map[string]map[string]string{
	"sqs": {
		"AWS.SimpleQueueService.NonExistentQueue": "QueueDoesNotExist",
		"QueueAlreadyExists":                      "QueueNameExists",
	},
}

// exceptionName is the Java SDK's class name for an error shape.
func exceptionName(shape string) string {
	if strings.HasSuffix(shape, "Exception") {
		return shape
	}
	return shape + "Exception"
}

// ClientError is a call that failed without an answer from the service: the endpoint could
// not be reached, the call timed out, the credentials could not be loaded. Step Functions
// names these after the Java SDK's SdkClientException.
type ClientError struct {
	Client  string
	Message string
	// Host and Reason describe a request that got no answer (empty for other failures):
	// the endpoint's host, and why as the Java SDK ends its message ("Name or service not
	// known", "Connection refused", "Read timed out").
	Host, Reason string
}

func (e *ClientError) Error() string { return e.Client + ": " + e.Message }

// TaskError is <Client>.SdkClientException with the SDK's message.
func (e *ClientError) TaskError() *runner.TaskError {
	return &runner.TaskError{Name: e.Client + ".SdkClientException", Cause: e.Message}
}

// transportError describes a request that got no answer as the Java SDK does.
func transportError(ctx context.Context, svc *model.Service, err error) error {
	host := ""
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Hostname()
		}
	}
	if errors.Is(context.Cause(ctx), errCallTimeout) {
		return &ClientError{Client: svc.ClientName, Message: "Client execution did not complete before the specified timeout configuration",
			Host: host, Reason: "Read timed out"}
	}
	if ctx.Err() != nil {
		return ctx.Err() // the task is no longer wanted: the runner handles it
	}
	msg, reason := err.Error(), "Connection reset"
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns):
		msg, reason = host+": Name or service not known", "Name or service not known"
	case errors.As(err, &op):
		msg, reason = op.Err.Error(), op.Err.Error()
		if errors.Is(err, syscall.ECONNREFUSED) {
			reason = "Connection refused"
		}
		if op.Addr != nil {
			msg = fmt.Sprintf("Connect to %s failed: %s", op.Addr, reason)
		}
	}
	return &ClientError{Client: svc.ClientName, Message: "Unable to execute HTTP request: " + scrub(msg), Host: host, Reason: reason}
}

// AccessDenied is the error a service answers a call its caller's role may not make with,
// as the task reports it: the service's AccessDeniedException (S3's AccessDenied), under the
// model's name for it when it declares one, else the client's base exception. The JSON and
// query services answer it with status 400, the REST ones with 403.
func AccessDenied(service, message, requestID string) *runner.TaskError {
	svc, err := model.Embedded().Service(service)
	if err != nil {
		return &runner.TaskError{Name: "States.TaskFailed", Cause: message}
	}
	code, status := "AccessDeniedException", 400
	if p := svc.Metadata.Protocol; p == "rest-json" || p == "rest-xml" {
		status = 403
	}
	if p := svc.Metadata.Protocol; p == "rest-xml" {
		code = "AccessDenied"
	}
	return newServiceError(svc, code, message, status, requestID, "").TaskError()
}

// IAMAction is the IAM action an aws-sdk call needs: the service's IAM prefix (its signing
// name, but for the few services whose IAM prefix differs) and the API action (PutItem).
func IAMAction(service, action string) (string, error) {
	svc, err := model.Embedded().Service(service)
	if err != nil {
		return "", err
	}
	op := svc.Operation(action)
	if op == nil {
		return "", fmt.Errorf("the %s model has no action %s", service, action)
	}
	prefix := svc.Metadata.SigningNameOrPrefix()
	if p, ok := iamPrefixes[prefix]; ok {
		prefix = p
	}
	return prefix + ":" + op.Name, nil
}

// iamPrefixes are the signing names that are not their service's IAM prefix.
var iamPrefixes = map[string]string{"monitoring": "cloudwatch", "email": "ses", "execute-api": "execute-api"}
