package optimized

import (
	"context"
	"errors"
	"net/url"

	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/integration/awssdk/protocol"
)

// FromClient makes the model-driven AWS client (integration/awssdk) the Caller: the
// optimized integrations then call the same endpoints, with the same credentials and
// signatures, as aws-sdk tasks do, and check parameters against the same models
// (ParameterChecker).
func FromClient(c *awssdk.Client) Caller { return clientCaller{c} }

type clientCaller struct{ c *awssdk.Client }

// CheckParams implements ParameterChecker.
func (cc clientCaller) CheckParams(req Request) error {
	var ip *protocol.InvalidParameter
	if err := cc.c.Check(awssdk.Call{Service: req.Service, Action: req.Action, Params: req.Params}); errors.As(err, &ip) {
		return &ParameterError{Message: ip.Message}
	}
	return nil
}

// Call implements Caller.
func (cc clientCaller) Call(ctx context.Context, req Request) (*Response, error) {
	call := awssdk.Call{Service: req.Service, Action: req.Action, Params: req.Params, Region: req.Region, RoleArn: req.RoleArn}
	if req.Service == "sqs" {
		// The Java SDK v1 sends an SQS request to its queue's URL: an unknown queue host
		// fails as "Unable to execute HTTP request: <host>: Name or service not known"
		// (recorded), not as an error of the region's endpoint.
		if q, ok := req.Params["QueueUrl"].(string); ok {
			if u, err := url.Parse(q); err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
				call.Endpoint = u.Scheme + "://" + u.Host
			}
		}
	}
	res, err := cc.c.Call(ctx, call)
	if err != nil {
		return nil, fromClientError(err)
	}
	return &Response{Output: res.Output, Status: res.Status, Header: res.Header, RequestID: res.RequestID}, nil
}

// fromClientError maps the client's errors to the Caller's.
func fromClientError(err error) error {
	var se *awssdk.ServiceError
	if errors.As(err, &se) {
		e := &ServiceError{Code: se.Code, Message: se.Message, Status: se.Status, RequestID: se.RequestID}
		if se.Modeled {
			e.Exception = se.Exception
		}
		return e
	}
	var ip *protocol.InvalidParameter
	if errors.As(err, &ip) {
		return &ParameterError{Message: ip.Message}
	}
	var ce *awssdk.ClientError
	if errors.As(err, &ce) && ce.Reason != "" {
		return &ConnectionError{Host: ce.Host, Reason: ce.Reason, Err: err}
	}
	return err
}
