package optimized

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/awssdk/model"
	"github.com/stepwise-run/stepwise/runner"
)

// jobKind says how a .sync integration follows its job.
type jobKind struct {
	// id finds the job in the start call's output and request ("" : nothing was started).
	id func(out, params map[string]any) string
	// describe is the call that reports on the job.
	describe func(id string, params map[string]any) (string, map[string]any)
	// status reads a describe output: the task's result or cause, whether the job ended,
	// and whether it failed.
	status func(out map[string]any) (result any, ended, failed bool)
	// stop is the call that stops the job when the task is no longer wanted.
	stop func(id string, params map[string]any) (string, map[string]any)
}

// jobs are the .sync integrations, by service.
var jobs = map[string]jobKind{
	"ecs": {
		id: func(out, _ map[string]any) string { return str(first(out["Tasks"]), "TaskArn") },
		describe: func(id string, p map[string]any) (string, map[string]any) {
			return "describeTasks", withCluster(p, map[string]any{"Tasks": []any{id}})
		},
		status: func(out map[string]any) (any, bool, bool) {
			task, _ := first(out["Tasks"]).(map[string]any)
			if task == nil {
				return out, true, true
			}
			if str(task, "LastStatus") != "STOPPED" {
				return task, false, false
			}
			return task, true, !ecsSucceeded(task)
		},
		stop: func(id string, p map[string]any) (string, map[string]any) {
			return "stopTask", withCluster(p, map[string]any{"Task": id, "Reason": "Task stopped by AWS Step Functions"})
		},
	},
	"batch": {
		id: func(out, _ map[string]any) string { return str(out, "JobId") },
		describe: func(id string, _ map[string]any) (string, map[string]any) {
			return "describeJobs", map[string]any{"Jobs": []any{id}}
		},
		status: func(out map[string]any) (any, bool, bool) {
			j, _ := first(out["Jobs"]).(map[string]any)
			if j == nil {
				return out, true, true
			}
			switch str(j, "Status") {
			case "SUCCEEDED":
				return j, true, false
			case "FAILED":
				return j, true, true
			}
			return j, false, false
		},
		stop: func(id string, _ map[string]any) (string, map[string]any) {
			return "terminateJob", map[string]any{"JobId": id, "Reason": "Terminated by AWS Step Functions"}
		},
	},
	"glue": {
		id: func(out, _ map[string]any) string { return str(out, "JobRunId") },
		describe: func(id string, p map[string]any) (string, map[string]any) {
			return "getJobRun", map[string]any{"JobName": p["JobName"], "RunId": id}
		},
		status: func(out map[string]any) (any, bool, bool) {
			r, _ := out["JobRun"].(map[string]any)
			if r == nil {
				return out, true, true
			}
			switch str(r, "JobRunState") {
			case "SUCCEEDED":
				return r, true, false
			case "FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED":
				return r, true, true
			}
			return r, false, false
		},
		stop: func(id string, p map[string]any) (string, map[string]any) {
			return "batchStopJobRun", map[string]any{"JobName": p["JobName"], "JobRunIds": []any{id}}
		},
	},
	"athena": {
		id: func(out, _ map[string]any) string { return str(out, "QueryExecutionId") },
		describe: func(id string, _ map[string]any) (string, map[string]any) {
			return "getQueryExecution", map[string]any{"QueryExecutionId": id}
		},
		status: func(out map[string]any) (any, bool, bool) {
			q, _ := out["QueryExecution"].(map[string]any)
			st, _ := q["Status"].(map[string]any)
			switch str(st, "State") {
			case "SUCCEEDED":
				return out, true, false
			case "FAILED", "CANCELLED":
				return out, true, true
			}
			return out, q == nil, q == nil
		},
		stop: func(id string, _ map[string]any) (string, map[string]any) {
			return "stopQueryExecution", map[string]any{"QueryExecutionId": id}
		},
	},
	"codebuild": {
		id: func(out, _ map[string]any) string { b, _ := out["Build"].(map[string]any); return str(b, "Id") },
		describe: func(id string, _ map[string]any) (string, map[string]any) {
			return "batchGetBuilds", map[string]any{"Ids": []any{id}}
		},
		status: func(out map[string]any) (any, bool, bool) {
			b, _ := first(out["Builds"]).(map[string]any)
			if b == nil {
				return out, true, true
			}
			res := map[string]any{"Build": b}
			switch str(b, "BuildStatus") {
			case "SUCCEEDED":
				return res, true, false
			case "FAILED", "FAULT", "TIMED_OUT", "STOPPED":
				return res, true, true
			}
			return res, false, false
		},
		stop: func(id string, _ map[string]any) (string, map[string]any) {
			return "stopBuild", map[string]any{"Id": id}
		},
	},
}

