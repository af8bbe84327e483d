package optimized

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/awssdk/model"
	"github.com/stepwise-run/stepwise/runner"
)

// recordings is where the responses recorded against AWS live: the repository's copy
// (conformance/recordings, see its SOURCE.md), or STEPWISE_RECORDINGS.
func recordings(t *testing.T) string {
	dir := os.Getenv("STEPWISE_RECORDINGS")
	if dir == "" {
		dir = filepath.Join("..", "..", "conformance", "recordings", "v2")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("no recordings at %s: %v", dir, err)
	}
	return dir
}

// recordedTask is one task of a recorded history: how it was scheduled and how it ended.
type recordedTask struct {
	test                 string
	resourceType, name   string
	params               any
	submitted, succeeded any    // outputs, nil if absent
	failed               bool   // TaskFailed
	errName, cause       string // of TaskFailed
}

// loadTasks reads the optimized-integration tasks of a snapshot file.
func loadTasks(t *testing.T, file string) []recordedTask {
	data, err := os.ReadFile(filepath.Join(recordings(t), file))
	if err != nil {
		t.Fatal(err)
	}
	var snap map[string]struct {
		Content map[string]json.RawMessage `json:"recorded-content"`
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	var out []recordedTask
	for name, s := range snap {
		raw, ok := s.Content["get_execution_history"]
		if !ok {
			continue
		}
		v, err := value.DecodeMaps(raw)
		if err != nil {
			t.Fatal(err)
		}
		events, _ := v.(map[string]any)["events"].([]any)
		var cur *recordedTask
		for _, e := range events {
			ev := e.(map[string]any)
			switch ev["type"] {
			case "TaskScheduled":
				d := ev["taskScheduledEventDetails"].(map[string]any)
				if strings.HasPrefix(d["resourceType"].(string), "aws-sdk:") {
					cur = nil
					continue
				}
				out = append(out, recordedTask{test: name[strings.LastIndex(name, "::")+2:],
					resourceType: d["resourceType"].(string), name: d["resource"].(string), params: d["parameters"]})
				cur = &out[len(out)-1]
			case "TaskSubmitted":
				if cur != nil {
					cur.submitted = ev["taskSubmittedEventDetails"].(map[string]any)["output"]
				}
			case "TaskSucceeded":
				if cur != nil {
					cur.succeeded = ev["taskSucceededEventDetails"].(map[string]any)["output"]
				}
			case "TaskFailed":
				if cur != nil {
					d := ev["taskFailedEventDetails"].(map[string]any)
					cur.failed = true
					cur.errName, _ = d["error"].(string)
					if s, ok := d["cause"].(string); ok {
						cur.cause = s
					} else {
						cur.cause = value.Encode(d["cause"]) // the snapshot parsed a JSON cause
					}
				}
			}
		}
	}
	return out
}

// placeholder says whether a recorded string is a value the snapshot normalised away.
func placeholder(key, s string) bool {
	return (strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">")) || s == "date" || s == "time" ||
		s == "RequestId" || strings.EqualFold(s, key)
}

// normalise copies into got the recorded placeholders of want, where got has a value: what
// is left to compare is the key set, key case, types and every value AWS did not vary.
func normalise(want, got any, key string) any {
	switch w := want.(type) {
	case string:
		if placeholder(key, w) && got != nil {
			return w
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			if len(w) == 1 && placeholder(key, strOf(w[0])) {
				return w
			}
			return got
		}
		out := make([]any, len(g))
		for i := range g {
			out[i] = normalise(w[i], g[i], key)
		}
		return out
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return got
		}
		out := make(map[string]any, len(g))
		for k, v := range g {
			out[k] = v
			if wv, ok := w[k]; ok {
				out[k] = normalise(wv, v, k)
			}
		}
		return out
	}
	return got
}

func strOf(v any) string { s, _ := v.(string); return s }

