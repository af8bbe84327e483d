package httptask_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/httptask"
	"github.com/stepwise-run/stepwise/runner"
)

const connArn = "arn:aws:events:us-east-1:123456789012:connection/api/0c6c1ba4-5d2e-4b6f-9a8e-1f2a3b4c5d6e"

// echo answers every request with what it received, as JSON.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Add("X-Multi", "one")
	w.Header().Add("X-Multi", "two")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "headers": r.Header, "body": string(body),
	})
}

func handler(t *testing.T, conns map[string]httptask.Connection, opts ...func(*httptask.Options)) *httptask.Handler {
	t.Helper()
	if conns == nil {
		conns = map[string]httptask.Connection{connArn: apiKey()}
	}
	cs, err := httptask.NewConnections(conns)
	if err != nil {
		t.Fatal(err)
	}
	o := httptask.Options{Connections: cs}
	for _, f := range opts {
		f(&o)
	}
	return httptask.New(o)
}

func apiKey() httptask.Connection {
	return httptask.Connection{AuthorizationType: "API_KEY", AuthParameters: httptask.AuthParameters{
		ApiKeyAuthParameters: &httptask.APIKeyAuth{ApiKeyName: "X-Api-Key", ApiKeyValue: "secret"}}}
}

func task(params string) *engine.Task {
	return &engine.Task{Resource: "arn:aws:states:::http:invoke", ResourceType: "http", ResourceName: "invoke",
		Parameters: params, Execution: "arn:aws:states:eu-west-1:123456789012:execution:sm:e1"}
}

// params renders a task's parameters with the test connection.
func params(fields map[string]any) string {
	p := map[string]any{"Method": "GET", "Authentication": map[string]any{"ConnectionArn": connArn}}
	for k, v := range fields {
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	b, _ := json.Marshal(p)
	return string(b)
}

type result struct {
	Headers      map[string][]string
	ResponseBody any
	StatusCode   int
	StatusText   string
}

// echoed is what the echo server saw.
type echoed struct {
	Method, Path, Query, Body string
	Headers                   http.Header
}

func run(t *testing.T, h *httptask.Handler, p string) (result, echoed, error) {
	t.Helper()
	out, err := h.RunTask(context.Background(), task(p))
	if err != nil {
		return result{}, echoed{}, err
	}
	var r result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("result %s: %v", out, err)
	}
	var e echoed
	if m, ok := r.ResponseBody.(map[string]any); ok {
		b, _ := json.Marshal(m)
		_ = json.Unmarshal(b, &e)
	}
	return r, e, nil
}

func taskError(t *testing.T, err error) *runner.TaskError {
	t.Helper()
	var te *runner.TaskError
	if !errors.As(err, &te) {
		t.Fatalf("error %v is not a TaskError", err)
	}
	return te
}

func TestMethods(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	h := handler(t, nil)
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"} {
		t.Run(m, func(t *testing.T) {
			r, e, err := run(t, h, params(map[string]any{"ApiEndpoint": srv.URL + "/items/7", "Method": m}))
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != 200 || r.StatusText != "OK" {
				t.Errorf("status %d %q", r.StatusCode, r.StatusText)
			}
			if m == "HEAD" {
				if r.ResponseBody != "" {
					t.Errorf("HEAD body %v", r.ResponseBody)
				}
				return
			}
			if e.Method != m || e.Path != "/items/7" {
				t.Errorf("server saw %s %s", e.Method, e.Path)
			}
		})
	}
}

func TestResultShape(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	out, err := handler(t, nil).RunTask(context.Background(), task(params(map[string]any{"ApiEndpoint": srv.URL})))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal([]byte(out), &m)
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	if len(m) != 4 || m["Headers"] == nil || m["ResponseBody"] == nil || string(m["StatusCode"]) != "200" || string(m["StatusText"]) != `"OK"` {
		t.Fatalf("result %s", out)
	}
	var hs map[string][]string
	_ = json.Unmarshal(m["Headers"], &hs)
	if got := hs["x-multi"]; len(got) != 2 || got[0] != "one" || got[1] != "two" {
		t.Errorf("x-multi %v in %s", got, m["Headers"])
	}
	if hs["content-type"][0] != "application/json" || hs["date"] == nil || hs["content-length"] == nil {
		t.Errorf("headers %s", m["Headers"])
	}
}

func TestTextResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, `{"looks":"like json"}`)
	}))
	defer srv.Close()
	r, _, err := run(t, handler(t, nil), params(map[string]any{"ApiEndpoint": srv.URL}))
	if err != nil {
		t.Fatal(err)
	}
	if r.ResponseBody != `{"looks":"like json"}` {
		t.Errorf("body %#v", r.ResponseBody)
	}
}

func TestQueryAndHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	conn := apiKey()
	conn.AuthParameters.InvocationHttpParameters = &httptask.HTTPParameters{
		HeaderParameters:      []httptask.Parameter{{Key: "header-param", Value: "from connection"}},
		QueryStringParameters: []httptask.Parameter{{Key: "QueryParam", Value: "connection"}},
	}
	h := handler(t, map[string]httptask.Connection{connArn: conn})
	_, e, err := run(t, h, params(map[string]any{
		"ApiEndpoint":     srv.URL + "/search?fixed=1",
		"QueryParameters": map[string]any{"currency": "usd", "q": "a b&c", "QueryParam": "task", "ids": []any{1, 2}},
		"Headers":         map[string]any{"Request-Id": "r1", "Header-Param": "from task", "User-Agent": "mine"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	// Object keys come in the order of the parameters' JSON text (sorted here by json.Marshal).
	if want := "fixed=1&QueryParam=connection&currency=usd&ids=1&ids=2&q=a%20b%26c"; e.Query != want {
		t.Errorf("query %q, want %q", e.Query, want)
	}
	checks := map[string]string{
		"Request-Id": "r1", "Header-Param": "from connection", "X-Api-Key": "secret",
		"User-Agent": "Amazon|StepFunctions|HttpInvoke|eu-west-1", "Range": "bytes=0-262144",
	}
	for k, want := range checks {
		if got := e.Headers.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if got := e.Headers.Values("Header-Param"); len(got) != 1 {
		t.Errorf("Header-Param sent %d times", len(got))
	}
	if e.Headers.Get("Content-Type") != "" {
		t.Errorf("a request without a body has Content-Type %q", e.Headers.Get("Content-Type"))
	}

	// QueryParameters as a string.
	_, e, err = run(t, h, params(map[string]any{"ApiEndpoint": srv.URL, "QueryParameters": "b=2&a=1"}))
	if err != nil {
		t.Fatal(err)
	}
	if e.Query != "a=1&b=2&QueryParam=connection" {
		t.Errorf("string query %q", e.Query)
	}
}

func TestForbiddenHeaders(t *testing.T) {
	h := handler(t, nil)
	for _, name := range []string{"Authorization", "Host", "x-amz-date", "X-Forwarded-For", "Accept-Encoding", "Cache-Control", "X-Amzn-Trace-Id"} {
		_, _, err := run(t, h, params(map[string]any{"ApiEndpoint": "https://example.com", "Headers": map[string]any{name: "v", "Ok": "v"}}))
		te := taskError(t, err)
		if te.Name != "States.Runtime" || !strings.Contains(te.Cause, "The 'Headers' field contains unsupported values: ["+strings.ToLower(name)+"]") {
			t.Errorf("%s: %s: %s", name, te.Name, te.Cause)
		}
	}
}

func TestBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	conn := apiKey()
	conn.AuthParameters.InvocationHttpParameters = &httptask.HTTPParameters{
		BodyParameters: []httptask.Parameter{{Key: "BodyParam", Value: "connection_body_param"}}}
	merging := handler(t, map[string]httptask.Connection{connArn: conn})
	plain := handler(t, nil)
	form := func(format string) string {
		tr := `"Transform":{"RequestBodyEncoding":"URL_ENCODED"}`
		if format != "" {
			tr = `"Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"` + format + `"}}`
		}
		return `{"ApiEndpoint":"` + srv.URL + `","Method":"POST","Authentication":{"ConnectionArn":"` + connArn + `"},` + tr +
			`,"RequestBody":{"array":["a","b"],"description":"Monthly subscription","metadata":{"order_details":"monthly report data"},"n":1.5,"ok":true,"none":null}}`
	}
	cases := []struct {
		name        string
		h           *httptask.Handler
		params      string
		body, ctype string
	}{
		{"json keeps order and connection wins", merging,
			`{"ApiEndpoint":"` + srv.URL + `","Method":"POST","Authentication":{"ConnectionArn":"` + connArn + `"},` +
				`"RequestBody":{"Job":"Software Engineer","Company":"AnyCompany","BodyParam":"state_machine_body_param","html":"<a&b>"}}`,
			`{"Job":"Software Engineer","Company":"AnyCompany","BodyParam":"connection_body_param","html":"<a&b>"}`, "application/json; charset=UTF-8"},
		{"connection body alone", merging, params(map[string]any{"ApiEndpoint": srv.URL, "Method": "PUT"}),
			`{"BodyParam":"connection_body_param"}`, "application/json; charset=UTF-8"},
		{"string body", plain, params(map[string]any{"ApiEndpoint": srv.URL, "Method": "POST", "RequestBody": "<xml/>", "Headers": map[string]any{"Content-Type": "application/xml"}}),
			`<xml/>`, "application/xml"},
		{"array body", plain, params(map[string]any{"ApiEndpoint": srv.URL, "Method": "POST", "RequestBody": []any{1, "x"}}),
			`[1,"x"]`, "application/json; charset=UTF-8"},
		{"INDICES by default", plain, form(""),
			"array%5B0%5D=a&array%5B1%5D=b&description=Monthly%20subscription&metadata%5Border_details%5D=monthly%20report%20data&n=1.5&ok=true&none=",
			"application/x-www-form-urlencoded"},
		{"REPEAT", plain, form("REPEAT"), "array=a&array=b&description=Monthly%20subscription&metadata%5Border_details%5D=monthly%20report%20data&n=1.5&ok=true&none=",
			"application/x-www-form-urlencoded"},
		{"COMMAS", plain, form("COMMAS"), "array=a,b&description=Monthly%20subscription&metadata%5Border_details%5D=monthly%20report%20data&n=1.5&ok=true&none=",
			"application/x-www-form-urlencoded"},
		{"BRACKETS", plain, form("BRACKETS"), "array%5B%5D=a&array%5B%5D=b&description=Monthly%20subscription&metadata%5Border_details%5D=monthly%20report%20data&n=1.5&ok=true&none=",
			"application/x-www-form-urlencoded"},
		{"null body", plain, `{"ApiEndpoint":"` + srv.URL + `","Method":"POST","Authentication":{"ConnectionArn":"` + connArn + `"},"RequestBody":null}`,
			"", ""},
		{"NONE", plain, params(map[string]any{"ApiEndpoint": srv.URL, "Method": "POST", "RequestBody": map[string]any{"a": 1},
			"Transform": map[string]any{"RequestBodyEncoding": "NONE"}}), `{"a":1}`, "application/json; charset=UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, e, err := run(t, c.h, c.params)
			if err != nil {
				t.Fatal(err)
			}
			if e.Body != c.body {
				t.Errorf("body\n%s\nwant\n%s", e.Body, c.body)
			}
			if got := e.Headers.Get("Content-Type"); got != c.ctype {
				t.Errorf("content type %q, want %q", got, c.ctype)
			}
		})
	}
	t.Run("string body and connection body", func(t *testing.T) {
		_, _, err := run(t, merging, params(map[string]any{"ApiEndpoint": srv.URL, "Method": "POST", "RequestBody": "text"}))
		if te := taskError(t, err); te.Name != "States.Runtime" {
			t.Errorf("%s: %s", te.Name, te.Cause)
		}
	})
}

func TestBasicAuth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	h := handler(t, map[string]httptask.Connection{connArn: {AuthorizationType: "BASIC", AuthParameters: httptask.AuthParameters{
		BasicAuthParameters: &httptask.BasicAuth{Username: "myUsername", Password: "myPassword"}}}})
	_, e, err := run(t, h, params(map[string]any{"ApiEndpoint": srv.URL}))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Headers.Get("Authorization"); got != "Basic bXlVc2VybmFtZTpteVBhc3N3b3Jk" {
		t.Errorf("Authorization %q", got)
	}
}

func TestOAuthClientCredentials(t *testing.T) {
	var fetched atomic.Int32
	var current atomic.Value
	current.Store("")
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		_ = r.ParseForm()
		if r.Method != "POST" || id != "client" || secret != "s3cret" || r.PostForm.Get("grant_type") != "client_credentials" ||
			r.PostForm.Get("scope") != "read" || r.Header.Get("X-Tenant") != "t1" || r.URL.Query().Get("audience") != "api" {
			http.Error(w, "bad token request", http.StatusBadRequest)
			return
		}
		n := fetched.Add(1)
		tok := "token-" + string(rune('0'+n))
		current.Store(tok)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"`+tok+`","token_type":"Bearer","expires_in":3600}`)
	}))
	defer tokens.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+current.Load().(string) {
			http.Error(w, "expired", http.StatusUnauthorized)
			return
		}
		echo(w, r)
	}))
	defer api.Close()
	h := handler(t, map[string]httptask.Connection{connArn: {AuthorizationType: "OAUTH_CLIENT_CREDENTIALS", AuthParameters: httptask.AuthParameters{
		OAuthParameters: &httptask.OAuth{AuthorizationEndpoint: tokens.URL + "/oauth/token", HttpMethod: "POST",
			ClientParameters: httptask.ClientParams{ClientID: "client", ClientSecret: "s3cret"},
			OAuthHttpParameters: &httptask.HTTPParameters{
				BodyParameters:        []httptask.Parameter{{Key: "scope", Value: "read"}},
				HeaderParameters:      []httptask.Parameter{{Key: "X-Tenant", Value: "t1"}},
				QueryStringParameters: []httptask.Parameter{{Key: "audience", Value: "api"}}}}}}})
	p := params(map[string]any{"ApiEndpoint": api.URL})
	for i := 0; i < 3; i++ {
		if _, _, err := run(t, h, p); err != nil {
			t.Fatal(err)
		}
	}
	if n := fetched.Load(); n != 1 {
		t.Errorf("token fetched %d times for 3 tasks, want 1 (cached)", n)
	}
	// The API stops accepting the token: the task gets a new one and tries again.
	current.Store("revoked")
	if _, _, err := run(t, h, p); err != nil {
		t.Fatal(err)
	}
	if n := fetched.Load(); n != 2 {
		t.Errorf("token fetched %d times, want 2 after a 401", n)
	}

	// A token endpoint that refuses the client: the connection cannot be authorized.
	bad := handler(t, map[string]httptask.Connection{connArn: {AuthorizationType: "OAUTH_CLIENT_CREDENTIALS", AuthParameters: httptask.AuthParameters{
		OAuthParameters: &httptask.OAuth{AuthorizationEndpoint: tokens.URL, ClientParameters: httptask.ClientParams{ClientID: "x", ClientSecret: "y"}}}}})
	_, _, err := run(t, bad, p)
	if te := taskError(t, err); te.Name != "Events.ConnectionResource.InvalidConnectionState" {
		t.Errorf("%s: %s", te.Name, te.Cause)
	}
}

func TestStatusCodeErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"no such item"}`)
		case "/teapot":
			w.WriteHeader(http.StatusTeapot)
		case "/moved":
			w.Header().Set("Location", "/elsewhere/none")
			w.WriteHeader(http.StatusNotModified)
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	h := handler(t, nil)
	for path, want := range map[string]string{"/missing": "States.Http.StatusCode.404", "/boom": "States.Http.StatusCode.500",
		"/teapot": "States.Http.StatusCode.418", "/moved": "States.Http.StatusCode.304"} {
		_, _, err := run(t, h, params(map[string]any{"ApiEndpoint": srv.URL + path}))
		te := taskError(t, err)
		if te.Name != want {
			t.Errorf("%s: %s, want %s", path, te.Name, want)
		}
		var cause result
		if err := json.Unmarshal([]byte(te.Cause), &cause); err != nil || cause.StatusCode == 0 || cause.Headers == nil {
			t.Errorf("%s: cause %s", path, te.Cause)
		}
		if path == "/missing" {
			if b, _ := cause.ResponseBody.(map[string]any); b["message"] != "no such item" || cause.StatusText != "Not Found" {
				t.Errorf("cause %s", te.Cause)
			}
		}
	}
}

