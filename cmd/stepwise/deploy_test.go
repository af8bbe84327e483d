package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise-run/stepwise/integration/lambda"
)

const deployTemplate = `Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
Resources:
  PriceFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
      Runtime: provided.al2023
  Allowed:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: !Sub "${AWS::StackName}-allowed"
      Definition:
        StartAt: Price
        States:
          Price:
            Type: Task
            Resource: !GetAtt PriceFunction.Arn
            ResultPath: $.price
            Next: Greet
          Greet:
            Type: Pass
            Parameters:
              greeting: ${Greeting}
              price.$: $.price.price
            End: true
      DefinitionSubstitutions:
        Greeting: !Ref Greeting
      Policies:
        - LambdaInvokePolicy:
            FunctionName: !Ref PriceFunction
  Denied:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Price
        States:
          Price: {Type: Task, Resource: !GetAtt PriceFunction.Arn, End: true}
  Orders:
    Type: AWS::DynamoDB::Table
  Jobs:
    Type: AWS::StepFunctions::Activity
    Properties:
      Name: !Sub "${AWS::StackName}-jobs"
`

// TestDeploy deploys a SAM template to a server that enforces IAM: the roles SAM would make
// are created with their policy templates, the function maps to the server's, the state
// machine whose role may invoke it succeeds and the one whose role may not fails; a second
// deploy updates.
func TestDeploy(t *testing.T) {
	_, srv := testService(t, serviceConfig{enforceIAM: true, rootKeyID: "AKIASTEPWISEROOT", rootSecret: "root-secret",
		functions: map[string]lambda.Spec{"price": {Func: func(ctx context.Context, payload []byte) ([]byte, error) {
			return []byte(`{"price": 42}`), nil
		}}}})
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "credentials"))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIASTEPWISEROOT")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "root-secret")
	path := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(path, []byte(deployTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	deploy := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"deploy", "--endpoint", srv.URL}, args...), nil, &out, &errb)
		return code, out.String() + errb.String()
	}
	code, out := deploy("--function", "PriceFunction=price", "--parameter-overrides", "Greeting=hi", path)
	if code != 0 || strings.Contains(out, "warning: function") {
		t.Fatalf("deploy: %d\n%s", code, out)
	}
	for _, want := range []string{"created   role           AllowedRole", "created   state machine  Allowed ", "arn:aws:states:us-east-1:123456789012:stateMachine:shop-allowed",
		"mapped    function       PriceFunction", "skipped   AWS::DynamoDB::Table Orders",
		"ready     activity       Jobs                         arn:aws:states:us-east-1:123456789012:activity:shop-jobs"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q:\n%s", want, out)
		}
	}
	creds := credentials.NewStaticCredentialsProvider("AKIASTEPWISEROOT", "root-secret", "")
	c := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds})
	ic := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds})
	pol, err := ic.ListRolePolicies(context.Background(), &iam.ListRolePoliciesInput{RoleName: aws.String("shop-AllowedRole-" + suffixOf(t, out, "shop-AllowedRole-"))})
	if err != nil || len(pol.PolicyNames) != 1 || pol.PolicyNames[0] != "AllowedRolePolicy0" {
		t.Fatalf("role policies: %v %+v", err, pol)
	}

	list, err := c.ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{})
	if err != nil || len(list.StateMachines) != 2 {
		t.Fatalf("%v %+v", err, list)
	}
	status := map[string]*sfn.DescribeExecutionOutput{}
	for _, sm := range list.StateMachines {
		status[aws.ToString(sm.Name)] = runToEnd(t, c, aws.ToString(sm.StateMachineArn))
	}
	if d := status["shop-allowed"]; d.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"greeting":"hi","price":42}` {
		t.Errorf("allowed: %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Cause))
	}
	for name, d := range status {
		if strings.HasPrefix(name, "Denied-") && d.Status != sfntypes.ExecutionStatusFailed {
			t.Errorf("denied: %s %s", d.Status, aws.ToString(d.Output))
		}
	}

	code, out = deploy("--function", "PriceFunction=price", path)
	if code != 0 || !strings.Contains(out, "updated   state machine  Allowed ") || !strings.Contains(out, "updated   role           AllowedRole") {
		t.Fatalf("second deploy: %d\n%s", code, out)
	}
	if d := runToEnd(t, c, "arn:aws:states:us-east-1:123456789012:stateMachine:shop-allowed"); aws.ToString(d.Output) != `{"greeting":"hello","price":42}` {
		t.Errorf("after update: %s %s", d.Status, aws.ToString(d.Output))
	}

	// A policy the template no longer gives goes: the state machine may no longer call the function.
	if err := os.WriteFile(path, []byte(strings.Replace(deployTemplate, "      Policies:\n        - LambdaInvokePolicy:\n            FunctionName: !Ref PriceFunction\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := deploy("--function", "PriceFunction=price", path); code != 0 {
		t.Fatalf("third deploy: %d\n%s", code, out)
	}
	pol, err = ic.ListRolePolicies(context.Background(), &iam.ListRolePoliciesInput{RoleName: aws.String("shop-AllowedRole-" + suffixOf(t, out, "shop-AllowedRole-"))})
	if err != nil || len(pol.PolicyNames) != 0 {
		t.Errorf("role policies after removal: %v %+v", err, pol)
	}
	if d := runToEnd(t, c, "arn:aws:states:us-east-1:123456789012:stateMachine:shop-allowed"); d.Status != sfntypes.ExecutionStatusFailed {
		t.Errorf("without its policy: %s %s", d.Status, aws.ToString(d.Output))
	}

	// A function the server does not run is deployed, with a warning (the server may invoke
	// it at a Lambda endpoint): mapped to a name it lacks, or left to CloudFormation's name.
	for _, args := range [][]string{{"--function", "PriceFunction=absent", path}, {path}} {
		code, out := deploy(args...)
		want := "warning: function PriceFunction: the server does not run absent: its tasks will fail with Lambda.ResourceNotFoundException, unless"
		if len(args) == 1 {
			want = "warning: function PriceFunction: the server does not run shop-PriceFunction-"
		}
		if code != 0 || !strings.Contains(out, want) || (len(args) == 1) != strings.Contains(out, "or deploy with --function PriceFunction=NAME") {
			t.Errorf("deploy %v: %d\n%s", args, code, out)
		}
	}

	// Bad input names the file and the line.
	if err := os.WriteFile(path, []byte(strings.Replace(deployTemplate, "!Ref PriceFunction", "!Ref PriceFunktion", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := deploy(path); code != 1 || !strings.Contains(out, path+":34: PriceFunktion is not a parameter or a resource of the template") {
		t.Errorf("bad template: %d %s", code, out)
	}
	good := filepath.Join(t.TempDir(), "good.yaml")
	if err := os.WriteFile(good, []byte(deployTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"deploy", "--endpoint", "http://127.0.0.1:1", good}, nil, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "no server answers at http://127.0.0.1:1 (start one with stepwise serve, or give --endpoint)") {
		t.Errorf("no server: %d %s", code, stderr.String())
	}
	if code, out := deploy("--function", "PriceFunction=./bin/price", path); code != 2 || !strings.Contains(out, "start the server with --function NAME=./bin/price") {
		t.Errorf("function path: %d %s", code, out)
	}
}

// suffixOf is the generated suffix after prefix in the deploy output.
func suffixOf(t *testing.T, out, prefix string) string {
	t.Helper()
	i := strings.Index(out, prefix)
	if i < 0 || len(out) < i+len(prefix)+12 {
		t.Fatalf("no %s in\n%s", prefix, out)
	}
	return out[i+len(prefix) : i+len(prefix)+12]
}

func runToEnd(t *testing.T, c *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	ctx := context.Background()
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatalf("%s: %v", arn, err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			return d
		}
	}
	t.Fatalf("%s still running", arn)
	return nil
}

// TestDeployDryRun: --dry-run evaluates without a server and prints the plan and definitions.
func TestDeployDryRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(path, []byte(deployTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"deploy", "--dry-run", "--endpoint", "http://127.0.0.1:1", "--function", "PriceFunction=price", path}, nil, &stdout, &stderr)
	out := stdout.String()
	if code != 0 || !strings.Contains(out, "machine   state machine  Allowed                      arn:aws:states:us-east-1:123456789012:stateMachine:shop-allowed (STANDARD, role arn:aws:iam::123456789012:role/shop-AllowedRole-") ||
		!strings.Contains(out, "mapped    function       PriceFunction                arn:aws:lambda:us-east-1:123456789012:function:price") ||
		!strings.Contains(out, `"Resource":"arn:aws:lambda:us-east-1:123456789012:function:price"`) || !strings.Contains(out, `"greeting":"hello"`) {
		t.Errorf("%d\n%s%s", code, out, stderr.String())
	}
}

// TestRunYAMLDefinition: run and validate take .asl.yaml; a YAML error names the line.
func TestRunYAMLDefinition(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "hello.asl.yaml")
	os.WriteFile(good, []byte("StartAt: Hello\nStates:\n  Hello:\n    Type: Pass\n    Result: {greeting: hello, n: 2}\n    End: true\n"), 0o644)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"run", good}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), `"output":"{\"greeting\":\"hello\",\"n\":2}"`) {
		t.Errorf("run: %d %s %s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"validate", good}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), `"result": "OK"`) {
		t.Errorf("validate: %d %s", code, out.String())
	}
	bad := filepath.Join(dir, "bad.asl.yml")
	os.WriteFile(bad, []byte("StartAt: Hello\nStates:\n  Hello: [\n"), 0o644)
	errb.Reset()
	if code := run(context.Background(), []string{"validate", bad}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), bad+":3: not a JSON or YAML definition") {
		t.Errorf("bad yaml: %d %q", code, errb.String())
	}
}

// TestDeployPublishedSamples deploys each published template of STEPWISE_TEMPLATE_SAMPLES
// (docs/templates.md) to a server, as `stepwise deploy` does: roles through IAM, state
// machines through CreateStateMachine. It reports which deploy unchanged.
func TestDeployPublishedSamples(t *testing.T) {
	dir := os.Getenv("STEPWISE_TEMPLATE_SAMPLES")
	if dir == "" {
		t.Skip("STEPWISE_TEMPLATE_SAMPLES is not set (see docs/templates.md)")
	}
	_, srv := testService(t, serviceConfig{})
	var paths []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "template") {
			paths = append(paths, p)
		}
		return nil
	})
	deployed := 0
	var report []string
	for i, p := range paths {
		var out, errb bytes.Buffer
		// Each its own stack, as each would be on AWS; parameters without a default get one.
		args := []string{"deploy", "--endpoint", srv.URL, "--stack-name", fmt.Sprintf("sample%d", i)}
		for _, name := range []string{"SourceTableName", "TargetTableName", "SourceTableARN", "TargetTableARN"} {
			if strings.Contains(p, "dynamodb-transfer") {
				args = append(args, "--parameter-overrides", name+"=sample")
			}
		}
		code := run(context.Background(), append(args, p), nil, &out, &errb)
		rel, _ := filepath.Rel(dir, p)
		if code == 0 {
			deployed++
			report = append(report, "ok    "+rel)
		} else {
			report = append(report, "FAIL  "+rel+": "+strings.TrimSpace(errb.String()))
		}
	}
	t.Logf("%d of %d templates deployed unchanged\n%s", deployed, len(paths), strings.Join(report, "\n"))
}
