package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/execlog"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

const (
	// maxPayload bounds an execution's input and a task's output (runner.MaxPayloadBytes).
	// The run's own limit on every state's input and output is the same number of bytes
	// (engine.Config.MaxPayloadBytes).
	maxPayload  = runner.MaxPayloadBytes
	maxErrorLen = 256
	maxCauseLen = 32768
	// expressLimit bounds an Express execution's run in memory. The engine itself times the
	// execution out after AWS's five minutes (TIMED_OUT, States.Timeout, its running tasks
	// cancelled); this is a backstop a minute later, should a task not return when told to.
	expressLimit = 6 * time.Minute
)

// checkInput validates an execution input as StartExecution does; absent input is "{}".
func checkInput(in *string) (string, error) {
	if in == nil {
		return "{}", nil
	}
	if problem := runner.InputLength(*in); problem != "" {
		return "", validation(problem)
	}
	if msg := runner.InvalidInput(*in); msg != "" {
		return "", apiErr("InvalidExecutionInput", "%s", msg)
	}
	return *in, nil
}

type startRequest struct {
	StateMachineArn string  `json:"stateMachineArn"`
	Name            *string `json:"name"`
	Input           *string `json:"input"`
	TraceHeader     string  `json:"traceHeader"`
	// IncludedData is StartSyncExecution's only (StartExecution has no such member).
	IncludedData string `json:"includedData"`
}

func (r *startRequest) decode(body []byte) error {
	if decodeFlat(body, []flatField{{name: "stateMachineArn", str: &r.StateMachineArn}, {name: "name", ptr: &r.Name},
		{name: "input", ptr: &r.Input}, {name: "traceHeader", str: &r.TraceHeader}, {name: "includedData", str: &r.IncludedData}}) {
		return nil
	}
	return decode(body, r)
}

// modelProblems is what AWS's request validation finds wrong with a start by the API
// model's bounds, in the model's order, before the state machine is looked up: the name's
// length, the input's (a sensitive member, named without its value), the trace header's
// length and its ASCII pattern.
func (r *startRequest) modelProblems(sync bool) []string {
	var problems []string
	if r.Name != nil {
		if problem := runner.NameLength(*r.Name); problem != "" {
			problems = append(problems, problem)
		}
	}
	if r.Input != nil {
		if problem := runner.InputLength(*r.Input); problem != "" {
			problems = append(problems, problem)
		}
	}
	problems = append(problems, runner.TraceHeaderProblems(r.TraceHeader)...)
	if sync {
		if problem := includedDataProblem(r.IncludedData); problem != "" {
			problems = append(problems, problem)
		}
	}
	return problems
}

// start is a checked StartExecution or StartSyncExecution request: sm is what runs (a
// version's definition when started on a version or an alias, see startTarget), testCase the
// mock test case named after "#" in the ARN.
type start struct {
	sm                                 *store.StateMachine
	via                                origin
	name, input, testCase, traceHeader string
}

// startRequest reads a StartExecution or StartSyncExecution request. The request is decoded
// once, here.
func (s *Server) startRequest(ctx context.Context, body []byte, sync bool) (st start, err error) {
	var req startRequest
	if err := req.decode(body); err != nil {
		return st, err
	}
	if problems := req.modelProblems(sync); len(problems) > 0 {
		return st, validation(problems...)
	}
	req.StateMachineArn, st.testCase = splitTestCase(req.StateMachineArn)
	if err := refuseLabeled(req.StateMachineArn); err != nil {
		return st, err
	}
	st.sm, st.via.version, st.via.alias, err = s.startTarget(ctx, req.StateMachineArn)
	if err != nil {
		return st, err
	}
	st.name = ids.UUID()
	if req.Name != nil {
		st.name = *req.Name
		if !runner.ValidName(st.name) {
			return st, apiErr("InvalidName", "Invalid Name: '%s'", st.name)
		}
	}
	if st.input, err = checkInput(req.Input); err != nil {
		return st, err
	}
	st.traceHeader = req.TraceHeader
	if h, ok := ctx.Value(traceHeaderKey{}).(string); ok && usableTraceHeader(h) {
		st.traceHeader = h // as AWS: the HTTP header over the body's traceHeader
	}
	return st, nil
}

