// Package integration runs the Task states' resources: Step Functions itself (a Task that
// starts another execution), and the other services Stepwise emulates. A Registry routes each
// task to its integration and implements runner.TaskHandler.
package integration

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/tracing"
)

// Executions is what the Step Functions integration needs of the service: start an execution,
// read one, and wait for one to end.
type Executions interface {
	Start(ctx context.Context, req runner.StartRequest) (*store.Execution, error)
	WaitEnded(ctx context.Context, arn string) (*store.Execution, error)
	Stop(ctx context.Context, arn, errName, cause string, hasError, hasCause bool) error
}

// Starter is what a startExecution task asks of the Step Functions API (api.Server).
type Starter interface {
	// StartTarget reads a StartExecution's stateMachineArn as the API does: a state machine,
	// a version, or an alias routed to one of its versions. Its errors are the API's
	// (ErrorCode, ErrorMessage: StateMachineDoesNotExist, InvalidArn).
	StartTarget(ctx context.Context, arn string) (sm *store.StateMachine, versionArn, aliasArn string, err error)
	// NewExpressArn makes a new Express execution's ARN.
	NewExpressArn(smArn, name string) string
	// RunExpressChild runs an Express execution to its end, under the ARN and start date
	// given, and answers its end as an execution's row.
	RunExpressChild(ctx context.Context, sm *store.StateMachine, arn, name, input, traceHeader string, started time.Time) (*store.Execution, error)
}

// Registry routes tasks to integrations.
type Registry struct {
	Store store.Store
	Execs Executions
	// Lambda runs lambda:invoke tasks and bare function ARNs (integration/lambda).
	Lambda Handler
	// HTTP runs http:invoke tasks (integration/httptask).
	HTTP Handler
	// SDK runs aws-sdk:<service>:<action> tasks of other services than Step Functions
	// against their endpoints (integration/awssdk).
	SDK Handler
	// Optimized runs the optimized integrations of other services,
	// arn:aws:states:::<service>:<api> for dynamodb, sqs, sns, events, apigateway, bedrock,
	// ecs, batch, glue, athena and codebuild (integration/optimized).
	Optimized Handler
	// MapS3 runs a Distributed Map's ItemReader and ResultWriter (integration/s3items); nil:
	// they fail with States.ItemReaderFailed or States.ResultWriterFailed.
	MapS3 Handler
	// Fallback runs tasks no integration here handles (nil: they fail).
	Fallback runner.TaskHandler
	// SFN runs a Step Functions API action in process (api.Server.Invoke), for
	// arn:aws:states:::aws-sdk:sfn:<action> tasks.
	SFN func(ctx context.Context, action string, body []byte) ([]byte, error)
	// Starter finds what startExecution tasks start, and runs their Express executions
	// (api.Server). Without it, a task starts only a state machine's latest revision, by its
	// unqualified ARN, and an Express state machine's fails.
	Starter Starter
	// Authorize, if set (--enforce-iam), decides whether the execution's role may make a
	// task's call (iam.Directory.AuthorizeRole); a denial fails the task as AWS fails it.
	Authorize func(ctx context.Context, roleArn, action, resource string) error
}

// Handler is an integration that says which tasks it runs.
type Handler interface {
	runner.TaskHandler
	Handles(t *engine.Task) bool
}

// RunTask implements runner.TaskHandler.
func (r *Registry) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	if t.Kind != "" {
		return r.mapS3(ctx, t)
	}
	if r.Authorize != nil {
		if err := r.checkRole(ctx, t); err != nil {
			return "", err
		}
	}
	if h := r.handlerOf(t); h != nil {
		return h.RunTask(ctx, t)
	}
	switch t.ResourceType {
	case "states":
		return r.states(ctx, t)
	case "aws-sdk:sfn":
		if strings.TrimSuffix(t.ResourceName, ".waitForTaskToken") == "startExecution" {
			return r.states(ctx, t)
		}
		return r.sfnSDK(ctx, t)
	}
	if r.Fallback != nil {
		return r.Fallback.RunTask(ctx, t)
	}
	return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "Stepwise has no integration for resource " + t.Resource}
}

