package replay

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/conformance"
)

// passResult is the state machine most API tests create (BaseTemplate.BASE_PASS_RESULT).
const passResult = "base/statemachines/pass_result.json5"

// createMachine creates a state machine named name from a template, with extra request
// members, and returns the answer.
func (r *replay) createMachine(name, tmpl string, extra map[string]any) map[string]any {
	req := map[string]any{"name": name, "definition": template(r.t, tmpl), "roleArn": role}
	for k, v := range extra {
		req[k] = v
	}
	return r.call("CreateStateMachine", req)
}

// withComment returns a template's definition with "-<suffix>" added to its Comment, as the
// tests make new revisions.
func withComment(r *replay, tmpl, suffix string) string {
	v, err := value.DecodeMaps([]byte(template(r.t, tmpl)))
	if err != nil {
		r.t.Fatal(err)
	}
	m := v.(map[string]any)
	m["Comment"] = m["Comment"].(string) + "-" + suffix
	return value.Encode(m)
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// awaitEnd polls DescribeExecution until the execution has ended.
func (r *replay) awaitEnd(arn string) map[string]any {
	for i := 0; i < 500; i++ {
		d := r.call("DescribeExecution", map[string]any{"executionArn": arn})
		if str(d, "status") != "RUNNING" {
			return d
		}
		sleep()
	}
	r.t.Fatalf("execution %s did not end", arn)
	return nil
}

func itoa(i int) string { return value.FromInt(int64(i)).String() }

// logBuffer keeps the execution logs a test's server writes (JSON lines).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// events returns the log events written so far, decoded.
func (b *logBuffer) events(t *testing.T) []any {
	b.mu.Lock()
	data := append([]byte(nil), b.buf.Bytes()...)
	b.mu.Unlock()
	var out []any
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		v, err := decode(line)
		if err != nil {
			t.Fatalf("a log line is not JSON: %s", line)
		}
		out = append(out, v)
	}
	return out
}

// logEvents waits until the server has logged the end (ExecutionSucceeded, Failed, TimedOut
// or Aborted) of n executions, or for a second when it logs no such end (levels that leave
// it out), and returns the log events written.
func (r *replay) logEvents(n int) []any {
	deadline := time.Now().Add(time.Second)
	if n > 0 {
		deadline = time.Now().Add(10 * time.Second)
	}
	for {
		evs := r.logs.events(r.t)
		ends := 0
		for _, e := range evs {
			switch str(e.(map[string]any), "type") {
			case "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted":
				ends++
			}
		}
		if (n > 0 && ends >= n) || time.Now().After(deadline) {
			return evs
		}
		sleep()
	}
}

// The Lambda functions the tests deploy (internal/replayfn): functionName raises an
// Exception (the recordings replace its name by lambda_function_name), identityName answers
// its event, helloName "HelloWorld!".
const (
	functionName = "lambda_func_replay"
	identityName = "lambda_func_identity"
	helloName    = "lambda_func_hello"
)

// functionDir is where the suite builds the function (TestReplayRecordings' temporary folder).
var functionDir string

var buildOnce = sync.OnceValues(func() (string, error) {
	path := filepath.Join(functionDir, "replayfn")
	out, err := exec.Command("go", "build", "-o", path, "./internal/replayfn").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building the Lambda function: %v\n%s", err, out)
	}
	return path, nil
})

// buildFunction builds internal/replayfn once, and returns its path.
func buildFunction(t *testing.T) string {
	path, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// orderedTemplate reads a template keeping its keys' order, for requests whose text the answer
// quotes back.
func orderedTemplate(t *testing.T, path string) *value.Object {
	data, err := os.ReadFile(filepath.Join(recordings, "templates", path))
	if err != nil {
		t.Fatal(err)
	}
	v, err := value.Decode([]byte(conformance.JSON5ToJSON(string(data))))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v.(*value.Object)
}

// pyDumps renders a value as the recorded tests' json.dumps did (conformance.PyDumps): AWS
// quotes some definitions back verbatim, so the text sent must be the text the test sent.
func pyDumps(v any) string {
	text, err := conformance.PyDumps(value.Encode(v))
	if err != nil {
		panic(err) // value.Encode writes JSON
	}
	return text
}
