package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// Handles reports whether a task is a Lambda task: arn:aws:states:::lambda:invoke (with or
// without .waitForTaskToken) or a bare function ARN. Every Lambda task is handled, registered
// function or not: an unknown one fails as AWS fails it.
func (r *Runtime) Handles(t *engine.Task) bool { return IsTask(t) }

// IsTask reports whether a task invokes a Lambda function: arn:aws:states:::lambda:invoke
// (with or without .waitForTaskToken) or a bare function ARN.
func IsTask(t *engine.Task) bool {
	if t.ResourceType == "lambda" && strings.TrimSuffix(t.ResourceName, ".waitForTaskToken") == "invoke" {
		return true
	}
	return engine.ParseResource(t.Resource).Kind == "lambda"
}

// Serves reports whether a task is a Lambda task (Handles) that invokes a function registered
// here, or any Lambda task when the Runtime has a Remote service, so that a caller with other
// ways to answer Lambda tasks (`stepwise test`'s policy for tasks without a mock) sends only
// these to the Runtime.
func (r *Runtime) Serves(t *engine.Task) bool {
	if !IsTask(t) {
		return false
	}
	if r.opts.Remote != nil {
		return true
	}
	fn := t.Resource
	if engine.ParseResource(t.Resource).Kind != "lambda" {
		var p invokeParams
		if json.Unmarshal([]byte(t.Parameters), &p) != nil || p.FunctionName == nil {
			return false
		}
		fn = *p.FunctionName
	}
	name, _ := ParseFunctionName(fn)
	return r.Has(name)
}

// RunTask implements runner.TaskHandler.
func (r *Runtime) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	if engine.ParseResource(t.Resource).Kind == "lambda" {
		return r.runFunctionArn(ctx, t)
	}
	if r.Handles(t) {
		return r.runInvoke(ctx, t)
	}
	return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "the Lambda integration does not run resource " + t.Resource}
}

// invokeParams are lambda:invoke's parameters (the Invoke API's request).
type invokeParams struct {
	FunctionName   *string         `json:"FunctionName"`
	Payload        json.RawMessage `json:"Payload"`
	InvocationType string          `json:"InvocationType"`
	Qualifier      string          `json:"Qualifier"`
	LogType        string          `json:"LogType"`
	ClientContext  string          `json:"ClientContext"`
}

// runInvoke runs arn:aws:states:::lambda:invoke: the result is the Invoke response as the
// Java SDK gives it to Step Functions.
func (r *Runtime) runInvoke(ctx context.Context, t *engine.Task) (string, error) {
	var p invokeParams
	if err := json.Unmarshal([]byte(t.Parameters), &p); err != nil {
		return "", &runner.TaskError{Name: "States.Runtime", Cause: "invalid parameters: " + err.Error()}
	}
	if p.FunctionName == nil || *p.FunctionName == "" {
		return "", serviceFailure(&ServiceError{Code: "InvalidParameterValueException", StatusCode: 400, RequestID: newUUID(),
			Message: "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null"})
	}
	name, qual := ParseFunctionName(*p.FunctionName)
	if qual == "" {
		qual = p.Qualifier
	}
	inv := &Invocation{Function: name, Qualifier: qual, Payload: requestPayload(p.Payload), Event: p.InvocationType == "Event",
		DryRun: p.InvocationType == "DryRun", Tail: p.LogType == "Tail", ClientContext: p.ClientContext, FunctionName: *p.FunctionName, RoleArn: taskRole(t)}
	began := time.Now()
	res, err := r.Invoke(ctx, inv)
	if err != nil {
		return "", serviceFailure(err)
	}
	if res.FunctionError != "" {
		return "", functionFailure(res.Payload, true)
	}
	return invokeResponse(res, inv.Tail, time.Since(began)), nil
}

// runFunctionArn runs a bare function ARN as Resource: the input is the event, the result
// the function's output.
func (r *Runtime) runFunctionArn(ctx context.Context, t *engine.Task) (string, error) {
	name, qual := ParseFunctionName(t.Resource)
	res, err := r.Invoke(ctx, &Invocation{Function: name, Qualifier: qual, Payload: []byte(t.Parameters), FunctionName: t.Resource, RoleArn: taskRole(t)})
	if err != nil {
		return "", serviceFailure(err)
	}
	if res.FunctionError != "" {
		return "", functionFailure(res.Payload, false)
	}
	return value.Encode(payloadValue(res.Payload)), nil
}

// taskRole is the role a task's calls are made as: its Credentials' role, else the
// execution's.
func taskRole(t *engine.Task) string {
	if t.RoleArn != "" {
		return t.RoleArn
	}
	return t.ExecutionRoleArn
}

// ParseFunctionName reads a FunctionName: NAME, NAME:QUALIFIER, ACCOUNT:function:NAME[:Q] or
// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q].
func ParseFunctionName(s string) (name, qualifier string) {
	parts := strings.Split(s, ":")
	if len(parts) >= 7 && parts[0] == "arn" && parts[5] == "function" {
		parts = parts[6:]
	} else if len(parts) >= 3 && parts[1] == "function" {
		parts = parts[2:]
	}
	name = parts[0]
	if len(parts) > 1 {
		qualifier = parts[1]
	}
	return name, qualifier
}

