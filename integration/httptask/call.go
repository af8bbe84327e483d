package httptask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/inspect"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/tracing"
)

// maxBody is what Step Functions asks for (Range: bytes=0-262144); a server that sends more
// fails the task with States.DataLimitExceeded rather than have it truncated.
const maxBody = 262145

// call makes the request, with the connection's authorization, and renders the response.
// With OAuth, a 401 or 407 answer discards the cached token and the request is made once more
// with a new one (EventBridge refreshes OAuth tokens on these answers).
func (h *Handler) call(ctx context.Context, t *engine.Task, r *request, conn *Connection) (string, error) {
	for attempt := 0; ; attempt++ {
		req, err := h.build(ctx, t, r, conn)
		if err != nil {
			return "", err
		}
		if err := h.authorize(ctx, req, conn); err != nil {
			return "", err
		}
		tracing.Inject(ctx, req.Header) // W3C traceparent, when the execution is traced
		resp, err := h.client.Do(req)
		if err != nil {
			return "", h.socketError(ctx, r, err)
		}
		if conn.AuthorizationType == "OAUTH_CLIENT_CREDENTIALS" && attempt == 0 &&
			(resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusProxyAuthRequired) {
			resp.Body.Close()
			h.dropToken(conn)
			continue
		}
		return h.result(ctx, r, req, conn, resp)
	}
}

// authorize applies the connection's authorization to a request.
func (h *Handler) authorize(ctx context.Context, req *http.Request, conn *Connection) error {
	p := conn.AuthParameters
	switch conn.AuthorizationType {
	case "API_KEY":
		req.Header.Set(p.ApiKeyAuthParameters.ApiKeyName, p.ApiKeyAuthParameters.ApiKeyValue)
	case "BASIC":
		req.SetBasicAuth(p.BasicAuthParameters.Username, p.BasicAuthParameters.Password)
	case "OAUTH_CLIENT_CREDENTIALS":
		tok, err := h.token(ctx, conn)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return nil
}

// result renders a response as AWS does: {"Headers", "ResponseBody", "StatusCode",
// "StatusText"}; outside 2xx it is the cause of States.Http.StatusCode.<code>.
func (h *Handler) result(ctx context.Context, r *request, req *http.Request, conn *Connection, resp *http.Response) (string, error) {
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return "", h.socketError(ctx, r, err)
	}
	if inspect.Recording(ctx) {
		record(ctx, req, conn, resp, data)
	}
	if len(data) > maxBody {
		return "", &runner.TaskError{Name: "States.DataLimitExceeded",
			Cause: fmt.Sprintf("The response body from %s exceeds %d bytes", redact(r.endpoint), maxBody)}
	}
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	media = strings.ToLower(media)
	if media == "application/octet-stream" || strings.HasPrefix(media, "image/") ||
		strings.HasPrefix(media, "video/") || strings.HasPrefix(media, "audio/") {
		return "", &runner.TaskError{Name: "States.Runtime",
			Cause: fmt.Sprintf("The HTTP Task does not support responses of content type '%s'", media)}
	}
	if !utf8.Valid(data) {
		return "", &runner.TaskError{Name: "States.Runtime", Cause: "The HTTP Task could not read the response body as a valid string"}
	}
	var body any = string(data)
	if media == "application/json" || strings.HasSuffix(media, "+json") {
		if v, err := value.Decode(data); err == nil {
			body = v
		}
	}
	headers := map[string]any{}
	for k, vs := range resp.Header {
		k = strings.ToLower(k)
		list, _ := headers[k].([]any)
		for _, v := range vs {
			list = append(list, v)
		}
		headers[k] = list
	}
	text := strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
	if text == "" {
		text = http.StatusText(resp.StatusCode)
	}
	out := value.Encode(map[string]any{
		"Headers": headers, "ResponseBody": body,
		"StatusCode": value.FromInt(int64(resp.StatusCode)), "StatusText": text,
	})
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", &runner.TaskError{Name: "States.Http.StatusCode." + strconv.Itoa(resp.StatusCode), Cause: out}
	}
	return out, nil
}

// record shows the exchange to TestState at TRACE: the headers the connection's
// authorization and its secret parameters added are marked secret.
func record(ctx context.Context, req *http.Request, conn *Connection, resp *http.Response, data []byte) {
	var body []byte
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			body, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	var secret []string
	p := conn.AuthParameters
	switch conn.AuthorizationType {
	case "API_KEY":
		secret = append(secret, p.ApiKeyAuthParameters.ApiKeyName)
	case "BASIC", "OAUTH_CLIENT_CREDENTIALS":
		secret = append(secret, "Authorization")
	}
	if inv := p.InvocationHttpParameters; inv != nil {
		for _, hp := range inv.HeaderParameters {
			if hp.IsValueSecret {
				secret = append(secret, hp.Key)
			}
		}
	}
	text := strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
	if text == "" {
		text = http.StatusText(resp.StatusCode)
	}
	inspect.Record(ctx, inspect.Exchange{Method: req.Method, URL: redactUser(req.URL), RequestHeader: req.Header,
		RequestBody: body, Status: resp.StatusCode, StatusText: text, ResponseHeader: resp.Header,
		ResponseBody: data, Secret: secret})
}

