package lambda_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/lambda"
)

// fnPath is the test function, built once with aws-lambda-go (internal/testfn).
var fnPath string

func TestMain(m *testing.M) {
	if os.Getenv("STEPWISE_TEST_INIT_ERROR") != "" {
		// The test binary as a runtime whose init fails, as a runtime interface client
		// reports an import error.
		api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		req, _ := http.NewRequest("POST", api, strings.NewReader(`{"errorMessage":"Unable to import module 'app'","errorType":"Runtime.ImportModuleError","stackTrace":[]}`))
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ImportModuleError")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "stepwise-lambda-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fnPath = filepath.Join(dir, "testfn")
	out, err := exec.Command("go", "build", "-o", fnPath, "./internal/testfn").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the test function: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newRuntime registers the test function as "fn", with spec's settings.
func newRuntime(t *testing.T, spec lambda.Spec) *lambda.Runtime {
	t.Helper()
	spec.Command = []string{fnPath}
	rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{"fn": spec}, Output: io.Discard, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { rt.Close() })
	return rt
}

type echo struct {
	Value       any    `json:"value"`
	Pid         int    `json:"pid"`
	RequestID   string `json:"requestId"`
	FunctionArn string `json:"functionArn"`
	Function    string `json:"function"`
	Memory      int    `json:"memory"`
	Region      string `json:"region"`
	Handler     string `json:"handler"`
	DeadlineIn  int64  `json:"deadlineIn"`
}

func invoke(t *testing.T, rt *lambda.Runtime, payload string) *lambda.Result {
	t.Helper()
	res, err := rt.Invoke(context.Background(), &lambda.Invocation{Function: "fn", Payload: []byte(payload)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func invokeEcho(t *testing.T, rt *lambda.Runtime, payload string) echo {
	t.Helper()
	res := invoke(t, rt, payload)
	if res.FunctionError != "" {
		t.Fatalf("function error %s", res.Payload)
	}
	var e echo
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatalf("%v: %s", err, res.Payload)
	}
	return e
}

type fnError struct {
	Message    string `json:"errorMessage"`
	Type       string `json:"errorType"`
	StackTrace []any  `json:"stackTrace"`
}

func invokeError(t *testing.T, rt *lambda.Runtime, payload string) fnError {
	t.Helper()
	res := invoke(t, rt, payload)
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError %q, payload %s", res.FunctionError, res.Payload)
	}
	var e fnError
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatalf("%v: %s", err, res.Payload)
	}
	return e
}

func TestInvokeRealFunction(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{})
	t0 := time.Now()
	res, err := rt.Invoke(context.Background(), &lambda.Invocation{Function: "fn", Payload: []byte(`{"value":{"a":[1,2.50]}}`)})
	cold := time.Since(t0)
	if err != nil {
		t.Fatal(err)
	}
	var e echo
	if err := json.Unmarshal(res.Payload, &e); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.ExecutedVersion != "$LATEST" || res.FunctionError != "" {
		t.Errorf("result %+v", res)
	}
	if got, _ := json.Marshal(e.Value); string(got) != `{"a":[1,2.5]}` {
		t.Errorf("value %s", got)
	}
	if e.RequestID != res.RequestID || e.RequestID == "" {
		t.Errorf("request id %q, result's %q", e.RequestID, res.RequestID)
	}
	if e.FunctionArn != "arn:aws:lambda:us-east-1:123456789012:function:fn" || e.Function != "fn" || e.Memory != 128 ||
		e.Region != "us-east-1" || e.Handler != "testfn" {
		t.Errorf("context %+v", e)
	}
	if e.DeadlineIn <= 2000 || e.DeadlineIn > 3000 {
		t.Errorf("deadline in %d ms, want about 3000", e.DeadlineIn)
	}
	const n = 20
	t0 = time.Now()
	for range n {
		invokeEcho(t, rt, `{}`)
	}
	warm := time.Since(t0) / n
	t.Logf("cold start %.1f ms, warm invoke %.3f ms", float64(cold.Microseconds())/1000, float64(warm.Microseconds())/1000)
}

