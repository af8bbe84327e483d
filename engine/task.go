package engine

import (
	"fmt"
	"strings"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/history"
)

// Resource is a Task state's Resource, classified.
type Resource struct {
	// Kind is "task" for service integrations (arn:aws:states:::service:api), "lambda" for a
	// bare Lambda function ARN and "activity" for an activity ARN.
	Kind string
	// Type and Name are how history names a service integration: "lambda" and "invoke",
	// "aws-sdk:s3" and "listBuckets", "states" and "startExecution.sync".
	Type string
	Name string
	// Pattern is "", ".sync", ".sync:2" or ".waitForTaskToken".
	Pattern string
}

// ParseResource classifies a Resource ARN.
func ParseResource(arn string) Resource {
	parts := strings.SplitN(arn, ":", 6)
	// An integration ARN may carry a region and an account (arn:aws:states:us-east-1:
	// 123456789012:aws-sdk:s3:getObject): AWS accepts it and calls the same integration.
	if len(parts) == 6 && parts[2] == "states" && !strings.HasPrefix(parts[5], "activity:") {
		rest := parts[5] // service:api[.pattern]
		r := Resource{Kind: "task"}
		if strings.HasPrefix(rest, "aws-sdk:") {
			svc, api, _ := strings.Cut(rest[len("aws-sdk:"):], ":")
			r.Type, r.Name = "aws-sdk:"+svc, api
		} else {
			r.Type, r.Name, _ = strings.Cut(rest, ":")
		}
		for _, p := range []string{".waitForTaskToken", ".sync:2", ".sync"} {
			if strings.HasSuffix(r.Name, p) {
				r.Pattern = p
				break
			}
		}
		return r
	}
	if len(parts) == 6 && parts[2] == "lambda" {
		return Resource{Kind: "lambda", Name: arn}
	}
	if len(parts) == 6 && parts[2] == "states" {
		return Resource{Kind: "activity", Name: arn}
	}
	return Resource{Kind: "task", Type: "unknown", Name: arn}
}

// task runs a Task state: it works out the request and asks for it to be done.
func (x *run) task(f *Frame, st *asl.State) {
	res := ParseResource(st.Resource)
	sc := x.scope(f, st, f.Input)
	if res.Kind == "activity" && x.in.cfg.ActivityExists != nil && !x.in.cfg.ActivityExists(st.Resource) {
		x.stateError(f, st, sc.runtimeErr("The activity %s does not exist.", st.Resource))
		return
	}
	token := ""
	// A callback, an activity and a .sync job have a task token in $$.Task.Token, as on AWS
	// (a published sample passes it to the child a startExecution.sync:2 task starts).
	if res.Pattern == ".waitForTaskToken" || res.Pattern == ".sync" || res.Pattern == ".sync:2" || res.Kind == "activity" {
		token = x.uuid()
		sc.token = token
	}
	var params any
	var err error
	if st.QueryLanguage == asl.JSONata {
		params = f.Input
		if st.Arguments != nil {
			params, err = sc.template(st.Arguments, "Arguments")
		}
	} else {
		var eff any
		if eff, err = x.inputPath(sc, st, f.Input); err == nil {
			params = eff
			if st.Parameters != nil {
				sc.input = eff
				params, err = sc.template(st.Parameters, "Parameters")
			}
		}
	}
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	timeout, hasTimeout, err := x.intField(sc, st.TimeoutSeconds, "TimeoutSeconds")
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	heartbeat, hasHeartbeat, err := x.intField(sc, st.HeartbeatSeconds, "HeartbeatSeconds")
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	roleArn := ""
	if st.Credentials != nil {
		c, err := sc.template(st.Credentials, "Credentials")
		if err != nil {
			x.stateError(f, st, err)
			return
		}
		r, _ := value.Get(c, "RoleArn")
		roleArn, _ = r.(string)
	}
	paramsText := value.Encode(params)
	t := &Task{
		Resource: st.Resource, ResourceType: res.Type, ResourceName: res.Name,
		Pattern: res.Pattern, Parameters: paramsText, Token: token, RoleArn: roleArn, ExecutionRoleArn: x.ex.RoleArn,
		StateName: st.Name, Execution: x.ex.ExecutionArn, ChildExecution: childExecutionOf(f),
	}
	if res.Kind == "task" && x.in.cfg.CheckTask != nil {
		// AWS checks the parameters against the integration's API before it schedules
		// anything: the state fails as its other runtime failures do, with no TaskScheduled.
		if err := x.in.cfg.CheckTask(t); err != nil {
			x.stateError(f, st, sc.runtimeErr("%s", RefusedParameters(paramsText, err)))
			return
		}
	}
	x.ex.NextTaskID++
	t.ID = x.ex.NextTaskID
	var timeoutPtr, heartbeatPtr *int64
	if hasTimeout {
		timeoutPtr = &timeout
		t.TimeoutSeconds = timeoutPtr
	}
	if hasHeartbeat {
		heartbeatPtr = &heartbeat
		t.HeartbeatSeconds = heartbeatPtr
	}
	var creds *history.TaskCredentials
	if roleArn != "" {
		creds = &history.TaskCredentials{RoleArn: roleArn}
	}
	switch res.Kind {
	case "lambda":
		x.emit(f, history.Event{Type: "LambdaFunctionScheduled", Details: &history.LambdaScheduled{
			Resource: st.Resource, Input: paramsText, TimeoutInSeconds: timeoutPtr, TaskCredentials: creds,
		}})
	case "activity":
		x.emit(f, history.Event{Type: "ActivityScheduled", Details: &history.ActivityScheduled{
			Resource: st.Resource, Input: paramsText, TimeoutInSeconds: timeoutPtr, HeartbeatInSeconds: heartbeatPtr,
		}})
	default:
		t.ScheduledEventID = x.emit(f, history.Event{Type: "TaskScheduled", Details: &history.TaskScheduled{
			ResourceType: res.Type, Resource: res.Name, Region: x.in.cfg.Region, Parameters: paramsText,
			TimeoutInSeconds: timeoutPtr, HeartbeatInSeconds: heartbeatPtr, TaskCredentials: creds,
		}})
	}
	f.Phase = phaseTask
	f.Task = &TaskWait{ID: t.ID, ResourceType: res.Type, ResourceName: res.Name, Kind: res.Kind, Token: token}
	if hasTimeout {
		f.Task.TimeoutSeconds = timeout
	}
	if hasHeartbeat {
		f.Task.Heartbeat = heartbeat
	}
	x.command(Command{Kind: ScheduleTask, Task: t})
}

