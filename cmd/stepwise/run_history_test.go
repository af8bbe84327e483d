package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunHistory: run --history prints, under "history", the array of events
// GetExecutionHistory returns under "events", as the README says and as
// ../shared/conformance/run.py reads it; without --history there is no "history" member.
func TestRunHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pass.json")
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"b":1},"End":true}}}`
	if err := os.WriteFile(path, []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, withHistory := range []bool{true, false} {
		args := []string{"run", "--time-skipping", path}
		if withHistory {
			args = []string{"run", "--history", "--time-skipping", path}
		}
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("%v: %v: %s", args, err, stdout.String())
		}
		raw, ok := out["history"]
		if !withHistory {
			if ok {
				t.Errorf("without --history: history printed: %s", raw)
			}
			continue
		}
		var events []map[string]any
		if err := json.Unmarshal(raw, &events); err != nil {
			t.Fatalf("history is not an array of events: %v: %s", err, raw)
		}
		if len(events) != 4 {
			t.Fatalf("history = %s, want 4 events", raw)
		}
		want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}
		for i, e := range events {
			if e["type"] != want[i] || e["id"] != float64(i+1) {
				t.Errorf("event %d = %v, want type %s id %d", i, e, want[i], i+1)
			}
		}
	}
}

// TestQuickStartEndsInSeconds: the README's example, run as the README shows, ends in seconds
// and succeeds (issue #16: it waited a week).
func TestQuickStartEndsInSeconds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	began := time.Now()
	code := run(ctx, []string{"run", "--input", `{"name":"Ada"}`, "../../examples/hello.json"}, nil, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), `"status":"SUCCEEDED"`) || !strings.Contains(stdout.String(), `Hello, Ada!`) {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("the quick start took %s", took)
	}
}
