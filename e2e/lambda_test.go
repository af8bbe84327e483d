package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestServeRunsRealLambdaCode starts `stepwise serve --function` with a function built with
// aws-lambda-go and runs a state machine that calls it both ways (lambda:invoke and a bare
// function ARN), and catches its error.
func TestServeRunsRealLambdaCode(t *testing.T) {
	fn := filepath.Join(t.TempDir(), "testfn")
	if out, err := exec.Command("go", "build", "-o", fn, "../integration/lambda/internal/testfn").CombinedOutput(); err != nil {
		t.Fatalf("build the function: %v\n%s", err, out)
	}
	s := serve(t, "--store", "sqlite:"+filepath.Join(t.TempDir(), "db"), "--function", "echo="+fn)
	c := client(s.url)
	ctx := context.Background()
	def := `{"StartAt":"Invoke","States":{
		"Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","Payload":{"value.$":"$.n"}},
			"ResultSelector":{"value.$":"$.Payload.value","status.$":"$.StatusCode"},"ResultPath":"$.invoke","Next":"Bare"},
		"Bare":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","Parameters":{"action":"custom","message":"no luck"},
			"Catch":[{"ErrorEquals":["CustomError"],"ResultPath":"$.caught","Next":"Done"}],"End":true},
		"Done":{"Type":"Succeed"}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("lambdas"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"n":7}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := describeEnded(t, c, aws.ToString(ex.ExecutionArn))
	if d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var out struct {
		Invoke struct {
			Value  float64 `json:"value"`
			Status float64 `json:"status"`
		} `json:"invoke"`
		Caught struct{ Error, Cause string } `json:"caught"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &out); err != nil {
		t.Fatal(err)
	}
	if out.Invoke.Value != 7 || out.Invoke.Status != 200 {
		t.Errorf("lambda:invoke result %+v", out.Invoke)
	}
	if out.Caught.Error != "CustomError" || !strings.Contains(out.Caught.Cause, "no luck") {
		t.Errorf("caught %+v", out.Caught)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var typesSeen []string
	for _, e := range h.Events {
		typesSeen = append(typesSeen, string(e.Type))
	}
	for _, want := range []string{"TaskSucceeded", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed"} {
		if !strings.Contains(strings.Join(typesSeen, " "), want) {
			t.Errorf("history lacks %s: %v", want, typesSeen)
		}
	}
}

// TestLambdaInvokeAPIAndEndpoint: `stepwise serve --function` answers Lambda's Invoke API, to
// the AWS CLI's `aws lambda invoke`; and a second `stepwise serve` without the function, whose
// Lambda endpoint (Step Functions Local's LAMBDA_ENDPOINT) is the first, runs a lambda:invoke
// of it there.
func TestLambdaInvokeAPIAndEndpoint(t *testing.T) {
	fn := filepath.Join(t.TempDir(), "testfn")
	if out, err := exec.Command("go", "build", "-o", fn, "../integration/lambda/internal/testfn").CombinedOutput(); err != nil {
		t.Fatalf("build the function: %v\n%s", err, out)
	}
	a := serve(t, "--store", "sqlite:"+filepath.Join(t.TempDir(), "a"), "--function", "echo="+fn)
	if _, err := exec.LookPath("aws"); err != nil {
		t.Log("AWS CLI NOT INSTALLED: aws lambda invoke was not tried (pip install awscli, or apt-get install awscli)")
	} else {
		dir := t.TempDir()
		base := []string{"lambda", "invoke", "--endpoint-url", a.url, "--output", "json"}
		if v, _ := exec.Command("aws", "--version").CombinedOutput(); strings.HasPrefix(string(v), "aws-cli/2") {
			base = append(base, "--cli-binary-format", "raw-in-base64-out") // version 1 sends --payload as it is
		}
		lambdaCLI := func(args ...string) (string, error) {
			cmd := exec.Command("aws", append(base, args...)...)
			cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_DEFAULT_REGION=us-east-1",
				"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		out, err := lambdaCLI("--function-name", "echo", "--payload", `{"value":5}`, filepath.Join(dir, "out.json"))
		payload, _ := os.ReadFile(filepath.Join(dir, "out.json"))
		if err != nil || !strings.Contains(out, `"StatusCode": 200`) || !strings.Contains(out, `"ExecutedVersion": "$LATEST"`) || !strings.Contains(string(payload), `"value":5`) {
			t.Errorf("aws lambda invoke: %v\n%s\npayload %s", err, out, payload)
		}
		out, err = lambdaCLI("--function-name", "nope", filepath.Join(dir, "nope.json"))
		if err == nil || !strings.Contains(out, "ResourceNotFoundException") || !strings.Contains(out, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST") {
			t.Errorf("aws lambda invoke of an unknown function: %v\n%s", err, out)
		}
	}

	t.Setenv("LAMBDA_ENDPOINT", a.url)
	b := serve(t, "--store", "sqlite:"+filepath.Join(t.TempDir(), "b"))
	c := client(b.url)
	ctx := context.Background()
	def := `{"StartAt":"Invoke","States":{"Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"echo","Payload":{"value.$":"$.n"}},"OutputPath":"$.Payload.value","End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("remote"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"n":8}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := describeEnded(t, c, aws.ToString(ex.ExecutionArn))
	if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `8` {
		t.Errorf("lambda:invoke at the other server: %s %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

// describeEnded describes an execution once it has ended (or after 20 seconds).
func describeEnded(t *testing.T, c *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; {
		d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
			return d
		}
		time.Sleep(50 * time.Millisecond)
	}
}
