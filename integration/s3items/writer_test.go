package s3items_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/integration/s3items/s3itemstest"
	"github.com/stepwise-run/stepwise/runner"
)

const runArn = "arn:aws:states:us-east-1:123456789012:mapRun:sm/TestMap:6dbfba93-bcff-410b-9b5c-abf41ae9eddb"

func str(s string) *string { return &s }

func writerTask(t *testing.T, params string, cfg engine.WriterConfig) *engine.Task {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &engine.Task{ID: 1, Kind: engine.TaskResultWriter, Resource: "arn:aws:states:::s3:putObject", Parameters: params, Config: string(b)}
}

func results() []engine.ChildResult {
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC)
	child := "arn:aws:states:us-east-1:123456789012:execution:sm/TestMap:"
	return []engine.ChildResult{
		{Index: 0, ExecutionArn: child + "c0", Status: engine.Succeeded, Input: `"Hello"`, Output: str(`["Hello",1]`), StartDate: t0, StopDate: t0.Add(time.Second)},
		{Index: 1, ExecutionArn: child + "c1", Status: engine.Failed, Input: `"World"`, Error: str("Boom"), Cause: str("it broke"), StartDate: t0, StopDate: t0.Add(2 * time.Second)},
		{Index: 2, ExecutionArn: child + "c2", Status: engine.Succeeded, Input: `"!"`, Output: str(`{"x":2}`), StartDate: t0, StopDate: t0.Add(3 * time.Second)},
	}
}

