package lambda_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/integration/lambda"
)

// TestInvokeAPIErrors: the Invoke API refuses what Lambda refuses, in Lambda's shape (the
// code in X-Amzn-ErrorType, the message in a JSON body), and serves only its own functions,
// not those its Runtime would send to a Remote service.
func TestInvokeAPIErrors(t *testing.T) {
	remote := func(ctx context.Context, inv *lambda.Invocation) (*lambda.Result, error) {
		t.Errorf("the Invoke API sent %s to the Remote service", inv.Function)
		return &lambda.Result{StatusCode: 200, Payload: []byte(`{}`)}, nil
	}
	rt := lambda.New(lambda.Options{Output: io.Discard, Remote: remote, Functions: map[string]lambda.Spec{
		"echo": {Func: func(ctx context.Context, payload []byte) ([]byte, error) { return payload, nil }},
	}})
	defer rt.Close()
	srv := httptest.NewServer(&lambda.InvokeAPI{Runtime: rt})
	defer srv.Close()
	tests := []struct {
		name, method, path, typ, body string
		status                        int
		code, message, answer         string
	}{
		{"invoke", "POST", "/2015-03-31/functions/echo/invocations", "", `{"a":1}`, 200, "", "", `{"a":1}`},
		{"no payload", "POST", "/2015-03-31/functions/echo/invocations", "", ``, 200, "", "", `{}`},
		{"an escaped ARN", "POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aecho/invocations", "", `1`, 200, "", "", `1`},
		{"event", "POST", "/2015-03-31/functions/echo/invocations", "Event", `{}`, 202, "", "", ``},
		{"dry run", "POST", "/2015-03-31/functions/echo/invocations", "DryRun", `{}`, 204, "", "", ``},
		{"unknown", "POST", "/2015-03-31/functions/other/invocations?Qualifier=7", "", `{}`, 404, "ResourceNotFoundException",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:other:7", ""},
		{"not JSON", "POST", "/2015-03-31/functions/echo/invocations", "", `{nope`, 400, "InvalidRequestContentException", "Could not parse request body into json", ""},
		{"too large", "POST", "/2015-03-31/functions/echo/invocations", "", `"` + strings.Repeat("x", 6*1024*1024) + `"`, 413,
			"RequestEntityTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation", ""},
		{"bad type", "POST", "/2015-03-31/functions/echo/invocations", "Later", `{}`, 400, "ValidationException", "Value 'Later' at 'invocationType'", ""},
		{"a bad name", "POST", "/2015-03-31/functions/no%20spaces/invocations", "", `{}`, 400, "ValidationException",
			"Value 'no spaces' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?", ""},
		{"GET", "GET", "/2015-03-31/functions/echo/invocations", "", ``, 404, "UnknownOperationException", "Invoke API only", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.typ != "" {
				req.Header.Set("X-Amz-Invocation-Type", tc.typ)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || resp.Header.Get("X-Amzn-ErrorType") != tc.code {
				t.Fatalf("%d %q %s, want %d %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body, tc.status, tc.code)
			}
			if tc.code != "" && !strings.Contains(string(body), tc.message) {
				t.Errorf("message %s, want it to hold %q", body, tc.message)
			}
			if tc.code == "" && string(body) != tc.answer {
				t.Errorf("answer %s, want %s", body, tc.answer)
			}
			if tc.status == 200 && (resp.Header.Get("X-Amz-Executed-Version") != "$LATEST" || resp.Header.Get("X-Amzn-Requestid") == "") {
				t.Errorf("headers %v", resp.Header)
			}
		})
	}
}