// taskEvent applies an integration's report to the frame's task.
func (x *run) taskEvent(f *Frame, ev Event) {
	st := x.state(f)
	if x.mapIOEvent(f, st, ev) {
		return
	}
	tw := f.Task
	switch ev.Kind {
	case TaskStarted:
		if tw.Started {
			return
		}
		tw.Started = true
		switch tw.Kind {
		case "lambda":
			x.emit(f, history.Event{Type: "LambdaFunctionStarted"})
		case "activity":
			x.emit(f, history.Event{Type: "ActivityStarted", Details: &history.ActivityStarted{WorkerName: ev.WorkerName}})
		default:
			x.emit(f, history.Event{Type: "TaskStarted", Details: &history.TaskResource{ResourceType: tw.ResourceType, Resource: tw.ResourceName}})
		}
		if tw.TimeoutSeconds > 0 {
			tw.TimeoutTimer = x.newTimer(x.now.Add(seconds(float64(tw.TimeoutSeconds))))
		}
		if tw.Heartbeat > 0 {
			tw.HeartbeatTimer = x.newTimer(x.now.Add(seconds(float64(tw.Heartbeat))))
		}
	case TaskSubmitted:
		if tw.Submitted {
			return // a task dispatched again after a crash reports its submission again
		}
		tw.Submitted = true
		x.emit(f, history.Event{Type: "TaskSubmitted", Details: &history.TaskOutput{
			ResourceType: tw.ResourceType, Resource: tw.ResourceName, Output: ev.Output,
		}})
	case TaskHeartbeat:
		if tw.HeartbeatTimer != 0 {
			x.command(Command{Kind: CancelTimer, TimerID: tw.HeartbeatTimer})
			tw.HeartbeatTimer = x.newTimer(x.now.Add(seconds(float64(tw.Heartbeat))))
		}
	case TaskSucceeded:
		x.taskSucceeded(f, st, ev)
	case TaskFailed:
		x.stopTaskTimers(f)
		fl := failure{Error: ev.Error, Cause: ev.Cause, HasError: ev.HasError, HasCause: ev.HasCause}
		var errPtr, causePtr *string
		if ev.HasError || ev.Error != "" {
			errPtr = history.Str(ev.Error)
		}
		if ev.HasCause || ev.Cause != "" {
			causePtr = history.Str(ev.Cause)
		}
		switch tw.Kind {
		case "lambda":
			x.emit(f, history.Event{Type: "LambdaFunctionFailed", Details: &history.Failure{Error: errPtr, Cause: causePtr}})
		case "activity":
			x.emit(f, history.Event{Type: "ActivityFailed", Details: &history.Failure{Error: errPtr, Cause: causePtr}})
		default:
			x.emit(f, history.Event{Type: "TaskFailed", Details: &history.TaskFailure{
				ResourceType: tw.ResourceType, Resource: tw.ResourceName, Error: errPtr, Cause: causePtr,
			}})
		}
		f.Task = nil
		x.stateFailed(f, st, fl)
	}
}

