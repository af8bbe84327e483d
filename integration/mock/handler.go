package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// Handler answers the tasks of executions bound to a test case from the configuration,
// and passes every other task to Next.
type Handler struct {
	Config *Config
	Next   runner.TaskHandler

	mu       sync.Mutex
	bindings map[string]*binding // by execution ARN
}

// binding is an execution's test case and how often each of its states was invoked.
type binding struct {
	states map[string]string // state name → mocked response name
	calls  map[string]int
}

// Bind makes the test case of the state machine (by name) answer the tasks of an
// execution. It fails when the configuration has no such test case.
func (h *Handler) Bind(executionArn, stateMachineName, testCase string) error {
	sm, ok := h.Config.StateMachines[stateMachineName]
	if !ok {
		return fmt.Errorf("the mock configuration has no state machine %q", stateMachineName)
	}
	states, ok := sm.TestCases[testCase]
	if !ok {
		return fmt.Errorf("the mock configuration has no test case %q for state machine %q", testCase, stateMachineName)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.bindings == nil {
		h.bindings = map[string]*binding{}
	}
	h.bindings[executionArn] = &binding{states: states, calls: map[string]int{}}
	return nil
}

// Unbind forgets an execution's test case.
func (h *Handler) Unbind(executionArn string) {
	h.mu.Lock()
	delete(h.bindings, executionArn)
	h.mu.Unlock()
}

// CheckTask implements runner.TaskChecker: the task of a state the execution's test case
// mocks is not checked (nothing calls the integration); others are checked as Next checks
// them.
func (h *Handler) CheckTask(t *engine.Task) error {
	h.mu.Lock()
	b := h.bindings[t.Execution]
	mocked := b != nil && b.states[t.StateName] != ""
	h.mu.Unlock()
	if c, ok := h.Next.(runner.TaskChecker); ok && !mocked {
		return c.CheckTask(t)
	}
	return nil
}

// RunTask implements runner.TaskHandler.
func (h *Handler) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	h.mu.Lock()
	b := h.bindings[t.Execution]
	var name string
	n := 0
	if b != nil && t.Kind == "" { // a Distributed Map's S3 read or write is not a Task state's call
		if name = b.states[t.StateName]; name != "" {
			// Invocations count per execution: a Distributed Map's child executions count
			// their own, as each is an execution of its own on AWS.
			key := t.ChildExecution + "\x00" + t.StateName
			n = b.calls[key]
			b.calls[key]++
		}
	}
	h.mu.Unlock()
	if name == "" {
		if h.Next == nil {
			return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "Stepwise has no integration for resource " + t.Resource}
		}
		return h.Next.RunTask(ctx, t)
	}
	r, ok := response(h.Config.MockedResponses[name], n)
	if !ok {
		return "", &runner.TaskError{Name: "States.Runtime",
			Cause: fmt.Sprintf("The mocked response %s has no response for invocation %d of state %s", name, n, t.StateName)}
	}
	// The response is the task's outcome, even for a .waitForTaskToken task. A .sync or
	// .waitForTaskToken task's history on AWS shows its request accepted (TaskSubmitted) before
	// the outcome; the mock makes no request, so the submission it reports answers nothing ({}).
	runner.Complete(ctx)
	if t.Pattern != "" {
		runner.Submit(ctx, "{}")
	}
	if r.Throw != nil {
		return "", &runner.TaskError{Name: r.Throw.Error, Cause: r.Throw.Cause}
	}
	if isFunctionArn(t.Resource) {
		return functionResult(r.Return), nil
	}
	return string(r.Return), nil
}

// isFunctionArn reports whether a Task's resource is a Lambda function's ARN (the Task calls
// the function directly, not through arn:aws:states:::lambda:invoke).
func isFunctionArn(resource string) bool {
	parts := strings.SplitN(resource, ":", 7)
	return len(parts) == 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function"
}

// functionResult is the result of a Task that calls a function by its ARN, mocked by a
// response written as the Invoke API's answer ({"StatusCode": 200, "Payload": ...}), the form
// mocks of Lambda take: such a Task's result is the function's payload alone, as on AWS
// (local_mocking/test_base_scenarios' test_lambda_invoke replays a lambda:invoke mock over a
// function ARN). A response without a Payload member is the result itself.
func functionResult(ret json.RawMessage) string {
	var resp map[string]json.RawMessage
	if json.Unmarshal(ret, &resp) == nil {
		if p, ok := resp["Payload"]; ok {
			return string(p)
		}
	}
	return string(ret)
}
