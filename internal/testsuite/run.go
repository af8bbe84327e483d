package testsuite

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/integration/mock"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/runner"
)

// Options configure Run.
type Options struct {
	// Workers is how many tests run at once (GOMAXPROCS when 0).
	Workers int
	// Run selects the tests whose names it matches (all when nil).
	Run *regexp.Regexp
	// Update records each test's outcome as its expectation, in its file (snapshot
	// testing): see update.go for what it writes.
	Update bool
	// Timeout bounds each test in real time (a minute when 0). The clock an execution
	// sees is virtual and never waits; this catches a task that calls a service that hangs.
	Timeout time.Duration
	// Tasks returns the handler of the Task states that no mock answers, in files that say
	// unmocked: call. It is called once, when first needed. Nil: such states fail. Lambda
	// tasks reach it only if it has a Handles(*engine.Task) bool method that says it handles
	// them (it has a Lambda service to call). In a file with s3:, the aws-sdk:s3 tasks reach
	// it whatever the policy, with the test's S3 in their context: its AWS client must be
	// made with awssdk.Options.InProcess set to InProcess, which answers them from it.
	Tasks func() (runner.TaskHandler, error)
	// Check returns what checks a Task state's parameters before the state is scheduled, as
	// the integrations check them in an execution (runner.TaskChecker): parameters the
	// service's API cannot take fail the execution with States.Runtime, whether a mock
	// answers the state or not, since on AWS the check comes before the call that the mock
	// stands in for. It is called once, when first needed. Nil, or an error (the integrations
	// could not be assembled), leaves the parameters unchecked.
	Check func() (runner.TaskChecker, error)
	// Template loads a state machine from a SAM or CloudFormation template, by its logical
	// id. Nil: package template does.
	Template func(path, resource string, params map[string]string) (*TemplateMachine, error)
	// Execute runs one execution to its end; nil: runner.Local on a virtual clock. It is
	// the seam through which an in-process service (nested executions, Lambda functions)
	// can run the tests instead.
	Execute ExecuteFunc
	// Region and Account go into the executions' ARNs (us-east-1, 123456789012).
	Region, Account string
	// Functions are Lambda functions for every file (`stepwise test --function`); for a
	// name that a file's functions: gives too, they win. A Lambda task without a mock that
	// invokes one of them runs it, whatever the file's unmocked policy.
	Functions map[string]lambda.Spec
	// Listen, if set, is the address on which the run's Step Functions endpoint for task
	// tokens (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat) serves, from the start:
	// every file's .waitForTaskToken tasks then wait for their callbacks, which any process
	// may send there (a worker reading the SQS queue the task wrote to), as a function
	// program given to the test sends them. Without it only files with function programs
	// wait, and the endpoint is on a loopback port of its own.
	Listen string
	// Listening, if set, hears the endpoint's URL once it listens on Listen.
	Listening func(url string)

	// callbacks is the run's Step Functions endpoint for task tokens (callbacks.go).
	callbacks *callbacks
}

// TemplateMachine is a state machine as a template defines it.
type TemplateMachine struct {
	Definition []byte // JSON
	Name       string
	Type       string // STANDARD or EXPRESS
}

// ExecuteFunc runs one execution to its end, and returns it with its history.
// runner.ErrStuck says that it waits for an outside event.
type ExecuteFunc func(ctx context.Context, x *Execution) (*engine.Execution, []history.Event, error)

// Execution is what an ExecuteFunc runs.
type Execution struct {
	// Definition is the state machine's definition (JSON), Machine the same parsed, and
	// Interpreter an interpreter of it, shared by the file's tests.
	Definition  []byte
	Machine     *asl.StateMachine
	Interpreter *engine.Interpreter
	Start       engine.Start
	// Tasks runs the Task states: the test's mocks first, then the file's unmocked policy.
	Tasks runner.TaskHandler
	// Mocks and TestCase are the same mocks as a mock configuration with the test's case,
	// for an executor that takes them that way (an execution started on ARN#TestCase).
	Mocks    *mock.Config
	TestCase string
	// Answers and OnAwait bring the callbacks of the execution's .waitForTaskToken tasks, for
	// an executor on runner.Local (runner.LocalOptions); nil for tests run another way.
	Answers <-chan runner.Answer
	OnAwait func(token string, waiting bool)
	// Workers tells the tasks that workers take (activity tasks, with Listen): see
	// runner.LocalOptions.Workers.
	Workers func(t *engine.Task) bool
}