func (x *run) taskSucceeded(f *Frame, st *asl.State, ev Event) {
	tw := f.Task
	x.stopTaskTimers(f)
	switch tw.Kind {
	case "lambda":
		x.emit(f, history.Event{Type: "LambdaFunctionSucceeded", Details: &history.Output{Output: ev.Output}})
	case "activity":
		x.emit(f, history.Event{Type: "ActivitySucceeded", Details: &history.Output{Output: ev.Output}})
	default:
		x.emit(f, history.Event{Type: "TaskSucceeded", Details: &history.TaskOutput{
			ResourceType: tw.ResourceType, Resource: tw.ResourceName, Output: ev.Output,
		}})
	}
	f.Task = nil
	if x.tooBig(ev.Output) {
		name := tw.ResourceType
		if tw.Kind != "task" {
			name = st.Resource
		}
		x.stateFailed(f, st, failure{Error: "States.DataLimitExceeded", Cause: "The state/task '" + name + "' returned a result with a size exceeding the maximum number of bytes service limit."})
		return
	}
	result, err := value.DecodeString(ev.Output)
	if err != nil {
		result = ev.Output
	}
	x.complete(f, st, result)
}

// taskTimedOut handles a task's timeout or missed heartbeat.
func (x *run) taskTimedOut(f *Frame, st *asl.State, timer int64) {
	tw := f.Task
	heartbeat := timer != tw.TimeoutTimer
	if heartbeat {
		tw.HeartbeatTimer = 0
	} else {
		tw.TimeoutTimer = 0
	}
	x.stopTaskTimers(f)
	x.command(Command{Kind: CancelTask, TaskID: tw.ID})
	errPtr := history.Str("States.Timeout")
	switch tw.Kind {
	case "lambda":
		x.emit(f, history.Event{Type: "LambdaFunctionTimedOut", Details: &history.Failure{Error: errPtr}})
	case "activity":
		x.emit(f, history.Event{Type: "ActivityTimedOut", Details: &history.Failure{Error: errPtr}})
	default:
		x.emit(f, history.Event{Type: "TaskTimedOut", Details: &history.TaskFailure{
			ResourceType: tw.ResourceType, Resource: tw.ResourceName, Error: errPtr,
		}})
	}
	f.Task = nil
	// Caught, the timeout's output is {"Error": "States.Timeout", "Cause": ""}; uncaught, the
	// ExecutionFailed event has no cause (both as AWS records them).
	x.stateFailed(f, st, failure{Error: "States.Timeout", EmptyCause: true, Heartbeat: heartbeat})
}

func (x *run) stopTaskTimers(f *Frame) {
	tw := f.Task
	if tw.TimeoutTimer != 0 {
		x.command(Command{Kind: CancelTimer, TimerID: tw.TimeoutTimer})
		tw.TimeoutTimer = 0
	}
	if tw.HeartbeatTimer != 0 {
		x.command(Command{Kind: CancelTimer, TimerID: tw.HeartbeatTimer})
		tw.HeartbeatTimer = 0
	}
}

// childExecutionOf is the ARN of the Distributed Map child execution f runs in, or "".
func childExecutionOf(f *Frame) string {
	for g := f; g != nil; g = g.parent {
		if g.Child != nil && g.parent != nil && g.parent.Map != nil {
			_, arn, _ := g.childIDs()
			return arn
		}
	}
	return ""
}

// RefusedParameters is the cause, in AWS's words and without the prefix that names the state,
// of a Task state whose parameters Config.CheckTask refused.
func RefusedParameters(parameters string, err error) string {
	return fmt.Sprintf("The Parameters '%s' could not be used to start the Task: [%v]", parameters, err)
}