// redactUser is a URL without its user information (the query string is the task's own).
func redactUser(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// socketError is a request that got no response: States.Http.Socket, unless the task
// itself was cancelled (its execution stopped, its state timed out), which the runner
// handles.
func (h *Handler) socketError(ctx context.Context, r *request, err error) error {
	switch cause := context.Cause(ctx); {
	case cause == nil:
	case errors.Is(cause, errTimedOut):
		return &runner.TaskError{Name: "States.Http.Socket",
			Cause: fmt.Sprintf("The request to %s timed out after %s", redact(r.endpoint), seconds(h.timeout))}
	default:
		return cause
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error repeats the URL, query string (and its secrets) included
	}
	return &runner.TaskError{Name: "States.Http.Socket",
		Cause: fmt.Sprintf("The request to %s failed: %v", redact(r.endpoint), err)}
}

// redact is an endpoint without its query string and user information.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery, c.User, c.Fragment = "", nil, ""
	return c.String()
}

func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
	return d.String()
}

// token is the connection's cached OAuth access token, or a new one.
func (h *Handler) token(ctx context.Context, conn *Connection) (string, error) {
	h.mu.Lock()
	tok, ok := h.tokens[conn]
	h.mu.Unlock()
	if ok && (tok.expires.IsZero() || time.Now().Before(tok.expires)) {
		return tok.value, nil
	}
	tok, err := h.fetchToken(ctx, conn.AuthParameters.OAuthParameters)
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	h.tokens[conn] = tok
	h.mu.Unlock()
	return tok.value, nil
}

func (h *Handler) dropToken(conn *Connection) {
	h.mu.Lock()
	delete(h.tokens, conn)
	h.mu.Unlock()
}

// fetchToken asks the AuthorizationEndpoint for a token with the client-credentials grant:
// the client's ID and secret as basic authorization, the OAuthHttpParameters as headers,
// query string and form body (grant_type=client_credentials unless they give a grant_type;
// with GET the body parameters go in the query string).
func (h *Handler) fetchToken(ctx context.Context, o *OAuth) (token, error) {
	fail := func(why string) error {
		return &runner.TaskError{Name: "Events.ConnectionResource.InvalidConnectionState",
			Cause: fmt.Sprintf("The connection could not be authorized: the OAuth token request to %s %s", o.AuthorizationEndpoint, why)}
	}
	u, err := url.Parse(o.AuthorizationEndpoint)
	if err != nil {
		return token{}, fail("has an invalid endpoint")
	}
	extra := o.OAuthHttpParameters
	if extra == nil {
		extra = &HTTPParameters{}
	}
	form := url.Values{}
	for _, p := range extra.BodyParameters {
		form.Add(p.Key, p.Value)
	}
	if !form.Has("grant_type") {
		form.Set("grant_type", "client_credentials")
	}
	q := u.Query()
	for _, p := range extra.QueryStringParameters {
		q.Set(p.Key, p.Value)
	}
	method := o.HttpMethod
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if method == http.MethodGet {
		for k, vs := range form {
			q[k] = vs
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return token{}, fail("has an invalid endpoint")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	for _, p := range extra.HeaderParameters {
		req.Header.Set(p.Key, p.Value)
	}
	req.SetBasicAuth(o.ClientParameters.ClientID, o.ClientParameters.ClientSecret)
	resp, err := h.client.Do(req)
	if err != nil {
		if c := context.Cause(ctx); c != nil && !errors.Is(c, errTimedOut) {
			return token{}, c
		}
		return token{}, fail("failed: " + err.Error())
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return token{}, fail("returned " + resp.Status)
	}
	var tr struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if json.Unmarshal(data, &tr) != nil || tr.AccessToken == "" {
		return token{}, fail("returned no access_token")
	}
	tok := token{value: tr.AccessToken}
	// expires_in is a number of seconds (some servers send it as a string); the token is
	// renewed a little before, so that a request does not carry one about to expire.
	if n, err := strconv.ParseFloat(strings.Trim(string(tr.ExpiresIn), `"`), 64); err == nil && n > 0 {
		life := time.Duration(n * float64(time.Second))
		tok.expires = time.Now().Add(life - min(life/10, 30*time.Second))
	}
	return tok, nil
}