// CheckTask implements runner.TaskChecker: the integration that would run the task checks
// its parameters before it is scheduled, when it can (one that cannot leaves them to
// RunTask).
func (r *Registry) CheckTask(t *engine.Task) error {
	if c, ok := r.handlerOf(t).(runner.TaskChecker); ok {
		return c.CheckTask(t)
	}
	return nil
}

// handlerOf is the integration RunTask gives a task to, or nil for the tasks of Step
// Functions itself and those no integration handles.
func (r *Registry) handlerOf(t *engine.Task) Handler {
	if t.Kind != "" {
		return nil
	}
	for _, h := range []Handler{r.Lambda, r.HTTP, r.Optimized} {
		if h != nil && h.Handles(t) {
			return h
		}
	}
	if t.ResourceType == "states" || t.ResourceType == "aws-sdk:sfn" {
		return nil
	}
	if r.SDK != nil && r.SDK.Handles(t) {
		return r.SDK
	}
	return nil
}

// mapS3 runs a Distributed Map's read or write.
func (r *Registry) mapS3(ctx context.Context, t *engine.Task) (string, error) {
	if r.MapS3 != nil && r.MapS3.Handles(t) {
		return r.MapS3.RunTask(ctx, t)
	}
	name := "States.ItemReaderFailed"
	if t.Kind == engine.TaskResultWriter {
		name = "States.ResultWriterFailed"
	}
	return "", &runner.TaskError{Name: name, Cause: "Stepwise has no S3 configured for " + t.Resource}
}

// states runs arn:aws:states:::states:startExecution[.sync[:2]|.waitForTaskToken] and
// arn:aws:states:::aws-sdk:sfn:startExecution.
func (r *Registry) states(ctx context.Context, t *engine.Task) (string, error) {
	api := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(t.ResourceName, t.Pattern), ".waitForTaskToken"), t.Pattern)
	if api != "startExecution" {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "Stepwise does not support the Step Functions API " + api + " as a task yet"}
	}
	sdk := t.ResourceType == "aws-sdk:sfn"
	var p struct {
		StateMachineArn string          `json:"StateMachineArn"`
		Input           json.RawMessage `json:"Input"`
		Name            *string         `json:"Name"`
		// TraceHeader is StartExecution's traceHeader: the child keeps it, and is in the
		// trace it names when its state machine is traced (docs/operations.md#traces).
		TraceHeader *string `json:"TraceHeader"`
	}
	if err := json.Unmarshal([]byte(t.Parameters), &p); err != nil {
		return "", &runner.TaskError{Name: "States.Runtime", Cause: "invalid parameters: " + err.Error()}
	}
	input, err := StartInput(p.Input)
	if err != nil {
		return "", err
	}
	if err := CheckStartRequest(sdk, p.Name, input, p.TraceHeader); err != nil {
		return "", err
	}
	traceHeader := ""
	if p.TraceHeader != nil {
		traceHeader = *p.TraceHeader
	}
	sm, versionArn, aliasArn, err := r.startTarget(ctx, p.StateMachineArn)
	var ae apiError
	if errors.As(err, &ae) {
		return "", ServiceError(sdk, ae.ErrorCode(), ae.ErrorMessage())
	}
	if errors.Is(err, store.ErrNotFound) {
		return "", ServiceError(sdk, "StateMachineDoesNotExist", fmt.Sprintf("State Machine Does Not Exist: '%s'", p.StateMachineArn))
	}
	if err != nil {
		return "", err
	}
	// Without a Name the child gets a UUID. It is derived from the task token, so that a task
	// dispatched again after a crash finds the child it started instead of starting another.
	name := ChildName(t.Token)
	if p.Name != nil {
		name = *p.Name
	}
	if err := CheckStartMembers(sdk, p.Name, input); err != nil {
		return "", err
	}
	if sm.Type == "EXPRESS" {
		return r.startExpress(ctx, t, sm, name, input, traceHeader, sdk)
	}
	req := runner.StartRequest{StateMachine: sm, Name: name, Input: input, ParentArn: parentOf(input, t.Execution), TraceHeader: traceHeader,
		VersionArn: versionArn, AliasArn: aliasArn}
	if traceHeader == "" {
		// A traced task's child goes under the task's span, on whichever node runs it.
		req.TraceParent = tracing.TraceParent(ctx)
	}
	ex, err := r.Execs.Start(ctx, req)
	if errors.Is(err, store.ErrExists) {
		old, gerr := r.Store.GetExecution(ctx, runner.ExecutionArn(sm.Arn, name))
		if gerr != nil {
			return "", gerr
		}
		if old.Input != input || (old.Status != "RUNNING" && old.ParentArn != req.ParentArn) {
			return "", ServiceError(sdk, "ExecutionAlreadyExists", fmt.Sprintf("Execution Already Exists: '%s'", old.Arn))
		}
		ex = old
	} else if err != nil {
		return "", err
	}
	started := StartResponse(ex, sdk)
	if t.Pattern != ".sync" && t.Pattern != ".sync:2" {
		return started, nil
	}
	runner.Submit(ctx, started)
	// While the parent waits, the child runs on: on a node that skips time, time may skip
	// (WaitEnded counts the task as blocked).
	done, err := r.Execs.WaitEnded(ctx, ex.Arn)
	if err != nil {
		if errors.Is(context.Cause(ctx), runner.ErrTaskCancelled) {
			// The parent no longer waits (it was stopped, or its state timed out or was
			// aborted): as AWS, make a best-effort attempt to stop the child.
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = r.Execs.Stop(stopCtx, ex.Arn, "", "", false, false)
		}
		return "", err
	}
	desc := Describe(done, t.Pattern == ".sync:2")
	if done.Status != "SUCCEEDED" {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: desc}
	}
	return desc, nil
}