// requestPayload is the Invoke request body for a Payload parameter: a string is sent as
// its text (AWS records Payload "\"HelloWorld\"" reaching the function as "HelloWorld"),
// any other value as JSON; no Payload, or a null one, sends {} (AWS recorded an identity
// function given "Payload": null answering {}: test_state/test_test_state_scenarios).
func requestPayload(raw json.RawMessage) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return []byte("{}")
	}
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return []byte(s)
	}
	return raw
}

// payloadValue is a function's result as a JSON value: parsed when it is JSON, else the raw
// text as a string (as Step Functions does).
func payloadValue(b []byte) any {
	if len(b) == 0 {
		return ""
	}
	v, err := value.Decode(b)
	if err != nil {
		return string(b)
	}
	return v
}

// invokeResponse renders an Invoke response as lambda:invoke's result (AWS-recorded shape:
// services/test_lambda_task_service).
func invokeResponse(res *Result, tail bool, d time.Duration) string {
	reqID, date := res.RequestID, time.Now().UTC().Format(http.TimeFormat)
	trace := strings.NewReplacer("Root=", "root=", "Parent=", "parent=", "Sampled=", "sampled=").Replace(res.TraceID)
	length := fmt.Sprint(len(res.Payload))
	all := map[string]any{
		"x-amzn-Remapped-Content-Length": []any{"0"}, "Connection": []any{"keep-alive"},
		"x-amzn-RequestId": []any{reqID}, "Content-Length": []any{length}, "Date": []any{date},
		"X-Amzn-Trace-Id": []any{trace}, "Content-Type": []any{"application/json"},
	}
	flat := map[string]any{
		"Connection": "keep-alive", "Content-Length": length, "Content-Type": "application/json", "Date": date,
		"x-amzn-Remapped-Content-Length": "0", "x-amzn-RequestId": reqID, "X-Amzn-Trace-Id": trace,
	}
	out := map[string]any{
		"Payload":             payloadValue(res.Payload),
		"SdkResponseMetadata": map[string]any{"RequestId": reqID},
		"StatusCode":          json.Number(fmt.Sprint(res.StatusCode)),
	}
	if res.StatusCode == 200 {
		out["ExecutedVersion"] = res.ExecutedVersion
		all["X-Amz-Executed-Version"] = []any{res.ExecutedVersion}
		flat["X-Amz-Executed-Version"] = res.ExecutedVersion
	}
	if tail && res.LogResult != "" {
		out["LogResult"] = res.LogResult
		all["X-Amz-Log-Result"] = []any{res.LogResult}
		flat["X-Amz-Log-Result"] = res.LogResult
	} else if tail {
		// Lambda's own lines of the invocation's log; the function's output is not captured.
		out["LogResult"] = base64.StdEncoding.EncodeToString([]byte(tailLog(res, d)))
		all["X-Amz-Log-Result"] = []any{out["LogResult"]}
		flat["X-Amz-Log-Result"] = out["LogResult"]
	}
	out["SdkHttpMetadata"] = map[string]any{"AllHttpHeaders": all, "HttpHeaders": flat, "HttpStatusCode": json.Number(fmt.Sprint(res.StatusCode))}
	return value.Encode(out)
}

// functionFailure maps a function error as Step Functions does: the errorType names the
// error and the error payload is the cause. lambda:invoke re-serialises the payload compact
// (AWS-recorded); a bare function ARN passes it through as the runtime wrote it.
func functionFailure(payload []byte, compact bool) error {
	var e struct {
		Type any `json:"errorType"`
	}
	_ = json.Unmarshal(payload, &e)
	typ, _ := e.Type.(string)
	if typ == "" {
		return &runner.TaskError{Name: "Lambda.Unknown",
			Cause: "The cause could not be determined because Lambda did not return an error type. Returned payload: " + string(payload)}
	}
	cause := string(payload)
	if compact {
		// json.Compact keeps the key order, which value.Encode would sort.
		var b bytes.Buffer
		if json.Compact(&b, payload) == nil {
			cause = b.String()
		}
	}
	return &runner.TaskError{Name: typ, Cause: cause}
}

// serviceFailure maps a Lambda service error as Step Functions does: Lambda.<Code>, with the
// Java SDK's wording as cause.
func serviceFailure(err error) error {
	se, ok := err.(*ServiceError)
	if !ok {
		return err
	}
	if se.StatusCode == 0 {
		return &runner.TaskError{Name: "Lambda." + se.Code, Cause: se.Message}
	}
	return &runner.TaskError{Name: "Lambda." + se.Code,
		Cause: fmt.Sprintf("%s (Service: AWSLambda; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", se.Message, se.StatusCode, se.Code, se.RequestID)}
}