// traceIDHeader is the HTTP header AWS services take an X-Ray trace header in (canonical, to
// index http.Header without canonicalizing it at every request).
const traceIDHeader = "X-Amzn-Trace-Id"

// traceHeaderKey carries a StartExecution or StartSyncExecution request's X-Amzn-Trace-Id.
type traceHeaderKey struct{}

// usableTraceHeader reports whether an X-Amzn-Trace-Id header meets the constraints of the
// traceHeader member. AWS documents no error for a header that does not; Stepwise ignores it
// (the body's traceHeader, if any, is used), so that a caller's tracing never makes a start
// fail.
func usableTraceHeader(h string) bool {
	return h != "" && len(runner.TraceHeaderProblems(h)) == 0
}

func (s *Server) startExecution(ctx context.Context, body []byte) (_ any, err error) {
	st, err := s.startRequest(ctx, body, false)
	if err != nil {
		return nil, err
	}
	sm, name, input, testCase := st.sm, st.name, st.input, st.testCase
	if sm.Type == "EXPRESS" {
		return s.startExpressAsync(sm, name, input, st.traceHeader)
	}
	parent := parentOf(input)
	if testCase != "" {
		arn := runner.ExecutionArn(sm.Arn, name)
		if err := s.bindTestCase(arn, sm.Name, testCase); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				s.Mocks.Unbind(arn)
			}
		}()
	}
	ex, err := s.Node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: name, Input: input, ParentArn: parent,
		VersionArn: st.via.version, AliasArn: st.via.alias, TraceHeader: st.traceHeader})
	if errors.Is(err, store.ErrExists) {
		arn := runner.ExecutionArn(sm.Arn, name)
		old, gerr := s.Store.GetExecution(ctx, arn)
		if gerr != nil {
			return nil, gerr
		}
		// StartExecution is idempotent for a running execution started with the same input.
		if old.Status != string(engine.Running) || old.Input != input {
			return nil, apiErr("ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
		}
		ex = old
	} else if err != nil {
		return nil, err
	}
	out := newObject()
	out.str("executionArn", ex.Arn)
	out.epoch("startDate", ex.StartedAt)
	return out, nil
}

// parentOf finds the execution that started this one: a Task state that starts an
// execution passes $$.Execution.Id as AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.
func parentOf(input string) string {
	if !strings.Contains(input, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID") {
		return ""
	}
	var v map[string]any
	if json.Unmarshal([]byte(input), &v) != nil {
		return ""
	}
	p, _ := v["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"].(string)
	return p
}

// expressResult is an Express execution's outcome.
type expressResult struct {
	arn       string
	ex        *engine.Execution
	startedAt time.Time
}

// NewExpressArn makes a new Express execution's ARN: ...:express:MACHINE:NAME:UUID.
func (s *Server) NewExpressArn(smArn, name string) string {
	return strings.Replace(runner.ExecutionArn(smArn, name), ":execution:", ":express:", 1) + ":" + ids.UUID()
}

// runExpress runs an Express execution in memory, on the real clock, within the 5-minute
// limit (as AWS, a longer one times out), under the ARN given. Its tasks run at the same
// time as they would on a node (runner.Local).
func (s *Server) runExpress(ctx context.Context, sm *store.StateMachine, arn, name, input, traceHeader string, now time.Time, sync bool) (*expressResult, error) {
	in, err := s.Node.Interpreter(sm) // parsed once per revision (a third of the time of a short run)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, expressLimit)
	defer cancel()
	opts := runner.LocalOptions{Tasks: s.Tasks, NoHistory: true, Logger: s.logger()}
	var hear []func([]history.Event)
	if s.ExecutionLogs != nil || s.ExpressLogs != nil {
		if cfg := execlog.ParseConfig(sm.Config); cfg.Level != execlog.Off {
			hear = append(hear, func(evs []history.Event) {
				s.ExecutionLogs.EventsWith(cfg, arn, 0, evs)
				s.ExpressLogs.Add(cfg, sm.Arn, arn, evs)
			})
		}
	}
	if s.Tracer != nil && runner.TracingEnabled(sm.Config) {
		row := &store.Execution{Arn: arn, Name: name, StateMachineArn: sm.Arn, StartedAt: now,
			ParentArn: parentOf(input), TraceHeader: traceHeader}
		ctx = s.Tracer.Begin(ctx, row) // what its tasks call is in its trace
		defer s.Tracer.Forget(arn)     // one given up (runner.ErrStuck, ErrInternal) has no end event
		hear = append(hear, func(evs []history.Event) { s.Tracer.Observe(ctx, row, evs) })
		opts.TaskContext = func(ctx context.Context, t *engine.Task) context.Context { return s.Tracer.TaskContext(ctx, arn, t) }
	}
	switch len(hear) {
	case 1:
		opts.OnEvents = hear[0]
	case 2:
		opts.OnEvents = func(evs []history.Event) { hear[0](evs); hear[1](evs) }
	}
	ex, _, err := runner.Local(ctx, in, engine.Start{
		ExecutionArn: arn, Name: name, StateMachineArn: sm.Arn, StateMachineName: sm.Name,
		RoleArn: sm.RoleArn, Input: input, Time: now, Seed: now.UnixNano(), Sync: sync,
	}, opts)
	if err != nil && !errors.Is(err, runner.ErrStuck) {
		return nil, err
	}
	return &expressResult{arn: arn, ex: ex, startedAt: now}, nil
}

