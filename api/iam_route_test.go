package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestWithIAMRoutes: only a form request that names an Action is IAM's (XML); any other
// request without X-Amz-Target gets Step Functions' AWS JSON 1.0 UnknownOperationException
// (issue #16: `curl -d '{}'`, whose Content-Type is a form's, got an IAM XML error with a blank
// action name).
func TestWithIAMRoutes(t *testing.T) {
	url, _ := enforcedServer(t)
	for _, tc := range []struct {
		name, contentType, path, body string
		iam                           bool
	}{
		{"JSON without a target", "application/x-amz-json-1.0", "/", `{}`, false},
		{"curl -d without a target", "application/x-www-form-urlencoded", "/", `{}`, false},
		{"an empty form", "application/x-www-form-urlencoded", "/", ``, false},
		{"no Content-Type", "", "/", `{}`, false},
		{"an IAM form", "application/x-www-form-urlencoded", "/", `Action=ListUsers&Version=2010-05-08`, true},
		{"an IAM action in the URL", "application/x-www-form-urlencoded", "/?Action=ListUsers&Version=2010-05-08", ``, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, url+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			ct := res.Header.Get("Content-Type")
			if tc.iam {
				// Unsigned, so IAM refuses it: in its own XML shape, naming the action.
				if ct != "text/xml" || !strings.Contains(string(body), "<ErrorResponse") {
					t.Errorf("IAM request answered %s %s", ct, body)
				}
				return
			}
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if ct != "application/x-amz-json-1.0" || json.Unmarshal(body, &e) != nil {
				t.Fatalf("answered %d %s %s, want an AWS JSON 1.0 error", res.StatusCode, ct, body)
			}
			if res.StatusCode != http.StatusBadRequest || e.Type != "UnknownOperationException" || !strings.Contains(e.Message, "X-Amz-Target") {
				t.Errorf("answered %d %+v, want 400 UnknownOperationException naming X-Amz-Target", res.StatusCode, e)
			}
		})
	}
}
