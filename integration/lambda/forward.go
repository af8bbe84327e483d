package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/tracing"
)

// forward sends invocations to a Lambda Invoke API endpoint (`sam local start-lambda`, or
// another Stepwise). Requests are not signed: such endpoints do not check signatures.
type forward struct {
	name   string
	spec   Spec
	client *http.Client

	mu          sync.Mutex
	invocations int
}

func (f *forward) invoke(ctx context.Context, inv *Invocation) (*Result, error) {
	f.mu.Lock()
	f.invocations++
	f.mu.Unlock()
	// The endpoint applies the function's timeout; this bound only stops a hung endpoint
	// from holding the task forever (sam's cold starts pull images, hence the slack).
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, f.spec.Timeout+time.Minute)
	defer cancel()
	u := f.spec.Endpoint + "/2015-03-31/functions/" + url.PathEscape(f.name) + "/invocations"
	if inv.Qualifier != "" {
		u += "?Qualifier=" + url.QueryEscape(inv.Qualifier)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(inv.Payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	req.Header.Set("X-Amzn-Trace-Id", inv.TraceID)
	if inv.ClientContext != "" {
		req.Header.Set("X-Amz-Client-Context", inv.ClientContext)
	}
	tracing.Inject(ctx, req.Header)
	client := f.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if parent.Err() != nil {
			return nil, parent.Err()
		}
		return nil, &ServiceError{Code: "SdkClientException", Message: "Unable to execute HTTP request: " + err.Error(), RequestID: inv.RequestID}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPayload+1))
	if err != nil {
		return nil, &ServiceError{Code: "SdkClientException", Message: "Unable to read the response: " + err.Error(), RequestID: inv.RequestID}
	}
	reqID := resp.Header.Get("X-Amzn-Requestid")
	if reqID == "" {
		reqID = inv.RequestID
	}
	if resp.StatusCode/100 != 2 {
		return nil, forwardError(resp, body, reqID)
	}
	return &Result{StatusCode: resp.StatusCode, Payload: body, FunctionError: resp.Header.Get("X-Amz-Function-Error"),
		ExecutedVersion: resp.Header.Get("X-Amz-Executed-Version"), RequestID: reqID}, nil
}

// forwardError reads a Lambda REST-JSON error: the code from X-Amzn-ErrorType (or the body's
// __type), the message from the body's Message or message.
func forwardError(resp *http.Response, body []byte, reqID string) error {
	var e struct {
		Type     string `json:"__type"`
		Message  string `json:"Message"`
		Message2 string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	code := resp.Header.Get("X-Amzn-Errortype")
	if code == "" {
		code = e.Type
	}
	code, _, _ = strings.Cut(code, ":")
	if i := strings.LastIndex(code, "#"); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = "ServiceException"
		if resp.StatusCode/100 == 4 {
			code = "AWSLambdaException"
		}
	}
	// Lambda's error codes all end in Exception; sam local leaves it off (ResourceNotFound).
	if !strings.HasSuffix(code, "Exception") {
		code += "Exception"
	}
	msg := e.Message
	if msg == "" {
		msg = e.Message2
	}
	if msg == "" {
		msg = fmt.Sprintf("%s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return &ServiceError{Code: code, Message: msg, StatusCode: resp.StatusCode, RequestID: reqID}
}

func (f *forward) stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return Stats{Invocations: f.invocations}
}

func (f *forward) close() {}
