package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// pool keeps the warm processes of one function.
type pool struct {
	rt   *Runtime
	name string
	spec Spec

	mu          sync.Mutex
	idle        []*sandbox // most recently used last
	all         map[*sandbox]bool
	n           int           // processes running or starting
	changed     chan struct{} // closed and replaced when a process comes free
	closed      bool
	starts      int
	invocations int
}

func newPool(rt *Runtime, name string, spec Spec) *pool {
	return &pool{rt: rt, name: name, spec: spec, all: map[*sandbox]bool{}, changed: make(chan struct{})}
}

// startError is a process that could not be started at all.
type startError struct{ err error }

func (e *startError) Error() string { return e.err.Error() }

func (p *pool) invoke(ctx context.Context, inv *Invocation) (*Result, error) {
	p.mu.Lock()
	p.invocations++
	p.mu.Unlock()
	out := make(chan outcome, 1)
	// Once a process has the invocation it runs to its end (bounded by the function's
	// timeout), whether or not the caller still waits: the process is then free again.
	go func() {
		res, err := p.serve(ctx, inv)
		out <- outcome{res, err}
	}()
	select {
	case o := <-out:
		return o.res, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type outcome struct {
	res *Result
	err error
}

func (p *pool) serve(ctx context.Context, inv *Invocation) (*Result, error) {
	for try := 0; ; try++ {
		sb, err := p.acquire(ctx)
		var se *startError
		if errors.As(err, &se) {
			return unhandled(errorPayload("Runtime.InvalidEntrypoint", fmt.Sprintf("RequestId: %s Error: %v", inv.RequestID, se.err))), nil
		}
		if err != nil {
			return nil, err
		}
		res, taken := sb.run(inv)
		if !taken && sb.warm.Load() && try < 3 {
			continue // a warm process went away before taking the invocation: another takes it
		}
		return res, nil
	}
}

// acquire takes an idle process, or starts one while the pool is below its bound, or waits.
func (p *pool) acquire(ctx context.Context) (*sandbox, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, &ServiceError{Code: "ServiceException", Message: "the Lambda runtime is shut down", StatusCode: 500}
		}
		for len(p.idle) > 0 {
			sb := p.idle[len(p.idle)-1]
			p.idle = p.idle[:len(p.idle)-1]
			if sb.exitedNow() {
				p.forget(sb)
				continue
			}
			p.mu.Unlock()
			return sb, nil
		}
		if p.n < p.spec.MaxConcurrency {
			p.n++
			p.starts++
			p.mu.Unlock()
			sb, err := p.start()
			if err != nil {
				p.mu.Lock()
				p.n--
				p.signal()
				p.mu.Unlock()
				return nil, &startError{err}
			}
			return sb, nil
		}
		ch := p.changed
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// release returns a process to the idle list.
func (p *pool) release(sb *sandbox) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || sb.exitedNow() {
		p.forget(sb)
		sb.kill()
		return
	}
	p.idle = append(p.idle, sb)
	p.signal()
}

// drop kills a process and forgets it.
func (p *pool) drop(sb *sandbox) {
	sb.kill()
	p.mu.Lock()
	p.forget(sb)
	p.mu.Unlock()
}

// forget removes a process from the pool; p.mu is held.
func (p *pool) forget(sb *sandbox) {
	if !p.all[sb] {
		return
	}
	delete(p.all, sb)
	for i, s := range p.idle {
		if s == sb {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
	p.n--
	p.signal()
}

func (p *pool) signal() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *pool) stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Starts: p.starts, Processes: p.n, Invocations: p.invocations}
}

func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	var all []*sandbox
	for sb := range p.all {
		all = append(all, sb)
	}
	p.signal()
	p.mu.Unlock()
	for _, sb := range all {
		sb.kill()
	}
	for _, sb := range all {
		select {
		case <-sb.exited:
		case <-time.After(5 * time.Second):
		}
	}
}

// sandbox is one function process and its Runtime API server: an execution environment.
type sandbox struct {
	p      *pool
	cmd    *exec.Cmd
	srv    *http.Server
	next   chan *call  // hands an invocation to GET .../invocation/next
	initEr chan []byte // POST .../init/error
	exited chan struct{}
	exitEr error
	stop   chan struct{}
	halt   sync.Once
	warm   atomic.Bool // it has asked for an invocation at least once

	mu  sync.Mutex
	cur *call
}

// call is an invocation handed to a process.
type call struct {
	inv    *Invocation
	answer chan answer // buffered: the Runtime API never blocks on it
}

type answer struct {
	payload []byte
	failed  bool // POST .../error
}

