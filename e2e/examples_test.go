package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise-run/stepwise/internal/awstest"
)

// TestOrdersExample runs examples/orders as its README does: `stepwise run` with only the
// endpoint variables set, against dynalite and goaws.
func TestOrdersExample(t *testing.T) {
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": awstest.Dynalite(t), "AWS_ENDPOINT_URL_SQS": awstest.GoAWS(t)})
	os.Unsetenv("AWS_ACCESS_KEY_ID") // as on a developer's machine without credentials
	os.Unsetenv("AWS_SECRET_ACCESS_KEY")
	out, err := exec.Command(stepwise(t), "run", "--input", `{"orderId":"o-1","total":42}`, "../examples/orders/orders.asl.json").Output()
	if err != nil {
		t.Fatalf("stepwise run: %v\n%s", err, out)
	}
	var res struct {
		Status, Output string
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Status != "SUCCEEDED" {
		t.Fatalf("%v: %s", err, out)
	}
	var o struct {
		Saved     map[string]string `json:"saved"`
		Announced struct {
			MessageID string `json:"messageId"`
		} `json:"announced"`
	}
	if err := json.Unmarshal([]byte(res.Output), &o); err != nil || o.Saved["total"] != "42" || o.Saved["status"] != "NEW" || o.Announced.MessageID == "" {
		t.Errorf("output %s", res.Output)
	}
}

// TestExampleTests runs `stepwise test --junit FILE examples/` as CI does: the test files
// of the examples pass, with their mocks, and the JUnit file says so.
func TestExampleTests(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")
	out, err := exec.Command(stepwise(t), "test", "--junit", junit, "../examples").CombinedOutput()
	if err != nil {
		t.Fatalf("stepwise test: %v\n%s", err, out)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
	}
	if err := xml.Unmarshal(data, &j); err != nil || j.Tests == 0 || j.Failures != 0 || j.Errors != 0 {
		t.Errorf("junit %+v (%v):\n%s", j, err, data)
	}
	if !strings.Contains(string(out), "PASS: ") {
		t.Errorf("output:\n%s", out)
	}
}

// TestTestUnmockedCall: a test file that says unmocked: call runs examples/orders against
// dynalite and goaws, through the integrations stepwise run uses.
func TestTestUnmockedCall(t *testing.T) {
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": awstest.Dynalite(t), "AWS_ENDPOINT_URL_SQS": awstest.GoAWS(t)})
	os.Unsetenv("AWS_ACCESS_KEY_ID")
	os.Unsetenv("AWS_SECRET_ACCESS_KEY")
	machine, err := filepath.Abs("../examples/orders/orders.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "orders.test.yaml")
	text := "stateMachine: " + machine + `
unmocked: call
mocks:
  Create queue: {return: {QueueUrl: "not used"}}
tests:
  - name: saves an order in dynalite
    input: {orderId: o-7, total: 7}
    expect:
      outputContains: {saved: {orderId: o-7, total: "7", status: NEW}}
`
	// Create queue is mocked with a URL that does not exist: the test shows that mocks and
	// real calls mix, and that a real call's failure is the execution's.
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(stepwise(t), "test", "-v", file).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("stepwise test: %v (want exit status 1)\n%s", err, out)
	}
	if !strings.Contains(string(out), `status: want SUCCEEDED, got FAILED`) || !strings.Contains(string(out), `[in state "Announce"]`) {
		t.Errorf("output:\n%s", out)
	}
	// With the queue made for real, the execution succeeds.
	text = strings.Replace(text, `  Create queue: {return: {QueueUrl: "not used"}}`, `  Nothing: {return: 1}`, 1)
	text = strings.Replace(text, "mocks:\n  Nothing: {return: 1}\n", "", 1)
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(stepwise(t), "test", "-v", file).CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS: saves an order in dynalite") {
		t.Errorf("stepwise test: %v\n%s", err, out)
	}
}

