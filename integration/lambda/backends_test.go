package lambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/lambda"
)

// invokeAPI is a Lambda Invoke API endpoint as `sam local start-lambda` serves it.
func invokeAPI(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
		name, ok2 := strings.CutSuffix(name, "/invocations")
		if r.Method != http.MethodPost || !ok || !ok2 || r.Header.Get("X-Amz-Invocation-Type") != "RequestResponse" {
			http.Error(w, "bad request", 400)
			return
		}
		body, _ := io.ReadAll(r.Body)
		switch name {
		case "remote":
			w.Header().Set("X-Amz-Executed-Version", "$LATEST")
			fmt.Fprintf(w, `{"got":%s,"qualifier":%q}`, body, r.URL.Query().Get("Qualifier"))
		case "failing":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			io.WriteString(w, `{"errorMessage": "remote failure", "errorType": "ValueError", "stackTrace": []}`)
		default:
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFound")
			w.WriteHeader(404)
			fmt.Fprintf(w, `{"Type":"User","Message":"Function not found: arn:aws:lambda:us-west-2:012345678901:function:%s"}`, name)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestForwardToInvokeAPI(t *testing.T) {
	srv := invokeAPI(t)
	rt := lambda.New(lambda.Options{Output: io.Discard})
	defer rt.Close()
	for _, flag := range []string{"remote=" + srv.URL, "failing=" + srv.URL, "gone=" + srv.URL} {
		name, spec, err := lambda.ParseFlag(flag)
		if err != nil {
			t.Fatal(err)
		}
		rt.Register(name, spec)
	}
	ctx := context.Background()
	out, err := rt.RunTask(ctx, invokeTask(`{"FunctionName":"remote:live","Payload":{"a":1}}`))
	if err != nil || !strings.Contains(out, `"Payload":{"got":{"a":1},"qualifier":"live"}`) {
		t.Errorf("forwarded invoke: %v %s", err, out)
	}
	out, err = rt.RunTask(ctx, arnTask("remote", `{"b":2}`))
	if err != nil || out != `{"got":{"b":2},"qualifier":""}` {
		t.Errorf("forwarded function ARN: %v %s", err, out)
	}
	_, err = rt.RunTask(ctx, invokeTask(`{"FunctionName":"failing"}`))
	if te := taskError(t, err); te.Name != "ValueError" || te.Cause != `{"errorMessage":"remote failure","errorType":"ValueError","stackTrace":[]}` {
		t.Errorf("forwarded function error: %s %s", te.Name, te.Cause)
	}
	_, err = rt.RunTask(ctx, arnTask("failing", `{}`))
	if te := taskError(t, err); te.Name != "ValueError" || te.Cause != `{"errorMessage": "remote failure", "errorType": "ValueError", "stackTrace": []}` {
		t.Errorf("forwarded function error (ARN form keeps the payload as written): %s %s", te.Name, te.Cause)
	}
	_, err = rt.RunTask(ctx, invokeTask(`{"FunctionName":"gone"}`))
	if te := taskError(t, err); te.Name != "Lambda.ResourceNotFoundException" || !strings.Contains(te.Cause, "Status Code: 404; Error Code: ResourceNotFoundException") {
		t.Errorf("endpoint's 404: %s %s", te.Name, te.Cause)
	}
	srv.Close()
	_, err = rt.RunTask(ctx, invokeTask(`{"FunctionName":"remote"}`))
	if te := taskError(t, err); te.Name != "Lambda.SdkClientException" {
		t.Errorf("endpoint down: %s %s", te.Name, te.Cause)
	}
}

type quotaError struct{}

func (quotaError) Error() string { return "over quota" }

func TestGoFunc(t *testing.T) {
	rt := lambda.New(lambda.Options{Timeout: 200 * time.Millisecond, Functions: map[string]lambda.Spec{
		"double": {Func: func(ctx context.Context, payload []byte) ([]byte, error) {
			var n int
			if err := json.Unmarshal(payload, &n); err != nil {
				return nil, err
			}
			return json.Marshal(2 * n)
		}},
		"plain": {Func: func(ctx context.Context, _ []byte) ([]byte, error) { return nil, errors.New("plain failure") }},
		"typed": {Func: func(ctx context.Context, _ []byte) ([]byte, error) { return nil, quotaError{} }},
		"named": {Func: func(ctx context.Context, _ []byte) ([]byte, error) {
			return nil, &lambda.FunctionError{Type: "Orders.Missing", Message: "no order"}
		}},
		"panics": {Func: func(ctx context.Context, _ []byte) ([]byte, error) { panic("kaput") }},
		"slow": {Func: func(ctx context.Context, _ []byte) ([]byte, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}},
	}})
	defer rt.Close()
	ctx := context.Background()
	out, err := rt.RunTask(ctx, arnTask("double", `21`))
	if err != nil || out != "42" {
		t.Errorf("double: %v %s", err, out)
	}
	tests := []struct{ fn, error, cause string }{
		{"plain", "errorString", `{"errorMessage":"plain failure","errorType":"errorString"}`},
		{"typed", "quotaError", `{"errorMessage":"over quota","errorType":"quotaError"}`},
		{"named", "Orders.Missing", `{"errorMessage":"no order","errorType":"Orders.Missing"}`},
		{"panics", "string", `{"errorMessage":"kaput","errorType":"string","stackTrace":[`},
		{"slow", "Lambda.Unknown", `The cause could not be determined because Lambda did not return an error type. Returned payload: {"errorMessage":"`},
	}
	for _, tt := range tests {
		_, err := rt.RunTask(ctx, invokeTask(`{"FunctionName":"`+tt.fn+`"}`))
		if te := taskError(t, err); te.Name != tt.error || !strings.HasPrefix(te.Cause, tt.cause) {
			t.Errorf("%s: %s %s", tt.fn, te.Name, te.Cause)
		}
	}
}
