// Package api serves the Step Functions API over HTTP in the AWS JSON 1.0 protocol
// (POST /, X-Amz-Target: AWSStepFunctions.<Action>), so the AWS SDKs and the AWS CLI work
// against Stepwise with an endpoint URL and nothing else changed.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/api/throttle"
	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/execlog"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// maxRequestBytes bounds a request body: a 1 MiB definition or a 256 KiB input, JSON-escaped,
// fits with room to spare.
const maxRequestBytes = 8 << 20

// Server handles the Step Functions API.
type Server struct {
	Store   store.Store
	Node    *runner.Node
	Region  string
	Account string
	// Tasks runs the tasks of Express executions (StartSyncExecution).
	Tasks  runner.TaskHandler
	Logger *slog.Logger
	// Mocks, if set, answers the tasks of executions started on "<arn>#<TestCase>".
	Mocks Mocks
	// Guard, if set, requires every call to be signed and allowed (--enforce-iam).
	Guard Guard
	// Throttle, if set, sheds load past its bounds with ThrottlingException, as AWS does.
	Throttle *throttle.Limiter
	// BodyTimeout is how long a request's body may take to arrive (0: 30 seconds, a 1 MiB
	// body at 35 KiB/s); a slower one is cut off.
	BodyTimeout time.Duration
	// EvalLimits bound the expression evaluations of TestState (engine.Config.EvalLimits).
	EvalLimits budget.Limits
	// ExecutionLogs, if set, logs Express executions by their state machine's
	// loggingConfiguration (the node logs the Standard ones) and hears of its updates.
	ExecutionLogs *execlog.Writer
	// ExpressLogs, if set, keeps the log events of Express executions whose state machine
	// logs them, for the console (they keep no history).
	ExpressLogs *execlog.Keeper
	// Tracer, if set, traces the Express executions the API runs whose state machine has
	// tracingConfiguration enabled (tracing.Exporter; the node traces the others).
	Tracer Tracer

	smCache smCache
}

// Tracer traces executions that no store holds (tracing.Exporter).
type Tracer interface {
	// Begin starts following an execution and returns ctx carrying its trace context.
	Begin(ctx context.Context, row *store.Execution) context.Context
	// Observe hears the events of a step.
	Observe(ctx context.Context, row *store.Execution, events []history.Event)
	// TaskContext returns ctx carrying the trace context of a task of execution arn, for
	// what the task calls.
	TaskContext(ctx context.Context, arn string, t *engine.Task) context.Context
	// Forget stops following an execution that ended without an end event.
	Forget(arn string)
}

