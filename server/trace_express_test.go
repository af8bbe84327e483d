package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/stepwise-run/stepwise/integration/lambda"
)

// TestTracesOfTimedOutExpress: a traced Express execution whose time runs out while a task
// runs ends then, TIMED_OUT, with its tasks cancelled, and its spans, the running task's
// among them, are exported, ended at the timeout. Its Parallel branches call their function
// at the same time.
func TestTracesOfTimedOutExpress(t *testing.T) {
	cancelled := make(chan struct{}, 2)
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ms int
		_ = json.NewDecoder(r.Body).Decode(&ms)
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			_, _ = w.Write([]byte(`{}`))
		case <-r.Context().Done():
			cancelled <- struct{}{}
		}
	}))
	defer fn.Close()
	ctx, s, recv := tracedServer(t, map[string]lambda.Spec{"fn": {Endpoint: fn.URL}})
	call := func(ms string) string {
		return `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"fn","Payload":` + ms + `},"End":true}`
	}
	def := `{"TimeoutSeconds":1,"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"Slow","States":{"Slow":` + call("20000") + `}},
		{"StartAt":"ShortA","States":{"ShortA":` + call("600") + `}},
		{"StartAt":"ShortB","States":{"ShortB":` + call("600") + `}}]}}}`
	sm := createTraced(t, s, "express-timeout", "EXPRESS", def)
	t0 := time.Now()
	out := invoke(t, s, "StartSyncExecution", map[string]any{"stateMachineArn": sm, "name": "run"})
	took := time.Since(t0)
	if out["status"] != "TIMED_OUT" || took > 5*time.Second {
		t.Fatalf("answer %v after %v, want TIMED_OUT after the execution's 1 s", out, took)
	}
	if took < time.Second {
		t.Fatalf("answered after %v, before the execution's 1 s", took)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow function's invocation was not cancelled")
	}
	spans := recv.flushed(t, ctx, s)
	byName := map[string][]*tracepb.Span{}
	for _, sp := range spans {
		byName[sp.Name] = append(byName[sp.Name], sp)
	}
	if len(byName["run"]) != 1 || len(byName["Slow"]) != 1 || len(byName["lambda:invoke"]) != 3 {
		names := []string{}
		for _, sp := range spans {
			names = append(names, sp.Name)
		}
		t.Fatalf("spans %v, want the execution, its states and its three tasks", names)
	}
	exec, slow := byName["run"][0], byName["Slow"][0]
	if exec.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR || slow.Status.GetCode() != tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("the execution's span status %v, Slow's %v: want errors", exec.Status, slow.Status)
	}
	if slow.EndTimeUnixNano != exec.EndTimeUnixNano {
		t.Errorf("Slow's span ends %d, the execution's %d: want both at the timeout", slow.EndTimeUnixNano, exec.EndTimeUnixNano)
	}
	for _, task := range byName["lambda:invoke"] {
		if d := time.Duration(task.EndTimeUnixNano - task.StartTimeUnixNano); d > 1500*time.Millisecond || d < 500*time.Millisecond {
			t.Errorf("a task span lasts %v: the branches did not run together, or the slow one outlived the timeout", d)
		}
	}
}
