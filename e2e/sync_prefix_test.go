package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const passMachine = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":true},"End":true}}}`

// TestSyncCallsFromTheAWSCLI: StartSyncExecution and TestState, which the SDKs send to
// "sync-<host>", work from the AWS CLI against the default endpoint with the one setting the
// README gives, AWS_DISABLE_HOST_PREFIX_INJECTION=true (issue #16).
func TestSyncCallsFromTheAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("AWS CLI NOT INSTALLED: the StartSyncExecution and TestState CLI test did not run (pip install awscli, or apt-get install awscli)")
	}
	s := serve(t, "--store", "sqlite:"+filepath.Join(t.TempDir(), "db"))
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_DISABLE_HOST_PREFIX_INJECTION=true")
	aws := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("aws", append([]string{"stepfunctions", "--endpoint-url", s.url, "--output", "json"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil && strings.Contains(string(out), "sync-") {
			t.Skipf("AWS CLI TOO OLD: it does not read AWS_DISABLE_HOST_PREFIX_INJECTION (recent versions do: pip install -U awscli): %s", out)
		}
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return v
	}
	created := aws("create-state-machine", "--name", "quick", "--type", "EXPRESS", "--role-arn", role, "--definition", passMachine)
	res := aws("start-sync-execution", "--state-machine-arn", created["stateMachineArn"].(string), "--input", `{"a":1}`)
	if res["status"] != "SUCCEEDED" || res["output"] != `{"ok":true}` {
		t.Errorf("start-sync-execution: %v", res)
	}
	res = aws("test-state", "--role-arn", role, "--definition", `{"Type":"Pass","Parameters":{"b.$":"$.a"},"End":true}`, "--input", `{"a":2}`)
	if res["status"] != "SUCCEEDED" || res["output"] != `{"b":2}` {
		t.Errorf("test-state: %v", res)
	}
}

// TestSyncCallsFromTheGoSDK: the same from the AWS SDK for Go v2, configured as the README
// says (it does not read AWS_DISABLE_HOST_PREFIX_INJECTION: the prefix is turned off per call
// with smithyhttp.DisableEndpointHostPrefix).
func TestSyncCallsFromTheGoSDK(t *testing.T) {
	s := serve(t, "--store", "sqlite:"+filepath.Join(t.TempDir(), "db"))
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	c := sfn.NewFromConfig(cfg, func(o *sfn.Options) {
		o.BaseEndpoint = aws.String(s.url)
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("NoHostPrefix",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
				}), middleware.Before)
		})
	})
	created, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("quick"), Type: types.StateMachineTypeExpress,
		RoleArn: aws.String(role), Definition: aws.String(passMachine)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: created.StateMachineArn, Input: aws.String(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != types.SyncExecutionStatusSucceeded || aws.ToString(res.Output) != `{"ok":true}` {
		t.Errorf("StartSyncExecution: %s %s", res.Status, aws.ToString(res.Output))
	}
	ts, err := c.TestState(ctx, &sfn.TestStateInput{RoleArn: aws.String(role), Definition: aws.String(`{"Type":"Pass","Parameters":{"b.$":"$.a"},"End":true}`), Input: aws.String(`{"a":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	if ts.Status != types.TestExecutionStatusSucceeded || aws.ToString(ts.Output) != `{"b":2}` {
		t.Errorf("TestState: %s %s", ts.Status, aws.ToString(ts.Output))
	}
}
