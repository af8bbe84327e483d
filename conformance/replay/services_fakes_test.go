package replay

import (
	"context"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/internal/awstest"
	"github.com/stepwise-run/stepwise/server"
)

// The recordings of service integrations replay against Stepwise as `stepwise serve` runs
// (package server), its AWS calls sent to the fakes the repository's other tests start: goaws
// for SQS and SNS, dynalite for DynamoDB, gofakes3 for S3, pointed at by the
// AWS_ENDPOINT_URL_<SERVICE> variables as a user would point them. Lambda functions are Python
// handlers (./functions) run by a small Runtime API client of their own (functions/bootstrap.py)
// as serve's --function runs any such program. Step Functions itself is in process.
var hosted struct {
	// ready is set once the fakes run; dynamo and python are "" when their program is
	// missing, and missing says why.
	ready              bool
	dynamo, python, s3 string
	missing            map[string]string
}

// notHosted are the services whose recordings cannot be replayed here: no fake of them runs.
const (
	noECS         = "calls ECS, which Stepwise does not host and no fake here serves"
	noAPIGateway  = "calls API Gateway, which Stepwise does not host and no fake here serves"
	noEventBridge = "calls EventBridge PutEvents, which Stepwise does not host and no fake here serves (goaws, dynalite and gofakes3 have no EventBridge)"
	noSecrets     = "calls Secrets Manager, which Stepwise does not host and no fake here serves"
)

// startServices starts the fakes for the whole suite (t is the suite's top test, which outlives
// every file's) and points the AWS configuration at them. A missing dynalite or python3 is
// said loudly: the recordings that need it are counted as not replayed, with the reason.
func startServices(t *testing.T) {
	t.Helper()
	sqs := awstest.GoAWS(t)
	s3 := awstest.S3(t)
	hosted.s3 = s3
	env := map[string]string{"AWS_ENDPOINT_URL_SQS": sqs, "AWS_ENDPOINT_URL_SNS": sqs, "AWS_ENDPOINT_URL_S3": s3,
		"AWS_REGION": "us-east-1"}
	hosted.missing = map[string]string{}
	if _, err := exec.LookPath("dynalite"); err == nil {
		hosted.dynamo = awstest.Dynalite(t)
		env["AWS_ENDPOINT_URL_DYNAMODB"] = hosted.dynamo
	} else {
		hosted.missing["dynamodb"] = "DYNALITE NOT INSTALLED: install it with `npm install -g dynalite@" + awstest.DynaliteVersion + "`"
		t.Log(hosted.missing["dynamodb"])
	}
	if p, err := exec.LookPath("python3"); err == nil {
		hosted.python = p
	} else {
		hosted.missing["lambda"] = "PYTHON3 NOT INSTALLED: the Lambda functions of the replay are Python handlers"
		t.Log(hosted.missing["lambda"])
	}
	awstest.Isolate(t, env)
	hosted.ready = true
}

// needs returns why a test calling these services cannot be replayed ("" when it can).
func needs(services ...string) string {
	for _, s := range services {
		if why := hosted.missing[s]; why != "" {
			return why
		}
	}
	return ""
}

// fn is a Lambda function of the replay: its name and its handler (module.function under
// ./functions).
type fn struct{ name, handler string }

var functionsDir = sync.OnceValue(func() string {
	dir, err := filepath.Abs("functions")
	if err != nil {
		panic(err)
	}
	return dir
})

// servePython starts, for a test of a file of services, Stepwise as serve assembles it, with the
// given Lambda functions; the replay's calls go to it from then on.
func (r *replay) servePython(fns ...fn) {
	t := r.t
	t.Helper()
	if !hosted.ready {
		t.Fatal("the services are not started")
	}
	specs := map[string]lambda.Spec{}
	for _, f := range fns {
		specs[f.name] = lambda.Spec{Command: []string{hosted.python, "-S", "bootstrap.py"}, Dir: functionsDir(),
			Handler: f.handler, Timeout: 30 * time.Second}
	}
	srv, err := server.New(context.Background(), server.Config{Store: "sqlite:" + filepath.Join(t.TempDir(), "stepwise.db"),
		Region: "us-east-1", Account: "123456789012", LeaseTTL: time.Second, Poll: 20 * time.Millisecond, Functions: specs})
	if err != nil {
		t.Fatal(err)
	}
	r.run(srv)
}

// recordExecution does what the recorded tests' create_and_record_execution does: creates a state
// machine of the definition, starts it with input, waits for its end and keeps its history as
// get_execution_history.
func (r *replay) recordExecution(definition, input string) map[string]any {
	r.t.Helper()
	sm := r.call("CreateStateMachine", map[string]any{"name": "replay", "definition": definition, "roleArn": role})
	arn := str(sm, "stateMachineArn")
	if arn == "" {
		r.t.Fatalf("CreateStateMachine: %v", sm)
	}
	start := r.call("StartExecution", map[string]any{"stateMachineArn": arn, "input": input})
	exec := str(start, "executionArn")
	if exec == "" {
		r.t.Fatalf("StartExecution: %v", start)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		d := r.call("DescribeExecution", map[string]any{"executionArn": exec})
		if str(d, "status") != "RUNNING" {
			r.record("get_execution_history", r.call("GetExecutionHistory", map[string]any{"executionArn": exec}))
			return d
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("execution %s did not end", exec)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// editStates returns a template's definition after edit has changed it (as the tests set a
// Resource the template leaves "_tbd_").
func editStates(r *replay, tmpl string, edit func(states map[string]any)) string {
	v, err := value.DecodeMaps([]byte(template(r.t, tmpl)))
	if err != nil {
		r.t.Fatal(err)
	}
	m := v.(map[string]any)
	if edit != nil {
		edit(m["States"].(map[string]any))
	}
	return value.Encode(m)
}

// setResource is an edit of definition: state's Resource becomes arn.
func setResource(state, arn string) func(map[string]any) {
	return func(states map[string]any) { states[state].(map[string]any)["Resource"] = arn }
}
