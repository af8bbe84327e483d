package api

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/integration/inspect"
	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/runner"
)

type testStateRequest struct {
	Definition         *string            `json:"definition"`
	RoleArn            string             `json:"roleArn"`
	Input              *string            `json:"input"`
	InspectionLevel    string             `json:"inspectionLevel"`
	RevealSecrets      bool               `json:"revealSecrets"`
	Variables          *string            `json:"variables"`
	StateName          *string            `json:"stateName"`
	Mock               *testMock          `json:"mock"`
	Context            *string            `json:"context"`
	StateConfiguration *testStateSettings `json:"stateConfiguration"`
}

type testMock struct {
	Result      *string `json:"result"`
	ErrorOutput *struct {
		Error *string `json:"error"`
		Cause *string `json:"cause"`
	} `json:"errorOutput"`
	FieldValidationMode string `json:"fieldValidationMode"`
}

type testStateSettings struct {
	RetrierRetryCount        *int64  `json:"retrierRetryCount"`
	ErrorCausedByState       *string `json:"errorCausedByState"`
	MapIterationFailureCount *int64  `json:"mapIterationFailureCount"`
	MapItemReaderData        *string `json:"mapItemReaderData"`
}

// testStateLimit is how long TestState may run, as on AWS.
const testStateLimit = 5 * time.Minute

// testState runs one state, stopping right after it, and reports what it did: TestState.
func (s *Server) testState(ctx context.Context, body []byte) (any, error) {
	var req testStateRequest
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	input, err := checkInput(req.Input)
	if err != nil {
		return nil, err
	}
	vars, err := req.variables()
	if err != nil {
		return nil, err
	}
	ts, err := cutState(*req.Definition, req.StateName)
	if err != nil {
		return nil, err
	}
	ts.vars = vars
	checked, err := asl.Parse([]byte(ts.machine(false)), asl.ValidateOptions{})
	if err != nil {
		return nil, definitionErr(err)
	}
	state := checked.States[ts.name]
	ts.checked = checked
	if err := req.checkState(state); err != nil {
		return nil, err
	}
	start, err := req.contextStart(ts, state, input)
	if err != nil {
		return nil, err
	}
	parsed, err := asl.Parse([]byte(ts.machine(true)), asl.ValidateOptions{})
	if err != nil {
		return nil, definitionErr(err)
	}
	return s.runTestState(ctx, &req, ts, state, parsed, start)
}

