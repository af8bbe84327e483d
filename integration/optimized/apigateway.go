package optimized

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

var gatewayMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

// gatewayRequest is apigateway:invoke's request, checked.
type gatewayRequest struct {
	url      string
	method   string
	headers  http.Header
	body     []byte
	hasBody  bool
	authType string
}

// invokeAPI runs apigateway:invoke: a request to https://<ApiEndpoint>/<Stage>/<Path>. The
// result is {"Headers": {name: [values]}, "ResponseBody": <JSON when it parses, else text>,
// "StatusCode", "StatusText"}; a status of 400 or more fails the task with ApiGateway.<status>
// and the response body as cause (recorded: ApiGateway.403).
func (h *Handler) invokeAPI(ctx context.Context, t *engine.Task, params map[string]any) (string, error) {
	req, pe := parseGateway(params)
	if pe != nil {
		return "", badParameters(t.Parameters, pe.Message)
	}
	var body io.Reader
	if req.hasBody {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return "", badParameters(t.Parameters, "The value of the field 'ApiEndpoint' has an invalid format")
	}
	for k, vs := range req.headers {
		hr.Header[k] = vs
	}
	if req.hasBody && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.authType == "IAM_ROLE" && h.creds != nil {
		if err := h.sign(ctx, t, hr, req.body); err != nil {
			return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "Unable to sign the request: " + err.Error()}
		}
	}
	resp, err := h.http.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "Unable to execute HTTP request: " + err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "Unable to read the response: " + err.Error()}
	}
	if resp.StatusCode >= 400 {
		return "", &runner.TaskError{Name: "ApiGateway." + strconv.Itoa(resp.StatusCode), Cause: string(raw)}
	}
	all, _ := headerMaps("apigateway", "invoke", resp.Header)
	out := map[string]any{
		"Headers":      all,
		"ResponseBody": responseBody(raw),
		"StatusCode":   value.FromInt(int64(resp.StatusCode)),
		"StatusText":   http.StatusText(resp.StatusCode),
	}
	return value.Encode(out), nil
}

// responseBody is the response's body as JSON when it parses, else as text.
func responseBody(raw []byte) any {
	if len(bytes.TrimSpace(raw)) > 0 {
		if v, err := value.Decode(raw); err == nil {
			return v
		}
	}
	return string(raw)
}

// parseGateway checks apigateway:invoke's parameters; what AWS refuses is a *ParameterError
// in AWS's words.
func parseGateway(p map[string]any) (*gatewayRequest, *ParameterError) {
	invalid := func(field string) *ParameterError {
		return &ParameterError{Message: "The value of the field '" + field + "' has an invalid format"}
	}
	required := func(field string) *ParameterError {
		return &ParameterError{Message: "The field '" + field + "' is required"}
	}
	r := &gatewayRequest{headers: http.Header{}, authType: "NO_AUTH"}
	endpoint, ok := p["ApiEndpoint"].(string)
	if _, present := p["ApiEndpoint"]; !present {
		return nil, required("ApiEndpoint")
	}
	if !ok || endpoint == "" {
		return nil, invalid("ApiEndpoint")
	}
	method, ok := p["Method"].(string)
	if _, present := p["Method"]; !present {
		return nil, required("Method")
	}
	if !ok || !slices.Contains(gatewayMethods, method) {
		return nil, invalid("Method")
	}
	r.method = method
	// A scheme in ApiEndpoint is kept (http://127.0.0.1:port for a local API); AWS's
	// endpoints are host names, reached over HTTPS.
	base := endpoint
	if !strings.Contains(base, "://") {
		base = "https://" + base
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, invalid("ApiEndpoint")
	}
	segs := []string{strings.TrimSuffix(u.String(), "/")}
	for _, f := range []string{"Stage", "Path"} {
		v, present := p[f]
		if !present || v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, invalid(f)
		}
		if s = strings.Trim(s, "/"); s != "" {
			segs = append(segs, s)
		}
	}
	r.url = strings.Join(segs, "/")
	if q, present := p["QueryParameters"]; present && q != nil {
		m, err := stringLists(q)
		if err != nil {
			return nil, invalid("QueryParameters")
		}
		vals := url.Values{}
		for k, vs := range m {
			vals[k] = vs
		}
		r.url += "?" + vals.Encode()
	}
	if hs, present := p["Headers"]; present && hs != nil {
		m, err := stringLists(hs)
		if err != nil {
			return nil, invalid("Headers")
		}
		for k, vs := range m {
			r.headers[k] = vs
		}
	}
	allowNull := false
	if v, present := p["AllowNullValues"]; present && v != nil {
		b, ok := v.(bool)
		if !ok {
			return nil, invalid("AllowNullValues")
		}
		allowNull = b
	}
	if v, present := p["AuthType"]; present && v != nil {
		s, ok := v.(string)
		if !ok || (s != "NO_AUTH" && s != "IAM_ROLE" && s != "RESOURCE_POLICY") {
			return nil, invalid("AuthType")
		}
		r.authType = s
	}
	if b, present := p["RequestBody"]; present && b != nil {
		r.hasBody = true
		if s, ok := b.(string); ok {
			r.body = []byte(s)
		} else {
			if !allowNull {
				b = dropNulls(b)
			}
			r.body = value.EncodeBytes(b)
		}
	}
	return r, nil
}

// stringLists reads {"name": ["value", ...]}, the shape of Headers and QueryParameters.
func stringLists(v any) (map[string][]string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errInvalid
	}
	out := make(map[string][]string, len(m))
	for k, l := range m {
		list, ok := l.([]any)
		if !ok {
			return nil, errInvalid
		}
		for _, e := range list {
			s, ok := e.(string)
			if !ok {
				return nil, errInvalid
			}
			out[k] = append(out[k], s)
		}
	}
	return out, nil
}

var errInvalid = &runner.TaskError{Name: "States.Runtime", Cause: "invalid format"}

// dropNulls removes null members from objects, as apigateway:invoke does unless
// AllowNullValues is true.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				out[k] = dropNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = dropNulls(e)
		}
		return out
	}
	return v
}

// sign signs a request with SigV4 for execute-api, in the region the endpoint names
// (<id>.execute-api.<region>.amazonaws.com) or else the task's.
func (h *Handler) sign(ctx context.Context, t *engine.Task, r *http.Request, body []byte) error {
	creds, err := h.creds.Retrieve(ctx)
	if err != nil {
		return err
	}
	region := h.regionOf(t)
	if parts := strings.Split(r.URL.Hostname(), "."); len(parts) >= 4 && parts[1] == "execute-api" {
		region = parts[2]
	}
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), "execute-api", region, time.Now())
}
