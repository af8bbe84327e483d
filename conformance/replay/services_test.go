package replay

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/integration/mock"
	"github.com/stepwise-run/stepwise/internal/awstest"
	"github.com/stepwise-run/stepwise/server"
)

// Recordings of executions that call other services (SQS, SNS, Lambda) replay against
// Stepwise assembled as `stepwise serve` assembles it (package server), its AWS calls going to
// the fakes the repository's other tests start: goaws for SQS and SNS, in process. Lambda
// functions are Go funcs run by Stepwise's Lambda runtime, written here anew from what the
// recorded tests' Python functions do.

// services describes the Stepwise a scenario needs.
type services struct {
	// functions are the Lambda functions the server runs, by name.
	functions map[string]lambda.Spec
	// mocks answers the tasks of executions started on ARN#TestCase (Step Functions Local's
	// mock configuration).
	mocks *mock.Config
}

// awsOnce points the process's AWS configuration at the fakes, once: the AWS SDK reads it from
// the environment when a server's client is made, and the replay's files run in parallel, which
// t.Setenv refuses. Only the scenarios of services files make AWS calls.
var awsOnce sync.Once

func awsEnvironment(t *testing.T) {
	t.Helper()
	goaws := awstest.GoAWS(t)
	awsOnce.Do(func() {
		front := goawsFront(goaws)
		home, err := os.MkdirTemp("", "stepwise-replay-home")
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]string{
			"AWS_CONFIG_FILE":             filepath.Join(home, "config"),
			"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
			"AWS_ACCESS_KEY_ID":           "AKIDEXAMPLE",
			"AWS_SECRET_ACCESS_KEY":       "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
			"AWS_REGION":                  "us-east-1",
			"AWS_EC2_METADATA_DISABLED":   "true",
			"AWS_ENDPOINT_URL_SQS":        front,
			"AWS_ENDPOINT_URL_SNS":        front,
		} {
			os.Setenv(k, v)
		}
	})
}

// serve starts the test's Stepwise with the services it needs.
func (r *replay) serve(s services) {
	r.t.Helper()
	awsEnvironment(r.t)
	srv, err := server.New(context.Background(), server.Config{Store: "sqlite:" + filepath.Join(r.t.TempDir(), "stepwise.db"),
		Region: "us-east-1", Account: "123456789012", Functions: s.functions, Mocks: s.mocks,
		LeaseTTL: time.Second, Poll: 20 * time.Millisecond})
	if err != nil {
		r.t.Fatal(err)
	}
	r.run(srv)
}

// run runs srv until the replay closes, its API behind an httptest server that the replay's
// calls go to from then on.
func (r *replay) run(srv *server.Server) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Run(ctx); close(done) }()
	hs := httptest.NewServer(srv.Handler)
	r.url = hs.URL
	r.close = func() {
		hs.Close()
		cancel()
		<-done
		srv.Close()
	}
}

// execution creates a state machine of definition (with the replay's role), runs input
// through it to its end and returns its ARN.
func (r *replay) execution(definition, input string) string {
	r.t.Helper()
	sm := r.createArn(definition)
	s := r.call("StartExecution", map[string]any{"stateMachineArn": sm, "input": input})
	arn := str(s, "executionArn")
	if arn == "" {
		r.t.Fatalf("StartExecution: %v", s)
	}
	r.awaitEndWithin(arn, 3*time.Minute)
	return arn
}

// history records the execution's history under key, as create_and_record_execution does.
func (r *replay) history(key, arn string) {
	r.record(key, r.call("GetExecutionHistory", map[string]any{"executionArn": arn}))
}

// awaitEndWithin polls DescribeExecution until the execution has ended.
func (r *replay) awaitEndWithin(arn string, within time.Duration) map[string]any {
	r.t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); {
		d := r.call("DescribeExecution", map[string]any{"executionArn": arn})
		if str(d, "status") != "RUNNING" {
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.t.Fatalf("execution %s did not end within %s", arn, within)
	return nil
}
