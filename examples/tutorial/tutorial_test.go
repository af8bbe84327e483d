package tutorial_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise-run/stepwise/stepwisetest"
)

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTutorial does what the README does, through the AWS SDK for Go: it builds the greeter
// function, creates the role and its policy, the child and the parent, runs the parent to
// SUCCEEDED, and checks that the child was started by it and ran the function.
func TestTutorial(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "greeter")
	if out, err := exec.Command("go", "build", "-o", bin, "./greeter").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sw := stepwisetest.New(t, stepwisetest.FunctionProgram("greeter", bin))
	ctx := context.Background()

	roles := iam.NewFromConfig(sw.AWSConfig())
	role, err := roles.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("tutorial"),
		AssumeRolePolicyDocument: aws.String(read(t, "trust-policy.json"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := roles.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("tutorial"), PolicyName: aws.String("tutorial"),
		PolicyDocument: aws.String(read(t, "role-policy.json"))}); err != nil {
		t.Fatal(err)
	}

	c := sfn.NewFromConfig(sw.AWSConfig())
	var machines []string
	for _, m := range []struct{ name, file string }{{"tutorial-child", "child.asl.json"}, {"tutorial-parent", "parent.asl.json"}} {
		sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(m.name),
			Definition: aws.String(read(t, m.file)), RoleArn: role.Role.Arn})
		if err != nil {
			t.Fatalf("%s: %v", m.file, err)
		}
		machines = append(machines, aws.ToString(sm.StateMachineArn))
	}
	run, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machines[1]),
		Name: aws.String("first-run"), Input: aws.String(`{"name":"Ada"}`)})
	if err != nil {
		t.Fatal(err)
	}
	parent := sw.Wait(t, aws.ToString(run.ExecutionArn))
	if parent.Status != "SUCCEEDED" {
		t.Fatalf("parent: %s %s %s", parent.Status, aws.ToString(parent.Error), aws.ToString(parent.Cause))
	}
	var out struct{ Child, Greeting string }
	if err := json.Unmarshal([]byte(aws.ToString(parent.Output)), &out); err != nil || out.Greeting != "Hello, Ada!" {
		t.Fatalf("parent output %s", aws.ToString(parent.Output))
	}

	// The child: started by the parent, its only execution, run to SUCCEEDED by the function.
	children, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machines[0])})
	if err != nil || len(children.Executions) != 1 || aws.ToString(children.Executions[0].ExecutionArn) != out.Child {
		t.Fatalf("child executions %+v %v, want %s", children, err, out.Child)
	}
	child, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(out.Child)})
	if err != nil || child.Status != "SUCCEEDED" {
		t.Fatalf("child %v %v", child, err)
	}
	var in map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(child.Input)), &in); err != nil || in["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"] != aws.ToString(run.ExecutionArn) {
		t.Errorf("child input %s: not linked to %s", aws.ToString(child.Input), aws.ToString(run.ExecutionArn))
	}
	var greeting struct{ Greeting, RequestID string }
	if err := json.Unmarshal([]byte(aws.ToString(child.Output)), &greeting); err != nil || greeting.RequestID == "" {
		t.Errorf("child output %s: not from the function", aws.ToString(child.Output))
	}
}
