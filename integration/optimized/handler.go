package optimized

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// DefaultPollInterval is how often a .sync task asks after its job. AWS does not document
// its own interval; a job's end is seen within this time.
const DefaultPollInterval = 5 * time.Second

// Options configure a Handler.
type Options struct {
	// Caller makes the AWS API calls (nil: every task but apigateway:invoke fails with
	// States.TaskFailed, saying that no AWS client is configured).
	Caller Caller
	// Region is the region of calls when the execution's ARN has none.
	Region string
	// PollInterval is how often .sync tasks describe their job (0: DefaultPollInterval).
	PollInterval time.Duration
	// HTTPClient makes apigateway:invoke's requests (nil: a client with a 60-second timeout).
	HTTPClient *http.Client
	// Credentials sign apigateway:invoke requests whose AuthType is IAM_ROLE (nil: such
	// requests are sent unsigned, and an API that requires IAM refuses them with 403).
	Credentials aws.CredentialsProvider
}

// Handler runs the optimized integrations; it implements integration.Handler.
type Handler struct {
	caller Caller
	region string
	every  time.Duration
	http   *http.Client
	creds  aws.CredentialsProvider
}

// New returns a Handler.
func New(o Options) *Handler {
	h := &Handler{caller: o.Caller, region: o.Region, every: o.PollInterval, http: o.HTTPClient, creds: o.Credentials}
	if h.every <= 0 {
		h.every = DefaultPollInterval
	}
	if h.http == nil {
		h.http = &http.Client{Timeout: 60 * time.Second}
	}
	return h
}

// Handles reports whether a task is one of the optimized integrations this package runs,
// with a pattern AWS allows for it.
func (h *Handler) Handles(t *engine.Task) bool {
	_, _, ok := lookup(t)
	return ok
}

// lookup finds a task's API: its service, its API name without the pattern, and its spec.
func lookup(t *engine.Task) (svc service, api string, ok bool) {
	svc, ok = services[t.ResourceType]
	if !ok {
		return svc, "", false
	}
	api = strings.TrimSuffix(t.ResourceName, t.Pattern)
	spec, ok := apis[t.ResourceType+":"+api]
	switch {
	case !ok:
	case t.Pattern == "":
	case t.Pattern == ".waitForTaskToken" && spec.callback:
	case t.Pattern == ".sync" && spec.sync:
	default:
		ok = false
	}
	return svc, api, ok
}

// RunTask implements runner.TaskHandler.
func (h *Handler) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	svc, api, ok := lookup(t)
	if !ok {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "the optimized integrations do not run resource " + t.Resource}
	}
	v, err := value.DecodeMaps([]byte(t.Parameters))
	if err != nil {
		return "", &runner.TaskError{Name: "States.Runtime", Cause: "invalid parameters: " + err.Error()}
	}
	params, _ := v.(map[string]any)
	if params == nil {
		params = map[string]any{}
	}
	spec := apis[t.ResourceType+":"+api]
	if spec.kind == gateway {
		return h.invokeAPI(ctx, t, params)
	}
	if h.caller == nil {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "Stepwise has no AWS client configured for resource " + t.Resource}
	}
	switch t.ResourceType + ":" + api {
	case "sqs:sendMessage", "sns:publish":
		stringifyBody(t.ResourceType+":"+api, params)
	case "events:putEvents":
		return h.putEvents(ctx, t, svc, params)
	case "bedrock:invokeModel":
		return h.invokeModel(ctx, t, svc, params)
	}
	if spec.kind == job {
		return h.runJob(ctx, t, svc, api, params)
	}
	resp, err := h.call(ctx, t, svc, api, params)
	if err != nil {
		return "", failure(svc, err)
	}
	return value.Encode(withMetadata(t.ResourceType, api, resp)), nil
}

// CheckTask implements runner.TaskChecker: parameters the task's API cannot take (a field
// it has not, a value of the wrong type) fail the task before it is scheduled, as on AWS.
// apigateway:invoke's are checked as it reads them, those of a plain call against its
// model when the Caller can check them; a job's and a bare call's request is built at run
// time, and is checked then.
func (h *Handler) CheckTask(t *engine.Task) error {
	svc, api, ok := lookup(t)
	if !ok {
		return nil
	}
	v, err := value.DecodeMaps([]byte(t.Parameters))
	if err != nil {
		return nil
	}
	params, _ := v.(map[string]any)
	if params == nil {
		params = map[string]any{}
	}
	key := t.ResourceType + ":" + api
	switch apis[key].kind {
	case gateway:
		if _, pe := parseGateway(params); pe != nil {
			return pe
		}
		return nil
	case plain:
		pc, ok := h.caller.(ParameterChecker)
		if !ok {
			return nil
		}
		stringifyBody(key, params)
		return pc.CheckParams(Request{Service: svc.sdk, Action: api, Params: withoutNulls(params)})
	}
	return nil
}

// call makes one API call for a task. Members set to null are left out of the request, as
// the Java SDK leaves out fields it holds as null; the service then says what is missing.
func (h *Handler) call(ctx context.Context, t *engine.Task, svc service, action string, params map[string]any) (*Response, error) {
	p := withoutNulls(params)
	role := t.RoleArn
	if role == "" {
		role = t.ExecutionRoleArn
	}
	resp, err := h.caller.Call(ctx, Request{Service: svc.sdk, Action: action, Params: p, Region: h.regionOf(t), RoleArn: role})
	var pe *ParameterError
	if errors.As(err, &pe) {
		return nil, badParameters(t.Parameters, pe.Message)
	}
	if err != nil {
		return nil, err
	}
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	resp.Output = javaDates(svc.sdk, action, resp.Output)
	return resp, nil
}

// regionOf is the region of the task's execution, else the configured one.
func (h *Handler) regionOf(t *engine.Task) string {
	parts := strings.SplitN(t.Execution, ":", 5)
	if len(parts) == 5 && parts[3] != "" {
		return parts[3]
	}
	return h.region
}

// withoutNulls is a request's members but those set to null.
func withoutNulls(params map[string]any) map[string]any {
	p := make(map[string]any, len(params))
	for k, v := range params {
		if v != nil {
			p[k] = v
		}
	}
	return p
}

// stringifyBody sends a JSON message body of sqs:sendMessage and sns:publish as its text.
func stringifyBody(api string, params map[string]any) {
	switch api {
	case "sqs:sendMessage":
		stringify(params, "MessageBody")
	case "sns:publish":
		stringify(params, "Message")
	}
}

// stringify turns a member that is not a string into its JSON text, as Step Functions sends
// a JSON MessageBody, Message or Detail.
func stringify(m map[string]any, key string) {
	if v, ok := m[key]; ok && v != nil {
		if _, isString := v.(string); !isString {
			m[key] = value.Encode(v)
		}
	}
}
