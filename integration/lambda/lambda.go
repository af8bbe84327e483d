package lambda

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/tracing"
)

// Lambda's payload limit for synchronous invocations, request and response alike.
const maxPayload = 6 * 1024 * 1024

// Func is a function run in process: it gets the event and returns the result, both JSON
// text. An error fails the invocation; a *FunctionError names its errorType.
type Func func(ctx context.Context, payload []byte) ([]byte, error)

// FunctionError is a function's error as Lambda reports it.
type FunctionError struct {
	Type    string
	Message string
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Spec says how to run one function. Exactly one of Command, Endpoint and Func is set.
type Spec struct {
	// Command is the program and its arguments, started as a Runtime API process.
	Command []string
	// Endpoint is the base URL of a Lambda Invoke API (http://127.0.0.1:3001 for
	// `sam local start-lambda`).
	Endpoint string
	// Func runs the function in process.
	Func Func

	// Timeout is the function's timeout; Options.Timeout when zero.
	Timeout time.Duration
	// MemoryMB is reported to the function in AWS_LAMBDA_FUNCTION_MEMORY_SIZE; 128 when zero.
	MemoryMB int
	// MaxConcurrency bounds the function's processes; Options.MaxConcurrency when zero.
	MaxConcurrency int
	// Env is added to the process environment (KEY=VALUE).
	Env []string
	// Dir is the working directory and LAMBDA_TASK_ROOT; the command's directory when empty.
	Dir string
	// Handler is _HANDLER; the command's base name when empty.
	Handler string
	// MaximumRetryAttempts is how many times an Event invocation that fails is run again (the
	// function's event invoke configuration, 0 to 2); nil: 2, Lambda's default.
	MaximumRetryAttempts *int
	// MaximumEventAgeInSeconds is how long an Event invocation may wait for its retries (the
	// function's event invoke configuration, 60 to 21,600): a retry that would start later
	// is dropped. 0: 21,600 (6 hours), Lambda's default.
	MaximumEventAgeInSeconds int
}

// DefaultEventRetryDelays are the waits before an Event invocation's retries: Lambda waits
// one minute before the first and two before the second.
var DefaultEventRetryDelays = []time.Duration{time.Minute, 2 * time.Minute}

// ParseFlag parses `NAME=PATH` or `NAME=http://HOST:PORT` (the serve command's --function);
// the target is read as ParseTarget reads it, from the working directory.
func ParseFlag(s string) (name string, spec Spec, err error) {
	name, target, ok := strings.Cut(s, "=")
	name, target = strings.TrimSpace(name), strings.TrimSpace(target)
	if !ok || name == "" || target == "" {
		return "", Spec{}, fmt.Errorf("function %q: want NAME=PATH or NAME=http://HOST:PORT", s)
	}
	if !ValidName(name) {
		return "", Spec{}, fmt.Errorf("function %q: a name has 1 to 64 letters, digits, '-' or '_'", name)
	}
	spec, err = ParseTarget("", target)
	return name, spec, err
}

// ParseTarget reads where a function runs: an http:// or https:// URL is a Lambda Invoke API
// endpoint; a path that names an existing file is the program, taken whole; anything else is
// split on spaces into a program and its arguments (`python3 -m awslambdaric app.handler`).
// Relative paths are taken from dir ("" is the working directory): the whole target when it
// names a file there (`bootstrap`), else the program when it has a directory in it
// (`bin/orders`, not `python3`, which is looked up in PATH and runs in dir), as a functions
// file's Command.
func ParseTarget(dir, target string) (Spec, error) {
	target = strings.TrimSpace(target)
	if target == "" {
		return Spec{}, errors.New("want a program's path or an http:// URL, got nothing")
	}
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return Spec{Endpoint: strings.TrimRight(target, "/")}, nil
	}
	whole := target
	if dir != "" && !filepath.IsAbs(target) {
		whole = filepath.Join(dir, target)
	}
	if st, err := os.Stat(whole); err == nil && !st.IsDir() {
		return Spec{Command: []string{whole}}, nil
	}
	spec := Spec{Command: strings.Fields(target)}
	switch p := spec.Command[0]; {
	case dir == "" || filepath.IsAbs(p):
	case filepath.Base(p) != p:
		spec.Command[0] = filepath.Join(dir, p)
	default:
		spec.Dir = dir // python3 -m awslambdaric app.handler: app.py is in dir
	}
	return spec, nil
}

