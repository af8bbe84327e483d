package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
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