// billedMillis is an Express execution's billed duration: its duration rounded up to the next
// 100 ms, as AWS bills Express workflows.
func billedMillis(d time.Duration) int64 {
	const unit = 100 * time.Millisecond
	return int64((max(d, 1) + unit - 1) / unit * unit / time.Millisecond)
}

func (s *Server) startExpressAsync(sm *store.StateMachine, name, input, traceHeader string) (any, error) {
	// The execution runs under the ARN answered (its $$.Execution.Id, its logs).
	arn := s.NewExpressArn(sm.Arn, name)
	now := time.Now().UTC()
	go func() {
		if _, err := s.runExpress(context.Background(), sm, arn, name, input, traceHeader, now, false); err != nil {
			s.logger().Error("express execution", "execution", arn, "err", err)
		}
	}()
	return map[string]any{"executionArn": arn, "startDate": epoch(now)}, nil
}

// RunExpressChild runs to its end an Express execution that a Task state of another
// execution started (integration.Starter), as StartExecution runs one: in memory,
// within the 5-minute limit, logged and traced as its state machine says, under the ARN and
// start date the task answered (NewExpressArn). Its end is answered as an execution's row, a
// TIMED_OUT one if it ran out of time; a non-nil error means it could not run.
func (s *Server) RunExpressChild(ctx context.Context, sm *store.StateMachine, arn, name, input, traceHeader string, started time.Time) (*store.Execution, error) {
	res, err := s.runExpress(ctx, sm, arn, name, input, traceHeader, started, false)
	if err != nil {
		s.logger().Error("express execution", "execution", arn, "err", err)
		return nil, err
	}
	ex := res.ex
	stop := ex.StopTime
	if stop.IsZero() {
		stop = time.Now().UTC()
	}
	row := &store.Execution{Arn: arn, StateMachineArn: sm.Arn, Name: name, Input: input, StartedAt: started,
		StoppedAt: &stop, Status: string(ex.Status), Error: ex.Error, Cause: ex.Cause, TraceHeader: traceHeader}
	switch ex.Status {
	case engine.Running:
		row.Status = string(engine.TimedOut)
	case engine.Succeeded:
		out := ex.Output
		row.Output = &out
	}
	return row, nil
}