func TestWarmProcessIsReused(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{})
	first := invokeEcho(t, rt, `{}`)
	for range 5 {
		if e := invokeEcho(t, rt, `{}`); e.Pid != first.Pid {
			t.Errorf("pid %d, want the warm %d", e.Pid, first.Pid)
		}
	}
	if s := rt.Stats("fn"); s.Starts != 1 || s.Invocations != 6 || s.Processes != 1 {
		t.Errorf("stats %+v, want 1 start for 6 invocations", s)
	}
}

func TestFunctionErrors(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{})
	e := invokeError(t, rt, `{"action":"error","message":"it broke"}`)
	if e.Type != "errorString" || e.Message != "it broke" {
		t.Errorf("errors.New gave %+v", e)
	}
	e = invokeError(t, rt, `{"action":"custom","message":"mine"}`)
	if e.Type != "CustomError" || e.Message != "mine" {
		t.Errorf("custom error gave %+v", e)
	}
	if s := rt.Stats("fn"); s.Starts != 1 {
		t.Errorf("%d starts: a returned error must not end the process", s.Starts)
	}
}

func TestPanicRestartsProcess(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{})
	before := invokeEcho(t, rt, `{}`)
	e := invokeError(t, rt, `{"action":"panic","message":"oh no"}`)
	if e.Type != "string" || e.Message != "oh no" || len(e.StackTrace) == 0 {
		t.Errorf("panic gave %+v", e)
	}
	// aws-lambda-go exits after reporting a panic: the next invocation gets a new process.
	after := invokeEcho(t, rt, `{}`)
	if after.Pid == before.Pid {
		t.Errorf("same process %d after a panic", after.Pid)
	}
	if s := rt.Stats("fn"); s.Starts != 2 {
		t.Errorf("%d starts, want 2", s.Starts)
	}
}

func TestCrashRecovery(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{})
	res := invoke(t, rt, `{"action":"exit"}`)
	var e fnError
	json.Unmarshal(res.Payload, &e)
	want := "RequestId: " + res.RequestID + " Error: Runtime exited with error: exit status 3"
	if res.FunctionError != "Unhandled" || e.Type != "Runtime.ExitError" || e.Message != want {
		t.Errorf("crash gave %s %s", res.FunctionError, res.Payload)
	}
	invokeEcho(t, rt, `{}`)
	if s := rt.Stats("fn"); s.Starts != 2 || s.Processes != 1 {
		t.Errorf("stats %+v, want a second start", s)
	}
}

func TestTimeoutKillsProcess(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{Timeout: 300 * time.Millisecond})
	before := invokeEcho(t, rt, `{}`)
	t0 := time.Now()
	res := invoke(t, rt, `{"action":"sleep","sleepMs":5000}`)
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("timed out after %s, want about 300ms", d)
	}
	var e map[string]any
	json.Unmarshal(res.Payload, &e)
	msg, _ := e["errorMessage"].(string)
	if res.FunctionError != "Unhandled" || e["errorType"] != nil || !strings.Contains(msg, res.RequestID+" Task timed out after 0.") {
		t.Errorf("timeout gave %s %s", res.FunctionError, res.Payload)
	}
	if err := processAlive(before.Pid); err == nil {
		t.Errorf("process %d still runs after its timeout", before.Pid)
	}
	if after := invokeEcho(t, rt, `{}`); after.Pid == before.Pid {
		t.Error("the timed-out process served again")
	}
}

func processAlive(pid int) error {
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/status", pid)); err != nil {
			return err
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if strings.Contains(string(b), "State:\tZ") {
			return fmt.Errorf("zombie")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

func TestConcurrentInvocationsStartProcesses(t *testing.T) {
	rt := newRuntime(t, lambda.Spec{MaxConcurrency: 4})
	const n = 8
	var wg sync.WaitGroup
	pids := make(chan int, n)
	t0 := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := invokeEcho(t, rt, `{"action":"sleep","sleepMs":400}`)
			pids <- e.Pid
		}()
	}
	wg.Wait()
	close(pids)
	elapsed := time.Since(t0)
	distinct := map[int]bool{}
	for p := range pids {
		distinct[p] = true
	}
	s := rt.Stats("fn")
	if s.Starts != 4 || len(distinct) != 4 {
		t.Errorf("%d starts, %d distinct processes; want 4 (the bound)", s.Starts, len(distinct))
	}
	// Two waves of four, not eight in a row.
	if elapsed > 8*400*time.Millisecond/2+time.Second {
		t.Errorf("8 invocations of 400 ms on 4 processes took %s", elapsed)
	}
}

