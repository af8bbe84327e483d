package httptask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// DefaultTimeout is how long an HTTP Task waits for its response, as AWS: 60 seconds.
const DefaultTimeout = 60 * time.Second

// Options configure a Handler.
type Options struct {
	// Connections are the connections tasks may name (nil: none; every task fails with
	// Events.ConnectionResource.ResourceNotFound).
	Connections *Connections
	// Region is the region in the User-Agent header when the execution's ARN has none.
	Region string
	// Timeout bounds each task's request, including fetching an OAuth token (0: 60 s).
	Timeout time.Duration
	// Transport makes the requests (nil: a transport like http.DefaultTransport that does
	// not ask for compressed responses, so that the headers reported are the server's).
	Transport http.RoundTripper
}

// Handler runs http:invoke tasks.
type Handler struct {
	conns   *Connections
	region  string
	timeout time.Duration
	client  *http.Client

	mu     sync.Mutex
	tokens map[*Connection]token
}

type token struct {
	value   string
	expires time.Time // zero: until the API refuses it
}

// New returns a Handler.
func New(o Options) *Handler {
	h := &Handler{conns: o.Connections, region: o.Region, timeout: o.Timeout, tokens: map[*Connection]token{}}
	if h.timeout <= 0 {
		h.timeout = DefaultTimeout
	}
	tr := o.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true
		tr = t
	}
	h.client = &http.Client{Transport: tr}
	return h
}

// Handles reports whether a task is an HTTP Task: arn:aws:states:::http:invoke, with or
// without .waitForTaskToken (which the validator refuses, as AWS does, but a definition
// stored before would still run: the response is what the runner records as TaskSubmitted).
func (h *Handler) Handles(t *engine.Task) bool {
	return t.ResourceType == "http" && strings.TrimSuffix(t.ResourceName, ".waitForTaskToken") == "invoke"
}

var methods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"}

// params are http:invoke's parameters.
type params struct {
	ApiEndpoint      json.RawMessage `json:"ApiEndpoint"`
	Method           json.RawMessage `json:"Method"`
	Authentication   json.RawMessage `json:"Authentication"`
	InvocationConfig json.RawMessage `json:"InvocationConfig"`
	Headers          json.RawMessage `json:"Headers"`
	QueryParameters  json.RawMessage `json:"QueryParameters"`
	RequestBody      json.RawMessage `json:"RequestBody"`
	Transform        json.RawMessage `json:"Transform"`
}

// request is a task's request, checked.
type request struct {
	endpoint    *url.URL
	method      string
	connArn     string
	headers     []kv   // in the order given
	query       []kv   // in the order given
	body        *node  // nil: no RequestBody
	bodyText    string // a string RequestBody
	bodyIsText  bool
	formEncoded bool
	arrayFormat string
}

type kv struct{ k, v string }

// RunTask implements runner.TaskHandler.
func (h *Handler) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	if !h.Handles(t) {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "the HTTP integration does not run resource " + t.Resource}
	}
	req, err := parse(t.Parameters)
	var pe *paramError
	if errors.As(err, &pe) {
		return "", &runner.TaskError{Name: "States.Runtime",
			Cause: fmt.Sprintf("The Parameters '%s' could not be used to start the Task: [%s]", t.Parameters, pe.msg)}
	}
	if err != nil {
		return "", err
	}
	conn, ok := h.conns.Lookup(req.connArn)
	if !ok {
		return "", &runner.TaskError{Name: "Events.ConnectionResource.ResourceNotFound",
			Cause: fmt.Sprintf("Failed to describe the connection(s). Connection '%s' does not exist.", nameOf(req.connArn))}
	}
	ctx, cancel := context.WithTimeoutCause(ctx, h.timeout, errTimedOut)
	defer cancel()
	return h.call(ctx, t, req, conn)
}

// errTimedOut is the cause of a task's context when its request took too long.
var errTimedOut = errors.New("the HTTP Task timed out")

// CheckTask implements runner.TaskChecker: parameters AWS refuses fail the task before it
// is scheduled.
func (h *Handler) CheckTask(t *engine.Task) error {
	var pe *paramError
	if _, err := parse(t.Parameters); errors.As(err, &pe) {
		return pe
	}
	return nil
}

// paramError is a parameter AWS refuses, in AWS's words.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

