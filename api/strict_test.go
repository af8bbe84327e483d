package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStrictRequests: bodies AWS would not read as the request they seem to be are refused
// with SerializationException and a sentence that says what is wrong, never Go's words.
func TestStrictRequests(t *testing.T) {
	s := &Server{Region: "us-east-1", Account: "123456789012"}
	for _, c := range []struct {
		name, ctype, body, want string
	}{
		{"an array", "", `[]`, "Start of list found where not expected"},
		{"a string", "", `"x"`, "must be a JSON object"},
		{"trailing bytes", "", `{"maxResults":1} {"maxResults":2}`, "more than one JSON value"},
		{"trailing garbage", "", `{}x`, "more than one JSON value"},
		{"a repeated member", "", `{"maxResults":1,"maxResults":2}`, "names the member 'maxResults' twice"},
		{"a repeated escaped member", "", `{"maxResults":1,"max\u0052esults":2}`, "twice"},
		{"a repeated nested member", "", `{"a":{"b":1,"b":2}}`, "names the member 'b' twice"},
		{"invalid UTF-8", "", "{\"nextToken\":\"\xff\"}", "not valid UTF-8 (at byte 14)"},
		{"cut short", "", `{"maxResults":`, "ends before a value"},
		{"a bad literal", "", `{"maxResults":tru}`, "expected a value at byte 14"},
		{"a wrong type", "", `{"maxResults":"ten"}`, "Value at 'maxResults' must be an integer, not a string."},
		{"a wrong nested type", "", `{"maxResults":[1]}`, "Value at 'maxResults' must be an integer, not a list."},
		{"text/plain", "text/plain", `{}`, "Content-Type 'text/plain' is not supported"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
			r.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
			if c.ctype != "" {
				r.Header.Set("Content-Type", c.ctype)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			body := w.Body.String()
			if w.Code != 400 || !strings.Contains(body, "SerializationException") || !strings.Contains(body, c.want) {
				t.Errorf("%d %s, want SerializationException saying %q", w.Code, body, c.want)
			}
			if strings.Contains(body, "Go value") || strings.Contains(body, "struct {") || strings.Contains(body, "json:") {
				t.Errorf("the message shows Go's internals: %s", body)
			}
		})
	}
}

var strictSamples = []string{`{}`, `{"a":1}`, `{"a":[1,{"b":null}],"c":"\u00e9"}`, `{"a":1,"a":2}`, `[]`, `{}x`, `{"a":`,
	"{\"a\":\"\xff\"}", `{"a":1e5,"b":-0.5,"c":true,"d":false}`, `{"a":01}`, `{"\u0061":1,"a":2}`, `{"a":"\"}`, ` {} `}

// FuzzCheckBody holds checkBody to encoding/json on what it accepts: a body it accepts is
// one JSON object that json.Unmarshal reads, and never panics.
func FuzzCheckBody(f *testing.F) {
	for _, s := range strictSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkBody(b) != nil {
			return
		}
		var v map[string]any
		if err := jsonUnmarshal(b, &v); err != nil {
			t.Fatalf("checkBody accepted %q, which json.Unmarshal refuses: %v", b, err)
		}
	})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
