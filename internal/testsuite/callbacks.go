package testsuite

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// callbacks is a Step Functions endpoint on a loopback port for the functions a run's tests
// give: SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat, in the AWS JSON 1.0 protocol,
// for the task tokens of the tests' .waitForTaskToken tasks that sent their request. A
// function process finds it in AWS_ENDPOINT_URL_SFN, as the AWS SDKs read it, so the same
// code that answers its token on AWS answers it here. Each test's run waits for its tasks'
// callbacks on a channel of its own (runner.LocalOptions.Answers); tokens route to it while
// their task waits.
type callbacks struct {
	once sync.Once
	url  string
	err  error
	srv  *http.Server

	mu     sync.Mutex
	routes map[string]chan<- runner.Answer // by token, while its task waits
	seen   map[string]bool                 // every token that waited: a later one is TaskTimedOut
}

// endpoint starts the server on first use and returns its URL.
func (c *callbacks) endpoint() (string, error) {
	c.once.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
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

// close stops the server, if it started.
func (c *callbacks) close() {
	if c.srv != nil {
		_ = c.srv.Close()
	}
}

// route sends a token's callbacks to answers while its task waits (runner.LocalOptions.OnAwait).
func (c *callbacks) route(answers chan<- runner.Answer) func(token string, waiting bool) {
	return func(token string, waiting bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.routes == nil {
			c.routes, c.seen = map[string]chan<- runner.Answer{}, map[string]bool{}
		}
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

func (c *callbacks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
		w.Write(b)
	}
	var kind engine.EventKind
	switch r.Header.Get("X-Amz-Target") {
	case "AWSStepFunctions.SendTaskSuccess":
		kind = engine.TaskSucceeded
	case "AWSStepFunctions.SendTaskFailure":
		kind = engine.TaskFailed
	case "AWSStepFunctions.SendTaskHeartbeat":
		kind = engine.TaskHeartbeat
	default:
		fail(http.StatusBadRequest, "UnknownOperationException",
			"stepwise test's Step Functions endpoint answers SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat only")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req struct {
		TaskToken    string
		Output       *string
		Error, Cause *string
	}
	if err := json.Unmarshal(body, &req); err != nil || req.TaskToken == "" {
		fail(http.StatusBadRequest, "ValidationException", "1 validation error detected: Value null at 'taskToken' failed to satisfy constraint: Member must not be null")
		return
	}
	ev := engine.Event{Kind: kind}
	switch kind {
	case engine.TaskSucceeded:
		if req.Output == nil {
			fail(http.StatusBadRequest, "ValidationException", "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null")
			return
		}
		if _, err := value.DecodeString(*req.Output); err != nil {
			fail(http.StatusBadRequest, "InvalidOutput", fmt.Sprintf("Invalid State Machine Output: '%s'", err.Error()))
			return
		}
		ev.Output = *req.Output
	case engine.TaskFailed:
		if req.Error != nil {
			ev.Error, ev.HasError = *req.Error, true
		}
		if req.Cause != nil {
			ev.Cause, ev.HasCause = *req.Cause, true
		}
	}
	c.mu.Lock()
	answers, ok := c.routes[req.TaskToken]
	seen := c.seen[req.TaskToken]
	c.mu.Unlock()
	if !ok && seen {
		fail(http.StatusBadRequest, "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
		return
	}
	if !ok {
		fail(http.StatusBadRequest, "InvalidToken", "Invalid Token: 'Invalid token'")
		return
	}
	done := make(chan error, 1)
	select {
	case answers <- runner.Answer{Token: req.TaskToken, Event: ev, Done: done}:
	default:
		fail(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
		return
	}
	select {
	case err := <-done:
		if errors.Is(err, runner.ErrNoTask) {
			fail(http.StatusBadRequest, "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
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

// callbackGrace is how long a callback's answer waits for the run to take it before it is
// accepted anyway.
const callbackGrace = 200 * time.Millisecond

// answersBuffer is how many callbacks a test's run holds before it takes them.
const answersBuffer = 64