// parse reads and checks the parameters. A parameter AWS would refuse is a *paramError: the
// task fails with States.Runtime, in the words AWS uses for a task whose parameters it
// cannot use.
func parse(text string) (*request, error) {
	var p params
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		return nil, &runner.TaskError{Name: "States.Runtime", Cause: "invalid parameters: " + err.Error()}
	}
	bad := func(msg string) error { return &paramError{msg} }
	invalid := func(field string) error {
		return bad(fmt.Sprintf("The value of the field '%s' has an invalid format", field))
	}
	r := &request{arrayFormat: "INDICES"}

	var endpoint string
	if len(p.ApiEndpoint) == 0 {
		return nil, bad("The field 'ApiEndpoint' is required")
	}
	if json.Unmarshal(p.ApiEndpoint, &endpoint) != nil {
		return nil, invalid("ApiEndpoint")
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, invalid("ApiEndpoint")
	}
	r.endpoint = u

	if len(p.Method) == 0 {
		return nil, bad("The field 'Method' is required")
	}
	if json.Unmarshal(p.Method, &r.method) != nil || !slices.Contains(methods, r.method) {
		return nil, invalid("Method")
	}

	auth, field := p.InvocationConfig, "InvocationConfig"
	if len(auth) == 0 {
		auth, field = p.Authentication, "Authentication"
	}
	if len(auth) == 0 {
		return nil, bad("The field 'Authentication' is required")
	}
	var a struct {
		ConnectionArn *string `json:"ConnectionArn"`
	}
	if json.Unmarshal(auth, &a) != nil {
		return nil, invalid(field)
	}
	if a.ConnectionArn == nil {
		return nil, bad(fmt.Sprintf("The field '%s.ConnectionArn' is required", field))
	}
	if !connectionArn.MatchString(*a.ConnectionArn) {
		return nil, invalid(field + ".ConnectionArn")
	}
	r.connArn = *a.ConnectionArn

	if len(p.Headers) > 0 && string(p.Headers) != "null" {
		hs, err := pairs(p.Headers)
		if err != nil {
			return nil, invalid("Headers")
		}
		var refused []string
		for _, h := range hs {
			if forbidden(h.k) && !slices.Contains(refused, strings.ToLower(h.k)) {
				refused = append(refused, strings.ToLower(h.k))
			}
			if !validHeader(h.k, h.v) {
				return nil, invalid("Headers")
			}
		}
		if len(refused) > 0 {
			return nil, bad(fmt.Sprintf("The 'Headers' field contains unsupported values: [%s]", strings.Join(refused, ", ")))
		}
		r.headers = hs
	}

	if len(p.QueryParameters) > 0 && string(p.QueryParameters) != "null" {
		var s string
		if json.Unmarshal(p.QueryParameters, &s) == nil {
			vs, err := url.ParseQuery(s)
			if err != nil {
				return nil, invalid("QueryParameters")
			}
			for _, k := range sortedKeys(vs) {
				for _, v := range vs[k] {
					r.query = append(r.query, kv{k, v})
				}
			}
		} else if r.query, err = pairs(p.QueryParameters); err != nil {
			return nil, invalid("QueryParameters")
		}
	}

	if len(p.Transform) > 0 && string(p.Transform) != "null" {
		var tr struct {
			RequestBodyEncoding    *string `json:"RequestBodyEncoding"`
			RequestEncodingOptions *struct {
				ArrayFormat *string `json:"ArrayFormat"`
			} `json:"RequestEncodingOptions"`
		}
		if json.Unmarshal(p.Transform, &tr) != nil {
			return nil, invalid("Transform")
		}
		if e := tr.RequestBodyEncoding; e != nil {
			switch *e {
			case "NONE":
			case "URL_ENCODED":
				r.formEncoded = true
			default:
				return nil, invalid("Transform.RequestBodyEncoding")
			}
		}
		if o := tr.RequestEncodingOptions; o != nil && o.ArrayFormat != nil {
			switch *o.ArrayFormat {
			case "INDICES", "REPEAT", "COMMAS", "BRACKETS":
				r.arrayFormat = *o.ArrayFormat
			default:
				return nil, invalid("Transform.RequestEncodingOptions.ArrayFormat")
			}
		}
	}

	if len(p.RequestBody) > 0 && string(p.RequestBody) != "null" {
		n, err := parseNode(p.RequestBody)
		if err != nil {
			return nil, invalid("RequestBody")
		}
		if s, ok := n.scalar.(string); ok && n.isScalar() {
			r.bodyText, r.bodyIsText = s, true
		} else {
			r.body = n
		}
	}
	return r, nil
}

// pairs reads Headers or QueryParameters: an object whose values are strings, numbers,
// booleans or arrays of them (one pair per item), or an array of such objects.
func pairs(raw json.RawMessage) ([]kv, error) {
	n, err := parseNode(raw)
	if err != nil {
		return nil, err
	}
	var out []kv
	add := func(o *node) error {
		for i, k := range o.keys {
			v := o.vals[i]
			switch {
			case v.isScalar():
				out = append(out, kv{k, v.text()})
			case v.array:
				for _, item := range v.vals {
					if !item.isScalar() {
						return errors.New("nested value")
					}
					out = append(out, kv{k, item.text()})
				}
			default:
				return errors.New("nested value")
			}
		}
		return nil
	}
	switch {
	case n.object:
		err = add(n)
	case n.array:
		for _, o := range n.vals {
			if !o.object {
				return nil, errors.New("not an object")
			}
			if err = add(o); err != nil {
				break
			}
		}
	default:
		err = errors.New("not an object")
	}
	return out, err
}