func (o *Options) region() string {
	if o.Region != "" {
		return o.Region
	}
	return "us-east-1"
}

func (o *Options) account() string {
	if o.Account != "" {
		return o.Account
	}
	return "123456789012"
}

// StartTime is the start time of every test's execution that does not give its own
// (startTime), so that outputs that show the time ($$.Execution.StartTime, a Wait's end) are
// the same from run to run.
var StartTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// localExecute runs an execution with runner.Local on a virtual clock.
func localExecute(ctx context.Context, x *Execution) (*engine.Execution, []history.Event, error) {
	return runner.Local(ctx, x.Interpreter, x.Start, runner.LocalOptions{TimeSkipping: true, Tasks: x.Tasks, Callbacks: true,
		Answers: x.Answers, OnAwait: x.OnAwait, Workers: x.Workers})
}

// Report is the outcome of a run: the files in the order given, each with its tests in
// the file's order.
type Report struct {
	Files   []*FileReport
	Elapsed time.Duration
}

// FileReport is one file's outcome.
type FileReport struct {
	Path string
	// Err is bad input: the file could not be read, parsed or loaded, and none of its tests
	// ran. It is an *Error.
	Err   error
	Tests []*Result
	// Updated: --update rewrote the file.
	Updated bool
	Elapsed time.Duration
}

// Result is one test's outcome.
type Result struct {
	Name string
	Line int
	// Problem says why the test could not run to the end (a Task state without a mock, an
	// execution that waits for a callback); Failures are then empty.
	Problem  string
	Failures []Failure
	Outcome  *Outcome
	Elapsed  time.Duration
	// Updated: --update changed the test's expectations.
	Updated bool
}

// Passed tells whether the test passed.
func (r *Result) Passed() bool { return r.Problem == "" && len(r.Failures) == 0 }

// Failure is one expectation a test did not meet: its first difference, and the state it
// arose in when one can be named.
type Failure struct {
	// Line is the expectation's line in the test file.
	Line int
	// What is the expectation: status, error, cause, output, outputContains, states, or
	// the JSONPath of a paths entry.
	What    string
	Message string
	State   string
	// Via are the states that moved the value from State to where it was expected.
	Via []string
}

// Outcome is how a test's execution ended.
type Outcome struct {
	Status string
	Output string // JSON text, when it succeeded
	Error  *string
	Cause  *string
	// States are the top-level states entered, in order.
	States []string
	Events []history.Event
	// S3 is the file's s3: as the execution left it, by bucket and key (nil without s3:).
	S3 map[string]map[string][]byte

	topLevel map[string]bool
}