// Error is an API error as the JSON protocol returns it.
type Error struct {
	Type    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func apiErr(typ, format string, args ...any) *Error {
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

type handler func(s *Server, ctx context.Context, body []byte) (any, error)

// IsAction reports whether name (without the "AWSStepFunctions." prefix) is an action the
// API serves: what a metric may label, when any caller can send any X-Amz-Target.
func IsAction(name string) bool { return actions[name] != nil }

var actions = map[string]handler{
	"CreateStateMachine":               (*Server).createStateMachine,
	"DescribeStateMachine":             (*Server).describeStateMachine,
	"UpdateStateMachine":               (*Server).updateStateMachine,
	"DeleteStateMachine":               (*Server).deleteStateMachine,
	"ListStateMachines":                (*Server).listStateMachines,
	"ValidateStateMachineDefinition":   (*Server).validateDefinition,
	"StartExecution":                   (*Server).startExecution,
	"StartSyncExecution":               (*Server).startSyncExecution,
	"StopExecution":                    (*Server).stopExecution,
	"RedriveExecution":                 (*Server).redriveExecution,
	"DescribeExecution":                (*Server).describeExecution,
	"DescribeStateMachineForExecution": (*Server).describeStateMachineForExecution,
	"ListExecutions":                   (*Server).listExecutions,
	"GetExecutionHistory":              (*Server).getExecutionHistory,
	"SendTaskSuccess":                  (*Server).sendTaskSuccess,
	"SendTaskFailure":                  (*Server).sendTaskFailure,
	"SendTaskHeartbeat":                (*Server).sendTaskHeartbeat,
	"CreateActivity":                   (*Server).createActivity,
	"DescribeActivity":                 (*Server).describeActivity,
	"DeleteActivity":                   (*Server).deleteActivity,
	"ListActivities":                   (*Server).listActivities,
	"GetActivityTask":                  (*Server).getActivityTask,
	"TagResource":                      (*Server).tagResource,
	"UntagResource":                    (*Server).untagResource,
	"ListTagsForResource":              (*Server).listTagsForResource,
	"PublishStateMachineVersion":       (*Server).publishStateMachineVersion,
	"ListStateMachineVersions":         (*Server).listStateMachineVersions,
	"DeleteStateMachineVersion":        (*Server).deleteStateMachineVersion,
	"CreateStateMachineAlias":          (*Server).createStateMachineAlias,
	"DescribeStateMachineAlias":        (*Server).describeStateMachineAlias,
	"UpdateStateMachineAlias":          (*Server).updateStateMachineAlias,
	"DeleteStateMachineAlias":          (*Server).deleteStateMachineAlias,
	"ListStateMachineAliases":          (*Server).listStateMachineAliases,
	"TestState":                        (*Server).testState,
	"DescribeMapRun":                   (*Server).describeMapRun,
	"ListMapRuns":                      (*Server).listMapRuns,
	"UpdateMapRun":                     (*Server).updateMapRun,
}

// requestIDHeader is "x-amzn-RequestId" as net/http canonicalizes it.
var requestIDHeader = http.CanonicalHeaderKey("x-amzn-RequestId")

// ServeHTTP implements the JSON 1.0 protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// What Header.Set("x-amzn-RequestId", ...) stores, without canonicalizing the name again
	// at every call.
	w.Header()[requestIDHeader] = []string{ids.UUID()}
	if r.Method != http.MethodPost {
		writeError(w, &Error{Type: "UnknownOperationException", Message: "Only POST is supported", Status: http.StatusMethodNotAllowed})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	action, ok := strings.CutPrefix(target, "AWSStepFunctions.")
	h := actions[action]
	if target == "" {
		writeError(w, &Error{Type: "UnknownOperationException", Message: "The request names no operation: the X-Amz-Target header (AWSStepFunctions.<Operation>) is missing", Status: http.StatusBadRequest})
		return
	}
	if !ok || h == nil {
		writeError(w, &Error{Type: "UnknownOperationException", Message: "Unknown operation " + target, Status: http.StatusBadRequest})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !jsonContentType(ct) {
		writeError(w, apiErr("SerializationException", "Content-Type '%s' is not supported: the API takes application/x-amz-json-1.0.", ct))
		return
	}
	release, why := s.Throttle.Acquire(action)
	if why != throttle.OK {
		// AWS's answer to a throttled call (HTTP 400), which the SDKs retry with backoff.
		writeError(w, &Error{Type: "ThrottlingException", Message: "Rate exceeded", Status: http.StatusBadRequest})
		return
	}
	defer release()
	// A body that trickles in is cut off (a slow client would hold a place in flight); the
	// deadline is lifted once it is read, so a long answer is not.
	rc := http.NewResponseController(w)
	deadline := s.BodyTimeout
	if deadline == 0 {
		deadline = 30 * time.Second
	}
	timed := rc.SetReadDeadline(time.Now().Add(deadline)) == nil // not when called without a connection
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil {
		// The deadline stays: the server would otherwise wait for the rest of the body
		// before it answers and closes the connection.
		writeError(w, apiErr("SerializationException", "could not read the request body"))
		return
	}
	if len(body) > maxRequestBytes {
		writeError(w, &Error{Type: "RequestEntityTooLargeException", Message: "Request body too large", Status: http.StatusRequestEntityTooLarge})
		return
	}
	if timed {
		_ = rc.SetReadDeadline(time.Time{})
	}
	if len(bytes.TrimSpace(body)) == 0 { // bytes: string(body) would copy the whole request
		body = []byte("{}")
	} else if e := checkBody(body); e != nil {
		writeError(w, e)
		return
	}
	if s.Guard != nil {
		if err := s.authorize(r.Context(), r, action, body); err != nil {
			writeError(w, err)
			return
		}
	}
	if e := checkMembers(action, body); e != nil {
		writeError(w, e)
		return
	}
	ctx := r.Context()
	if action == "StartExecution" || action == "StartSyncExecution" {
		if th := r.Header[traceIDHeader]; len(th) > 0 {
			ctx = context.WithValue(ctx, traceHeaderKey{}, th[0])
		}
	}
	start := time.Now()
	out, err := h(s, ctx, body)
	// Asked first: the arguments of a Debug call are built (and allocated) even when the
	// level drops them.
	debug := s.Logger != nil && s.Logger.Enabled(r.Context(), slog.LevelDebug)
	if err != nil {
		var ae *Error
		if !errors.As(err, &ae) {
			s.logger().Error("api", "action", action, "err", err)
			ae = &Error{Type: "InternalFailure", Message: "An internal error occurred", Status: http.StatusInternalServerError}
		}
		if debug {
			s.logger().Debug("api", "action", action, "error", ae.Type, "duration", time.Since(start))
		}
		writeError(w, ae)
		return
	}
	if debug {
		s.logger().Debug("api", "action", action, "duration", time.Since(start))
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if o, ok := out.(*object); ok {
		// The hot answers, in a reused buffer, with the newline json.Encoder ends with.
		bp := answerBuffers.Get().(*[]byte)
		b := append(o.appendJSON((*bp)[:0]), '\n')
		_, _ = w.Write(b)
		if cap(b) <= 64<<10 { // an execution's large input or output is not kept
			*bp = b
			answerBuffers.Put(bp)
		}
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out)
}

// answerBuffers holds the buffers the hot answers are written into.
var answerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func writeError(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(e.Status)
	data, _ := json.Marshal(map[string]string{"__type": e.Type, "message": e.Message})
	_, _ = w.Write(data)
}

// decode reads a request into v, rejecting what is not JSON of the right shape as the SDKs'
// servers do.
func decode(body []byte, v any) error {
	// A Decoder, not Unmarshal: it accepts what follows the first value and says "unexpected
	// EOF" for a cut request, as this API always has. bytes.NewReader spares a copy.
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return decodeError(err, body)
	}
	return nil
}

// epoch renders a time as the JSON protocol's timestamps: seconds since the epoch, with
// milliseconds.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	return appendEpochMillis(nil, time.Time(t).UnixMilli()), nil
}

func epochPtr(t *time.Time) *epoch {
	if t == nil {
		return nil
	}
	e := epoch(*t)
	return &e
}

// validation builds a ValidationException in the coral format AWS uses.
func validation(problems ...string) *Error {
	if len(problems) == 1 {
		return apiErr("ValidationException", "1 validation error detected: %s", problems[0])
	}
	return apiErr("ValidationException", "%d validation errors detected: %s", len(problems), strings.Join(problems, "; "))
}

// pageSize checks maxResults (0..1000; 0 or absent means 100) and returns the page size, or
// what is wrong with it.
func pageSize(n int) (int, string) {
	if n < 0 {
		return 0, fmt.Sprintf("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0", n)
	}
	if n > 1000 {
		return 0, fmt.Sprintf("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000", n)
	}
	if n == 0 {
		n = 100
	}
	return n, ""
}

func tokenErr(err error) error {
	if errors.Is(err, store.ErrInvalidToken) {
		return apiErr("InvalidToken", "Invalid Token: 'Invalid token'")
	}
	return err
}

// arnPattern checks an ARN's prefix as AWS does before looking it up.
func checkArn(arn, kind string) error {
	if !strings.HasPrefix(arn, "arn:") {
		return apiErr("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: %s'", arn)
	}
	_, seven := arnField(arn, 6)
	if service, _ := arnField(arn, 2); !seven || service != "states" || resourceType(arn) != kind {
		return apiErr("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %s'", resourceType(arn))
	}
	return nil
}

func resourceType(arn string) string {
	t, _ := arnField(arn, 5)
	return t
}

// arnField returns the i-th of the colon-separated fields of an ARN (from 0), up to the next
// colon; ok is false when there are not that many. Every call that names an ARN checks it:
// strings.Split allocated a slice each time.
func arnField(arn string, i int) (field string, ok bool) {
	for ; i > 0; i-- {
		c := strings.IndexByte(arn, ':')
		if c < 0 {
			return "", false
		}
		arn = arn[c+1:]
	}
	if c := strings.IndexByte(arn, ':'); c >= 0 {
		return arn[:c], true
	}
	return arn, true
}

// paging holds the members every List action takes.
type paging struct {
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

// The longest nextToken AWS takes: 1024 characters (the API model's PageToken), 3096 for
// ListExecutions (ListExecutionsPageToken); both recorded in test_sfn_api.
const (
	maxPageToken           = 1024
	maxListExecutionsToken = 3096
)

// page checks maxResults and nextToken and returns the page the request asks for.
func (p paging) page() (store.Page, error) { return p.pageUpTo(maxPageToken) }

// pageUpTo is page for an action whose nextToken may be up to maxToken characters long.
func (p paging) pageUpTo(maxToken int) (store.Page, error) {
	var problems []string
	n, problem := pageSize(p.MaxResults)
	if problem != "" {
		problems = append(problems, problem)
	}
	if utf8.RuneCountInString(p.NextToken) > maxToken {
		problems = append(problems, fmt.Sprintf("Value '%s' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to %d", p.NextToken, maxToken))
	}
	if len(problems) > 0 {
		return store.Page{}, validation(problems...)
	}
	return store.Page{Token: p.NextToken, Limit: n}, nil
}

// listed is a List action's answer: its items under key, and nextToken while more remain.
func listed(key string, items any, next string) map[string]any {
	out := map[string]any{key: items}
	if next != "" {
		out["nextToken"] = next
	}
	return out
}