// TestSAMExample runs examples/sam as its README does: the Go function built, `stepwise
// serve --function greeter=...`, `stepwise deploy --function GreeterFunction=greeter
// template.yaml`, then an execution to SUCCEEDED and one whose function fails to FAILED.
func TestSAMExample(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "greeter")
	if out, err := exec.Command("go", "build", "-o", bin, "../examples/sam/greeter").CombinedOutput(); err != nil {
		t.Fatalf("build the function: %v\n%s", err, out)
	}
	s := serve(t, "--store", "sqlite:"+filepath.Join(t.TempDir(), "db"), "--function", "greeter="+bin)
	out, err := exec.Command(stepwise(t), "deploy", "--endpoint", s.url, "--stack-name", "hello",
		"--function", "GreeterFunction=greeter", "../examples/sam/template.yaml").CombinedOutput()
	if err != nil {
		t.Fatalf("stepwise deploy: %v\n%s", err, out)
	}
	for _, want := range []string{"created   role           GreeterStateMachineRole", "created   state machine  GreeterStateMachine",
		"mapped    function       GreeterFunction", "skipped   AWS::DynamoDB::Table GreetingsTable"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("deploy output lacks %q:\n%s", want, out)
		}
	}
	c := client(s.url)
	ctx := context.Background()
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:hello-greeter"
	runIt := func(input string) *sfn.DescribeExecutionOutput {
		t.Helper()
		ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(input)})
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
				return d
			}
		}
	}
	d := runIt(`{"name":"Ada"}`)
	var res struct {
		Message string `json:"message"`
		Length  int    `json:"length"`
		Table   string `json:"table"`
	}
	if d.Status != types.ExecutionStatusSucceeded || json.Unmarshal([]byte(aws.ToString(d.Output)), &res) != nil ||
		res.Message != "Hello, Ada!" || res.Length != 3 || !strings.HasPrefix(res.Table, "hello-GreetingsTable-") {
		t.Errorf("%s %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if d := runIt(`{"name":" "}`); d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "NoGreeting" ||
		!strings.Contains(aws.ToString(d.Cause), "no name to greet") {
		t.Errorf("no name: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

// TestDistributedMapS3Example runs examples/dmap-s3 as its README does: `stepwise run` with
// AWS_ENDPOINT_URL_S3 set, against gofakes3.
func TestDistributedMapS3Example(t *testing.T) {
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_S3": awstest.S3(t)})
	os.Unsetenv("AWS_ACCESS_KEY_ID")
	os.Unsetenv("AWS_SECRET_ACCESS_KEY")
	out, err := exec.Command(stepwise(t), "run", "--input", "@../examples/dmap-s3/input.json", "../examples/dmap-s3/dmap-s3.asl.json").Output()
	if err != nil {
		t.Fatalf("stepwise run: %v\n%s", err, out)
	}
	var res struct {
		Status, Output string
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Status != "SUCCEEDED" {
		t.Fatalf("%v: %s", err, out)
	}
	var o struct {
		Counts []struct {
			Key   string `json:"key"`
			Words int    `json:"words"`
		} `json:"counts"`
		Words int `json:"words"`
	}
	if err := json.Unmarshal([]byte(res.Output), &o); err != nil {
		t.Fatalf("%v: %s", err, res.Output)
	}
	want := map[string]int{"texts/a.txt": 4, "texts/b.txt": 2, "texts/c.txt": 6}
	got := map[string]int{}
	for _, c := range o.Counts {
		got[c.Key] = c.Words
	}
	if len(got) != len(want) || o.Words != 12 {
		t.Fatalf("output %s", res.Output)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d words, want %d (output %s)", k, got[k], n, res.Output)
		}
	}
}

// TestTutorialExampleRun runs examples/tutorial as its README's `stepwise run` does: the Go
// Lambda function built with aws-lambda-go, the child created with --machine, the parent run
// to SUCCEEDED with the child's greeting.
func TestTutorialExampleRun(t *testing.T) {
	fn := filepath.Join(t.TempDir(), "greeter")
	if out, err := exec.Command("go", "build", "-o", fn, "../examples/tutorial/greeter").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(stepwise(t), "run", "--function", "greeter="+fn, "--machine", "tutorial-child=child.asl.json",
		"--input", `{"name":"Ada"}`, "parent.asl.json")
	cmd.Dir = "../examples/tutorial"
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("stepwise run: %v\n%s", err, out)
	}
	var res struct{ Status, Output string }
	if err := json.Unmarshal(out, &res); err != nil || res.Status != "SUCCEEDED" {
		t.Fatalf("%v: %s", err, out)
	}
	var o struct{ Child, Greeting string }
	if err := json.Unmarshal([]byte(res.Output), &o); err != nil || o.Greeting != "Hello, Ada!" ||
		!strings.HasPrefix(o.Child, "arn:aws:states:us-east-1:123456789012:execution:tutorial-child:") {
		t.Errorf("output %s", res.Output)
	}
}

// TestApprovalExampleRun: `stepwise run` of examples/approval without --listen cannot be
// answered: on the real clock it stops at once (exit 6), on the virtual clock the week passes
// and the approval expires (exit 3).
func TestApprovalExampleRun(t *testing.T) {
	fn := filepath.Join(t.TempDir(), "notify")
	if out, err := exec.Command("go", "build", "-o", fn, "../examples/approval/notify").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, c := range []struct {
		skip  bool
		code  int
		error string
	}{{false, 6, ""}, {true, 3, "ApprovalExpired"}} {
		args := []string{"run", "--function", "notify-approver=" + fn, "--input", `{"order":"o-1"}`, "../examples/approval/approval.asl.json"}
		if c.skip {
			args = append(args, "--time-skipping")
		}
		out, err := exec.Command(stepwise(t), args...).Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.code {
			t.Errorf("time skipping %v: %v, want exit %d: %s", c.skip, err, c.code, out)
			continue
		}
		var res struct{ Error *string }
		if err := json.Unmarshal(out, &res); err != nil || (c.error != "" && (res.Error == nil || *res.Error != c.error)) {
			t.Errorf("time skipping %v: %s", c.skip, out)
		}
	}
}

// TestTestListenWithCLIWorker: `stepwise test --listen` with an activity worker made of AWS CLI
// calls (get-activity-task, send-task-success), as a shell script would be: the test waits for
// the worker, passes with its output, and the worker's calls all succeed, the last one too
// (answered before the run's endpoint closes).
func TestTestListenWithCLIWorker(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("AWS CLI NOT INSTALLED: the CLI activity worker was not tried (pip install awscli, or apt-get install awscli)")
	}
	dir := t.TempDir()
	const activity = "arn:aws:states:us-east-1:123456789012:activity:double"
	os.WriteFile(filepath.Join(dir, "sm.asl.json"), []byte(`{"StartAt":"Double","States":{"Double":{"Type":"Task","Resource":"`+activity+`","TimeoutSeconds":600,"End":true}}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "sm.test.yaml"), []byte("stateMachine: sm.asl.json\ntests:\n  - name: doubled\n    input: {n: 21}\n    expect: {output: {n: 42}}\n"), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	run := exec.Command(stepwise(t), "test", "--listen", addr, "--timeout", "60s", dir)
	var out bytes.Buffer
	run.Stdout, run.Stderr = &out, &out
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, error) {
		cmd := exec.Command("aws", append([]string{"stepfunctions", "--endpoint-url", "http://" + addr, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	var task struct{ TaskToken, Input string }
	for deadline := time.Now().Add(30 * time.Second); task.TaskToken == "" && time.Now().Before(deadline); {
		got, err := cli("get-activity-task", "--activity-arn", activity, "--worker-name", "cli-worker")
		if err != nil { // the run is not listening yet
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err := json.Unmarshal([]byte(got), &task); err != nil {
			t.Fatalf("get-activity-task: %v\n%s", err, got)
		}
	}
	if task.Input != `{"n":21}` {
		t.Fatalf("the worker got %+v", task)
	}
	if got, err := cli("send-task-success", "--task-token", task.TaskToken, "--task-output", `{"n":42}`); err != nil {
		t.Errorf("send-task-success: %v\n%s", err, got)
	}
	if err := run.Wait(); err != nil || !strings.Contains(out.String(), "PASS: 1 test in 1 file") {
		t.Errorf("stepwise test: %v\n%s", err, out.String())
	}
}