// runJob runs a job integration: request-response and .waitForTaskToken return the start
// call's result; .sync reports it as submitted and waits for the job to end.
func (h *Handler) runJob(ctx context.Context, t *engine.Task, svc service, api string, params map[string]any) (string, error) {
	kind := jobs[t.ResourceType]
	if t.Pattern == ".sync" && t.ResourceType == "ecs" {
		if _, ok := params["StartedBy"]; !ok {
			// As AWS: a task a state machine runs to completion says who started it.
			params["StartedBy"] = "AWS Step Functions"
		}
	}
	idempotent(svc.sdk, api, params, t)
	resp, err := h.call(ctx, t, svc, api, params)
	if err != nil {
		return "", failure(svc, err)
	}
	started := value.Encode(withMetadata(t.ResourceType, api, resp))
	if t.Pattern != ".sync" {
		return started, nil
	}
	out, _ := resp.Output.(map[string]any)
	id := kind.id(out, params)
	if id == "" {
		// Nothing runs (ECS answers a task it cannot place with Failures and no Tasks).
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: started}
	}
	runner.Submit(ctx, started)
	return h.follow(ctx, t, svc, kind, id, params)
}

// follow polls a job until it ends. When the task is no longer wanted (the execution was
// stopped, the state timed out), it stops the job, as AWS does for .sync tasks.
func (h *Handler) follow(ctx context.Context, t *engine.Task, svc service, kind jobKind, id string, params map[string]any) (string, error) {
	timer := time.NewTimer(h.every)
	defer timer.Stop()
	misses := 0
	for {
		select {
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), runner.ErrTaskCancelled) {
				stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				action, req := kind.stop(id, params)
				_, _ = h.call(stopCtx, t, svc, action, req)
				cancel()
			}
			return "", ctx.Err()
		case <-timer.C:
		}
		action, req := kind.describe(id, params)
		resp, err := h.call(ctx, t, svc, action, req)
		if err != nil {
			if ctx.Err() != nil {
				continue // the select above reports it
			}
			if transient(err) && misses < maxMisses {
				// The job runs on whatever its describe call answers: a throttled or
				// unanswered poll is asked again at the next tick.
				misses++
				timer.Reset(h.every)
				continue
			}
			return "", failure(svc, err)
		}
		misses = 0
		out, _ := resp.Output.(map[string]any)
		result, ended, failed := kind.status(out)
		if ended {
			text := value.Encode(result)
			if failed {
				return "", &runner.TaskError{Name: "States.TaskFailed", Cause: text}
			}
			return text, nil
		}
		timer.Reset(h.every)
	}
}

// maxMisses is how many describe calls in a row may fail transiently before the task fails.
const maxMisses = 5

// transient says whether a failed call is worth asking again: no answer, throttling, or a
// server error.
func transient(err error) bool {
	var ce *ConnectionError
	if errors.As(err, &ce) {
		return true
	}
	var se *ServiceError
	if errors.As(err, &se) {
		return se.Status >= 500 || se.Status == 429 || strings.Contains(se.Code, "Throttl") ||
			se.Code == "TooManyRequestsException" || se.Code == "RequestLimitExceeded"
	}
	return false
}

// ecsSucceeded says whether a stopped ECS task ran to a good end: its essential container
// exited (rather than the task failing to start or being stopped) and no container exited
// with a non-zero code.
func ecsSucceeded(task map[string]any) bool {
	if str(task, "StopCode") != "EssentialContainerExited" {
		return false
	}
	cs, _ := task["Containers"].([]any)
	for _, c := range cs {
		m, _ := c.(map[string]any)
		if code, ok := value.Int(m["ExitCode"]); ok && code != 0 {
			return false
		}
	}
	return true
}

func withCluster(p map[string]any, req map[string]any) map[string]any {
	if c, ok := p["Cluster"]; ok && c != nil {
		req["Cluster"] = c
	}
	return req
}

func first(v any) any {
	if l, ok := v.([]any); ok && len(l) > 0 {
		return l[0]
	}
	return nil
}

func str(v any, key string) string {
	m, _ := v.(map[string]any)
	s, _ := m[key].(string)
	return s
}

// idempotent fills the start call's idempotency token (the members the model marks so: ECS
// RunTask's clientToken, Athena's ClientRequestToken) when the task gives none, as the AWS
// SDKs fill it. The token is derived from the execution and the task's id, so that a task
// dispatched again after a crash finds the job it started instead of starting another.
func idempotent(sdkService, action string, params map[string]any, t *engine.Task) {
	svc, err := model.Embedded().Service(sdkService)
	if err != nil {
		return
	}
	op := svc.Operation(action)
	if op == nil || op.Input == nil || svc.Shape(op.Input.Shape) == nil {
		return
	}
	for name, ref := range svc.Shape(op.Input.Shape).Members {
		if !ref.IdempotencyToken {
			continue
		}
		if _, ok := params[name]; ok {
			continue
		}
		if _, ok := params[upperFirst(name)]; ok {
			continue
		}
		params[upperFirst(name)] = taskToken(t)
	}
}

// taskToken is a UUID that names one scheduling of a task.
func taskToken(t *engine.Task) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("stepwise-job:%s#%d", t.Execution, t.ID)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