// check validates the request's own fields.
func (req *testStateRequest) check() error {
	if req.Definition == nil {
		return validation("Value null at 'definition' failed to satisfy constraint: Member must not be null")
	}
	if *req.Definition == "" {
		return validation("Value '' at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	switch req.InspectionLevel {
	case "", "INFO", "DEBUG", "TRACE":
	default:
		return validation("Value '" + req.InspectionLevel + "' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]")
	}
	if req.StateName != nil && *req.StateName == "" {
		return validation("Value '' at 'stateName' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	// input, variables and context are payloads, bounded in bytes as StartExecution's input
	// is (maxPayload); sensitive, they are named without their values.
	var problems []string
	for _, m := range []struct {
		name string
		v    *string
	}{{"input", req.Input}, {"variables", req.Variables}, {"context", req.Context}} {
		if m.v != nil && len(*m.v) > maxPayload {
			problems = append(problems, "Value at '"+m.name+"' failed to satisfy constraint: Member must have length less than or equal to 262144")
		}
	}
	if len(problems) > 0 {
		return validation(problems...)
	}
	if m := req.Mock; m != nil {
		switch m.FieldValidationMode {
		case "", "STRICT", "PRESENT", "NONE":
		default:
			return validation("Value '" + m.FieldValidationMode + "' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]")
		}
		if (m.Result != nil) == (m.ErrorOutput != nil) {
			return apiErr("ValidationException", "A test mock should have only one of the following fields: [result, errorOutput].")
		}
		if req.RevealSecrets {
			return apiErr("ValidationException", "TestState does not support RevealSecrets when a mock is specified.")
		}
		if m.Result != nil {
			if _, err := value.DecodeString(*m.Result); err != nil {
				return apiErr("ValidationException", "Mocked result must be valid JSON")
			}
		}
	}
	if c := req.StateConfiguration; c != nil && c.MapIterationFailureCount != nil && req.Mock == nil {
		return apiErr("ValidationException", "TestState does not support MapIterationFailureCount when a mock is not specified.")
	}
	return nil
}

// variables decodes the test's variables: a JSON object of names to values.
func (req *testStateRequest) variables() (map[string]any, error) {
	if req.Variables == nil {
		return nil, nil
	}
	v, err := value.DecodeString(*req.Variables)
	o, ok := value.AsObject(v)
	if err != nil || !ok {
		return nil, apiErr("ValidationException", "Variables must be a valid JSON object")
	}
	return o.Map(), nil // each variable's value keeps its key order
}

// checkState validates the state's type against the request, as AWS does once the definition
// is known to be valid.
func (req *testStateRequest) checkState(st *asl.State) error {
	mock := req.Mock
	switch st.Type {
	case asl.TypeMap, asl.TypeParallel:
		if mock == nil {
			return apiErr("InvalidDefinition", "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
		}
		return req.checkContainerMock(st)
	case asl.TypeTask:
		// A mocked Task calls nothing, so it needs no role: AWS answers mocked Tasks sent
		// without one (test_state/test_state_context_object).
		if req.RoleArn == "" && mock == nil {
			return apiErr("ValidationException", "RoleArn must be specified when testing a Task state")
		}
		if mock == nil && resourceNeedsMock(st.Resource) {
			return apiErr("InvalidDefinition", "TestState API does not support Activity tasks, .sync or .waitForTaskToken service integration patterns when a mock is not specified.")
		}
		if mock != nil && mock.Result != nil {
			return checkMockedFields(st.Resource, mock.FieldValidationMode, *mock.Result)
		}
	default:
		if mock != nil {
			return apiErr("ValidationException", "State type '%s' is not supported when a mock is specified", st.Type)
		}
	}
	return nil
}

// checkContainerMock validates a Map's or a Parallel's mocked result.
func (req *testStateRequest) checkContainerMock(st *asl.State) error {
	mock := req.Mock
	if mock.Result == nil {
		return nil
	}
	v, _ := value.DecodeString(*mock.Result)
	if st.Type == asl.TypeMap && st.ResultWriter != nil {
		if !value.IsObject(v) {
			return apiErr("ValidationException", "Mocked result must be a JSON object.")
		}
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return apiErr("ValidationException", "Mocked result must be an array.")
	}
	if c := req.StateConfiguration; st.Type == asl.TypeMap && c != nil && c.MapIterationFailureCount != nil && *c.MapIterationFailureCount > int64(len(list)) {
		return apiErr("ValidationException", "Map iteration failure count must be less than or equal to the number of Map iterations")
	}
	if st.Type == asl.TypeParallel && len(list) != len(st.Branches) {
		return apiErr("ValidationException", "Mocked result must contain the same number of items as number of Parallel branches.")
	}
	return nil
}

// runTestState runs the one-state machine on a virtual clock and maps its outcome.
func (s *Server) runTestState(ctx context.Context, req *testStateRequest, ts *testedState, st *asl.State, parsed *asl.StateMachine, start engine.Start) (any, error) {
	// Not Express: the clock is virtual, and a Wait state longer than an Express execution's
	// five minutes passes at once, as TestState does not wait.
	cfg := engine.Config{Region: s.Region, Account: s.Account, EvalLimits: s.EvalLimits, Context: ts.context, TestState: true}
	refused := s.checkTestTask(&cfg)
	in := engine.New(parsed, cfg)
	smName := ids.UUID()
	if start.StateMachineName == "" {
		start.StateMachineName = smName
	}
	if start.StateMachineArn == "" {
		start.StateMachineArn = "arn:aws:states:" + s.Region + ":" + s.Account + ":stateMachine:" + smName
	}
	if start.Name == "" {
		start.Name = ids.UUID()
	}
	if start.ExecutionArn == "" {
		start.ExecutionArn = "arn:aws:states:" + s.Region + ":" + s.Account + ":express:" + smName + ":" + start.Name
	}
	if start.Time.IsZero() {
		start.Time = time.Now().UTC()
	}
	if start.RoleArn == "" {
		start.RoleArn = req.RoleArn
	}
	now := start.Time
	start.Seed = time.Now().UnixNano()
	ctx, cancel := context.WithTimeout(ctx, testStateLimit)
	defer cancel()
	var wire *inspect.Recorder
	if req.InspectionLevel == "TRACE" {
		ctx, wire = inspect.WithRecorder(ctx)
	}
	ex, events, err := runner.Local(ctx, in, start, runner.LocalOptions{TimeSkipping: true, Tasks: s.testTasks(req, st), Logger: s.logger()})
	if err != nil && !errors.Is(err, runner.ErrStuck) {
		return nil, err
	}
	o := readOutcome(ts, events)
	if refused.err != nil {
		o.parameters = &refused.parameters // nothing was scheduled: those the check saw
	}
	out := testResponse(req, ts, st, ex, o)
	if refused.err != nil && out["status"] == "FAILED" {
		// Said without the prefix naming the state, as AWS's TestState was recorded saying
		// a runtime failure (a mocked Map's ItemsPath: test_state_context_object), and as
		// Stepwise said this one before, when the integration refused it at its call.
		out["cause"] = engine.RefusedParameters(refused.parameters, refused.err)
	}
	if failed := mockedMapItems(ts, st, ex, o, now, req.Mock != nil); failed != nil {
		// A mocked Map reads its items before the mock answers: an ItemsPath that reaches no
		// array fails the state, and the inspection data stops at the input path.
		if req.InspectionLevel == "DEBUG" || req.InspectionLevel == "TRACE" {
			failed["inspectionData"] = map[string]any{"input": o.input, "afterInputPath": failed["afterInputPath"]}
		}
		delete(failed, "afterInputPath")
		return failed, nil
	}
	if req.InspectionLevel == "DEBUG" || req.InspectionLevel == "TRACE" {
		data := inspectionData(in, ex, ts, st, o, now)
		if d, ok := out["errorDetails"]; ok {
			data["errorDetails"] = d
		}
		if x, ok := wire.Last(); ok {
			// TRACE shows the HTTP exchange behind the task; secrets only when asked.
			data["request"] = x.Request(req.RevealSecrets)
			data["response"] = x.Response()
		}
		out["inspectionData"] = data
	}
	delete(out, "errorDetails")
	return out, nil
}

// mockedMapItems checks a mocked JSONPath Map's items, which the run (where the Map is a
// task the mock answers) did not read. It returns TestState's FAILED answer, with the
// effective input under afterInputPath, when ItemsPath reaches no array; nil otherwise.
func mockedMapItems(ts *testedState, st *asl.State, ex *engine.Execution, o outcome, now time.Time, mocked bool) map[string]any {
	if !mocked || st.Type != asl.TypeMap || st.QueryLanguage == asl.JSONata || !o.hasInput {
		return nil
	}
	raw, err := value.DecodeString(o.input)
	if err != nil {
		return nil
	}
	p := engine.New(ts.checked, engine.Config{Context: ts.context, TestState: true}).Probe(ex, st.Name, raw, now)
	if p == nil {
		return nil
	}
	eff, err := p.InputPath()
	if err != nil {
		return nil
	}
	if _, errName, cause, ok := p.Items(eff); !ok {
		return map[string]any{"status": "FAILED", "error": errName, "cause": cause, "afterInputPath": value.Encode(eff)}
	}
	return nil
}

// refusal is a Task's parameters that its integration refused before it was scheduled.
type refusal struct {
	parameters string
	err        error
}

// checkTestTask has the run check the Task's parameters as a real execution does before it
// schedules the task (engine.Config.CheckTask), with the integration that would run it,
// mocked or not: a mock stands in for the service's answer, not for the check Step Functions
// makes before it calls, so that TestState predicts what an execution does. The refusal, if
// any, is filled in when the run has ended.
func (s *Server) checkTestTask(cfg *engine.Config) *refusal {
	r := &refusal{}
	c, ok := s.Tasks.(runner.TaskChecker)
	if !ok {
		return r
	}
	cfg.CheckTask = func(t *engine.Task) error {
		err := c.CheckTask(t)
		if err != nil {
			r.parameters, r.err = t.Parameters, err
		}
		return err
	}
	return r
}

// testTasks answers the state's task with the mock, or runs it with the real integration.
func (s *Server) testTasks(req *testStateRequest, st *asl.State) runner.TaskHandler {
	exceeded := req.exceedsTolerance(st)
	return runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) {
		if m := req.Mock; m != nil {
			if exceeded && m.Result != nil {
				return "", &runner.TaskError{Name: "States.ExceedToleratedFailureThreshold", Cause: "The specified tolerated failure threshold was exceeded"}
			}
			if m.Result != nil {
				return *m.Result, nil
			}
			te := &runner.TaskError{}
			if m.ErrorOutput.Error != nil {
				te.Name = *m.ErrorOutput.Error
			}
			if m.ErrorOutput.Cause != nil {
				te.Cause = *m.ErrorOutput.Cause
			}
			return "", te
		}
		if s.Tasks == nil {
			return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "no integration is configured for resource " + t.Resource}
		}
		return s.Tasks.RunTask(ctx, t)
	})
}

// testResponse maps the run's outcome to TestState's answer; errorDetails, if any, belongs in
// the inspection data.
func testResponse(req *testStateRequest, ts *testedState, st *asl.State, ex *engine.Execution, o outcome) map[string]any {
	out := map[string]any{}
	status := "SUCCEEDED"
	var details map[string]any
	if o.failed {
		if o.hasError {
			out["error"] = o.errName
		}
		if o.hasCause {
			out["cause"] = o.cause
		}
		if i, delay, left := retrierFor(st, o.errName, req.retryCount()); i >= 0 {
			details = map[string]any{"retryIndex": i}
			if left {
				details["retryBackoffIntervalSeconds"] = delay
				status = "RETRIABLE"
			}
		}
	}
	switch {
	case status == "RETRIABLE":
	case ex.Status == engine.Succeeded && o.failed:
		status = "CAUGHT_ERROR"
		out["nextState"] = ts.successors[o.entered]
		out["output"] = ex.Output
		for i, c := range st.Catch {
			if catches(c.ErrorEquals, o.errName) {
				if details == nil {
					details = map[string]any{}
				}
				details["catchIndex"] = i
				break
			}
		}
	case ex.Status == engine.Succeeded:
		out["output"] = ex.Output
		if next, ok := ts.successors[o.entered]; ok {
			out["nextState"] = next
		}
	default:
		status = "FAILED"
		if ex.Error != nil {
			out["error"] = *ex.Error
		} else {
			delete(out, "error")
		}
		if ex.Cause != nil {
			out["cause"] = *ex.Cause
		} else {
			delete(out, "cause")
		}
		if ex.Status == engine.Running || ex.Status == engine.TimedOut {
			out["error"], out["cause"] = "States.Timeout", "TestState did not finish within 5 minutes"
		}
	}
	out["status"] = status
	if details != nil {
		out["errorDetails"] = details
	}
	return out
}

func (req *testStateRequest) retryCount() int64 {
	if c := req.StateConfiguration; c != nil && c.RetrierRetryCount != nil {
		return *c.RetrierRetryCount
	}
	return 0
}

// outcome is what the run's history says about the tested state.
type outcome struct {
	input      string
	hasInput   bool
	parameters *string
	result     *string
	exited     *string
	// failed is set when the state raised an error (caught or not) that Retry could see.
	failed             bool
	errName, cause     string
	hasError, hasCause bool
	// entered is the placeholder state entered after the tested one.
	entered string
}

func readOutcome(ts *testedState, events []history.Event) outcome {
	var o outcome
	for _, ev := range events {
		switch d := ev.Details.(type) {
		case *history.StateEntered:
			if d.Name == ts.name && !o.hasInput {
				o.input, o.hasInput = d.Input, true
			} else if _, ok := ts.successors[d.Name]; ok {
				o.entered = d.Name
			}
		case *history.StateExited:
			if d.Name == ts.name {
				o.exited = &d.Output
			}
		case *history.TaskScheduled:
			o.parameters = &d.Parameters
		case *history.LambdaScheduled:
			o.parameters = &d.Input
		case *history.ActivityScheduled:
			o.parameters = &d.Input
		case *history.TaskOutput:
			if ev.Type == "TaskSucceeded" {
				o.result = &d.Output
			}
		case *history.Output:
			if ev.Type == "LambdaFunctionSucceeded" || ev.Type == "ActivitySucceeded" {
				o.result = &d.Output
			}
		case *history.TaskFailure:
			o.fail(d.Error, d.Cause)
		case *history.Failure:
			if strings.HasPrefix(ev.Type, "LambdaFunction") || strings.HasPrefix(ev.Type, "Activity") || strings.HasPrefix(ev.Type, "Task") {
				o.fail(d.Error, d.Cause)
			}
		case *history.EvaluationFailed:
			if d.State == ts.name {
				o.fail(&d.Error, &d.Cause)
			}
		}
	}
	return o
}

func (o *outcome) fail(name, cause *string) {
	if o.failed {
		return
	}
	o.failed = true
	if name != nil {
		o.errName, o.hasError = *name, true
	}
	if cause != nil {
		o.cause, o.hasCause = *cause, true
	}
}

// retrierFor finds the first retrier that matches an error, as the engine does: its index,
// the delay before the next attempt and whether attempts are left after count retries.
func retrierFor(st *asl.State, errName string, count int64) (int, int64, bool) {
	if errName == "States.Runtime" {
		return -1, 0, false
	}
	for i, r := range st.Retry {
		if !catches(r.ErrorEquals, errName) {
			continue
		}
		if count >= r.MaxAttempts {
			return i, 0, false
		}
		delay := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(count))
		if r.MaxDelaySeconds != nil && delay > float64(*r.MaxDelaySeconds) {
			delay = float64(*r.MaxDelaySeconds)
		}
		return i, int64(delay), true
	}
	return -1, 0, false
}

