package testsuite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// callbacks is a Step Functions endpoint for a run's task tokens, on a loopback port of its own
// or on --listen's address (Options.Listen): SendTaskSuccess, SendTaskFailure and
// SendTaskHeartbeat, in the AWS JSON 1.0 protocol, for the tests' .waitForTaskToken tasks that
// sent their request, and GetActivityTask for their activity tasks (with Listen). A function
// process finds it in AWS_ENDPOINT_URL_SFN, as the AWS SDKs read it, so the same code that
// answers its token on AWS answers it here. Each test's run waits for its tasks' callbacks on
// a channel of its own (runner.LocalOptions.Answers); tokens route to it while their task
// waits. The activity tasks' long poll is a small cousin of the node's (runner/activity.go),
// which waits on the store; this one holds the tasks in memory.
type callbacks struct {
	once sync.Once
	url  string
	err  error
	srv  *http.Server

	mu     sync.Mutex
	routes map[string]chan<- runner.Answer // by token, while its task waits
	seen   map[string]bool                 // every token that waited: a later one is TaskTimedOut
	// offers are the activity tasks waiting for a worker (--listen), by activity ARN, oldest
	// first; offered is closed and replaced when one is added, to wake the pollers.
	offers  map[string][]activityTask
	offered chan struct{}
	closing chan struct{} // closed when the run ends
}

// activityTask is an activity's task, as GetActivityTask hands it to a worker.
type activityTask struct {
	token, input string
}

// newCallbacks returns the endpoint of a run, not started.
func newCallbacks() *callbacks {
	return &callbacks{routes: map[string]chan<- runner.Answer{}, seen: map[string]bool{},
		offers: map[string][]activityTask{}, offered: make(chan struct{}), closing: make(chan struct{})}
}

// endpoint starts the server on first use and returns its URL.
func (c *callbacks) endpoint() (string, error) {
	return c.listen("127.0.0.1:0")
}

// listen starts the server on addr, unless it started already, and returns its URL.
func (c *callbacks) listen(addr string) (string, error) {
	c.once.Do(func() {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			c.err = fmt.Errorf("the test's Step Functions endpoint for task tokens: %w", err)
			return
		}
		c.srv = &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
		c.url = "http://" + ln.Addr().String()
		go c.srv.Serve(ln)
	})
	return c.url, c.err
}

// close stops the server, if it started. The answers in flight are written first (the
// callback that ended the last test is answered 200, not cut off), and the workers' polls
// return without a task.
func (c *callbacks) close() {
	close(c.closing)
	if c.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = c.srv.Shutdown(ctx)
		_ = c.srv.Close()
	}
}

// route sends a token's callbacks to answers while its task waits (runner.LocalOptions.OnAwait).
func (c *callbacks) route(answers chan<- runner.Answer) func(token string, waiting bool) {
	return func(token string, waiting bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if waiting {
			c.routes[token], c.seen[token] = answers, true
		} else {
			delete(c.routes, token)
		}
	}
}

// forget drops the routes to answers (the test ended with tasks still waiting).
func (c *callbacks) forget(answers chan<- runner.Answer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for token, ch := range c.routes {
		if ch == answers {
			delete(c.routes, token)
		}
	}
}

// offer puts an activity's task where a worker's GetActivityTask takes it (its token routed
// already: runner.LocalOptions.Workers).
func (c *callbacks) offer(activityArn, token, input string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offers[activityArn] = append(c.offers[activityArn], activityTask{token, input})
	close(c.offered)
	c.offered = make(chan struct{})
}