func TestSocketErrors(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	h := handler(t, nil, func(o *httptask.Options) { o.Timeout = 300 * time.Millisecond })
	began := time.Now()
	_, _, err := run(t, h, params(map[string]any{"ApiEndpoint": slow.URL}))
	te := taskError(t, err)
	if te.Name != "States.Http.Socket" || !strings.Contains(te.Cause, "timed out") {
		t.Errorf("timeout: %s: %s", te.Name, te.Cause)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("timed out after %s", d)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, _, err = run(t, h, params(map[string]any{"ApiEndpoint": "http://" + addr + "/x", "QueryParameters": map[string]any{"secret": "k"}}))
	te = taskError(t, err)
	if te.Name != "States.Http.Socket" || strings.Contains(te.Cause, "secret") {
		t.Errorf("refused: %s: %s", te.Name, te.Cause)
	}

	// A task cancelled by the runner (its execution stopped) is not a socket error.
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel(runner.ErrTaskCancelled) }()
	long := handler(t, nil)
	_, err = long.RunTask(ctx, task(params(map[string]any{"ApiEndpoint": slow.URL})))
	if !errors.Is(err, runner.ErrTaskCancelled) {
		t.Errorf("cancelled task: %v", err)
	}
}

func TestUnsupportedResponses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG"))
		case "/binary":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte{0xff, 0xfe, 0x00})
		case "/big":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(strings.Repeat("x", 300000)))
		}
	}))
	defer srv.Close()
	h := handler(t, nil)
	for path, want := range map[string]string{"/png": "States.Runtime", "/binary": "States.Runtime", "/big": "States.DataLimitExceeded"} {
		_, _, err := run(t, h, params(map[string]any{"ApiEndpoint": srv.URL + path}))
		if te := taskError(t, err); te.Name != want {
			t.Errorf("%s: %s: %s", path, te.Name, te.Cause)
		}
	}
}

