package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
