package lambda

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/integration/awssdk"
)

// Remote invokes functions at a Lambda service through the model-driven AWS client: at the
// endpoint the AWS SDK configuration names for Lambda (AWS_ENDPOINT_URL_LAMBDA,
// AWS_ENDPOINT_URL, the config file's services section, Step Functions Local's
// LAMBDA_ENDPOINT), signed with SigV4 as the AWS SDKs sign, as the execution's role when
// calls assume roles. It serves as Options.Remote: LocalStack's functions, or those deployed
// on AWS (AWS_ENDPOINT_URL_LAMBDA=https://lambda.us-east-1.amazonaws.com), run next to the
// ones given here.
//
// The function is sent as the task named it, so that a full ARN reaches its account and its
// region's signature; the Invoke API's answer becomes a Result as a local invocation's, and
// its errors a *ServiceError as Lambda's own.
func Remote(c *awssdk.Client) func(context.Context, *Invocation) (*Result, error) {
	return func(ctx context.Context, inv *Invocation) (*Result, error) {
		fn := inv.FunctionName
		if fn == "" {
			fn = inv.Function
		}
		// []byte goes as it is: the payload is already the request's body.
		params := map[string]any{"FunctionName": fn, "Payload": inv.Payload}
		if _, q := ParseFunctionName(fn); q == "" && inv.Qualifier != "" {
			params["Qualifier"] = inv.Qualifier
		}
		switch {
		case inv.Event:
			params["InvocationType"] = "Event"
		case inv.DryRun:
			params["InvocationType"] = "DryRun"
		}
		if inv.Tail {
			params["LogType"] = "Tail"
		}
		if inv.ClientContext != "" {
			params["ClientContext"] = inv.ClientContext
		}
		call := awssdk.Call{Service: "lambda", Action: "invoke", Params: params, RoleArn: inv.RoleArn, Timeout: remoteTimeout}
		if parts := strings.Split(fn, ":"); len(parts) >= 7 && parts[0] == "arn" {
			call.Region = parts[3]
		}
		res, err := c.Call(ctx, call)
		if err != nil {
			return nil, remoteError(err)
		}
		out, _ := res.Output.(map[string]any)
		r := &Result{StatusCode: res.Status, RequestID: res.RequestID}
		if n, err := strconv.Atoi(fmt.Sprint(out["StatusCode"])); err == nil { // a json.Number
			r.StatusCode = n
		}
		r.FunctionError, _ = out["FunctionError"].(string)
		r.ExecutedVersion, _ = out["ExecutedVersion"].(string)
		r.LogResult, _ = out["LogResult"].(string)
		if p, ok := out["Payload"].(string); ok {
			r.Payload = []byte(p)
		}
		if r.StatusCode == 200 && r.ExecutedVersion == "" {
			r.ExecutedVersion = "$LATEST"
		}
		if r.RequestID == "" {
			r.RequestID = inv.RequestID
		}
		return r, nil
	}
}

// remoteTimeout bounds a remote invocation: Lambda's longest function timeout, 15 minutes,
// and time for a cold start. The task's own TimeoutSeconds, when shorter, ends it first.
const remoteTimeout = 16 * time.Minute

// remoteError is a failed remote invocation as the local Runtime reports it: the service's
// error a *ServiceError (Lambda.<Code> in the task), a request that got no answer the AWS
// SDK's Lambda.SdkClientException.
func remoteError(err error) error {
	var se *awssdk.ServiceError
	var ce *awssdk.ClientError
	switch {
	case errors.As(err, &se):
		return &ServiceError{Code: se.Code, Message: se.Message, StatusCode: se.Status, RequestID: se.RequestID}
	case errors.As(err, &ce):
		return &ServiceError{Code: "SdkClientException", Message: ce.Message}
	}
	return err
}
