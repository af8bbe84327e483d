package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/iam"
)

// invokePrefix and invokeSuffix frame the Invoke API's path:
// /2015-03-31/functions/{FunctionName}/invocations.
const (
	invokePrefix = "/2015-03-31/functions/"
	invokeSuffix = "/invocations"
)

// IsInvokePath tells whether a request path is the Invoke API's.
func IsInvokePath(path string) bool {
	return strings.HasPrefix(path, invokePrefix) && strings.HasSuffix(path, invokeSuffix) && len(path) > len(invokePrefix)+len(invokeSuffix)
}

// functionNameExpr is the Invoke API model's pattern of a FunctionName (NamespacedFunctionName),
// which Lambda quotes when a name does not match it.
const functionNameExpr = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`

var functionNamePattern = regexp.MustCompile("^(?:" + functionNameExpr + ")$")

// Guard checks the Invoke API's callers when IAM is enforced (iam.Directory).
type Guard interface {
	Authenticate(r *http.Request, body []byte, service string) (*iam.Principal, error)
	AuthorizeContext(ctx context.Context, p *iam.Principal, action, resource string) error
}

// InvokeAPI serves Lambda's Invoke API for the Runtime's functions, as Lambda's REST
// endpoint does, so that `aws lambda invoke --endpoint-url`, the AWS SDKs, and another
// Stepwise (whose LAMBDA_ENDPOINT or AWS_ENDPOINT_URL_LAMBDA names this one) invoke them:
// the invocation types RequestResponse, Event and DryRun, a Qualifier, LogType Tail, and
// Lambda's errors (ResourceNotFoundException, RequestEntityTooLargeException) in its shape.
//
// Only the functions registered here are served: a function this Runtime would send to its
// Remote service is not found, so that two nodes that name each other cannot pass an
// invocation back and forth.
type InvokeAPI struct {
	Runtime *Runtime
	// Guard, if set (--enforce-iam), authenticates each request's SigV4 signature for the
	// service lambda and authorizes lambda:InvokeFunction on the function's ARN.
	Guard Guard
}

// Serves tells whether a request is an invocation of a function registered here.
func (h *InvokeAPI) Serves(r *http.Request) bool {
	if !IsInvokePath(r.URL.Path) {
		return false
	}
	name, _ := ParseFunctionName(pathFunction(r.URL))
	return h.Runtime.Has(name)
}

// pathFunction is the FunctionName of an Invoke API path, unescaped.
func pathFunction(u *url.URL) string {
	fn := strings.TrimSuffix(strings.TrimPrefix(u.EscapedPath(), invokePrefix), invokeSuffix)
	if s, err := url.PathUnescape(fn); err == nil {
		fn = s
	}
	return fn
}

func (h *InvokeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newUUID()
	if r.Method != http.MethodPost || !IsInvokePath(r.URL.Path) {
		writeAPIError(w, reqID, &ServiceError{Code: "UnknownOperationException", StatusCode: http.StatusNotFound,
			Message: "Stepwise serves Lambda's Invoke API only: POST " + invokePrefix + "{FunctionName}" + invokeSuffix})
		return
	}
	fn := pathFunction(r.URL)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		writeAPIError(w, reqID, &ServiceError{Code: "InvalidRequestContentException", StatusCode: http.StatusBadRequest, Message: "Could not read the request body"})
		return
	}
	// As AWS: the caller is known first, then the request is validated, then authorized
	// on the function's ARN.
	deny := func(err error) {
		var ie *iam.Error
		if !errors.As(err, &ie) {
			ie = &iam.Error{Code: "AccessDeniedException", Message: err.Error(), Status: http.StatusForbidden}
		}
		writeAPIError(w, reqID, &ServiceError{Code: ie.Code, Message: ie.Message, StatusCode: ie.Status})
	}
	var caller *iam.Principal
	if h.Guard != nil {
		if caller, err = h.Guard.Authenticate(r, body, "lambda"); err != nil {
			deny(err)
			return
		}
	}
	if !functionNamePattern.MatchString(fn) || len(fn) > 256 {
		writeAPIError(w, reqID, &ServiceError{Code: "ValidationException", StatusCode: http.StatusBadRequest,
			Message: fmt.Sprintf("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", fn, functionNameExpr)})
		return
	}
	name, qual := ParseFunctionName(fn)
	if qual == "" {
		qual = r.URL.Query().Get("Qualifier")
	}
	if h.Guard != nil {
		if err := h.Guard.AuthorizeContext(r.Context(), caller, "lambda:InvokeFunction", h.Runtime.FunctionArn(name)); err != nil {
			deny(err)
			return
		}
	}
	typ := r.Header.Get("X-Amz-Invocation-Type")
	switch typ {
	case "", "RequestResponse", "Event", "DryRun":
	default:
		writeAPIError(w, reqID, &ServiceError{Code: "ValidationException", StatusCode: http.StatusBadRequest,
			Message: fmt.Sprintf("1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", typ)})
		return
	}
	if !h.Runtime.Has(name) {
		if qual == "" {
			qual = "$LATEST"
		}
		writeAPIError(w, reqID, &ServiceError{Code: "ResourceNotFoundException", StatusCode: http.StatusNotFound,
			Message: "Function not found: " + h.Runtime.FunctionArn(name) + ":" + qual})
		return
	}
	// Runtime.Invoke refuses a payload that is not JSON; none (the AWS CLI without --payload)
	// is {}.
	inv := &Invocation{Function: name, Qualifier: qual, Payload: body, Event: typ == "Event", DryRun: typ == "DryRun",
		Tail: r.Header.Get("X-Amz-Log-Type") == "Tail", RequestID: reqID, TraceID: r.Header.Get("X-Amzn-Trace-Id"),
		ClientContext: r.Header.Get("X-Amz-Client-Context")}
	began := time.Now()
	res, err := h.Runtime.Invoke(r.Context(), inv)
	if err != nil {
		var se *ServiceError
		if !errors.As(err, &se) {
			se = &ServiceError{Code: "ServiceException", StatusCode: http.StatusInternalServerError, Message: err.Error()}
		}
		writeAPIError(w, reqID, se)
		return
	}
	hd := w.Header()
	hd.Set("X-Amzn-Requestid", res.RequestID)
	hd.Set("X-Amzn-Trace-Id", res.TraceID)
	if res.StatusCode == http.StatusOK {
		hd.Set("Content-Type", "application/json")
		hd.Set("X-Amz-Executed-Version", res.ExecutedVersion)
		if res.FunctionError != "" {
			hd.Set("X-Amz-Function-Error", res.FunctionError)
		}
		if inv.Tail {
			hd.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte(tailLog(res, time.Since(began)))))
		}
	}
	w.WriteHeader(res.StatusCode)
	if res.StatusCode == http.StatusOK {
		w.Write(res.Payload)
	}
}

// tailLog is Lambda's own lines of an invocation's log, as LogType Tail returns them (the
// function's output goes to the server's stderr and is not captured).
func tailLog(res *Result, d time.Duration) string {
	return fmt.Sprintf("START RequestId: %s Version: %s\nEND RequestId: %s\nREPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\t\n",
		res.RequestID, res.ExecutedVersion, res.RequestID, res.RequestID, float64(d.Microseconds())/1000, d.Milliseconds()+1)
}

// writeAPIError answers as Lambda's REST endpoint: the code in X-Amzn-ErrorType, a JSON
// body with the message.
func writeAPIError(w http.ResponseWriter, reqID string, e *ServiceError) {
	if e.StatusCode == 0 {
		e.StatusCode = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.Code)
	w.Header().Set("X-Amzn-Requestid", reqID)
	w.WriteHeader(e.StatusCode)
	b, _ := json.Marshal(struct {
		Type    string `json:"Type"`
		Message string `json:"Message"`
	}{"User", e.Message})
	w.Write(b)
}