// fakeFrom plays the service as recorded: the result is the recorded output without the
// SDK's metadata, with the recorded headers in Go's canonical form (as net/http hands them
// over) and values of our own where the recording has placeholders.
func fakeFrom(recorded any) *Response {
	m, _ := value.Clone(recorded).(map[string]any)
	resp := &Response{Output: m, Status: 200, Header: http.Header{}}
	meta, ok := m["SdkHttpMetadata"].(map[string]any)
	if !ok {
		resp.Header.Set("Content-Type", "application/x-amz-json-1.1")
		return resp
	}
	delete(m, "SdkHttpMetadata")
	delete(m, "SdkResponseMetadata")
	if n, ok := value.Int(meta["HttpStatusCode"]); ok {
		resp.Status = int(n)
	}
	for k, v := range meta["AllHttpHeaders"].(map[string]any) {
		var vals []string
		switch x := v.(type) {
		case string:
			vals = []string{"value-of-" + k}
		case []any:
			for _, e := range x {
				vals = append(vals, strOf(e))
			}
		}
		resp.Header[http.CanonicalHeaderKey(k)] = vals
	}
	resp.RequestID = resp.Header.Get("X-Amzn-Requestid")
	return resp
}

// javaCauseRE reads a Java SDK v1 cause.
var javaCauseRE = regexp.MustCompile(`^(.*) \(Service: (\w+); Status Code: (\d+); Error Code: (\w+); Request ID: ([^;]*); Proxy: null\)$`)

// serviceErrorFrom is the error the service answered in a recording, as a client would hand
// it over: the exception shape comes from the service's model, as the model-driven client
// finds it.
func serviceErrorFrom(t *testing.T, sdkName, cause string) error {
	if m := javaCauseRE.FindStringSubmatch(cause); m != nil {
		status, _ := strconv.Atoi(m[3])
		return &ServiceError{Code: m[4], Message: m[1], Status: status, RequestID: m[5], Exception: modelled(t, sdkName, m[4])}
	}
	if host, reason, ok := strings.Cut(strings.TrimPrefix(cause, "Unable to execute HTTP request: "), ": "); ok {
		return &ConnectionError{Host: host, Reason: reason, Err: errors.New(reason)}
	}
	t.Fatalf("cause %q is neither a service error nor a connection failure", cause)
	return nil
}

// modelled finds the exception shape of an error code in the service's model ("" if none).
func modelled(t *testing.T, svc, code string) string {
	s, err := model.Embedded().Service(svc)
	if err != nil {
		t.Fatalf("model of %s: %v", svc, err)
	}
	for name, sh := range s.Shapes {
		if !sh.Exception {
			continue
		}
		if name == code || (sh.Error != nil && sh.Error.Code == code) {
			return name
		}
	}
	return ""
}

func taskOf(rt recordedTask) *engine.Task {
	pattern := ""
	for _, p := range []string{".waitForTaskToken", ".sync"} {
		if strings.HasSuffix(rt.name, p) {
			pattern = p
		}
	}
	return &engine.Task{Resource: "arn:aws:states:::" + rt.resourceType + ":" + rt.name, ResourceType: rt.resourceType,
		ResourceName: rt.name, Pattern: pattern, Parameters: value.Encode(rt.params), StateName: "S",
		Execution: "arn:aws:states:us-east-1:111111111111:execution:machine:run"}
}

// TestRecordedResults runs every optimized task of the recordings against a Caller that
// answers as AWS answered, and compares the task's outcome with the recorded one: result
// shapes with their SDK metadata (or none), error names and causes.
func TestRecordedResults(t *testing.T) {
	files := []string{
		"services/test_dynamodb_task_service.snapshot.json",
		"services/test_sqs_task_service.snapshot.json",
		"services/test_sns_task_service.snapshot.json",
		"services/test_events_task_service.snapshot.json",
		"services/test_ecs_task_service.snapshot.json",
		"error_handling/test_task_service_dynamodb.snapshot.json",
		"error_handling/test_task_service_sqs.snapshot.json",
	}
	seen := 0
	for _, f := range files {
		for i, rt := range loadTasks(t, f) {
			t.Run(filepath.Base(f)+"/"+rt.test+"/"+strconv.Itoa(i), func(t *testing.T) {
				seen++
				runRecorded(t, rt)
			})
		}
	}
	if seen < 40 {
		t.Errorf("only %d recorded tasks ran", seen)
	}
}

