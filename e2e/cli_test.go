package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLI drives `stepwise serve` with the AWS CLI, unchanged but for --endpoint-url.
func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("AWS CLI NOT INSTALLED: the CLI smoke test did not run (pip install awscli, or apt-get install awscli)")
	}
	s := serve(t, "--store", "sqlite:"+filepath.Join(t.TempDir(), "db"))
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	aws := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("aws", append([]string{"stepfunctions", "--endpoint-url", s.url, "--output", "json"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		var v map[string]any
		if len(strings.TrimSpace(string(out))) > 0 {
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		return v
	}
	created := aws("create-state-machine", "--name", "hello", "--role-arn", role, "--definition", "file://../examples/hello.json")
	smArn := created["stateMachineArn"].(string)
	if smArn != "arn:aws:states:us-east-1:123456789012:stateMachine:hello" {
		t.Fatalf("arn %s", smArn)
	}
	v := aws("validate-state-machine-definition", "--definition", `{"StartAt":"X","States":{}}`)
	if v["result"] != "FAIL" {
		t.Errorf("validate: %v", v)
	}
	started := aws("start-execution", "--state-machine-arn", smArn, "--name", "ada", "--input", `{"name":"Ada"}`)
	arn := started["executionArn"].(string)
	d := aws("describe-execution", "--execution-arn", arn)
	if d["status"] != "RUNNING" { // it waits a week
		t.Errorf("describe: %v", d)
	}
	aws("stop-execution", "--execution-arn", arn, "--error", "Enough", "--cause", "a week is long")
	d = aws("describe-execution", "--execution-arn", arn)
	if d["status"] != "ABORTED" || d["error"] != "Enough" {
		t.Errorf("after stop: %v", d)
	}
	h := aws("get-execution-history", "--execution-arn", arn)
	events := h["events"].([]any)
	last := events[len(events)-1].(map[string]any)
	if last["type"] != "ExecutionAborted" || len(events) != 5 {
		t.Errorf("history of %d events ends %v", len(events), last)
	}
	list := aws("list-executions", "--state-machine-arn", smArn, "--status-filter", "ABORTED")
	if n := len(list["executions"].([]any)); n != 1 {
		t.Errorf("list: %v", list)
	}
	listed := false
	for _, sm := range aws("list-state-machines")["stateMachines"].([]any) {
		listed = listed || sm.(map[string]any)["name"] == "hello"
	}
	if !listed {
		t.Error("list-state-machines does not list hello")
	}
	aws("delete-state-machine", "--state-machine-arn", smArn)
}