// CheckStartRequest checks a startExecution task's Name, Input (the child's input text) and
// TraceHeader as StartExecution's request validation does, before the state machine is
// looked up: the lengths of the name and the input and the header's pattern, all together,
// as one ValidationException. CheckStartMembers comes after the lookup. stepwise test checks
// its children with both too.
func CheckStartRequest(sdk bool, name *string, input string, traceHeader *string) error {
	var problems []string
	if name != nil {
		if problem := runner.NameLength(*name); problem != "" {
			problems = append(problems, problem)
		}
	}
	if problem := runner.InputLength(input); problem != "" {
		problems = append(problems, problem)
	}
	if traceHeader != nil {
		problems = append(problems, runner.TraceHeaderProblems(*traceHeader)...)
	}
	if len(problems) > 0 {
		return ValidationError(sdk, problems)
	}
	return nil
}

// CheckStartMembers checks what StartExecution checks once it has found the state machine:
// the name's characters (InvalidName), then the input's syntax (InvalidExecutionInput).
func CheckStartMembers(sdk bool, name *string, input string) error {
	if name != nil && !runner.ValidName(*name) {
		return ServiceError(sdk, "InvalidName", fmt.Sprintf("Invalid Name: '%s'", *name))
	}
	if msg := runner.InvalidInput(input); msg != "" {
		return ServiceError(sdk, "InvalidExecutionInput", msg)
	}
	return nil
}

// startTarget is the state machine a startExecution task starts, with the version and
// alias its ARN names (Starter.StartTarget).
func (r *Registry) startTarget(ctx context.Context, arn string) (sm *store.StateMachine, versionArn, aliasArn string, err error) {
	if r.Starter != nil {
		return r.Starter.StartTarget(ctx, arn)
	}
	sm, err = r.Store.GetStateMachine(ctx, arn)
	return sm, "", "", err
}