func TestResultWriter(t *testing.T) {
	mem := s3itemstest.New("rb")
	h := &s3items.Handler{S3: mem}
	out, err := h.RunTask(context.Background(), writerTask(t, `{"Bucket":"rb","Prefix":"mapJobs"}`, engine.WriterConfig{MapRunArn: runArn, Results: results()}))
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out, `{"Bucket":"rb","Key":"mapJobs/6dbfba93-bcff-410b-9b5c-abf41ae9eddb/manifest.json"}`)
	man, err := mem.Get("rb", "mapJobs/6dbfba93-bcff-410b-9b5c-abf41ae9eddb/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	succ, _ := mem.Get("rb", "mapJobs/6dbfba93-bcff-410b-9b5c-abf41ae9eddb/SUCCEEDED_0.json")
	failed, _ := mem.Get("rb", "mapJobs/6dbfba93-bcff-410b-9b5c-abf41ae9eddb/FAILED_0.json")
	jsonEqual(t, string(man), `{"DestinationBucket":"rb","MapRunArn":"`+runArn+`","ResultFiles":{
		"FAILED":[{"Key":"mapJobs/6dbfba93-bcff-410b-9b5c-abf41ae9eddb/FAILED_0.json","Size":`+itoa(len(failed))+`}],
		"PENDING":[],
		"SUCCEEDED":[{"Key":"mapJobs/6dbfba93-bcff-410b-9b5c-abf41ae9eddb/SUCCEEDED_0.json","Size":`+itoa(len(succ))+`}]}}`)
	sm := "arn:aws:states:us-east-1:123456789012:stateMachine:sm/TestMap"
	jsonEqual(t, string(succ), `[
	 {"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:sm/TestMap:c0","Input":"\"Hello\"","InputDetails":{"Included":true},"Name":"c0",
	  "Output":"[\"Hello\",1]","OutputDetails":{"Included":true},"RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE","RedriveStatusReason":"Execution is SUCCEEDED and cannot be redriven",
	  "StartDate":"2024-05-01T10:00:00.123Z","StateMachineArn":"`+sm+`","Status":"SUCCEEDED","StopDate":"2024-05-01T10:00:01.123Z"},
	 {"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:sm/TestMap:c2","Input":"\"!\"","InputDetails":{"Included":true},"Name":"c2",
	  "Output":"{\"x\":2}","OutputDetails":{"Included":true},"RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE","RedriveStatusReason":"Execution is SUCCEEDED and cannot be redriven",
	  "StartDate":"2024-05-01T10:00:00.123Z","StateMachineArn":"`+sm+`","Status":"SUCCEEDED","StopDate":"2024-05-01T10:00:03.123Z"}]`)
	var f []map[string]any
	if err := json.Unmarshal(failed, &f); err != nil || len(f) != 1 || f[0]["Error"] != "Boom" || f[0]["Cause"] != "it broke" || f[0]["Output"] != nil || f[0]["Status"] != "FAILED" {
		t.Fatalf("FAILED_0.json %s (%v)", failed, err)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestResultWriterTransformations(t *testing.T) {
	tests := []struct{ name, transformation, outputType, want string }{
		{name: "compact", transformation: "COMPACT", want: `[["Hello",1],{"x":2}]`},
		{name: "flatten", transformation: "FLATTEN", want: `["Hello",1,{"x":2}]`},
		{name: "flatten jsonl", transformation: "FLATTEN", outputType: "JSONL", want: "\"Hello\"\n1\n{\"x\":2}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := s3itemstest.New("rb")
			h := &s3items.Handler{S3: mem}
			_, err := h.RunTask(context.Background(), writerTask(t, `{"Bucket":"rb"}`,
				engine.WriterConfig{MapRunArn: runArn, Transformation: tt.transformation, OutputType: tt.outputType, Results: results()}))
			if err != nil {
				t.Fatal(err)
			}
			got, err := mem.Get("rb", "6dbfba93-bcff-410b-9b5c-abf41ae9eddb/SUCCEEDED_0.json")
			if err != nil {
				t.Fatal(err)
			}
			if tt.outputType == "JSONL" {
				if string(got) != tt.want {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
				return
			}
			jsonEqual(t, string(got), tt.want)
			// A failed child is reported whole whatever the Transformation.
			failed, _ := mem.Get("rb", "6dbfba93-bcff-410b-9b5c-abf41ae9eddb/FAILED_0.json")
			if !strings.Contains(string(failed), `"Error":"Boom"`) {
				t.Fatalf("FAILED_0.json %s", failed)
			}
		})
	}
}

// Results beyond MaxResultFileBytes go to further files, each listed in manifest.json.
func TestResultWriterSplits(t *testing.T) {
	old := s3items.MaxResultFileBytes
	s3items.MaxResultFileBytes = 30
	defer func() { s3items.MaxResultFileBytes = old }()
	mem := s3itemstest.New("rb")
	h := &s3items.Handler{S3: mem}
	var rs []engine.ChildResult
	for i := 0; i < 5; i++ {
		rs = append(rs, engine.ChildResult{Index: i, ExecutionArn: "arn:x:" + itoa(i), Status: engine.Succeeded, Output: str(`"0123456789"`)})
	}
	if _, err := h.RunTask(context.Background(), writerTask(t, `{"Bucket":"rb","Prefix":"p/"}`, engine.WriterConfig{MapRunArn: runArn, Transformation: "COMPACT", Results: rs})); err != nil {
		t.Fatal(err)
	}
	man, _ := mem.Get("rb", "p/6dbfba93-bcff-410b-9b5c-abf41ae9eddb/manifest.json")
	var m struct {
		ResultFiles map[string][]struct{ Key string }
	}
	json.Unmarshal(man, &m)
	var all []any
	for i, f := range m.ResultFiles["SUCCEEDED"] {
		if !strings.HasSuffix(f.Key, "/SUCCEEDED_"+itoa(i)+".json") {
			t.Fatalf("file %d: %s", i, f.Key)
		}
		b, _ := mem.Get("rb", f.Key)
		var part []any
		if err := json.Unmarshal(b, &part); err != nil || len(b) > 30 {
			t.Fatalf("%s: %s", f.Key, b)
		}
		all = append(all, part...)
	}
	if len(m.ResultFiles["SUCCEEDED"]) < 2 || len(all) != 5 {
		t.Fatalf("%d files, %d results", len(m.ResultFiles["SUCCEEDED"]), len(all))
	}
}

func TestResultWriterMissingBucket(t *testing.T) {
	h := &s3items.Handler{S3: s3itemstest.New()}
	_, err := h.RunTask(context.Background(), writerTask(t, `{"Bucket":"nope","Prefix":"p"}`, engine.WriterConfig{MapRunArn: runArn, Results: results()}))
	var te *runner.TaskError
	if !errors.As(err, &te) || te.Name != "States.ResultWriterFailed" || !strings.Contains(te.Cause, "NoSuchBucket") {
		t.Fatalf("%v", err)
	}
}