// ValidName tells whether s may name a function here: 1 to 64 letters, digits, '-' or '_'
// (Lambda's names without the ARN forms).
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Options configure a Runtime.
type Options struct {
	Functions map[string]Spec
	// Region and Account make the function ARNs; us-east-1 and 123456789012 by default.
	Region, Account string
	// Timeout is the default function timeout: 3 s, as Lambda's default.
	Timeout time.Duration
	// MaxConcurrency is the default bound on a function's processes: 10.
	MaxConcurrency int
	// InitTimeout bounds a new process's start until it asks for its first invocation: 10 s,
	// as Lambda's init phase.
	InitTimeout time.Duration
	// Output receives the processes' stdout and stderr; os.Stderr when nil.
	Output io.Writer
	// Logger logs process starts and exits; slog.Default() when nil.
	Logger *slog.Logger
	// HTTPClient forwards invocations to endpoints; a client without timeout when nil (the
	// function's timeout bounds the call).
	HTTPClient *http.Client
	// Remote invokes the functions that are not registered here, at a Lambda service (see
	// Remote, which serve uses when an endpoint for Lambda is configured); nil: such a
	// function is not found, as Lambda answers for a function that does not exist.
	Remote func(ctx context.Context, inv *Invocation) (*Result, error)
	// EventRetryDelays are the waits before an Event invocation's retries, the last one
	// repeated; DefaultEventRetryDelays when nil.
	EventRetryDelays []time.Duration
}

// Runtime runs the registered functions. It is safe for concurrent use.
type Runtime struct {
	opts    Options
	mu      sync.Mutex
	fns     map[string]backend
	events  map[string]eventConfig // by function
	done    bool
	closing chan struct{} // closed by Close: Event retries waiting are dropped
}

// backend runs invocations of one function.
type backend interface {
	invoke(ctx context.Context, inv *Invocation) (*Result, error)
	stats() Stats
	close()
}

// Invocation is one call of a function.
type Invocation struct {
	Function  string
	Qualifier string
	Payload   []byte
	// Event makes an asynchronous invocation (InvocationType Event): it is queued and
	// Invoke returns at once with StatusCode 202.
	Event bool
	// DryRun only checks that the function exists (InvocationType DryRun): StatusCode 204.
	DryRun bool
	// Tail asks for the end of the invocation's log in the Result (LogType Tail).
	Tail bool
	// ClientContext is the Invoke API's ClientContext as the caller gave it: a JSON object in
	// base64. Invoke refuses any other text (InvalidRequestContentException, as Lambda); a
	// synchronous invocation passes the object to the function, in the Runtime API's
	// Lambda-Runtime-Client-Context header (the context's clientContext), and an Event
	// invocation does not, as Lambda does not.
	ClientContext string
	clientContext string // ClientContext decoded, for the Runtime API
	RequestID     string
	TraceID       string
	// FunctionName is the function as the task named it (a name, a partial or a full ARN,
	// perhaps with a qualifier), for a remote Lambda service to resolve; "" is Function.
	FunctionName string
	// RoleArn is the role a remote invocation is made as, when calls assume roles (the
	// task's Credentials, else the execution's role).
	RoleArn string
}

// Result is the Invoke API's answer.
type Result struct {
	StatusCode      int
	Payload         []byte
	FunctionError   string // "" or "Unhandled"
	ExecutedVersion string
	RequestID       string
	TraceID         string
	// LogResult is the base64 end of the invocation's log that a remote Lambda service
	// returned for Tail ("": the Runtime writes Lambda's own lines).
	LogResult string
}

// ServiceError is an error of the Lambda service itself (not of the function), such as
// ResourceNotFoundException.
type ServiceError struct {
	Code       string // ResourceNotFoundException
	Message    string
	StatusCode int
	RequestID  string
}

func (e *ServiceError) Error() string { return e.Code + ": " + e.Message }

// Stats count a function's activity.
type Stats struct {
	// Starts counts processes started (cold starts); Processes is how many run now.
	Starts, Processes int
	Invocations       int
}

// New makes a Runtime. Processes start on first use.
func New(opts Options) *Runtime {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "123456789012"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Second
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 10
	}
	if opts.InitTimeout <= 0 {
		opts.InitTimeout = 10 * time.Second
	}
	if opts.Output == nil {
		opts.Output = os.Stderr
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.EventRetryDelays == nil {
		opts.EventRetryDelays = DefaultEventRetryDelays
	}
	r := &Runtime{opts: opts, fns: map[string]backend{}, events: map[string]eventConfig{}, closing: make(chan struct{})}
	for name, spec := range opts.Functions {
		r.fns[name] = r.backendFor(name, spec)
		r.events[name] = eventConfigOf(spec)
	}
	return r
}