func TestParameterErrors(t *testing.T) {
	h := handler(t, nil)
	cases := map[string]struct{ params, name, cause string }{
		"no endpoint":   {params(map[string]any{}), "States.Runtime", "[The field 'ApiEndpoint' is required]"},
		"bad endpoint":  {params(map[string]any{"ApiEndpoint": "ftp://x"}), "States.Runtime", "'ApiEndpoint' has an invalid format"},
		"no method":     {params(map[string]any{"ApiEndpoint": "https://x", "Method": nil}), "States.Runtime", "[The field 'Method' is required]"},
		"bad method":    {params(map[string]any{"ApiEndpoint": "https://x", "Method": "TRACE"}), "States.Runtime", "'Method' has an invalid format"},
		"no connection": {params(map[string]any{"ApiEndpoint": "https://x", "Authentication": nil}), "States.Runtime", "[The field 'Authentication' is required]"},
		"bad arn": {params(map[string]any{"ApiEndpoint": "https://x", "Authentication": map[string]any{"ConnectionArn": "api"}}),
			"States.Runtime", "'Authentication.ConnectionArn' has an invalid format"},
		"unknown connection": {params(map[string]any{"ApiEndpoint": "https://x", "Authentication": map[string]any{
			"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/other/1234"}}),
			"Events.ConnectionResource.ResourceNotFound", "Connection 'other' does not exist"},
		"nested header": {params(map[string]any{"ApiEndpoint": "https://x", "Headers": map[string]any{"A": map[string]any{}}}),
			"States.Runtime", "[The value of the field 'Headers' has an invalid format]"},
		"bad encoding": {params(map[string]any{"ApiEndpoint": "https://x", "Transform": map[string]any{"RequestBodyEncoding": "XML"}}),
			"States.Runtime", "'Transform.RequestBodyEncoding' has an invalid format"},
		"bad array format": {params(map[string]any{"ApiEndpoint": "https://x", "Transform": map[string]any{"RequestEncodingOptions": map[string]any{"ArrayFormat": "X"}}}),
			"States.Runtime", "ArrayFormat' has an invalid format"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := run(t, h, c.params)
			te := taskError(t, err)
			if te.Name != c.name || !strings.Contains(te.Cause, c.cause) {
				t.Errorf("%s: %s", te.Name, te.Cause)
			}
		})
	}
}

func TestInvocationConfigAndName(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	// The file may name a connection instead of giving its ARN.
	h := handler(t, map[string]httptask.Connection{"api": apiKey()})
	_, e, err := run(t, h, params(map[string]any{"ApiEndpoint": srv.URL, "Authentication": nil,
		"InvocationConfig": map[string]any{"ConnectionArn": connArn}}))
	if err != nil {
		t.Fatal(err)
	}
	if e.Headers.Get("X-Api-Key") != "secret" {
		t.Errorf("headers %v", e.Headers)
	}
}