// Run finds the test files under paths, runs their tests and returns the report. Bad input
// in a file is reported in its FileReport; the error is for paths that cannot be read.
func Run(ctx context.Context, paths []string, opts Options) (*Report, error) {
	begin := time.Now()
	files, err := Find(paths)
	if err != nil {
		return nil, err
	}
	if opts.Execute == nil {
		opts.Execute = localExecute
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	opts.callbacks = newCallbacks()
	defer opts.callbacks.close()
	if opts.Listen != "" {
		url, err := opts.callbacks.listen(opts.Listen)
		if err != nil {
			return nil, err
		}
		if opts.Listening != nil {
			opts.Listening(url)
		}
	}
	s := &session{opts: &opts}
	rep := &Report{}
	type job struct {
		l   *loaded
		t   *Test
		res *Result
	}
	var jobs []job
	var loads []*loaded
	for _, path := range files {
		fr := &FileReport{Path: path}
		rep.Files = append(rep.Files, fr)
		l, err := load(path, &opts, s.checkTask)
		loads = append(loads, l)
		if err != nil {
			fr.Err = err
			continue
		}
		for _, t := range l.Tests {
			if opts.Run != nil && !opts.Run.MatchString(t.Name) {
				continue
			}
			res := &Result{Name: t.Name, Line: t.Line}
			fr.Tests = append(fr.Tests, res)
			jobs = append(jobs, job{l, t, res})
		}
	}
	defer func() {
		for _, l := range loads {
			if l != nil {
				l.closeFunctions()
			}
		}
	}()
	ch := make(chan job)
	var wg sync.WaitGroup
	for range min(workers, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				start := time.Now()
				s.runSafely(ctx, j.l, j.t, j.res)
				j.res.Elapsed = time.Since(start)
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	for i, fr := range rep.Files {
		for _, r := range fr.Tests {
			fr.Elapsed += r.Elapsed
		}
		if opts.Update && fr.Err == nil && len(fr.Tests) > 0 {
			if err := update(loads[i], fr); err != nil {
				fr.Err = err
			}
		}
	}
	rep.Elapsed = time.Since(begin)
	return rep, nil
}

// session holds what the tests of one run share.
type session struct {
	opts      *Options
	tasksOnce sync.Once
	tasks     runner.TaskHandler
	tasksErr  error
	checkOnce sync.Once
	checker   runner.TaskChecker
}

// checkTask checks a Task state's parameters with Options.Check's checker
// (engine.Config.CheckTask), mocked or not.
func (s *session) checkTask(t *engine.Task) error {
	s.checkOnce.Do(func() {
		if s.opts.Check != nil {
			s.checker, _ = s.opts.Check() // unavailable: unchecked, as serve without an AWS configuration
		}
	})
	if s.checker == nil {
		return nil
	}
	return s.checker.CheckTask(t)
}

func (s *session) realTasks() (runner.TaskHandler, error) {
	s.tasksOnce.Do(func() {
		if s.opts.Tasks == nil {
			s.tasksErr = errors.New("this run has no integrations to call")
			return
		}
		s.tasks, s.tasksErr = s.opts.Tasks()
	})
	return s.tasks, s.tasksErr
}

// callsLambda tells whether a file's Lambda task without a mock or function goes to a Lambda
// service: under unmocked: call, when the integrations of Options.Tasks handle it (they do
// when a Lambda endpoint is configured).
func (s *session) callsLambda(l *loaded, task *engine.Task) bool {
	if !l.CallUnmocked {
		return false
	}
	h, err := s.realTasks()
	if err != nil {
		return false
	}
	x, ok := h.(interface{ Handles(*engine.Task) bool })
	return ok && x.Handles(task)
}

// runSafely runs a test; a panic (a bug in Stepwise) fails that test, not the run.
func (s *session) runSafely(ctx context.Context, l *loaded, t *Test, res *Result) {
	defer func() {
		if r := recover(); r != nil {
			res.Problem = fmt.Sprintf("Stepwise panicked: %v (a bug: please report it with this test)\n%s", r, debug.Stack())
			res.Failures, res.Outcome = nil, nil
		}
	}()
	s.runTest(ctx, l, t, res)
}

// runTest runs one test and fills its result.
func (s *session) runTest(parent context.Context, l *loaded, t *Test, res *Result) {
	if parent.Err() != nil {
		res.Problem = "interrupted before it ran"
		return
	}
	timeout := s.opts.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()

	execName, startTime := executionName(t.Name), StartTime
	if t.ExecutionName != "" {
		execName = t.ExecutionName
	}
	if !t.StartTime.IsZero() {
		startTime = t.StartTime
	}
	start := engine.Start{
		ExecutionArn:     fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", s.opts.region(), s.opts.account(), l.Name, execName),
		Name:             execName,
		StateMachineArn:  fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", s.opts.region(), s.opts.account(), l.Name),
		StateMachineName: l.Name,
		RoleArn:          fmt.Sprintf("arn:aws:iam::%s:role/stepwise-test", s.opts.account()),
		Input:            t.Input,
		Time:             startTime,
		Seed:             seed(t.Name),
	}
	var (
		mu      sync.Mutex
		problem string
	)
	stop := func(msg string) {
		mu.Lock()
		if problem == "" {
			problem = msg
		}
		mu.Unlock()
		cancel()
	}
	var handler *mock.Handler
	// The callbacks of the test's .waitForTaskToken tasks (its children's too), from the
	// function programs it runs, through the run's Step Functions endpoint. Without such a
	// program no callback can come: a task that waits for one stops the test at once.
	var answers chan runner.Answer
	var onAwait func(string, bool)
	var awaiting atomic.Int32 // tasks waiting for a callback, until the test's time is up
	if s.opts.callbacks != nil && (l.programs || s.opts.Listen != "") {
		answers = make(chan runner.Answer, answersBuffer)
		route := s.opts.callbacks.route(answers)
		onAwait = func(token string, waiting bool) {
			route(token, waiting)
			switch {
			case ctx.Err() != nil: // the abort that ends the test ends the wait too
			case waiting:
				awaiting.Add(1)
			default:
				awaiting.Add(-1)
			}
		}
		defer s.opts.callbacks.forget(answers)
	}
	children := &children{l: l, roleArn: start.RoleArn, stop: stop, started: map[string]startedChild{}, answers: answers, onAwait: onAwait}
	var mem *memS3 // the file's s3:, a copy for this test
	var objects *s3items.Handler
	if l.S3 != nil {
		mem = newMemS3(l.S3, startTime)
		objects = &s3items.Handler{S3: mem}
	}
	// With --listen, activity tasks wait for a worker to take them (GetActivityTask) at the
	// run's endpoint, as on AWS.
	var workers func(*engine.Task) bool
	if answers != nil && s.opts.Listen != "" {
		workers = isActivity
	}
	unmocked := runner.TaskFunc(func(ctx context.Context, task *engine.Task) (string, error) {
		if workers != nil && workers(task) {
			s.opts.callbacks.offer(task.Resource, task.Token, task.Parameters)
			return "", nil
		}
		if objects != nil && objects.Handles(task) {
			return objects.RunTask(ctx, task)
		}
		if fns := l.functions(); fns != nil && fns.Serves(task) {
			return fns.RunTask(ctx, task)
		}
		if name, p, ok := l.startedMachine(task, s.opts.region(), s.opts.account()); ok {
			return children.start(ctx, task, name, p)
		}
		what := fmt.Sprintf("Task state %q (%s)", task.StateName, task.Resource)
		if task.Kind != "" {
			what = fmt.Sprintf("the %s of Distributed Map %q (%s)", task.Kind, task.StateName, task.Resource)
		}
		if task.Execution != start.ExecutionArn {
			what += " of the child execution " + task.Execution // machines:
		}
		if mem != nil && task.ResourceType == "aws-sdk:s3" {
			// The file's s3: answers the task's S3 call, through the integration that
			// makes it in an execution (InProcess), unmocked: call or not.
			h, err := s.realTasks()
			if err != nil {
				stop(what + " has no mock, and " + err.Error())
				return "", &runner.TaskError{Name: "States.Runtime", Cause: "no mock"}
			}
			return h.RunTask(withS3(ctx, mem), task)
		}
		if lambda.IsTask(task) && !s.callsLambda(l, task) {
			// Lambda has no service to call here but the functions given, and a Lambda
			// endpoint under unmocked: call: a task that would fail for want of one stops the
			// test, so that a Catch cannot turn it into a pass.
			stop(what + " has no mock and invokes no function given to the test: mock it under mocks:, give its function under functions: (or stepwise test --function), or set unmocked: call with a Lambda endpoint configured (AWS_ENDPOINT_URL_LAMBDA)")
			return "", &runner.TaskError{Name: "States.Runtime", Cause: "no mock"}
		}
		if !l.CallUnmocked {
			how := "mock it under mocks:"
			if task.Kind != "" {
				how = "give the objects it reads, or the bucket it writes to, under s3:"
			} else if strings.HasSuffix(strings.TrimSuffix(task.ResourceName, task.Pattern), "startExecution") && task.Pattern != ".waitForTaskToken" {
				how += ", give the state machine it starts under machines:"
			}
			stop(what + " has no mock: " + how + ", or set unmocked: call at the top of the file to call the service")
			return "", &runner.TaskError{Name: "States.Runtime", Cause: "no mock"}
		}
		h, err := s.realTasks()
		if err != nil {
			stop(what + " has no mock, and " + err.Error())
			return "", &runner.TaskError{Name: "States.Runtime", Cause: "no mock"}
		}
		return h.RunTask(ctx, task)
	})
	cfg := l.mockConfig(t)
	handler = &mock.Handler{Config: cfg, Next: unmocked}
	children.handler = handler
	if err := handler.Bind(start.ExecutionArn, l.Name, "test"); err != nil {
		res.Problem = err.Error() // mockConfig always has the test case: a guard
		return
	}
	ex, events, err := s.opts.Execute(ctx, &Execution{Definition: l.def, Machine: l.sm, Interpreter: l.in, Start: start,
		Tasks: handler, Mocks: cfg, TestCase: "test", Answers: answers, OnAwait: onAwait, Workers: workers})
	mu.Lock()
	defer mu.Unlock()
	switch {
	case problem != "":
		res.Problem = problem
		return
	case errors.Is(err, runner.ErrStuck):
		res.Problem = "the execution waits for a task token, an activity worker or a callback that cannot come in a test: mock the Task state that waits"
		return
	case err != nil:
		res.Problem = err.Error()
		return
	case parent.Err() != nil:
		res.Problem = "interrupted"
		return
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		res.Problem = fmt.Sprintf("the test ran for more than %v of real time (a service that did not answer?)", timeout)
		if awaiting.Load() > 0 && s.opts.Listen != "" {
			res.Problem = fmt.Sprintf("the test ran for more than %v of real time, waiting for the callback of a task token (SendTaskSuccess), or for an activity worker (GetActivityTask), that nothing sent to --listen %s: mock the Task state that waits, or have your worker answer there", timeout, s.opts.Listen)
		} else if awaiting.Load() > 0 {
			res.Problem = fmt.Sprintf("the test ran for more than %v of real time, waiting for the callback of a task token (SendTaskSuccess) that no function sent: mock the Task state that waits, or have its function answer its token", timeout)
		}
		return
	}
	res.Outcome = outcomeOf(ex, events, l.topLevel)
	if mem != nil {
		res.Outcome.S3 = mem.contents()
	}
	res.Failures = check(t, res.Outcome)
}

// seed makes a test's random choices (UUIDs, jitter) the same from run to run.
func seed(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64() >> 1)
}

// mockConfig builds the mock configuration of one test: a state machine with one test case,
// "test". A state's mock comes from the test's mocks, else from its mock case, else from the
// file's mocks.
func (l *loaded) mockConfig(t *Test) *mock.Config {
	states := map[string]string{}
	cfg := &mock.Config{
		StateMachines:   map[string]mock.StateMachine{l.Name: {TestCases: map[string]map[string]string{"test": states}}},
		MockedResponses: map[string]map[string]mock.Response{},
	}
	// The names of inline responses show in the handler's message for a call beyond a
	// list: "The mocked response Check stock (this test's mocks) has no response for
	// invocation 2 of state Check stock".
	inline := func(suffix string, mocks map[string]*Mock) {
		for state, m := range mocks {
			name := state + suffix
			rs := map[string]mock.Response{}
			for i, r := range m.Responses {
				key := strconv.Itoa(i)
				if m.Always {
					key = "0-2147483647"
				}
				mr := mock.Response{Return: r.Return}
				if r.Throw != nil {
					mr.Throw = &mock.Throw{Error: r.Throw.Error, Cause: r.Throw.Cause}
				}
				rs[key] = mr
			}
			cfg.MockedResponses[name] = rs
			states[state] = name
		}
	}
	inline(" (the file's mocks)", l.Mocks)
	if t.MockCase != "" {
		for state, resp := range l.mocks.StateMachines[l.mockSM].TestCases[t.MockCase] {
			cfg.MockedResponses[resp] = l.mocks.MockedResponses[resp]
			states[state] = resp
		}
	}
	inline(" (this test's mocks)", t.Mocks)
	return cfg
}

// outcomeOf reads how an execution ended, and the top-level states it went through.
func outcomeOf(ex *engine.Execution, events []history.Event, topLevel map[string]bool) *Outcome {
	o := &Outcome{Status: string(ex.Status), Error: ex.Error, Cause: ex.Cause, Events: events, States: []string{}, topLevel: topLevel}
	if ex.Status == engine.Succeeded {
		o.Output = ex.Output
	}
	for _, e := range events {
		if d, ok := e.Details.(*history.StateEntered); ok && topLevel[d.Name] {
			o.States = append(o.States, d.Name)
		}
	}
	return o
}

// isActivity tells an activity's task (arn:aws:states:REGION:ACCOUNT:activity:NAME).
func isActivity(t *engine.Task) bool { return engine.ParseResource(t.Resource).Kind == "activity" }