func (p *pool) start() (*sandbox, error) {
	if len(p.spec.Command) == 0 {
		return nil, errors.New("no command")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sb := &sandbox{p: p, next: make(chan *call), initEr: make(chan []byte, 1), exited: make(chan struct{}), stop: make(chan struct{})}
	sb.srv = &http.Server{Handler: sb.routes(), ReadHeaderTimeout: 10 * time.Second}
	go sb.srv.Serve(ln)

	cmd := exec.Command(p.spec.Command[0], p.spec.Command[1:]...)
	cmd.Dir = p.spec.Dir
	cmd.Env = append(os.Environ(), p.env(ln.Addr().String())...)
	cmd.Stdout = p.rt.opts.Output
	cmd.Stderr = p.rt.opts.Output
	cmd.WaitDelay = time.Second
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		sb.srv.Close()
		return nil, err
	}
	sb.cmd = cmd
	p.mu.Lock()
	p.all[sb] = true
	closed := p.closed
	p.mu.Unlock()
	if closed {
		sb.kill() // Close ran while this one started
	}
	p.rt.opts.Logger.Debug("lambda: process started", "function", p.name, "pid", cmd.Process.Pid, "runtime_api", ln.Addr().String())
	go func() {
		sb.exitEr = cmd.Wait()
		close(sb.exited)
		sb.srv.Close()
		p.rt.opts.Logger.Debug("lambda: process exited", "function", p.name, "pid", cmd.Process.Pid, "err", sb.exitEr)
	}()
	return sb, nil
}

// env is the environment Lambda gives a function process.
func (p *pool) env(api string) []string {
	now := time.Now().UTC()
	region := p.rt.opts.Region
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + api,
		"AWS_LAMBDA_FUNCTION_NAME=" + p.name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(p.spec.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + p.name,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + now.Format("2006/01/02") + "/[$LATEST]" + newUUID()[:8],
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"_HANDLER=" + p.spec.Handler,
		"LAMBDA_TASK_ROOT=" + p.spec.Dir,
		"LAMBDA_RUNTIME_DIR=" + p.spec.Dir,
	}
	return append(env, p.spec.Env...)
}

func (sb *sandbox) exitedNow() bool {
	select {
	case <-sb.exited:
		return true
	default:
		return false
	}
}

func (sb *sandbox) kill() {
	sb.halt.Do(func() {
		close(sb.stop)
		killProcessGroup(sb.cmd)
	})
}

// run hands an invocation to the process and waits for its answer. taken is false when the
// process went away before it took the invocation.
func (sb *sandbox) run(inv *Invocation) (res *Result, taken bool) {
	p := sb.p
	c := &call{inv: inv, answer: make(chan answer, 1)}
	initTimer := time.NewTimer(p.rt.opts.InitTimeout)
	defer initTimer.Stop()
	began := time.Now()
	select {
	case sb.next <- c:
	case body := <-sb.initEr:
		p.drop(sb)
		return unhandled(body), true
	case <-sb.exited:
		p.drop(sb)
		select {
		case body := <-sb.initEr: // reported its init error, then exited
			return unhandled(body), true
		default:
		}
		return sb.exitResult(inv), false
	case <-initTimer.C:
		p.drop(sb)
		return timeoutResult(inv, time.Since(began)), true
	}
	began = time.Now()
	timer := time.NewTimer(p.spec.Timeout)
	defer timer.Stop()
	select {
	case a := <-c.answer:
		p.release(sb)
		return a.result(), true
	case <-sb.exited:
		select {
		case a := <-c.answer: // answered, then exited (a panic in aws-lambda-go does so)
			p.drop(sb)
			return a.result(), true
		default:
		}
		p.drop(sb)
		return sb.exitResult(inv), true
	case <-timer.C:
		p.drop(sb)
		return timeoutResult(inv, time.Since(began)), true
	}
}

func (a answer) result() *Result {
	if a.failed {
		return unhandled(a.payload)
	}
	return &Result{Payload: a.payload}
}

func unhandled(payload []byte) *Result { return &Result{Payload: payload, FunctionError: "Unhandled"} }

// exitResult is Lambda's answer when the runtime process exits during an invocation.
func (sb *sandbox) exitResult(inv *Invocation) *Result {
	msg := "Runtime exited without providing a reason"
	if sb.exitEr != nil {
		msg = "Runtime exited with error: " + sb.exitEr.Error()
	}
	return unhandled(errorPayload("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: %s", inv.RequestID, msg)))
}

// timeoutResult is Lambda's answer when a function runs past its timeout: an error payload
// without errorType, which Step Functions reports as Lambda.Unknown.
func timeoutResult(inv *Invocation, d time.Duration) *Result {
	msg := fmt.Sprintf("%s %s Task timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.RequestID, d.Seconds())
	b, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
	}{msg})
	return unhandled(b)
}

func errorPayload(typ, msg string) []byte {
	b, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, typ})
	return b
}