// startExpress starts an Express child, as StartExecution starts one for an Express state
// machine: it runs in memory, leaves no history, has an ARN of its own at each start (names
// of Express executions need not be unique) and cannot be stopped. A request-response task
// answers at once; a .sync one waits for the child's end, as for a Standard child, and
// answers it in DescribeExecution's shape. A parent stopped meanwhile stops waiting; the
// child runs on. Express executions are not durable (as on AWS): after a crash, a .sync task
// run again starts another child.
func (r *Registry) startExpress(ctx context.Context, t *engine.Task, sm *store.StateMachine, name, input, traceHeader string, sdk bool) (string, error) {
	if r.Starter == nil {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "Stepwise starts Express executions from a task only in a server (stepwise serve, stepwise run)"}
	}
	arn := r.Starter.NewExpressArn(sm.Arn, name)
	started := time.Now().UTC()
	resp := StartResponse(&store.Execution{Arn: arn, StartedAt: started}, sdk)
	// The child is in the task's trace, whether or not the task waits for it.
	runCtx := context.WithoutCancel(ctx)
	if t.Pattern != ".sync" && t.Pattern != ".sync:2" {
		go func() { _, _ = r.Starter.RunExpressChild(runCtx, sm, arn, name, input, traceHeader, started) }()
		return resp, nil
	}
	runner.Submit(ctx, resp)
	type end struct {
		ex  *store.Execution
		err error
	}
	ended := make(chan end, 1)
	go func() {
		ex, err := r.Starter.RunExpressChild(runCtx, sm, arn, name, input, traceHeader, started)
		ended <- end{ex, err}
	}()
	select {
	case <-ctx.Done():
		return "", context.Cause(ctx)
	case e := <-ended:
		if e.err != nil {
			return "", e.err
		}
		desc := Describe(e.ex, t.Pattern == ".sync:2")
		if e.ex.Status != "SUCCEEDED" {
			return "", &runner.TaskError{Name: "States.TaskFailed", Cause: desc}
		}
		return desc, nil
	}
}

// StartInput is the input of the child a startExecution task starts, from its Input
// parameter: a string is the input's JSON text, as it is; any other value is the input
// itself, and none (or null) is {}.
func StartInput(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "{}", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	v, err := value.Decode(raw)
	if err != nil {
		return "", &runner.TaskError{Name: "States.Runtime", Cause: "invalid Input: " + err.Error()}
	}
	return value.Encode(v), nil
}

// parentOf is the execution that started a child: the one its input names, else the task's.
func parentOf(input, execution string) string {
	var v map[string]any
	if json.Unmarshal([]byte(input), &v) == nil {
		if p, ok := v["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"].(string); ok {
			return p
		}
	}
	return execution
}

