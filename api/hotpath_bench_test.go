package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// benchServer is the API handler on a fresh SQLite store, called without HTTP, so that a
// benchmark counts the action's own work: decoding, the store, the answer.
func benchServer(b *testing.B) *api.Server {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "stepwise.db"))
	if err != nil {
		b.Fatal(err)
	}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", LeaseTTL: time.Second})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { node.Run(runCtx); close(done) }()
	b.Cleanup(func() {
		cancel()
		<-done
		st.Close()
	})
	return &api.Server{Store: st, Node: node, Region: "us-east-1", Account: "123456789012"}
}

func call(b *testing.B, s *api.Server, action, body string) []byte {
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
	r.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != 200 {
		b.Fatalf("%s: %d %s", action, w.Code, w.Body)
	}
	return w.Body.Bytes()
}

const fivePasses = `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"C"},` +
	`"C":{"Type":"Pass","Next":"D"},"D":{"Type":"Pass","Next":"E"},"E":{"Type":"Pass","End":true}}}`

func createMachine(b *testing.B, s *api.Server, typ string) string {
	body, _ := json.Marshal(map[string]string{"name": "bench", "type": typ, "definition": fivePasses, "roleArn": role})
	var out struct{ StateMachineArn string }
	_ = json.Unmarshal(call(b, s, "CreateStateMachine", string(body)), &out)
	return out.StateMachineArn
}

// go test -run '^$' -bench 'StartSync|StartExecution|DescribeExecution' -benchmem ./api/
func BenchmarkStartSyncExecution(b *testing.B) { benchStart(b, "EXPRESS", "StartSyncExecution") }

func BenchmarkStartExecution(b *testing.B) { benchStart(b, "STANDARD", "StartExecution") }

func benchStart(b *testing.B, typ, action string) {
	s := benchServer(b)
	req := `{"input":"{\"i\":0}","stateMachineArn":"` + createMachine(b, s, typ) + `"}`
	b.ReportAllocs()
	for b.Loop() {
		call(b, s, action, req)
	}
}

func BenchmarkDescribeExecution(b *testing.B) {
	s := benchServer(b)
	req := `{"input":"{\"i\":0}","stateMachineArn":"` + createMachine(b, s, "STANDARD") + `"}`
	var out struct{ ExecutionArn string }
	_ = json.Unmarshal(call(b, s, "StartExecution", req), &out)
	desc := `{"executionArn":"` + out.ExecutionArn + `"}`
	b.ReportAllocs()
	for b.Loop() {
		call(b, s, "DescribeExecution", desc)
	}
}
