package testsuite

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// TestCallbacksEndpoint: the test's Step Functions endpoint reads callbacks as the API does
// (api.Callback: its validation and its errors), and routes a token to the run its task
// waits in: an answer the run takes is {}, a token that waited is TaskTimedOut, one never
// given InvalidToken.
func TestCallbacksEndpoint(t *testing.T) {
	c := newCallbacks()
	srv := httptest.NewServer(c)
	defer srv.Close()
	answers := make(chan runner.Answer, 1)
	route := c.route(answers)
	const token = "0d6f5b1e-2f4c-4a53-9d3e-2b0f6c1b5a10"
	route(token, true)
	route("1d6f5b1e-2f4c-4a53-9d3e-2b0f6c1b5a10", true)
	route("1d6f5b1e-2f4c-4a53-9d3e-2b0f6c1b5a10", false)
	go func() {
		for a := range answers {
			if a.Event.Kind != engine.TaskSucceeded || a.Event.Output != `{"ok":1}` {
				a.Done <- runner.ErrNoTask
				continue
			}
			a.Done <- nil
		}
	}()
	defer close(answers)
	call := func(action, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out["__type"]
	}
	for _, c := range []struct {
		action, body string
		status       int
		code         string
	}{
		{"SendTaskSuccess", `{"taskToken":"` + token + `","output":"{\"ok\":1}"}`, 200, ""},
		{"SendTaskSuccess", `{"taskToken":"` + token + `","output":"{\"ok\":2}"}`, 400, "TaskTimedOut"}, // the run did not take it
		{"SendTaskSuccess", `{"taskToken":"` + token + `"}`, 400, "ValidationException"},
		{"SendTaskFailure", `{"taskToken":"` + token + `","error":"` + strings.Repeat("e", 257) + `"}`, 400, "ValidationException"},
		{"SendTaskHeartbeat", `{"taskToken":"1d6f5b1e-2f4c-4a53-9d3e-2b0f6c1b5a10"}`, 400, "TaskTimedOut"},
		{"SendTaskHeartbeat", `{"taskToken":"2d6f5b1e-2f4c-4a53-9d3e-2b0f6c1b5a10"}`, 400, "InvalidToken"},
		{"StartExecution", `{}`, 400, "UnknownOperationException"},
	} {
		if status, code := call(c.action, c.body); status != c.status || code != c.code {
			t.Errorf("%s %s: %d %q, want %d %q", c.action, c.body[:min(len(c.body), 60)], status, code, c.status, c.code)
		}
	}
}