func runRecorded(t *testing.T, rt recordedTask) {
	task := taskOf(rt)
	svc := services[rt.resourceType]
	var calls []Request
	first := rt.succeeded
	if task.Pattern != "" {
		first = rt.submitted
	}
	caller := CallerFunc(func(_ context.Context, req Request) (*Response, error) {
		calls = append(calls, req)
		if req.Service != svc.sdk {
			t.Errorf("service %q, want %q", req.Service, svc.sdk)
		}
		if len(calls) == 1 {
			if first != nil {
				return fakeFrom(first), nil
			}
			if rt.errName == "EventBridge.FailedEntry" {
				v, _ := value.DecodeMaps([]byte(rt.cause))
				return &Response{Output: v, Status: 200, Header: http.Header{}}, nil
			}
			return nil, serviceErrorFrom(t, svc.sdk, rt.cause)
		}
		// A .sync job: the describe call finds it ended as recorded.
		end := rt.succeeded
		if rt.failed {
			end, _ = value.DecodeMaps([]byte(rt.cause))
		}
		return &Response{Output: map[string]any{"Tasks": []any{end}}, Status: 200, Header: http.Header{}}, nil
	})
	h := New(Options{Caller: caller, PollInterval: 1})
	var submitted string
	ctx := runner.WithSubmit(context.Background(), func(out string) { submitted = out })
	out, err := h.RunTask(ctx, task)

	if len(calls) == 0 || calls[0].Action != strings.TrimSuffix(rt.name, task.Pattern) {
		t.Fatalf("calls %+v", calls)
	}
	checkRequest(t, rt, task, calls[0])
	if task.Pattern == ".sync" && rt.submitted != nil {
		compare(t, "submitted", rt.submitted, submitted)
	}
	switch {
	case rt.failed && (task.Pattern != ".waitForTaskToken" || rt.submitted == nil):
		var te *runner.TaskError
		if !errors.As(err, &te) {
			t.Fatalf("err = %v, want %s", err, rt.errName)
		}
		if te.Name != rt.errName {
			t.Errorf("error %q, want %q", te.Name, rt.errName)
		}
		if strings.HasPrefix(rt.cause, "{") {
			compare(t, "cause", mustDecode(t, rt.cause), te.Cause)
		} else if te.Cause != rt.cause {
			t.Errorf("cause\n got %s\nwant %s", te.Cause, rt.cause)
		}
	case task.Pattern == ".waitForTaskToken":
		if err != nil {
			t.Fatal(err)
		}
		compare(t, "submitted", rt.submitted, out)
	default:
		if err != nil {
			t.Fatal(err)
		}
		compare(t, "output", rt.succeeded, out)
	}
}

// checkRequest checks what the integration asked of the service: the recorded parameters,
// with JSON messages sent as text, nulls left out, and an event's Resources naming the
// state machine and the execution.
func checkRequest(t *testing.T, rt recordedTask, task *engine.Task, req Request) {
	params, _ := rt.params.(map[string]any)
	for k, v := range params {
		got, ok := req.Params[k]
		switch {
		case v == nil:
			if ok {
				t.Errorf("null %s sent", k)
			}
		case k == "MessageBody" || k == "Message":
			if _, isText := v.(string); !isText && got != value.Encode(v) {
				t.Errorf("%s sent as %#v, want its JSON text", k, got)
			}
		case k == "Entries":
			for i, e := range got.([]any) {
				m := e.(map[string]any)
				if _, isText := m["Detail"].(string); !isText {
					t.Errorf("entry %d: Detail %#v is not text", i, m["Detail"])
				}
				res, _ := m["Resources"].([]any)
				if len(res) < 2 || res[len(res)-1] != task.Execution || res[len(res)-2] != "arn:aws:states:us-east-1:111111111111:stateMachine:machine" {
					t.Errorf("entry %d: Resources %v", i, res)
				}
			}
		default:
			if !value.Equal(v, got) {
				t.Errorf("%s sent as %s, want %s", k, value.Encode(got), value.Encode(v))
			}
		}
	}
}

func mustDecode(t *testing.T, s string) any {
	v, err := value.DecodeMaps([]byte(s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func compare(t *testing.T, what string, want any, gotText string) {
	t.Helper()
	got := mustDecode(t, gotText)
	got = normalise(want, got, "")
	if !value.Equal(want, got) {
		t.Errorf("%s\n got %s\nwant %s", what, value.Encode(got), value.Encode(want))
	}
}
