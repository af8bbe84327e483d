package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stepwise-run/stepwise/store/sqlite"
)

var (
	fuzzOnce   sync.Once
	fuzzServer *Server
	fuzzErr    error
)

// FuzzActions sends any body to any action: the answer is never a 5xx, and its message never
// shows Go's internals (type names, struct tags). Seeded with requests as the AWS SDKs send
// them.
func FuzzActions(f *testing.F) {
	names := make([]string, 0, len(actions))
	for a := range actions {
		names = append(names, a)
	}
	slices.Sort(names)
	seeds := []string{`{}`, `{"name":"m","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}","roleArn":"arn:aws:iam::123456789012:role/r"}`,
		`{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","input":"{}"}`,
		`{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:e","maxResults":10,"reverseOrder":true}`,
		`{"maxResults":"ten"}`, `[]`, `{"tags":[{"key":"k","value":"v"}],"resourceArn":"x"}`, `{"taskToken":"t","output":"{}"}`}
	for i := range names {
		for _, s := range seeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		fuzzOnce.Do(func() {
			dir, err := filepathTemp()
			if err != nil {
				fuzzErr = err
				return
			}
			st, err := sqlite.Open(context.Background(), filepath.Join(dir, "fuzz.db"))
			if err != nil {
				fuzzErr = err
				return
			}
			fuzzServer = &Server{Store: st, Region: "us-east-1", Account: "123456789012"}
		})
		if fuzzErr != nil {
			t.Fatal(fuzzErr)
		}
		action := names[int(which)%len(names)]
		if action == "StartExecution" || action == "StartSyncExecution" || action == "RedriveExecution" ||
			action == "StopExecution" || action == "UpdateMapRun" || action == "TestState" || action == "GetActivityTask" {
			return // these need a running node (covered by their own tests)
		}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		r.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
		w := httptest.NewRecorder()
		fuzzServer.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", action, body, w.Code, w.Body)
		}
		for _, leak := range []string{"Go value", "struct {", "json:\"", "main.", "runtime error", "goroutine"} {
			if strings.Contains(w.Body.String(), leak) {
				t.Fatalf("%s %q: the answer shows %q: %s", action, body, leak, w.Body)
			}
		}
	})
}

func filepathTemp() (string, error) { return os.MkdirTemp("", "stepwise-fuzz") }