// eventConfig is a function's event invoke configuration.
type eventConfig struct {
	retries int
	maxAge  time.Duration
}

// eventConfigOf is a function's event invoke configuration, Lambda's defaults where the spec
// gives none.
func eventConfigOf(spec Spec) eventConfig {
	c := eventConfig{retries: 2, maxAge: 6 * time.Hour}
	if spec.MaximumRetryAttempts != nil {
		c.retries = *spec.MaximumRetryAttempts
	}
	if spec.MaximumEventAgeInSeconds > 0 {
		c.maxAge = time.Duration(spec.MaximumEventAgeInSeconds) * time.Second
	}
	return c
}

// Register adds or replaces a function. A replaced function's processes are stopped.
func (r *Runtime) Register(name string, spec Spec) {
	b := r.backendFor(name, spec)
	r.mu.Lock()
	old := r.fns[name]
	r.fns[name] = b
	r.events[name] = eventConfigOf(spec)
	r.mu.Unlock()
	if old != nil {
		old.close()
	}
}

// Has reports whether a function is registered.
func (r *Runtime) Has(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fns[name] != nil
}

// Stats reports a function's activity.
func (r *Runtime) Stats(name string) Stats {
	r.mu.Lock()
	b := r.fns[name]
	r.mu.Unlock()
	if b == nil {
		return Stats{}
	}
	return b.stats()
}

// Close stops every process. Invocations still running fail.
func (r *Runtime) Close() error {
	r.mu.Lock()
	fns := r.fns
	r.fns = map[string]backend{}
	wasDone := r.done
	r.done = true
	r.mu.Unlock()
	if !wasDone {
		close(r.closing)
	}
	for _, b := range fns {
		b.close()
	}
	return nil
}

func (r *Runtime) backendFor(name string, spec Spec) backend {
	if spec.Timeout <= 0 {
		spec.Timeout = r.opts.Timeout
	}
	if spec.MemoryMB <= 0 {
		spec.MemoryMB = 128
	}
	if spec.MaxConcurrency <= 0 {
		spec.MaxConcurrency = r.opts.MaxConcurrency
	}
	switch {
	case spec.Func != nil:
		return &goFunc{name: name, spec: spec, arn: r.FunctionArn(name)}
	case spec.Endpoint != "":
		return &forward{name: name, spec: spec, client: r.opts.HTTPClient}
	default:
		if len(spec.Command) > 0 {
			// A relative program path (--function greeter=bin/greeter) is the caller's: made
			// absolute here, before the process runs in its own directory, where exec would
			// resolve it again (bin/bin/greeter).
			spec.Command = append([]string(nil), spec.Command...)
			if c := spec.Command[0]; !filepath.IsAbs(c) && filepath.Base(c) != c {
				if abs, err := filepath.Abs(c); err == nil {
					spec.Command[0] = abs
				}
			}
			if spec.Dir == "" {
				spec.Dir = filepath.Dir(spec.Command[0])
			}
			if spec.Handler == "" {
				spec.Handler = filepath.Base(spec.Command[0])
			}
		}
		return newPool(r, name, spec)
	}
}

// FunctionArn is the unqualified ARN of a function.
func (r *Runtime) FunctionArn(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r.opts.Region, r.opts.Account, name)
}