// forbidden reports a header a definition may not set (AWS: the task fails with
// States.Runtime). Authorization is among them: credentials come from the connection.
func forbidden(name string) bool {
	n := strings.ToLower(name)
	for _, p := range []string{"x-forwarded-", "x-amz-", "x-amzn-"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	switch n {
	case "a-im", "accept-charset", "accept-datetime", "accept-encoding", "authorization", "cache-control",
		"connection", "content-encoding", "content-md5", "date", "expect", "forwarded", "from", "host",
		"http2-settings", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
		"max-forwards", "origin", "pragma", "proxy-authorization", "referer", "server", "te", "trailer",
		"transfer-encoding", "upgrade", "via", "warning":
		return true
	}
	return false
}

// validHeader reports whether a name is an HTTP token and a value has no line breaks.
func validHeader(name, v string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return !strings.ContainsAny(v, "\r\n\x00")
}

func sortedKeys(vs url.Values) []string {
	keys := make([]string, 0, len(vs))
	for k := range vs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// build makes the HTTP request: the task's parameters merged with the connection's
// InvocationHttpParameters (the connection wins), then Step Functions' own headers.
func (h *Handler) build(ctx context.Context, t *engine.Task, r *request, conn *Connection) (*http.Request, error) {
	inv := conn.AuthParameters.InvocationHttpParameters
	if inv == nil {
		inv = &HTTPParameters{}
	}
	headers := mergePairs(r.headers, inv.HeaderParameters, true)
	query := mergePairs(r.query, inv.QueryStringParameters, false)

	var body []byte
	hasBody := false
	switch {
	case r.bodyIsText:
		if len(inv.BodyParameters) > 0 {
			return nil, &runner.TaskError{Name: "States.Runtime",
				Cause: "The RequestBody is a string and the connection has body parameters: Step Functions cannot merge them"}
		}
		body, hasBody = []byte(r.bodyText), true
	case r.body != nil || len(inv.BodyParameters) > 0:
		n := r.body
		if n == nil {
			n = &node{object: true}
		}
		if len(inv.BodyParameters) > 0 {
			if !n.object {
				return nil, &runner.TaskError{Name: "States.Runtime",
					Cause: "The RequestBody is not an object and the connection has body parameters: Step Functions cannot merge them"}
			}
			for _, p := range inv.BodyParameters {
				n.set(p.Key, p.Value)
			}
		}
		if r.formEncoded {
			if !n.object {
				return nil, &runner.TaskError{Name: "States.Runtime", Cause: "The RequestBody must be an object to be URL-encoded"}
			}
			body = []byte(formEncode(n, r.arrayFormat))
		} else {
			body = []byte(n.json())
		}
		hasBody = true
	}

	u := *r.endpoint
	if q := encodeQuery(query); q != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&" + q
		} else {
			u.RawQuery = q
		}
	}
	var rd *bytes.Reader
	if hasBody {
		rd = bytes.NewReader(body)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequestWithContext(ctx, r.method, u.String(), rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, r.method, u.String(), nil)
	}
	if err != nil {
		return nil, &runner.TaskError{Name: "States.Runtime", Cause: err.Error()}
	}
	for _, p := range headers {
		req.Header.Add(p.k, p.v)
	}
	if hasBody && req.Header.Get("Content-Type") == "" {
		if r.formEncoded {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req.Header.Set("Content-Type", "application/json; charset=UTF-8")
		}
	}
	req.Header.Set("User-Agent", "Amazon|StepFunctions|HttpInvoke|"+h.regionOf(t))
	req.Header.Set("Range", "bytes=0-262144")
	return req, nil
}

// mergePairs adds a connection's parameters to the task's: a key the connection gives
// takes the place of the task's first value for it (header names compared without case),
// and the connection's other keys follow.
func mergePairs(task []kv, conn []Parameter, fold bool) []kv {
	same := func(a, b string) bool {
		if fold {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	out := make([]kv, 0, len(task)+len(conn))
	used := make([]bool, len(conn))
	for _, p := range task {
		replaced := false
		for i, c := range conn {
			if same(c.Key, p.k) {
				if !used[i] {
					out = append(out, kv{c.Key, c.Value})
					used[i] = true
				}
				replaced = true
			}
		}
		if !replaced {
			out = append(out, p)
		}
	}
	for i, c := range conn {
		if !used[i] {
			out = append(out, kv{c.Key, c.Value})
		}
	}
	return out
}

func encodeQuery(q []kv) string {
	parts := make([]string, len(q))
	for i, p := range q {
		parts[i] = formEscape(p.k) + "=" + formEscape(p.v)
	}
	return strings.Join(parts, "&")
}

// regionOf is the execution's region (arn:aws:states:REGION:...), else the Handler's.
func (h *Handler) regionOf(t *engine.Task) string {
	if parts := strings.Split(t.Execution, ":"); len(parts) > 3 && parts[3] != "" {
		return parts[3]
	}
	if h.region != "" {
		return h.region
	}
	return "us-east-1"
}
