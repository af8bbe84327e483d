package optimized

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// TestInvokeModel runs bedrock:invokeModel against a test Bedrock runtime that checks the
// request the SDK sends (POST /model/<id>/invoke, the body as given, Content-Type, Accept).
func TestInvokeModel(t *testing.T) {
	for _, tc := range []struct {
		name, params        string
		wantBody, wantType  string
		answer, answerType  string
		status              int
		out, errName, cause string
	}{
		{name: "json body", params: `{"ModelId":"amazon.titan-text-express-v1","Body":{"inputText":"Hi"}}`,
			wantBody: `{"inputText":"Hi"}`, wantType: "application/json",
			answer: `{"results":[{"outputText":"Hello"}]}`, answerType: "application/json", status: 200,
			out: `{"Body":{"results":[{"outputText":"Hello"}]},"ContentType":"application/json"}`},
		{name: "text body and answer", params: `{"ModelId":"m","Body":"plain prompt","ContentType":"text/plain","Accept":"text/plain"}`,
			wantBody: "plain prompt", wantType: "text/plain",
			answer: "plain answer", answerType: "text/plain", status: 200,
			out: `{"Body":"plain answer","ContentType":"text/plain"}`},
		{name: "modelled error", params: `{"ModelId":"m","Body":{}}`, wantBody: `{}`, wantType: "application/json",
			answer: `{"__type":"ValidationException","message":"Malformed input request"}`, answerType: "application/json", status: 400,
			errName: "Bedrock.ValidationException",
			cause:   "Malformed input request (Service: AmazonBedrockRuntime; Status Code: 400; Error Code: ValidationException; Request ID: req-1; Proxy: null)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p map[string]any
			_ = json.Unmarshal([]byte(tc.params), &p)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != "POST" || r.URL.Path != "/model/"+p["ModelId"].(string)+"/invoke" {
					t.Errorf("%s %s", r.Method, r.URL.Path)
				}
				body, _ := io.ReadAll(r.Body)
				if string(body) != tc.wantBody || r.Header.Get("Content-Type") != tc.wantType {
					t.Errorf("body %q type %q", body, r.Header.Get("Content-Type"))
				}
				if a, ok := p["Accept"].(string); ok && r.Header.Get("Accept") != a {
					t.Errorf("accept %q", r.Header.Get("Accept"))
				}
				w.Header().Set("Content-Type", tc.answerType)
				w.Header().Set("x-amzn-RequestId", "req-1")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.answer)
			}))
			defer srv.Close()
			h := New(Options{Caller: &httpCaller{endpoint: srv.URL, client: srv.Client()}})
			task := &engine.Task{Resource: "arn:aws:states:::bedrock:invokeModel", ResourceType: "bedrock", ResourceName: "invokeModel", Parameters: tc.params}
			out, err := h.RunTask(context.Background(), task)
			if tc.errName != "" {
				var te *runner.TaskError
				if !errors.As(err, &te) || te.Name != tc.errName || te.Cause != tc.cause {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !value.Equal(mustDecode(t, out), mustDecode(t, tc.out)) {
				t.Errorf("output %s, want %s", out, tc.out)
			}
		})
	}
}

// TestHandles routes exactly the optimized integrations, with the patterns AWS allows.
func TestHandles(t *testing.T) {
	for _, tc := range []struct {
		resource string
		want     bool
	}{
		{"dynamodb:putItem", true}, {"dynamodb:getItem", true}, {"dynamodb:query", false},
		{"dynamodb:putItem.waitForTaskToken", false}, {"sqs:sendMessage.waitForTaskToken", true},
		{"sns:publish.waitForTaskToken", true}, {"events:putEvents.waitForTaskToken", true},
		{"apigateway:invoke.waitForTaskToken", true}, {"bedrock:invokeModel", true},
		{"ecs:runTask.sync", true}, {"ecs:runTask.waitForTaskToken", true}, {"batch:submitJob.sync", true},
		{"glue:startJobRun.sync", true}, {"glue:startJobRun.waitForTaskToken", false},
		{"athena:startQueryExecution.sync", true}, {"codebuild:startBuild.sync", true}, {"codebuild:startBuild.sync:2", false},
		{"states:startExecution", false}, {"lambda:invoke", false}, {"http:invoke", false},
	} {
		res := engine.ParseResource("arn:aws:states:::" + tc.resource)
		task := &engine.Task{ResourceType: res.Type, ResourceName: res.Name, Pattern: res.Pattern}
		if got := New(Options{}).Handles(task); got != tc.want {
			t.Errorf("%s: Handles = %v", tc.resource, got)
		}
	}
}

// FuzzMillis: a timestamp in any form is left alone or becomes whole epoch milliseconds.
func FuzzMillis(f *testing.F) {
	for _, s := range []string{"1700000000.25", "2024-04-18T06:27:01.123Z", "time", "1e400", "-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, v := range []any{s, json.Number(s)} {
			got := millisOf(v)
			if got == v {
				continue
			}
			if _, ok := value.Int(got); !ok {
				t.Fatalf("%#v -> %#v", v, got)
			}
		}
	})
}

// FuzzModelBody: a model's answer in any form comes out as JSON or as the text it was.
func FuzzModelBody(f *testing.F) {
	for _, s := range []string{`{"a":1}`, "eyJhIjoxfQ==", "plain", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := modelBody(s)
		_ = value.Encode(got)
		if str, ok := got.(string); ok && str != s {
			if _, err := value.DecodeString(s); err != nil {
				t.Fatalf("%q -> %q", s, str)
			}
		}
	})
}