// catches reports whether an ErrorEquals list covers an error, with the engine's rules.
func catches(errorEquals []string, name string) bool {
	for _, e := range errorEquals {
		switch {
		case e == name:
			return true
		case e == "States.ALL":
			return name != "States.Runtime"
		case e == "States.TaskFailed":
			if name != "States.Timeout" && name != "States.Runtime" && name != "States.HeartbeatTimeout" {
				return true
			}
		}
	}
	return false
}

// inspectionData builds the inspection data of DEBUG and TRACE: the data after each step of the
// state's input and output processing.
func inspectionData(in *engine.Interpreter, ex *engine.Execution, ts *testedState, st *asl.State, o outcome, now time.Time) map[string]any {
	data := map[string]any{}
	if !o.hasInput {
		return data
	}
	data["input"] = o.input
	if len(ex.Vars) > 0 {
		data["variables"] = value.Encode(ex.Vars)
	}
	if st.Type == asl.TypeMap {
		mapLimits(st, data)
		if raw, err := value.DecodeString(o.input); err == nil && o.hasInput {
			// Limits written as expressions or paths, evaluated as the Map would.
			if p := engine.New(ts.checked, engine.Config{Context: ts.context, TestState: true}).Probe(ex, st.Name, raw, now); p != nil {
				if max, count, pct, err := p.MapLimits(); err == nil {
					data["maxConcurrency"] = max
					if count >= 0 {
						data["toleratedFailureCount"] = count
					}
					if pct >= 0 {
						data["toleratedFailurePercentage"] = pct
					}
				}
			}
		}
	}
	if st.QueryLanguage == asl.JSONata {
		if st.Type == asl.TypeTask {
			if o.parameters != nil {
				data["afterArguments"] = *o.parameters
			}
			if o.result != nil {
				data["result"] = *o.result
			}
		}
		return data
	}
	raw, err := value.DecodeString(o.input)
	if err != nil {
		return data
	}
	p := in.Probe(ex, ts.name, raw, now)
	if p == nil {
		return data
	}
	switch st.Type {
	case asl.TypeMap, asl.TypeParallel:
		if st.Type == asl.TypeMap {
			if eff, err := p.InputPath(); err == nil {
				data["afterInputPath"] = value.Encode(eff)
				// The run's machine has the Map as a Task: ItemsPath is the original's.
				orig := engine.New(ts.checked, engine.Config{Context: ts.context, TestState: true}).Probe(ex, st.Name, raw, now)
				if items, err := orig.ItemsPath(eff); err == nil {
					data["afterItemsPath"] = value.Encode(items)
				}
			}
		}
		if o.result != nil && !o.failed {
			resultOutput(p, data, *o.result)
			delete(data, "result")
		}
		return data
	case asl.TypePass:
		if st.HasResult { // the Result, whatever Parameters says, as AWS answers
			data["result"] = value.Encode(st.Result)
			resultOutput(p, data, data["result"].(string))
			return data
		}
		eff, err := p.InputPath()
		if err != nil {
			return data
		}
		data["afterInputPath"] = value.Encode(eff)
		params, err := p.Parameters(eff)
		if err != nil {
			return data
		}
		data["afterParameters"] = value.Encode(params)
		if !o.failed {
			resultOutput(p, data, value.Encode(params))
			delete(data, "result")
		}
		return data
	case asl.TypeTask:
		if eff, err := p.InputPath(); err == nil {
			data["afterInputPath"] = value.Encode(eff)
		}
		if o.parameters != nil {
			data["afterParameters"] = *o.parameters
		}
		if o.result != nil {
			data["result"] = *o.result
			if !o.failed {
				resultOutput(p, data, *o.result)
			}
		}
		return data
	default:
		if eff, err := p.InputPath(); err == nil {
			data["afterInputPath"] = value.Encode(eff)
		}
		return data
	}
}

