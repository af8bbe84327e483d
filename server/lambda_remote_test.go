package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/internal/awstest"
)

const (
	exampleKey    = "AKIDEXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" // awstest.Isolate's
)

// startServer starts a server on a new SQLite store; it stops when the test ends.
func startServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	cfg.Store = "sqlite:" + filepath.Join(t.TempDir(), "db")
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	hs := httptest.NewServer(s.Handler)
	t.Cleanup(func() { hs.Close(); cancel(); <-done; s.Close() })
	return s, hs
}

// TestInvokeAPIAndRemoteLambda: a server serves Lambda's Invoke API for its functions, to the
// AWS SDK for Go's Lambda client (signatures checked under --enforce-iam); a second server,
// whose AWS_ENDPOINT_URL_LAMBDA names the first, invokes there the functions it was not given,
// signed, from lambda:invoke (with LogType Tail, InvocationType Event) and a function ARN, and
// gets the function's error and the service's ResourceNotFoundException as a local invocation
// gives them. aws-sdk:lambda:invoke runs the second server's own functions in process, and
// the others at the first.
func TestInvokeAPIAndRemoteLambda(t *testing.T) {
	awstest.Isolate(t, nil)
	var echoes atomic.Int32
	functions := map[string]lambda.Spec{
		"echo": {Func: func(ctx context.Context, payload []byte) ([]byte, error) {
			echoes.Add(1)
			return []byte(`{"got":` + string(payload) + `}`), nil
		}},
		"fails": {Func: func(ctx context.Context, payload []byte) ([]byte, error) {
			return nil, &lambda.FunctionError{Type: "Orders.Missing", Message: "no order"}
		}},
	}
	_, a := startServer(t, Config{Functions: functions, EnforceIAM: true, RootAccessKeyID: exampleKey, RootSecretAccessKey: exampleSecret})

	ctx := context.Background()
	client := func(secret string) *awslambda.Client {
		return awslambda.New(awslambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(a.URL),
			Credentials: credentials.NewStaticCredentialsProvider(exampleKey, secret, "")})
	}
	c := client(exampleSecret)
	out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"n":1}`), LogType: lambdatypes.LogTypeTail})
	if err != nil {
		t.Fatal(err)
	}
	logText, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if out.StatusCode != 200 || string(out.Payload) != `{"got":{"n":1}}` || aws.ToString(out.ExecutedVersion) != "$LATEST" ||
		out.FunctionError != nil || !strings.HasPrefix(string(logText), "START RequestId: ") {
		t.Errorf("Invoke: %d %s %v %v %q", out.StatusCode, out.Payload, aws.ToString(out.ExecutedVersion), out.FunctionError, logText)
	}
	out, err = c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:123456789012:function:fails")})
	if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorType":"Orders.Missing"`) {
		t.Errorf("Invoke of a failing function: %v %v %s", err, aws.ToString(out.FunctionError), out.Payload)
	}
	out, err = c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: lambdatypes.InvocationTypeDryRun})
	if err != nil || out.StatusCode != 204 {
		t.Errorf("DryRun: %v %+v", err, out)
	}
	out, err = c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("echo"), ClientContext: aws.String(base64.StdEncoding.EncodeToString([]byte(`{"custom":{"a":"b"}}`)))})
	if err != nil || out.StatusCode != 200 {
		t.Errorf("Invoke with a ClientContext: %v", err)
	}
	_, err = c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("echo"), ClientContext: aws.String("not base64")})
	var badContext *lambdatypes.InvalidRequestContentException
	if !errors.As(err, &badContext) || aws.ToString(badContext.Message) != "Client context must be a valid Base64-encoded JSON object." {
		t.Errorf("Invoke with a ClientContext not in base64: %v", err)
	}
	_, err = c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("nope"), Qualifier: aws.String("live")})
	var nf *lambdatypes.ResourceNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:live" {
		t.Errorf("unknown function: %v", err)
	}
	_, err = client("not-the-secret").Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("echo")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() == "" {
		t.Errorf("a wrong signature: %v", err)
	}

	// The second server has no functions; its Lambda endpoint is the first server.
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", a.URL)
	b, _ := startServer(t, Config{Functions: map[string]lambda.Spec{
		"local": {Func: func(ctx context.Context, payload []byte) ([]byte, error) {
			return []byte(`{"by":"local","event":` + string(payload) + `}`), nil
		}},
		"localfails": {Func: func(ctx context.Context, payload []byte) ([]byte, error) {
			return nil, &lambda.FunctionError{Type: "Local.Failure", Message: "no"}
		}},
	}})
	call := func(action string, req any) map[string]any {
		t.Helper()
		body, _ := json.Marshal(req)
		out, err := b.API.Invoke(ctx, action, body)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		var m map[string]any
		_ = json.Unmarshal(out, &m)
		return m
	}
	sm := call("CreateStateMachine", map[string]any{"name": "remote", "type": "EXPRESS", "roleArn": "arn:aws:iam::123456789012:role/r",
		"definition": `{"StartAt":"Invoke","States":{
		"Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","Payload":{"n":1},"LogType":"Tail"},
			"ResultSelector":{"Payload.$":"$.Payload","StatusCode.$":"$.StatusCode","Version.$":"$.ExecutedVersion","Log.$":"$.LogResult"},"ResultPath":"$.invoke","Next":"Arn"},
		"Arn":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo:live","InputPath":"$.in","ResultPath":"$.arn","Next":"Async"},
		"Async":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","InvocationType":"Event","Payload":{}},
			"ResultSelector":{"StatusCode.$":"$.StatusCode"},"ResultPath":"$.async","Next":"Fails"},
		"Fails":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"fails"},"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.fails","Next":"Nope"}],"Next":"Nope"},
		"Nope":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"nope"},"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.nope","Next":"Done"}],"Next":"Done"},
		"Done":{"Type":"Succeed"}}}`,
	})["stateMachineArn"].(string)
	before := echoes.Load()
	res := call("StartSyncExecution", map[string]any{"stateMachineArn": sm, "input": `{"in":{"k":"v"}}`})
	if res["status"] != "SUCCEEDED" {
		t.Fatalf("execution: %v", res)
	}
	var got struct {
		Invoke struct {
			Payload    map[string]any
			StatusCode int
			Version    string
			Log        string
		}
		Arn   map[string]any
		Async struct{ StatusCode int }
		Fails struct{ Error, Cause string }
		Nope  struct{ Error, Cause string }
	}
	if err := json.Unmarshal([]byte(res["output"].(string)), &got); err != nil {
		t.Fatal(err)
	}
	logText, _ = base64.StdEncoding.DecodeString(got.Invoke.Log)
	if got.Invoke.StatusCode != 200 || got.Invoke.Version != "$LATEST" || got.Invoke.Payload["got"].(map[string]any)["n"] != 1.0 ||
		!strings.HasPrefix(string(logText), "START RequestId: ") {
		t.Errorf("lambda:invoke through the remote endpoint: %+v (log %q)", got.Invoke, logText)
	}
	if got.Arn["got"].(map[string]any)["k"] != "v" {
		t.Errorf("function ARN through the remote endpoint: %v", got.Arn)
	}
	if got.Async.StatusCode != 202 {
		t.Errorf("InvocationType Event: %+v", got.Async)
	}
	if got.Fails.Error != "Orders.Missing" || !strings.Contains(got.Fails.Cause, `"errorMessage":"no order"`) {
		t.Errorf("a remote function's error: %+v", got.Fails)
	}
	want := "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: "
	if got.Nope.Error != "Lambda.ResourceNotFoundException" || !strings.HasPrefix(got.Nope.Cause, want) {
		t.Errorf("a function neither server has: %+v", got.Nope)
	}
	sdk := call("CreateStateMachine", map[string]any{"name": "sdk", "type": "EXPRESS", "roleArn": "arn:aws:iam::123456789012:role/r",
		"definition": `{"StartAt":"Local","States":{
		"Local":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:lambda:invoke","Parameters":{"FunctionName":"local","Payload":{"n":2}},"ResultPath":"$.local","Next":"LocalFails"},
		"LocalFails":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:lambda:invoke","Parameters":{"FunctionName":"localfails"},"ResultPath":"$.localFails","Next":"Remote"},
		"Remote":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:lambda:invoke","Parameters":{"FunctionName":"echo","Payload":{"n":3}},"ResultPath":"$.remote","End":true}}}`,
	})["stateMachineArn"].(string)
	res = call("StartSyncExecution", map[string]any{"stateMachineArn": sdk, "input": `{}`})
	if res["status"] != "SUCCEEDED" {
		t.Fatalf("aws-sdk:lambda:invoke execution: %v", res)
	}
	var sdkOut struct {
		Local, LocalFails, Remote struct {
			Payload, ExecutedVersion, FunctionError string
			StatusCode                              int
		}
	}
	if err := json.Unmarshal([]byte(res["output"].(string)), &sdkOut); err != nil {
		t.Fatal(err)
	}
	if l := sdkOut.Local; l.Payload != `{"by":"local","event":{"n":2}}` || l.StatusCode != 200 || l.ExecutedVersion != "$LATEST" || l.FunctionError != "" {
		t.Errorf("aws-sdk:lambda:invoke of a function of this server: %+v", l)
	}
	if l := sdkOut.LocalFails; l.FunctionError != "Unhandled" || !strings.Contains(l.Payload, `"errorType":"Local.Failure"`) {
		t.Errorf("aws-sdk:lambda:invoke of a failing function of this server (the SDK's answer, not a task failure): %+v", l)
	}
	if r := sdkOut.Remote; r.StatusCode != 200 || r.Payload != `{"got":{"n":3}}` {
		t.Errorf("aws-sdk:lambda:invoke at the Lambda endpoint: %+v", r)
	}

	deadline := time.Now().Add(5 * time.Second)
	for echoes.Load()-before < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // the Event invocation runs after its 202
	}
	if n := echoes.Load() - before; n != 4 {
		t.Errorf("the first server ran echo %d times for the executions, want 4 (invoke, ARN, event, aws-sdk)", n)
	}
}
