package lambda_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/lambda"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "functions.json")
	os.WriteFile(path, []byte(`{"Functions":{
		"orders":{"Command":["./bin/orders","--flag"],"Timeout":1.5,"MemorySize":256,"Environment":{"TABLE":"t"},"MaximumRetryAttempts":0,"MaximumEventAgeInSeconds":120},
		"python":{"Command":["python3","-m","awslambdaric","app.handler"]},
		"remote":{"Endpoint":"http://127.0.0.1:3001"}}}`), 0o644)
	specs, err := lambda.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	o := specs["orders"]
	if o.Command[0] != filepath.Join(dir, "bin/orders") || o.Command[1] != "--flag" || o.Timeout != 1500*time.Millisecond ||
		o.MemoryMB != 256 || len(o.Env) != 1 || o.Env[0] != "TABLE=t" || o.MaximumRetryAttempts == nil || *o.MaximumRetryAttempts != 0 || o.MaximumEventAgeInSeconds != 120 {
		t.Errorf("orders %+v", o)
	}
	if specs["python"].MaximumRetryAttempts != nil || specs["python"].Command[0] != "python3" || specs["remote"].Endpoint != "http://127.0.0.1:3001" {
		t.Errorf("specs %+v", specs)
	}
	os.WriteFile(path, []byte(`{"Functions":{"both":{"Command":["x"],"Endpoint":"http://x"}}}`), 0o644)
	if _, err := lambda.LoadConfig(path); err == nil {
		t.Error("a function with a Command and an Endpoint was accepted")
	}
	os.WriteFile(path, []byte(`{"Functions":{"f":{"Command":["x"],"MaximumEventAgeInSeconds":30}}}`), 0o644)
	if _, err := lambda.LoadConfig(path); err == nil || !strings.Contains(err.Error(), "MaximumEventAgeInSeconds is 60 to 21600, not 30") {
		t.Errorf("MaximumEventAgeInSeconds 30: %v", err)
	}
	os.WriteFile(path, []byte(`{"Functions":{"f":{"Command":["x"],"MaximumRetryAttempts":3}}}`), 0o644)
	if _, err := lambda.LoadConfig(path); err == nil || !strings.Contains(err.Error(), "MaximumRetryAttempts is 0, 1 or 2, not 3") {
		t.Errorf("MaximumRetryAttempts 3: %v", err)
	}
}
