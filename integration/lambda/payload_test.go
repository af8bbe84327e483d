package lambda

import (
	"encoding/json"
	"testing"
)

// TestRequestPayload: a Payload parameter becomes the Invoke request body: a string its text,
// any other value its JSON, none or null {} (a null was sent as an empty body, which
// aws-lambda-go's handlers refuse: found by the replay of express/test_express_sync).
func TestRequestPayload(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{``, `{}`},
		{`null`, `{}`},
		{`"HelloWorld"`, `HelloWorld`},
		{`{"a":1}`, `{"a":1}`},
		{`[1,2]`, `[1,2]`},
		{`42`, `42`},
		{`""`, ``},
	} {
		if got := string(requestPayload(json.RawMessage(c.in))); got != c.want {
			t.Errorf("Payload %s: sent %q, want %q", c.in, got, c.want)
		}
	}
}
