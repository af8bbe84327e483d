package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAWSCLI drives `stepwise serve` with the AWS CLI, unchanged but for --endpoint-url.
func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("AWS CLI NOT INSTALLED: the CLI smoke test did not run (pip install awscli, or apt-get install awscli)")
	}
	s := serve(t, "--store", "sqlite:"+filepath.Join(t.TempDir(), "db"))
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	cli := func(service string, args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("aws", append([]string{service, "--endpoint-url", s.url, "--output", "json"}, args...)...)
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
	aws := func(args ...string) map[string]any {
		t.Helper()
		return cli("stepfunctions", args...)
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
	// The README's quick start: hello.json ends in seconds.
	started := aws("start-execution", "--state-machine-arn", smArn, "--name", "ada", "--input", `{"name":"Ada"}`)
	if started["executionArn"] != "arn:aws:states:us-east-1:123456789012:execution:hello:ada" {
		t.Errorf("start: %v", started)
	}
	d := aws("describe-execution", "--execution-arn", started["executionArn"].(string))
	for deadline := time.Now().Add(20 * time.Second); d["status"] == "RUNNING" && time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		d = aws("describe-execution", "--execution-arn", started["executionArn"].(string))
	}
	if d["status"] != "SUCCEEDED" || !strings.Contains(fmt.Sprint(d["output"]), `"greeting":"Hello, Ada!"`) {
		t.Errorf("the quick start's execution: %v", d)
	}

	// One that waits a week, to stop it.
	week := aws("create-state-machine", "--name", "week", "--role-arn", role, "--definition",
		`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":604800,"End":true}}}`)
	started = aws("start-execution", "--state-machine-arn", week["stateMachineArn"].(string), "--name", "ada")
	arn := started["executionArn"].(string)
	d = aws("describe-execution", "--execution-arn", arn)
	if d["status"] != "RUNNING" {
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
	if last["type"] != "ExecutionAborted" || len(events) != 3 {
		t.Errorf("history of %d events ends %v", len(events), last)
	}
	list := aws("list-executions", "--state-machine-arn", week["stateMachineArn"].(string), "--status-filter", "ABORTED")
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

	// IAM on the same endpoint: a user and its inline policy, read back as the CLI shows it
	// (the document URL-decoded into JSON).
	iam := func(args ...string) map[string]any {
		t.Helper()
		return cli("iam", args...)
	}
	iam("create-user", "--user-name", "ada", "--path", "/ops/")
	iam("put-user-policy", "--user-name", "ada", "--policy-name", "run", "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:StartExecution","Resource":"*"}}`)
	got := iam("get-user-policy", "--user-name", "ada", "--policy-name", "run")
	if doc, ok := got["PolicyDocument"].(map[string]any); !ok || doc["Version"] != "2012-10-17" {
		t.Errorf("get-user-policy: %v", got)
	}
	users := iam("list-users", "--path-prefix", "/ops/")["Users"].([]any)
	if len(users) != 1 || users[0].(map[string]any)["Arn"] != "arn:aws:iam::123456789012:user/ops/ada" {
		t.Errorf("list-users: %v", users)
	}
	// STS's who-am-I, which tools ask first: with IAM not enforced, the account's root.
	if id := cli("sts", "get-caller-identity"); id["Account"] != "123456789012" || id["Arn"] != "arn:aws:iam::123456789012:root" {
		t.Errorf("sts get-caller-identity: %v", id)
	}
}