func TestBadCommand(t *testing.T) {
	rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{"fn": {Command: []string{"/no/such/binary"}}}, Output: io.Discard})
	defer rt.Close()
	e := invokeError(t, rt, `{}`)
	if e.Type != "Runtime.InvalidEntrypoint" || !strings.Contains(e.Message, "/no/such/binary") {
		t.Errorf("bad command gave %+v", e)
	}
}

func TestCloseStopsProcesses(t *testing.T) {
	rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{"fn": {Command: []string{fnPath}}}, Output: io.Discard})
	e := invokeEcho(t, rt, `{}`)
	rt.Close()
	if err := processAlive(e.Pid); err == nil {
		t.Errorf("process %d runs after Close", e.Pid)
	}
	if _, err := rt.Invoke(context.Background(), &lambda.Invocation{Function: "fn"}); err == nil {
		t.Error("Invoke after Close succeeded")
	}
}

func TestParseFlag(t *testing.T) {
	tests := []struct {
		in, name string
		spec     lambda.Spec
		err      bool
	}{
		{in: "orders=http://127.0.0.1:3001/", name: "orders", spec: lambda.Spec{Endpoint: "http://127.0.0.1:3001"}},
		{in: "f=" + fnPath, name: "f", spec: lambda.Spec{Command: []string{fnPath}}},
		{in: "py=python3 -m awslambdaric app.handler", name: "py", spec: lambda.Spec{Command: []string{"python3", "-m", "awslambdaric", "app.handler"}}},
		{in: "nopath", err: true},
		{in: "=x", err: true},
		{in: "bad name=x", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, spec, err := lambda.ParseFlag(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("err %v", err)
			}
			if err == nil && (name != tt.name || spec.Endpoint != tt.spec.Endpoint || strings.Join(spec.Command, "|") != strings.Join(tt.spec.Command, "|")) {
				t.Errorf("got %q %+v", name, spec)
			}
		})
	}
}

func TestParseFunctionName(t *testing.T) {
	tests := []struct{ in, name, qual string }{
		{"fn", "fn", ""},
		{"fn:prod", "fn", "prod"},
		{"123456789012:function:fn", "fn", ""},
		{"123456789012:function:fn:7", "fn", "7"},
		{"arn:aws:lambda:us-east-1:123456789012:function:fn", "fn", ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST", "fn", "$LATEST"},
		{"arn:aws:lambda:::function:fn", "fn", ""}, // AWS accepts a function ARN without region and account
	}
	for _, tt := range tests {
		if name, qual := lambda.ParseFunctionName(tt.in); name != tt.name || qual != tt.qual {
			t.Errorf("%s: %q %q", tt.in, name, qual)
		}
	}
}

func TestInitError(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{"fn": {Command: []string{exe}, Env: []string{"STEPWISE_TEST_INIT_ERROR=1"}}},
		Output: io.Discard, Logger: slog.New(slog.DiscardHandler)})
	defer rt.Close()
	e := invokeError(t, rt, `{}`)
	if e.Type != "Runtime.ImportModuleError" || e.Message != "Unable to import module 'app'" {
		t.Errorf("init error gave %+v", e)
	}
}

// TestRelativeProgramPath: --function NAME=dir/program, relative to where stepwise was
// started, runs that program (the process runs in the program's directory, where the
// relative path would name dir/dir/program: the README's examples failed so).
func TestRelativeProgramPath(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "bin")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(fnPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "testfn"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	name, spec, err := lambda.ParseFlag("fn=bin/testfn")
	if err != nil {
		t.Fatal(err)
	}
	rt := lambda.New(lambda.Options{Functions: map[string]lambda.Spec{name: spec}, Output: io.Discard, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { rt.Close() })
	if e := invokeEcho(t, rt, `{"value":1}`); e.Handler != "testfn" {
		t.Errorf("context %+v", e)
	}
}
