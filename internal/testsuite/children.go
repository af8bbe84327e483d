package testsuite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/mock"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// maxNesting bounds how deep .sync tasks may start children in one test: a machine that
// starts itself .sync without end would otherwise run until --timeout, growing all the way.
const maxNesting = 32

// startParams are a startExecution task's parameters.
type startParams struct {
	StateMachineArn string          `json:"StateMachineArn"`
	Input           json.RawMessage `json:"Input"`
	Name            *string         `json:"Name"`
	TraceHeader     *string         `json:"TraceHeader"` // checked as serve checks it; not traced here
}

// startedMachine tells which of the file's state machines a startExecution task without a
// mock starts (states:startExecution, .sync, .sync:2, or aws-sdk:sfn:startExecution), by its
// ARN in the test's region and account; ok is false for another task, a callback
// (.waitForTaskToken, which nothing here can answer) or another machine.
func (l *loaded) startedMachine(task *engine.Task, region, account string) (name string, p startParams, ok bool) {
	switch {
	case task.ResourceType == "states" && strings.TrimSuffix(task.ResourceName, task.Pattern) == "startExecution" && task.Pattern != ".waitForTaskToken":
	case task.ResourceType == "aws-sdk:sfn" && task.ResourceName == "startExecution":
	default:
		return "", p, false
	}
	if json.Unmarshal([]byte(task.Parameters), &p) != nil {
		return "", p, false
	}
	name, found := strings.CutPrefix(p.StateMachineArn, "arn:aws:states:"+region+":"+account+":stateMachine:")
	if !found || l.machines[name] == nil {
		return "", p, false
	}
	return name, p, true
}

type nestingKey struct{}

// children starts the child executions of one test.
type children struct {
	l       *loaded
	handler *mock.Handler // the test's mocks, then its policy for tasks without one
	roleArn string
	stop    func(problem string) // ends the test with a problem

	// answers and onAwait bring the callbacks of the children's tasks, as the test's own.
	answers <-chan runner.Answer
	onAwait func(token string, waiting bool)

	mu      sync.Mutex
	started map[string]startedChild // by execution ARN
}

// startedChild is a child a task of the test started: its input, and whether it ran to its
// end (a .sync task's) or was only started (it is then taken to run on).
type startedChild struct {
	input string
	ended bool
}

// start runs a startExecution task of one of the file's machines. The child of a .sync task
// runs in the test, on the same virtual clock, with the same mocks (by state name) and
// functions, and the task answers as Step Functions does when the child has ended; the
// parent's clock moves on to the child's end. The child of a task that does not wait is
// started but not run: the parent sees only StartExecution's answer, and the child's
// behaviour is for its own tests. A name used before is ExecutionAlreadyExists, unless the
// child was only started, and with the same input (StartExecution is idempotent then), or
// the child is an Express execution, whose ARN is new at each start.
func (c *children) start(ctx context.Context, task *engine.Task, name string, p startParams) (string, error) {
	sdk := task.ResourceType == "aws-sdk:sfn"
	input, err := integration.StartInput(p.Input)
	if err != nil {
		return "", err
	}
	now, ok := runner.VirtualNow(ctx)
	if !ok {
		now = time.Now()
	}
	execName := integration.ChildName(task.Execution + "#" + strconv.FormatInt(task.ID, 10))
	// As serve checks the request (integration.Registry).
	if err := integration.CheckStartRequest(sdk, p.Name, input, p.TraceHeader); err != nil {
		return "", err
	}
	if err := integration.CheckStartMembers(sdk, p.Name, input); err != nil {
		return "", err
	}
	if p.Name != nil {
		execName = *p.Name
	}
	smArn := p.StateMachineArn
	arn := strings.Replace(smArn, ":stateMachine:", ":execution:", 1) + ":" + execName
	express := c.l.express[name]
	if express {
		// An Express execution's ARN of its own at each start (as serve's, with a UUID made
		// from the task, the same on every run); its name need not be unique.
		arn = strings.Replace(smArn, ":stateMachine:", ":express:", 1) + ":" + execName + ":" +
			integration.ChildName(task.Execution+"#"+strconv.FormatInt(task.ID, 10)+"#express")
	}
	started := &store.Execution{Arn: arn, Name: execName, StateMachineArn: smArn, StartedAt: now}
	wait := task.Pattern == ".sync" || task.Pattern == ".sync:2"
	c.mu.Lock()
	before, again := c.started[arn]
	if !again && !express {
		c.started[arn] = startedChild{input: input, ended: wait}
	}
	c.mu.Unlock()
	if again && (before.ended || before.input != input || wait) {
		return "", integration.ServiceError(sdk, "ExecutionAlreadyExists", fmt.Sprintf("Execution Already Exists: '%s'", arn))
	}
	if !wait {
		return integration.StartResponse(started, sdk), nil
	}
	depth, _ := ctx.Value(nestingKey{}).(int)
	if depth >= maxNesting {
		c.stop(fmt.Sprintf("Task state %q starts %s .sync more than %d deep: a state machine that starts itself without end?", task.StateName, name, maxNesting))
		return "", &runner.TaskError{Name: "States.Runtime", Cause: "nested too deep"}
	}
	if err := c.handler.Bind(arn, c.l.Name, "test"); err != nil {
		return "", err // the test's own mock configuration has l.Name and "test": a guard
	}
	defer c.handler.Unbind(arn)
	runner.Submit(ctx, integration.StartResponse(started, false))
	opts := runner.LocalOptions{TimeSkipping: true, Tasks: c.handler, NoHistory: true, Callbacks: true, Answers: c.answers, OnAwait: c.onAwait}
	// Stopped when its task times out or its parent ends (ExecutionAborted), as Step
	// Functions stops it: what it would have done after that, it does not do.
	opts.StopAt, _ = runner.VirtualLimit(ctx)
	ex, _, err := runner.Local(context.WithValue(ctx, nestingKey{}, depth+1), c.l.machines[name], engine.Start{
		ExecutionArn: arn, Name: execName, StateMachineArn: smArn, StateMachineName: name, RoleArn: c.roleArn,
		Input: input, Time: now, Seed: seed(arn),
	}, opts)
	if errors.Is(err, runner.ErrStuck) {
		c.stop(fmt.Sprintf("the execution %s, which Task state %q started, waits for a task token, an activity worker or a callback that cannot come in a test: mock the Task state that waits", arn, task.StateName))
		return "", &runner.TaskError{Name: "States.Runtime", Cause: "stuck"}
	}
	if err != nil {
		return "", err
	}
	runner.VirtualEnd(ctx, ex.StopTime)
	row := &store.Execution{Arn: arn, Name: execName, StateMachineArn: smArn, Status: string(ex.Status), Input: ex.InputText,
		Error: ex.Error, Cause: ex.Cause, StartedAt: ex.StartTime, StoppedAt: &ex.StopTime}
	if ex.Status == engine.Succeeded {
		row.Output = &ex.Output
	}
	desc := integration.Describe(row, task.Pattern == ".sync:2")
	if ex.Status != engine.Succeeded {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: desc}
	}
	return desc, nil
}