// ChildName is a name, in the form of a UUID, made from a string: the name of a child
// execution started without one, made from its task's token, so that a task dispatched again
// after a crash finds the child it started.
func ChildName(token string) string {
	sum := sha256.Sum256([]byte("stepwise-child:" + token))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// millis renders a time as the Java SDK serialises a Date in task results: epoch milliseconds.
func millis(t time.Time) json.Number { return json.Number(fmt.Sprint(t.UnixMilli())) }

// StartResponse is StartExecution's result as the optimized integration returns it (with the
// SDK's HTTP metadata), or as the aws-sdk integration returns it (without).
func StartResponse(ex *store.Execution, sdk bool) string {
	out := map[string]any{"ExecutionArn": ex.Arn, "StartDate": millis(ex.StartedAt)}
	if !sdk {
		reqID := ChildName(ex.Arn + "/request")
		date := ex.StartedAt.UTC().Format(http.TimeFormat)
		length := strconv.Itoa(startBodyLength(ex.Arn, ex.StartedAt))
		out["SdkHttpMetadata"] = map[string]any{
			"AllHttpHeaders": map[string]any{"x-amzn-RequestId": []any{reqID}, "connection": []any{"keep-alive"},
				"Content-Length": []any{length}, "Date": []any{date}, "Content-Type": []any{"application/x-amz-json-1.0"}},
			"HttpHeaders": map[string]any{"connection": "keep-alive", "Content-Length": length,
				"Content-Type": "application/x-amz-json-1.0", "Date": date, "x-amzn-RequestId": reqID},
			"HttpStatusCode": json.Number("200"),
		}
		out["SdkResponseMetadata"] = map[string]any{"RequestId": reqID}
	}
	return value.Encode(out)
}

// startBodyLength is the length of the body of AWS's StartExecution answer, which the SDK's
// metadata reports as Content-Length: {"executionArn":"...","startDate":1.701431596373E9}, the
// date in seconds as Java writes a double.
func startBodyLength(arn string, started time.Time) int {
	return len(`{"executionArn":`) + len(value.Encode(arn)) + len(`,"startDate":`) + len(javaDouble(float64(started.UnixMilli())/1000)) + len(`}`)
}

// javaDouble writes a number as Java's Double.toString does: plain from 10^-3 to 10^7 (with
// at least one decimal), else in scientific notation (1.701431596373E9), in the fewest
// digits that read back as the same double.
func javaDouble(f float64) string {
	if a := math.Abs(f); a == 0 || (a >= 1e-3 && a < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1.701431596373E+09
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// Describe is DescribeExecution in PascalCase, as a .sync task returns it; with json (sync:2)
// Input and Output are JSON values instead of text.
func Describe(ex *store.Execution, asJSON bool) string {
	out := map[string]any{
		"ExecutionArn": ex.Arn, "StateMachineArn": ex.StateMachineArn, "Name": ex.Name,
		"Status": ex.Status, "StartDate": millis(ex.StartedAt),
		"Input": ex.Input, "InputDetails": map[string]any{"Included": true},
	}
	if ex.StoppedAt != nil {
		out["StopDate"] = millis(*ex.StoppedAt)
	}
	if ex.Output != nil {
		out["Output"] = *ex.Output
		out["OutputDetails"] = map[string]any{"Included": true}
	}
	// A timed-out child's States.Timeout is in its history, not in its description, as
	// the API's DescribeExecution leaves it out (api.describeExecution; measured against AWS
	// in timeouts/test_timeouts' test_global_timeout).
	if ex.Error != nil && ex.Status != "TIMED_OUT" {
		out["Error"] = *ex.Error
	}
	if ex.Cause != nil && ex.Status != "TIMED_OUT" {
		out["Cause"] = *ex.Cause
	}
	if asJSON {
		for _, k := range []string{"Input", "Output"} {
			if s, ok := out[k].(string); ok {
				if v, err := value.DecodeString(s); err == nil {
					out[k] = v
				}
			}
		}
	}
	return value.Encode(out)
}

// ValidationError is the Step Functions API's ValidationException, with its problems, as a
// task's error.
func ValidationError(sdk bool, problems []string) error {
	msg := "1 validation error detected: " + problems[0]
	if len(problems) > 1 {
		msg = fmt.Sprintf("%d validation errors detected: %s", len(problems), strings.Join(problems, "; "))
	}
	if sdk {
		return ServiceError(sdk, "Validation", msg)
	}
	return &runner.TaskError{Name: "StepFunctions.ValidationException",
		Cause: fmt.Sprintf("%s (Service: AWSStepFunctions; Status Code: 400; Error Code: ValidationException; Request ID: %s; Proxy: null)", msg, ChildName(msg))}
}

// ServiceError is a Step Functions API error as a task reports it: StepFunctions.<Code>Exception
// with the Java SDK's cause text for the optimized integration, Sfn.<Code>Exception for aws-sdk.
func ServiceError(sdk bool, code, msg string) error {
	if sdk {
		return &runner.TaskError{Name: "Sfn." + code + "Exception",
			Cause: fmt.Sprintf("%s (Service: Sfn, Status Code: 400, Request ID: %s)", msg, ChildName(msg))}
	}
	return &runner.TaskError{Name: "StepFunctions." + code + "Exception",
		Cause: fmt.Sprintf("%s (Service: AWSStepFunctions; Status Code: 400; Error Code: %s; Request ID: %s; Proxy: null)", msg, code, ChildName(msg))}
}