func (s *Server) startSyncExecution(ctx context.Context, body []byte) (any, error) {
	st, err := s.startRequest(ctx, body, true)
	if err != nil {
		return nil, err
	}
	sm, name, input, testCase := st.sm, st.name, st.input, st.testCase
	if sm.Type != "EXPRESS" {
		return nil, apiErr("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
	}
	arn := s.NewExpressArn(sm.Arn, name)
	// A synchronous Express execution runs its mocked test case as StartExecution's do; it
	// ends within this call, and so does its binding.
	if testCase != "" {
		if err := s.bindTestCase(arn, sm.Name, testCase); err != nil {
			return nil, err
		}
		defer s.Mocks.Unbind(arn)
	}
	// The execution runs to its end whether or not the caller waits for the answer (a client
	// that timed out, API Gateway's 29 s): its tasks' effects do not depend on the connection.
	res, err := s.runExpress(context.WithoutCancel(ctx), sm, arn, name, input, st.traceHeader, time.Now().UTC(), true)
	if err != nil {
		return nil, err
	}
	ex := res.ex
	stop := ex.StopTime
	if stop.IsZero() {
		stop = time.Now().UTC()
	}
	out := newObject()
	out.str("executionArn", res.arn)
	out.str("stateMachineArn", sm.Arn)
	out.str("name", name)
	out.epoch("startDate", res.startedAt)
	out.epoch("stopDate", stop)
	out.str("status", string(ex.Status))
	out.str("input", input)
	out.raw("inputDetails", included)
	billed := billedMillis(stop.Sub(res.startedAt))
	out.raw("billingDetails", `{"billedDurationInMilliseconds":`+strconv.FormatInt(billed, 10)+`,"billedMemoryUsedInMB":64}`)
	if ex.Status == engine.Running {
		out.str("status", string(engine.TimedOut))
	}
	if ex.Status == engine.Succeeded {
		out.str("output", ex.Output)
	}
	// AWS answers outputDetails whether or not there is an output (a FAILED execution's
	// answer has it too: express/test_express_sync).
	out.raw("outputDetails", included)
	if ex.Error != nil {
		out.str("error", *ex.Error)
	}
	if ex.Cause != nil {
		out.str("cause", *ex.Cause)
	}
	if st.traceHeader != "" {
		out.str("traceHeader", st.traceHeader)
	}
	return out, nil
}

// includedDataProblem is what the model's enum finds wrong with includedData (DescribeExecution,
// DescribeStateMachine, DescribeStateMachineForExecution, StartSyncExecution), or "". Both
// values answer the same: Stepwise encrypts nothing, so there is no data to leave out.
func includedDataProblem(v string) string {
	if v == "" || v == "ALL_DATA" || v == "METADATA_ONLY" {
		return ""
	}
	return fmt.Sprintf("Value '%s' at 'includedData' failed to satisfy constraint: Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]", v)
}

func checkIncludedData(v string) error {
	if problem := includedDataProblem(v); problem != "" {
		return validation(problem)
	}
	return nil
}

// execution looks up a Standard execution by ARN with AWS's errors.
func (s *Server) execution(ctx context.Context, arn string) (*store.Execution, error) {
	if strings.HasPrefix(arn, "arn:") && resourceType(arn) == "express" {
		return nil, apiErr("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'")
	}
	if err := checkArn(arn, "execution"); err != nil {
		return nil, err
	}
	ex, err := s.Store.GetExecution(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiErr("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn)
	}
	return ex, err
}

func (s *Server) describeExecution(ctx context.Context, body []byte) (any, error) {
	var req struct {
		ExecutionArn string `json:"executionArn"`
		IncludedData string `json:"includedData"`
	}
	if !decodeFlat(body, []flatField{{name: "executionArn", str: &req.ExecutionArn}, {name: "includedData", str: &req.IncludedData}}) {
		if err := decode(body, &req); err != nil {
			return nil, err
		}
	}
	if err := checkIncludedData(req.IncludedData); err != nil {
		return nil, err
	}
	ex, err := s.execution(ctx, req.ExecutionArn)
	if err != nil {
		return nil, err
	}
	return s.describedExecution(ex), nil
}

// describedExecution is DescribeExecution's answer for a stored execution.
func (s *Server) describedExecution(ex *store.Execution) *object {
	out := newObject()
	out.str("executionArn", ex.Arn)
	out.str("stateMachineArn", ex.StateMachineArn)
	out.str("name", ex.Name)
	out.str("status", ex.Status)
	out.epoch("startDate", ex.StartedAt)
	out.str("input", ex.Input)
	out.raw("inputDetails", included)
	if ex.StoppedAt != nil {
		out.epoch("stopDate", *ex.StoppedAt)
	}
	if ex.Output != nil {
		out.str("output", *ex.Output)
		out.raw("outputDetails", included)
	}
	// A timed-out execution's States.Timeout is in its history (ExecutionTimedOut), not in
	// its description: AWS gives error and cause for a failed execution only
	// (timeouts/test_timeouts' test_global_timeout).
	if ex.Error != nil && ex.Status != "TIMED_OUT" {
		out.str("error", *ex.Error)
	}
	if ex.Cause != nil && ex.Status != "TIMED_OUT" {
		out.str("cause", *ex.Cause)
	}
	s.addRedrive(out, ex)
	if ex.VersionArn != "" { // as addOrigin
		out.str("stateMachineVersionArn", ex.VersionArn)
	}
	if ex.AliasArn != "" {
		out.str("stateMachineAliasArn", ex.AliasArn)
	}
	if ex.MapRunArn != "" {
		out.str("mapRunArn", ex.MapRunArn)
	}
	if ex.TraceHeader != "" {
		out.str("traceHeader", ex.TraceHeader)
	}
	if ex.ParentArn != "" {
		// An extension AWS clients ignore: the execution that started this one.
		out.str("stepwiseParentExecutionArn", ex.ParentArn)
	}
	return out
}

func (s *Server) describeStateMachineForExecution(ctx context.Context, body []byte) (any, error) {
	var req struct {
		ExecutionArn string `json:"executionArn"`
		IncludedData string `json:"includedData"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if err := checkIncludedData(req.IncludedData); err != nil {
		return nil, err
	}
	ex, err := s.execution(ctx, req.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if ex.MapRunArn != "" {
		return s.describeMapRunMachine(ctx, ex)
	}
	sm, err := s.machineOf(ctx, ex)
	if err != nil {
		return nil, err
	}
	out := describeSM(sm)
	delete(out, "status")
	delete(out, "type")
	delete(out, "creationDate")
	out["updateDate"] = epoch(sm.UpdatedAt)
	return out, nil
}

// machineOf returns the state machine as the execution runs it: the version it was started
// on, else the revision it started with, whatever was updated since.
func (s *Server) machineOf(ctx context.Context, ex *store.Execution) (*store.StateMachine, error) {
	sm, err := s.stateMachine(ctx, ex.StateMachineArn)
	if err != nil {
		return nil, err
	}
	switch {
	case ex.VersionArn != "":
		return s.versionForExecution(ctx, sm, ex.VersionArn)
	case ex.RevisionID != "" && ex.RevisionID != sm.RevisionID:
		rev, err := s.Store.GetRevision(ctx, sm.Arn, ex.RevisionID)
		if errors.Is(err, store.ErrNotFound) {
			return sm, nil // executions stored before revisions were kept
		}
		return rev, err
	}
	return sm, nil
}

var statuses = []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}

func (s *Server) listExecutions(ctx context.Context, body []byte) (any, error) {
	var req struct {
		StateMachineArn string `json:"stateMachineArn"`
		MapRunArn       string `json:"mapRunArn"`
		StatusFilter    string `json:"statusFilter"`
		paging
		RedriveFilter string `json:"redriveFilter"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	pg, err := req.pageUpTo(maxListExecutionsToken)
	if err != nil {
		return nil, err
	}
	if req.StatusFilter != "" && !contains(statuses, req.StatusFilter) {
		return nil, validation(fmt.Sprintf("Value '%s' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]", req.StatusFilter))
	}
	if req.StatusFilter == "PENDING_REDRIVE" && req.MapRunArn == "" {
		// The API reference: PENDING_REDRIVE needs a mapRunArn, and with a stateMachineArn "the
		// API returns a validation exception" (its message is not recorded; this one is ours).
		return nil, apiErr("ValidationException", "The status filter PENDING_REDRIVE lists the child executions of a Map Run: it needs a mapRunArn, not a stateMachineArn")
	}
	var redriven *bool
	switch req.RedriveFilter {
	case "":
	case "REDRIVEN", "NOT_REDRIVEN":
		r := req.RedriveFilter == "REDRIVEN"
		redriven = &r
	default:
		return nil, validation(fmt.Sprintf("Value '%s' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]", req.RedriveFilter))
	}
	filter, err := s.listExecutionsFilter(ctx, req.StateMachineArn, req.MapRunArn)
	if err != nil {
		return nil, err
	}
	filter.Status = req.StatusFilter
	filter.Redriven = redriven
	exs, next, err := s.Store.ListExecutions(ctx, filter, pg)
	if err != nil {
		return nil, tokenErr(err)
	}
	items := make([]map[string]any, 0, len(exs))
	for _, ex := range exs {
		item := map[string]any{"executionArn": ex.Arn, "stateMachineArn": ex.StateMachineArn, "name": ex.Name,
			"status": ex.Status, "startDate": epoch(ex.StartedAt)}
		if ex.StoppedAt != nil {
			item["stopDate"] = epoch(*ex.StoppedAt)
		}
		// AWS lists redriveCount 0 for an execution never redriven (recorded since 2024 in
		// test_sfn_api and test_sfn_api_aliasing), redriveDate only once redriven.
		item["redriveCount"] = ex.RedriveCount
		if ex.RedriveDate != nil {
			item["redriveDate"] = epoch(*ex.RedriveDate)
		}
		addOrigin(item, ex)
		if ex.MapRunArn != "" {
			item["mapRunArn"] = ex.MapRunArn
		}
		items = append(items, item)
	}
	return listed("executions", items, next), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) getExecutionHistory(ctx context.Context, body []byte) (any, error) {
	var req struct {
		ExecutionArn         string `json:"executionArn"`
		ReverseOrder         bool   `json:"reverseOrder"`
		IncludeExecutionData *bool  `json:"includeExecutionData"`
		paging
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	pg, err := req.page()
	if err != nil {
		return nil, err
	}
	ex, err := s.execution(ctx, req.ExecutionArn)
	if err != nil {
		return nil, err
	}
	// The token is the id of the last event returned: stable however long the history grows.
	cursor := int64(0)
	if req.NextToken != "" {
		c, err := strconv.ParseInt(strings.TrimPrefix(req.NextToken, "h."), 10, 64)
		if err != nil || !strings.HasPrefix(req.NextToken, "h.") || c < 0 {
			return nil, apiErr("InvalidToken", "Invalid Token: 'Invalid token'")
		}
		cursor = c
	}
	n := pg.Limit
	events, err := s.Store.History(ctx, ex.Arn, cursor, n, req.ReverseOrder)
	if err != nil {
		return nil, err
	}
	if events == nil {
		events = []history.Event{}
	}
	out := map[string]any{"events": events}
	if req.IncludeExecutionData != nil && !*req.IncludeExecutionData {
		out["events"] = eventsWithoutData(events)
	}
	if len(events) == n {
		last := events[len(events)-1].ID
		if (!req.ReverseOrder && last < ex.LastEventID) || (req.ReverseOrder && last > 1) {
			out["nextToken"] = "h." + strconv.FormatInt(last, 10)
		}
	}
	return out, nil
}

// eventsWithoutData are history events as GetExecutionHistory answers them with
// includeExecutionData false: their details without the input, output, parameters, results
// and assigned variables, as Step Functions' execution logs without execution data
// (history.AppendDetailsWithoutData).
type eventsWithoutData []history.Event

func (evs eventsWithoutData) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 128*len(evs)+2), '[')
	for i, e := range evs {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = e.AppendJSONWithoutData(b); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func (s *Server) stopExecution(ctx context.Context, body []byte) (any, error) {
	var req struct {
		ExecutionArn string  `json:"executionArn"`
		Error        *string `json:"error"`
		Cause        *string `json:"cause"`
	}
	if err := decode(body, &req); err != nil {
		return nil, err
	}
	if req.Error != nil && utf8.RuneCountInString(*req.Error) > maxErrorLen {
		return nil, validation("Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256")
	}
	if req.Cause != nil && utf8.RuneCountInString(*req.Cause) > maxCauseLen {
		return nil, validation("Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to 32768")
	}
	ex, err := s.execution(ctx, req.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if ex.MapRunArn != "" && ex.Status == string(engine.Running) {
		// Its parent runs it; stop the parent, or let the run's tolerance decide.
		return nil, apiErr("ValidationException", "Execution '%s' is a child execution of Map Run '%s'; stop its parent execution instead", ex.Arn, ex.MapRunArn)
	}
	if ex.Status == string(engine.Running) {
		var e, c string
		if req.Error != nil {
			e = *req.Error
		}
		if req.Cause != nil {
			c = *req.Cause
		}
		if err := s.Node.Stop(ctx, ex.Arn, e, c, req.Error != nil, req.Cause != nil); err != nil {
			return nil, err
		}
		if ex, err = s.Store.GetExecution(ctx, ex.Arn); err != nil {
			return nil, err
		}
	}
	stop := time.Now().UTC()
	if ex.StoppedAt != nil {
		stop = *ex.StoppedAt
	}
	return map[string]any{"stopDate": epoch(stop)}, nil
}

type taskTokenRequest struct {
	TaskToken string  `json:"taskToken"`
	Output    *string `json:"output"`
	Error     *string `json:"error"`
	Cause     *string `json:"cause"`
}

// maxTaskToken is the longest taskToken the API model allows.
const maxTaskToken = 2048

// modelProblems is what AWS's request validation finds wrong with a SendTask* request, by
// the API model's bounds, in the model's order; it is answered before the token is looked at.
// error and cause are sensitive members: their values are not shown.
func (r *taskTokenRequest) modelProblems(kind engine.EventKind) []string {
	var problems []string
	switch n := utf8.RuneCountInString(r.TaskToken); {
	case n < 1:
		problems = append(problems, "Value '' at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case n > maxTaskToken:
		problems = append(problems, fmt.Sprintf("Value '%s' at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to %d", r.TaskToken, maxTaskToken))
	}
	switch kind {
	case engine.TaskSucceeded:
		if r.Output != nil && len(*r.Output) > maxPayload {
			problems = append(problems, "Value at 'output' failed to satisfy constraint: Member must have length less than or equal to 262144")
		}
	case engine.TaskFailed:
		if r.Error != nil && utf8.RuneCountInString(*r.Error) > maxErrorLen {
			problems = append(problems, "Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256")
		}
		if r.Cause != nil && utf8.RuneCountInString(*r.Cause) > maxCauseLen {
			problems = append(problems, "Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to 32768")
		}
	}
	return problems
}

func (s *Server) answer(ctx context.Context, body []byte, kind engine.EventKind) (any, error) {
	token, ev, err := Callback(body, kind, func(token string) error { return s.checkTaskOpen(ctx, token) })
	if err != nil {
		return nil, err
	}
	err = s.Node.Answer(ctx, token, ev)
	if errors.Is(err, store.ErrNotFound) {
		return nil, taskClosed()
	}
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// Callback reads a SendTaskSuccess, SendTaskFailure or SendTaskHeartbeat request (kind
// TaskSucceeded, TaskFailed or TaskHeartbeat) into its task token and the event that answers
// the task, with AWS's checks in AWS's order; open says whether a task waits with the token
// (an *Error when none does). The API reads callbacks with it, and so does stepwise test's
// endpoint for the task tokens of the functions it runs.
func Callback(body []byte, kind engine.EventKind, open func(token string) error) (string, engine.Event, error) {
	var req taskTokenRequest
	if err := decode(body, &req); err != nil {
		return "", engine.Event{}, err
	}
	if problems := req.modelProblems(kind); len(problems) > 0 {
		return "", engine.Event{}, validation(problems...)
	}
	if len(req.TaskToken) > 1024 {
		return "", engine.Event{}, apiErr("InvalidToken", "Invalid Token: 'Invalid token'")
	}
	ev := engine.Event{Kind: kind}
	switch kind {
	case engine.TaskSucceeded:
		if req.Output == nil {
			return "", engine.Event{}, validation("Value null at 'output' failed to satisfy constraint: Member must not be null")
		}
		// AWS looks at the token before the output (recorded: an unknown token with output
		// that is not JSON gets InvalidToken).
		if err := open(req.TaskToken); err != nil {
			return "", engine.Event{}, err
		}
		if msg := runner.JSONProblem(*req.Output); msg != "" {
			return "", engine.Event{}, apiErr("InvalidOutput", "Invalid State Machine Output: '%s'", msg)
		}
		ev.Output = *req.Output
		return req.TaskToken, ev, nil
	case engine.TaskFailed:
		if req.Error != nil {
			ev.Error, ev.HasError = *req.Error, true
		}
		if req.Cause != nil {
			ev.Cause, ev.HasCause = *req.Cause, true
		}
	}
	if err := open(req.TaskToken); err != nil {
		return "", engine.Event{}, err
	}
	return req.TaskToken, ev, nil
}

func (s *Server) sendTaskSuccess(ctx context.Context, body []byte) (any, error) {
	return s.answer(ctx, body, engine.TaskSucceeded)
}

func (s *Server) sendTaskFailure(ctx context.Context, body []byte) (any, error) {
	return s.answer(ctx, body, engine.TaskFailed)
}

func (s *Server) sendTaskHeartbeat(ctx context.Context, body []byte) (any, error) {
	return s.answer(ctx, body, engine.TaskHeartbeat)
}