// resultOutput adds the result, after ResultSelector and after ResultPath.
func resultOutput(p *engine.Probe, data map[string]any, resultText string) {
	data["result"] = resultText
	result, err := value.DecodeString(resultText)
	if err != nil {
		result = resultText
	}
	sel, err := p.ResultSelector(result)
	if err != nil {
		return
	}
	data["afterResultSelector"] = value.Encode(sel)
	if out, err := p.ResultPath(sel); err == nil {
		data["afterResultPath"] = value.Encode(out)
	}
}

// mapLimits adds a Map state's concurrency and tolerated failures, when given as numbers.
func mapLimits(st *asl.State, data map[string]any) {
	data["maxConcurrency"] = 0
	if f := st.MaxConcurrency; f != nil && f.Value != nil {
		data["maxConcurrency"] = *f.Value
	}
	if f := st.ToleratedFailureCount; f != nil && f.Value != nil {
		data["toleratedFailureCount"] = *f.Value
	}
	if f := st.ToleratedFailurePercentage; f != nil && f.Value != nil {
		data["toleratedFailurePercentage"] = *f.Value
	}
}

// exceedsTolerance reports whether stateConfiguration.mapIterationFailureCount failed
// iterations are more than a mocked Map state tolerates. A Map without ToleratedFailureCount
// or ToleratedFailurePercentage has no threshold to exceed: AWS answers it SUCCEEDED with
// the mock's result (test_state/test_state_configuration, BASE_MAP_STATE).
func (req *testStateRequest) exceedsTolerance(st *asl.State) bool {
	c := req.StateConfiguration
	if st.Type != asl.TypeMap || c == nil || c.MapIterationFailureCount == nil || *c.MapIterationFailureCount == 0 {
		return false
	}
	if st.ToleratedFailureCount == nil && st.ToleratedFailurePercentage == nil {
		return false
	}
	failed := *c.MapIterationFailureCount
	if f := st.ToleratedFailureCount; f != nil && f.Value != nil && failed <= *f.Value {
		return false
	}
	if f := st.ToleratedFailurePercentage; f != nil && f.Value != nil && req.Mock.Result != nil {
		v, _ := value.DecodeString(*req.Mock.Result)
		if list, ok := v.([]any); ok && len(list) > 0 && float64(failed)*100/float64(len(list)) <= *f.Value {
			return false
		}
	}
	return true
}