// Invoke runs a function, as Lambda's Invoke API. A function's error is a Result with
// FunctionError set; an error is the service's (*ServiceError) or the context's.
func (r *Runtime) Invoke(ctx context.Context, inv *Invocation) (*Result, error) {
	if inv.RequestID == "" {
		inv.RequestID = newUUID()
	}
	if inv.TraceID == "" {
		inv.TraceID = tracing.XRayHeader(ctx) // the execution's trace, when it is traced
	}
	if inv.TraceID == "" {
		inv.TraceID = newTraceID()
	}
	r.mu.Lock()
	b, closed, events := r.fns[inv.Function], r.done, r.events[inv.Function]
	r.mu.Unlock()
	if closed {
		return nil, &ServiceError{Code: "ServiceException", Message: "the Lambda runtime is shut down", StatusCode: 500, RequestID: inv.RequestID}
	}
	if len(inv.Payload) > maxPayload {
		return nil, &ServiceError{Code: "RequestEntityTooLargeException", StatusCode: 413, RequestID: inv.RequestID,
			Message: fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", maxPayload)}
	}
	if inv.ClientContext != "" {
		obj, ok := decodeClientContext(inv.ClientContext)
		if !ok {
			return nil, &ServiceError{Code: "InvalidRequestContentException", StatusCode: 400, RequestID: inv.RequestID,
				Message: "Client context must be a valid Base64-encoded JSON object."}
		}
		if !inv.Event {
			inv.clientContext = obj
		}
	}
	if b == nil && r.opts.Remote != nil {
		res, err := r.opts.Remote(ctx, inv)
		if err != nil {
			return nil, err
		}
		res.TraceID = inv.TraceID
		return res, nil
	}
	if b == nil {
		qual := inv.Qualifier
		if qual == "" {
			qual = "$LATEST"
		}
		return nil, &ServiceError{Code: "ResourceNotFoundException", StatusCode: 404, RequestID: inv.RequestID,
			Message: "Function not found: " + r.FunctionArn(inv.Function) + ":" + qual}
	}
	if len(bytes.TrimSpace(inv.Payload)) == 0 {
		inv.Payload = []byte("{}") // no payload: the function gets {}, as from Lambda
	} else if !json.Valid(inv.Payload) {
		return nil, &ServiceError{Code: "InvalidRequestContentException", StatusCode: 400, RequestID: inv.RequestID,
			Message: "Could not parse request body into json: the payload is not valid JSON"}
	}
	if inv.DryRun {
		return &Result{StatusCode: 204, RequestID: inv.RequestID, TraceID: inv.TraceID}, nil
	}
	if inv.Event {
		// Lambda queues the event and answers 202 at once; the function runs on its own.
		go r.runEvent(context.WithoutCancel(ctx), b, inv, events)
		return &Result{StatusCode: 202, RequestID: inv.RequestID, TraceID: inv.TraceID}, nil
	}
	res, err := b.invoke(ctx, inv)
	if err != nil {
		return nil, err
	}
	if res.StatusCode == 0 {
		res.StatusCode = 200
	}
	if res.ExecutedVersion == "" {
		res.ExecutedVersion = "$LATEST"
	}
	if res.RequestID == "" {
		res.RequestID = inv.RequestID
	}
	res.TraceID = inv.TraceID
	if len(res.Payload) > maxPayload {
		res.Payload = []byte(fmt.Sprintf(`{"errorMessage":"Response payload size exceeded maximum allowed payload size (%d bytes).","errorType":"Function.ResponseSizeTooLarge"}`, maxPayload+100))
		res.FunctionError = "Unhandled"
	}
	return res, nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// runEvent runs an Event invocation as Lambda runs one from its queue: when the function
// fails (an error it returns or throws, a crash, a timeout), it is run again, with the same
// request id, up to MaximumRetryAttempts more times, after EventRetryDelays, unless the retry
// would start past MaximumEventAgeInSeconds. The queue is in memory: retries still waiting
// when the Runtime closes are dropped, and logged.
func (r *Runtime) runEvent(ctx context.Context, b backend, inv *Invocation, cfg eventConfig) {
	queued := time.Now()
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 15*time.Minute)
		res, err := b.invoke(actx, inv)
		cancel()
		if err == nil && res.FunctionError == "" {
			return
		}
		why := "the function failed"
		if err != nil {
			why = err.Error()
		}
		log := r.opts.Logger.With("function", inv.Function, "request", inv.RequestID, "attempt", attempt+1, "err", why)
		if attempt >= cfg.retries {
			log.Warn("lambda: asynchronous invocation failed; no retries left")
			return
		}
		delay := r.opts.EventRetryDelays[min(attempt, len(r.opts.EventRetryDelays)-1)]
		if time.Since(queued)+delay > cfg.maxAge {
			log.Warn("lambda: asynchronous invocation failed; its next retry would be past the event's maximum age", "maxAge", cfg.maxAge)
			return
		}
		log.Info("lambda: asynchronous invocation failed; it is retried", "in", delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.closing:
			t.Stop()
			log.Warn("lambda: asynchronous invocation's retry dropped: the server stops")
			return
		}
		r.mu.Lock()
		b = r.fns[inv.Function] // replaced meanwhile: the new code runs the retry
		r.mu.Unlock()
		if b == nil {
			return
		}
	}
}

// decodeClientContext reads a ClientContext: the JSON object it holds in base64, and whether
// it holds one. Lambda documents up to 3,583 bytes of base64 but not its answer to more;
// Stepwise takes more.
func decodeClientContext(b64 string) (string, bool) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return "", false
	}
	return string(raw), true
}

// newTraceID is an X-Ray trace header as Lambda passes it in Lambda-Runtime-Trace-Id.
func newTraceID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), hex.EncodeToString(b[:12]), hex.EncodeToString(b[12:]))
}