// take hands a worker the oldest task of an activity whose execution still waits for it,
// waiting up to activityPoll (AWS's 60 seconds) or until the worker goes; ok is false when
// none came. Its execution hears that the worker started it (ActivityStarted, with the
// worker's name).
func (c *callbacks) take(ctx context.Context, activityArn, worker string) (t activityTask, ok bool) {
	deadline := time.NewTimer(activityPoll)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		var answers chan<- runner.Answer
		for len(c.offers[activityArn]) > 0 && answers == nil {
			t = c.offers[activityArn][0]
			c.offers[activityArn] = c.offers[activityArn][1:]
			answers = c.routes[t.token] // nil: its task no longer waits (timed out, stopped)
		}
		offered := c.offered
		c.mu.Unlock()
		if answers != nil {
			done := make(chan error, 1)
			select {
			case answers <- runner.Answer{Token: t.token, Event: engine.Event{Kind: engine.TaskStarted, WorkerName: worker}, Done: done}:
			case <-ctx.Done():
				c.mu.Lock() // the worker went: the task waits for the next
				c.offers[activityArn] = append([]activityTask{t}, c.offers[activityArn]...)
				c.mu.Unlock()
				return t, false
			}
			select {
			case <-done:
			case <-ctx.Done():
			}
			return t, true
		}
		select {
		case <-offered:
		case <-deadline.C:
			return t, false
		case <-ctx.Done():
			return t, false
		case <-c.closing:
			return t, false
		}
	}
}

// activityPoll is how long GetActivityTask waits for a task, as on AWS.
var activityPoll = 60 * time.Second

func (c *callbacks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) {
		e, ok := err.(*api.Error)
		if !ok {
			e = &api.Error{Type: "InternalFailure", Message: err.Error(), Status: http.StatusInternalServerError}
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(e.Status)
		b, _ := json.Marshal(map[string]string{"__type": e.Type, "message": e.Message})
		w.Write(b)
	}
	if r.Header.Get("X-Amz-Target") == "AWSStepFunctions.GetActivityTask" {
		var in struct {
			ActivityArn string `json:"activityArn"`
			WorkerName  string `json:"workerName"`
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := json.Unmarshal(body, &in); err != nil || in.ActivityArn == "" {
			fail(&api.Error{Type: "ValidationException", Status: http.StatusBadRequest, Message: "1 validation error detected: Value null at 'activityArn' failed to satisfy constraint: Member must not be null"})
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		t, ok := c.take(r.Context(), in.ActivityArn, in.WorkerName)
		if !ok {
			w.Write([]byte("{}")) // no task in time: AWS answers without a token
			return
		}
		b, _ := json.Marshal(map[string]string{"taskToken": t.token, "input": t.input})
		w.Write(b)
		return
	}
	kind, ok := callbackKinds[r.Header.Get("X-Amz-Target")]
	if !ok {
		fail(&api.Error{Type: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: "stepwise test's Step Functions endpoint answers SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat and GetActivityTask only"})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var answers chan<- runner.Answer
	token, ev, err := api.Callback(body, kind, func(token string) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		answers = c.routes[token]
		switch {
		case answers != nil:
			return nil
		case c.seen[token]:
			return taskTimedOut
		}
		return &api.Error{Type: "InvalidToken", Message: "Invalid Token: 'Invalid token'", Status: http.StatusBadRequest}
	})
	if err != nil {
		fail(err)
		return
	}
	done := make(chan error, 1)
	select {
	case answers <- runner.Answer{Token: token, Event: ev, Done: done}:
	default:
		fail(&api.Error{Type: "ThrottlingException", Message: "Rate exceeded", Status: http.StatusBadRequest})
		return
	}
	select {
	case err := <-done:
		if errors.Is(err, runner.ErrNoTask) {
			fail(taskTimedOut)
			return
		}
	case <-time.After(callbackGrace):
		// The run has not taken it yet: the function that sent it, say, has not returned
		// from the invocation whose request carried the token. It is taken then, as AWS
		// takes a callback sent while its task's request is still going.
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Write([]byte("{}"))
}

// callbackKinds are the callbacks the endpoint serves, by X-Amz-Target.
var callbackKinds = map[string]engine.EventKind{
	"AWSStepFunctions.SendTaskSuccess":   engine.TaskSucceeded,
	"AWSStepFunctions.SendTaskFailure":   engine.TaskFailed,
	"AWSStepFunctions.SendTaskHeartbeat": engine.TaskHeartbeat,
}

// taskTimedOut is the answer to a token no task waits with any more, in the API's words.
var taskTimedOut = &api.Error{Type: "TaskTimedOut", Message: "Task Timed Out: 'Provided task does not exist anymore'", Status: http.StatusBadRequest}

// callbackGrace is how long a callback's answer waits for the run to take it before it is
// accepted anyway.
const callbackGrace = 200 * time.Millisecond

// answersBuffer is how many callbacks a test's run holds before it takes them.
const answersBuffer = 64
