package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/httptask"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// enforcedServer starts Stepwise as serve --enforce-iam wires it, with root keys, and
// returns its URL and directory. with may add integrations to the task registry.
func enforcedServer(t *testing.T, with ...func(*integration.Registry)) (string, *iam.Directory) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "stepwise.db"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := iam.Open(iam.Options{RootAccessKeyID: "AKIAROOTROOTROOT", RootSecretAccessKey: "root-secret", File: filepath.Join(dir, "iam.json")})
	if err != nil {
		t.Fatal(err)
	}
	tasks := &integration.Registry{Store: st, Authorize: d.AuthorizeRole, Lambda: echoLambda{}}
	for _, f := range with {
		f(tasks)
	}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: tasks,
		LeaseTTL: time.Second, Poll: 50 * time.Millisecond})
	tasks.Execs = node
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { node.Run(runCtx); close(done) }()
	sfnAPI := &api.Server{Store: st, Node: node, Region: "us-east-1", Account: "123456789012", Tasks: tasks, Guard: d}
	srv := httptest.NewServer(api.WithIAM(sfnAPI, &iam.Query{Directory: d, Enforce: true}))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		st.Close()
	})
	return srv.URL, d
}

// echoLambda stands in for the Lambda integration: it answers every lambda:invoke task.
type echoLambda struct{}

func (echoLambda) Handles(t *engine.Task) bool { return t.ResourceType == "lambda" }
func (echoLambda) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	return `{"StatusCode":200,"Payload":{}}`, nil
}

func creds(id, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, nil
	})
}

func sfnClient(url string, c aws.CredentialsProvider) *sfn.Client {
	return sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: c, RetryMaxAttempts: 1,
		APIOptions: []func(*middleware.Stack) error{noHostPrefix}})
}

func iamClient(url string, c aws.CredentialsProvider) *iamsdk.Client {
	return iamsdk.New(iamsdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: c, RetryMaxAttempts: 1})
}

func apiCode(err error) (string, string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

const trustStates = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func TestEnforcedIAM(t *testing.T) {
	url, _ := enforcedServer(t)
	ctx := context.Background()
	root := iamClient(url, creds("AKIAROOTROOTROOT", "root-secret"))

	// Root bootstraps a user with a key and a managed policy.
	if _, err := root.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := root.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: aws.String("sfn-dev"), PolicyDocument: aws.String(`{
		"Version": "2012-10-17",
		"Statement": [
			{"Effect": "Allow", "Action": ["states:CreateStateMachine", "states:Describe*", "states:List*", "states:StartExecution"], "Resource": "*"},
			{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/*"},
			{"Effect": "Deny", "Action": "states:StartExecution", "Resource": "arn:aws:states:*:*:stateMachine:forbidden"}
		]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("dev"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	// Two roles: one may start any child, one may start nothing.
	for _, name := range []string{"parent-ok", "parent-denied"} {
		if _, err := root.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustStates)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := root.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: aws.String("parent-ok"), PolicyName: aws.String("start"),
		PolicyDocument: aws.String(`{"Statement":{"Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:child"}}`)}); err != nil {
		t.Fatal(err)
	}
	got, err := root.GetRolePolicy(ctx, &iamsdk.GetRolePolicyInput{RoleName: aws.String("parent-ok"), PolicyName: aws.String("start")})
	if err != nil || !strings.HasPrefix(aws.ToString(got.PolicyDocument), "%7B%22Statement%22%3A") {
		t.Fatalf("GetRolePolicy: %v %v", aws.ToString(got.PolicyDocument), err)
	}

	dev := sfnClient(url, creds(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)))
	role := func(name string) *string { return aws.String("arn:aws:iam::123456789012:role/" + name) }
	pass := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	startChild := `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
		"Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{}},"End":true}}}`

	// Allowed calls work.
	for _, sm := range []struct{ name, def, role string }{
		{"child", pass, "parent-ok"}, {"forbidden", pass, "parent-ok"},
		{"parent-ok", startChild, "parent-ok"}, {"parent-denied", startChild, "parent-denied"},
		{"calls-lambda", `{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"fn:live"},"End":true}}}`, "parent-denied"},
	} {
		if _, err := dev.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(sm.name), Definition: aws.String(sm.def), RoleArn: role(sm.role)}); err != nil {
			t.Fatalf("CreateStateMachine %s: %v", sm.name, err)
		}
	}
	if _, err := dev.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatal(err)
	}

	// A role that does not exist, or that Step Functions may not assume.
	_, err = dev.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("x"), Definition: aws.String(pass), RoleArn: role("missing")})
	if code, msg := apiCode(err); code != "AccessDeniedException" || !strings.HasPrefix(msg, "Neither the global service principal states.amazonaws.com") {
		t.Errorf("missing role: %v", err)
	}

	// A trust policy narrowed as AWS advises against the confused deputy: by the account and
	// the state machines of one region. It lets Step Functions assume the role for a state
	// machine there, and only there.
	if _, err := root.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String("narrow-trust"), AssumeRolePolicyDocument: aws.String(`{
		"Version": "2012-10-17",
		"Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole",
			"Condition": {
				"ArnLike": {"aws:SourceArn": "arn:aws:states:us-east-1:123456789012:stateMachine:narrow-*"},
				"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("narrow-ok"), Definition: aws.String(pass), RoleArn: role("narrow-trust")}); err != nil {
		t.Errorf("CreateStateMachine with a trust policy whose conditions hold: %v", err)
	}
	_, err = dev.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("elsewhere"), Definition: aws.String(pass), RoleArn: role("narrow-trust")})
	if code, msg := apiCode(err); code != "AccessDeniedException" || !strings.HasPrefix(msg, "Neither the global service principal states.amazonaws.com") {
		t.Errorf("CreateStateMachine with a trust policy whose aws:SourceArn condition fails: %v", err)
	}

	// Denied calls: no policy allows, or a policy denies.
	_, err = dev.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:child")})
	want := "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: states:DeleteStateMachine on resource: arn:aws:states:us-east-1:123456789012:stateMachine:child because no identity-based policy allows the states:DeleteStateMachine action"
	if code, msg := apiCode(err); code != "AccessDeniedException" || msg != want {
		t.Errorf("DeleteStateMachine: %v", err)
	}
	_, err = dev.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:forbidden")})
	if code, msg := apiCode(err); code != "AccessDeniedException" || !strings.HasSuffix(msg, "with an explicit deny in an identity-based policy") {
		t.Errorf("explicit deny: %v", err)
	}
	// The user's key does not open IAM either.
	_, err = iamClient(url, creds(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))).
		CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String("sneaky"), AssumeRolePolicyDocument: aws.String(trustStates)})
	if code, _ := apiCode(err); code != "AccessDenied" {
		t.Errorf("IAM as dev: %v", err)
	}

	// states:StateMachineQualifier: a policy may deny a version or an alias of a state machine
	// its other statements allow.
	rootSFN := sfnClient(url, creds("AKIAROOTROOTROOT", "root-secret"))
	v1, err := rootSFN.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:child")})
	if err != nil {
		t.Fatal(err)
	}
	prod, err := rootSFN.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("PROD"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: v1.StateMachineVersionArn, Weight: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rootSFN.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:child"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":2,"End":true}}}`), Publish: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("not-prod"), PolicyDocument: aws.String(`{
		"Statement": {"Effect": "Deny", "Action": "states:DescribeStateMachine", "Resource": "arn:aws:states:us-east-1:123456789012:stateMachine:child",
			"Condition": {"StringEquals": {"states:StateMachineQualifier": ["PROD", "1"]}}}}`)}); err != nil {
		t.Fatal(err)
	}
	for arn, denied := range map[string]bool{
		"arn:aws:states:us-east-1:123456789012:stateMachine:child":   false,
		"arn:aws:states:us-east-1:123456789012:stateMachine:child:2": false,
		aws.ToString(v1.StateMachineVersionArn):                      true,
		aws.ToString(prod.StateMachineAliasArn):                      true,
	} {
		_, err := dev.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
		if code, msg := apiCode(err); denied && (code != "AccessDeniedException" || !strings.HasSuffix(msg, "with an explicit deny in an identity-based policy")) || !denied && err != nil {
			t.Errorf("DescribeStateMachine %s: %v; want denied %v", arn, err, denied)
		}
	}

	// Bad credentials.
	_, err = sfnClient(url, creds(aws.ToString(key.AccessKey.AccessKeyId), "not-the-secret")).ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if code, _ := apiCode(err); code != "InvalidSignatureException" {
		t.Errorf("bad secret: %v", err)
	}
	_, err = sfnClient(url, creds("AKIAUNKNOWNUNKNOWN", "x")).ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if code, msg := apiCode(err); code != "UnrecognizedClientException" || msg != "The security token included in the request is invalid." {
		t.Errorf("unknown key: %v", err)
	}
	_, err = sfnClient(url, aws.AnonymousCredentials{}).ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if code, _ := apiCode(err); code != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned: %v", err)
	}
	_, err = iamClient(url, creds("AKIAROOTROOTROOT", "wrong")).ListRoles(ctx, &iamsdk.ListRolesInput{})
	if code, _ := apiCode(err); code != "SignatureDoesNotMatch" {
		t.Errorf("IAM bad secret: %v", err)
	}

	// The execution roles: one may start the child, the other fails its task as AWS does.
	ended := func(arn *string) *sfn.DescribeExecutionOutput {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, err := dev.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
				return out
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	run := func(sm string, name ...string) *sfn.DescribeExecutionOutput {
		t.Helper()
		start, err := dev.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:" + sm), Name: aws.String("e" + strings.Join(name, ""))})
		if err != nil {
			t.Fatal(err)
		}
		return ended(start.ExecutionArn)
	}
	if out := run("parent-ok"); out.Status != types.ExecutionStatusSucceeded {
		t.Errorf("parent-ok: %s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	out := run("parent-denied")
	wantCause := "User: arn:aws:sts::123456789012:assumed-role/parent-denied/e is not authorized to perform: states:StartExecution on resource: arn:aws:states:us-east-1:123456789012:stateMachine:child because no identity-based policy allows the states:StartExecution action (Service: AWSStepFunctions; Status Code: 400; Error Code: AccessDeniedException; Request ID: "
	if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "StepFunctions.AWSStepFunctionsException" || !strings.HasPrefix(aws.ToString(out.Cause), wantCause) {
		t.Errorf("parent-denied: %s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}

	// An execution keeps the role its state machine had when it started: one that waits,
	// then starts the child, runs with parent-ok although the machine's role has become
	// parent-denied meanwhile (on AWS, executions started after UpdateStateMachine use the new
	// definition and roleArn, running ones keep theirs); one started after the update runs
	// with parent-denied.
	waitThenStart := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"S"},
		"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
		"Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{}},"End":true}}}`
	if _, err := rootSFN.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("role-swap"), Definition: aws.String(waitThenStart), RoleArn: role("parent-ok")}); err != nil {
		t.Fatal(err)
	}
	before, err := dev.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:role-swap"), Name: aws.String("before")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rootSFN.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:role-swap"), RoleArn: role("parent-denied")}); err != nil {
		t.Fatal(err)
	}
	if out := run("role-swap", "-after"); out.Status != types.ExecutionStatusFailed {
		t.Errorf("started after the role changed: %s %s %s; want FAILED (parent-denied)", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	if out := ended(before.ExecutionArn); out.Status != types.ExecutionStatusSucceeded {
		t.Errorf("started before the role changed: %s %s %s; want SUCCEEDED (parent-ok)", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}

	// Lambda: lambda:InvokeFunction on the (qualified) function ARN.
	out = run("calls-lambda")
	wantCause = "User: arn:aws:sts::123456789012:assumed-role/parent-denied/e is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:fn:live because no identity-based policy allows the lambda:InvokeFunction action (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: "
	if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "Lambda.AWSLambdaException" || !strings.HasPrefix(aws.ToString(out.Cause), wantCause) {
		t.Errorf("calls-lambda: %s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	if _, err := root.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: aws.String("parent-denied"), PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaRole")}); err != nil {
		t.Fatal(err)
	}
	if out := run("calls-lambda", "2"); out.Status != types.ExecutionStatusSucceeded {
		t.Errorf("calls-lambda with AWSLambdaRole: %s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
}

// TestEnforcedIAMHTTPTaskConditions runs HTTP Tasks whose role has the policy AWS generates
// for them: states:InvokeHTTPEndpoint narrowed by conditions on states:HTTPMethod and
// states:HTTPEndpoint. The matching call runs; another method or endpoint fails with
// States.Permissions before any request is made. If conditions were ignored (or failed
// closed, as before they were evaluated), one of the two would go the other way.
func TestEnforcedIAMHTTPTaskConditions(t *testing.T) {
	var hits []string
	var mu sync.Mutex
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer endpoint.Close()
	const connArn = "arn:aws:events:us-east-1:123456789012:connection/api/0d1f6e2a"
	conns, err := httptask.NewConnections(map[string]httptask.Connection{connArn: {AuthorizationType: "API_KEY",
		AuthParameters: httptask.AuthParameters{ApiKeyAuthParameters: &httptask.APIKeyAuth{ApiKeyName: "X-Api-Key", ApiKeyValue: "k"}}}})
	if err != nil {
		t.Fatal(err)
	}
	url, _ := enforcedServer(t, func(r *integration.Registry) {
		r.HTTP = httptask.New(httptask.Options{Connections: conns, Region: "us-east-1"})
	})
	ctx := context.Background()
	root := iamClient(url, creds("AKIAROOTROOTROOT", "root-secret"))
	if _, err := root.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String("http-caller"), AssumeRolePolicyDocument: aws.String(trustStates)}); err != nil {
		t.Fatal(err)
	}
	// The shape of the policy AWS's console generates for an HTTP Task's role.
	policy := `{
		"Version": "2012-10-17",
		"Statement": [
			{"Effect": "Allow", "Action": ["states:InvokeHTTPEndpoint"],
			 "Resource": ["arn:aws:states:us-east-1:123456789012:stateMachine:http-*"],
			 "Condition": {
				"StringEquals": {"states:HTTPMethod": "GET"},
				"StringLike": {"states:HTTPEndpoint": "` + endpoint.URL + `/v1/*"}}},
			{"Effect": "Allow", "Action": ["events:RetrieveConnectionCredentials"], "Resource": ["` + connArn + `"]},
			{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
			 "Resource": ["arn:aws:secretsmanager:*:*:secret:events!connection/*"]}
		]}`
	if _, err := root.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: aws.String("http-caller"), PolicyName: aws.String("http"),
		PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	admin := sfnClient(url, creds("AKIAROOTROOTROOT", "root-secret"))
	def := func(method, path string) string {
		return `{"StartAt":"H","States":{"H":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{
			"ApiEndpoint":"` + endpoint.URL + path + `","Method":"` + method + `",
			"Authentication":{"ConnectionArn":"` + connArn + `"}},"End":true}}}`
	}
	run := func(name, method, path string) *sfn.DescribeExecutionOutput {
		t.Helper()
		sm, err := admin.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def(method, path)),
			RoleArn: aws.String("arn:aws:iam::123456789012:role/http-caller")})
		if err != nil {
			t.Fatal(err)
		}
		start, err := admin.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("e")})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, err := admin.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
				return out
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	if out := run("http-get", "GET", "/v1/customers"); out.Status != types.ExecutionStatusSucceeded {
		t.Errorf("GET /v1/customers: %s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	for _, tc := range []struct{ name, method, path string }{
		{"http-post", "POST", "/v1/customers"},
		{"http-other-endpoint", "GET", "/v2/customers"},
	} {
		out := run(tc.name, tc.method, tc.path)
		want := "User: arn:aws:sts::123456789012:assumed-role/http-caller/e is not authorized to perform: states:InvokeHTTPEndpoint on resource: arn:aws:states:us-east-1:123456789012:stateMachine:" + tc.name +
			" because no identity-based policy allows the states:InvokeHTTPEndpoint action"
		if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "States.Permissions" || aws.ToString(out.Cause) != want {
			t.Errorf("%s %s: %s %s %s", tc.method, tc.path, out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hits) != 1 || hits[0] != "GET /v1/customers" {
		t.Errorf("requests made: %v, want only the allowed GET /v1/customers", hits)
	}
}

// TestEnforcedIAMPolicyVariables: one policy, attached to several users, lets each start only
// the state machines named after them, through ${aws:username} in its Resource. The same
// policy with Version 2008-10-17 (inline: IAM refuses it as a managed policy) reads the
// variable as literal text and allows nothing.
func TestEnforcedIAMPolicyVariables(t *testing.T) {
	url, _ := enforcedServer(t)
	ctx := context.Background()
	root := iamClient(url, creds("AKIAROOTROOTROOT", "root-secret"))
	rootSFN := sfnClient(url, creds("AKIAROOTROOTROOT", "root-secret"))

	const own = `"Statement": [
		{"Effect": "Allow", "Action": "states:StartExecution", "Resource": "arn:aws:states:*:*:stateMachine:${aws:username}-*"},
		{"Effect": "Allow", "Action": "states:DescribeExecution", "Resource": "arn:aws:states:*:*:execution:${aws:username}-*:*"}]`
	policies := map[string]string{"v2012": `{"Version": "2012-10-17", ` + own + `}`, "v2008": `{"Version": "2008-10-17", ` + own + `}`}
	users := map[string]string{"ana": "v2012", "bob": "v2012", "carol": "v2008"}
	arns := map[string]*string{}
	for name, doc := range policies {
		if name == "v2008" {
			continue
		}
		pol, err := root.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: aws.String("own-" + name), PolicyDocument: aws.String(doc)})
		if err != nil {
			t.Fatal(err)
		}
		arns[name] = pol.Policy.Arn
	}
	clients := map[string]*sfn.Client{}
	for user, pol := range users {
		if _, err := root.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String(user)}); err != nil {
			t.Fatal(err)
		}
		key, err := root.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String(user)})
		if err != nil {
			t.Fatal(err)
		}
		if arns[pol] == nil {
			if _, err := root.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("own"), PolicyDocument: aws.String(policies[pol])}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := root.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String(user), PolicyArn: arns[pol]}); err != nil {
			t.Fatal(err)
		}
		clients[user] = sfnClient(url, creds(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)))
	}
	if _, err := root.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String("runner"), AssumeRolePolicyDocument: aws.String(trustStates)}); err != nil {
		t.Fatal(err)
	}
	for _, sm := range []string{"ana-orders", "bob-orders", "carol-orders"} {
		if _, err := rootSFN.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(sm),
			Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`),
			RoleArn:    aws.String("arn:aws:iam::123456789012:role/runner")}); err != nil {
			t.Fatal(err)
		}
	}

	for _, tt := range []struct {
		user, sm string
		allowed  bool
	}{
		{"ana", "ana-orders", true},
		{"ana", "bob-orders", false},
		{"bob", "bob-orders", true},
		{"bob", "ana-orders", false},
		{"carol", "carol-orders", false},
	} {
		arn := "arn:aws:states:us-east-1:123456789012:stateMachine:" + tt.sm
		start, err := clients[tt.user].StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
		if !tt.allowed {
			want := "User: arn:aws:iam::123456789012:user/" + tt.user + " is not authorized to perform: states:StartExecution on resource: " + arn +
				" because no identity-based policy allows the states:StartExecution action"
			if code, msg := apiCode(err); code != "AccessDeniedException" || msg != want {
				t.Errorf("%s starts %s: %v; want AccessDeniedException %q", tt.user, tt.sm, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s starts %s: %v", tt.user, tt.sm, err)
			continue
		}
		if _, err := clients[tt.user].DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
			t.Errorf("%s describes its execution of %s: %v", tt.user, tt.sm, err)
		}
	}
}

// TestEnforcedIAMManagedPolicies checks that the managed-policy calls are authorized on the
// policy's ARN: a reader (AWS's IAMReadOnlyAccess) may get and list, not delete or change.
func TestEnforcedIAMManagedPolicies(t *testing.T) {
	url, _ := enforcedServer(t)
	ctx := context.Background()
	root := iamClient(url, creds("AKIAROOTROOTROOT", "root-secret"))
	const arn = "arn:aws:iam::123456789012:policy/run"
	if _, err := root.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: aws.String("run"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("reader"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	reader := iamClient(url, creds(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)))
	denied := func(action string) string {
		return "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: iam:" + action + " on resource: " + arn +
			" because no identity-based policy allows the iam:" + action + " action"
	}
	tests := []struct {
		name string
		call func() error
		msg  string // "" when allowed
	}{
		{"GetPolicy", func() error {
			_, err := reader.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: aws.String(arn)})
			return err
		}, ""},
		{"ListPolicies", func() error { _, err := reader.ListPolicies(ctx, &iamsdk.ListPoliciesInput{}); return err }, ""},
		{"GetPolicyVersion", func() error {
			_, err := reader.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
			return err
		}, ""},
		{"CreatePolicyVersion", func() error {
			_, err := reader.CreatePolicyVersion(ctx, &iamsdk.CreatePolicyVersionInput{PolicyArn: aws.String(arn),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`), SetAsDefault: true})
			return err
		}, denied("CreatePolicyVersion")},
		{"DeletePolicy", func() error {
			_, err := reader.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: aws.String(arn)})
			return err
		},
			denied("DeletePolicy")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if code, msg := apiCode(err); code != "AccessDenied" || msg != tt.msg {
				t.Errorf("got %v, want AccessDenied: %s", err, tt.msg)
			}
		})
	}
}

// TestEnforcedIAMGetUser: a user's own key reads its own user (GetUser without a name), once a
// policy allows it on that user's ARN (${aws:username}), and no other.
func TestEnforcedIAMGetUser(t *testing.T) {
	url, _ := enforcedServer(t)
	ctx := context.Background()
	root := iamClient(url, creds("AKIAROOTROOTROOT", "root-secret"))
	for _, name := range []string{"dev", "other"} {
		if _, err := root.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := root.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	dev := iamClient(url, creds(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)))
	const self = "arn:aws:iam::123456789012:user/dev"
	_, err = dev.GetUser(ctx, &iamsdk.GetUserInput{})
	if code, msg := apiCode(err); code != "AccessDenied" || msg != "User: "+self+" is not authorized to perform: iam:GetUser on resource: "+self+
		" because no identity-based policy allows the iam:GetUser action" {
		t.Errorf("GetUser before the policy: %v", err)
	}
	if _, err := root.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("self"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:GetUser","iam:GetUserPolicy","iam:ListUserPolicies"],
			"Resource":"arn:aws:iam::123456789012:user/${aws:username}"}}`)}); err != nil {
		t.Fatal(err)
	}
	me, err := dev.GetUser(ctx, &iamsdk.GetUserInput{})
	if err != nil || aws.ToString(me.User.UserName) != "dev" || aws.ToString(me.User.Arn) != self {
		t.Errorf("GetUser: %+v %v", me, err)
	}
	if names, err := dev.ListUserPolicies(ctx, &iamsdk.ListUserPoliciesInput{UserName: aws.String("dev")}); err != nil || len(names.PolicyNames) != 1 {
		t.Errorf("ListUserPolicies: %+v %v", names, err)
	}
	_, err = dev.GetUser(ctx, &iamsdk.GetUserInput{UserName: aws.String("other")})
	if code, _ := apiCode(err); code != "AccessDenied" {
		t.Errorf("GetUser other: %v, want AccessDenied", err)
	}
}

// TestEnforcedIAMKeysAndTrust: a key made Inactive signs nothing; a user that names no user
// reaches its own keys only, not another's by its id; a role's trust policy, once updated so
// that it no longer trusts Step Functions, is refused at the next CreateStateMachine.
func TestEnforcedIAMKeysAndTrust(t *testing.T) {
	url, _ := enforcedServer(t)
	ctx := context.Background()
	root := iamClient(url, creds("AKIAROOTROOTROOT", "root-secret"))
	keys := map[string]*iamsdk.CreateAccessKeyOutput{}
	for _, name := range []string{"dev", "other"} {
		if _, err := root.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("self"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*AccessKey*"],
				"Resource":"arn:aws:iam::123456789012:user/${aws:username}"},
				{"Effect":"Allow","Action":["states:CreateStateMachine","states:ListStateMachines","iam:PassRole"],"Resource":"*"}]}`)}); err != nil {
			t.Fatal(err)
		}
		k, err := root.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = k
	}
	client := func(name string) (*iamsdk.Client, *sfn.Client) {
		k := keys[name].AccessKey
		c := creds(aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey))
		return iamClient(url, c), sfnClient(url, c)
	}
	devIAM, devSFN := client("dev")
	otherID := keys["other"].AccessKey.AccessKeyId

	// dev names no user: its own keys, and another's id is not among them.
	mine, err := devIAM.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{})
	if err != nil || len(mine.AccessKeyMetadata) != 1 || aws.ToString(mine.AccessKeyMetadata[0].UserName) != "dev" {
		t.Fatalf("ListAccessKeys: %+v %v", mine, err)
	}
	_, err = devIAM.DeleteAccessKey(ctx, &iamsdk.DeleteAccessKeyInput{AccessKeyId: otherID})
	if code, msg := apiCode(err); code != "NoSuchEntity" || msg != "The Access Key with id "+aws.ToString(otherID)+" cannot be found." {
		t.Errorf("dev deletes other's key by its id: %v", err)
	}
	_, err = devIAM.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{AccessKeyId: otherID, Status: "Inactive"})
	if code, _ := apiCode(err); code != "NoSuchEntity" {
		t.Errorf("dev deactivates other's key by its id: %v", err)
	}
	otherIAM, _ := client("other")
	if _, err := otherIAM.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{}); err != nil {
		t.Errorf("other's key after dev's attempts: %v", err)
	}

	// A role trusted by Step Functions, then by Lambda alone.
	if _, err := root.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String("exec"), AssumeRolePolicyDocument: aws.String(trustStates)}); err != nil {
		t.Fatal(err)
	}
	pass := aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	roleArn := aws.String("arn:aws:iam::123456789012:role/exec")
	if _, err := devSFN.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("a"), Definition: pass, RoleArn: roleArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.UpdateAssumeRolePolicy(ctx, &iamsdk.UpdateAssumeRolePolicyInput{RoleName: aws.String("exec"),
		PolicyDocument: aws.String(strings.Replace(trustStates, "states.amazonaws.com", "lambda.amazonaws.com", 1))}); err != nil {
		t.Fatal(err)
	}
	_, err = devSFN.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("b"), Definition: pass, RoleArn: roleArn})
	if code, msg := apiCode(err); code != "AccessDeniedException" || !strings.HasPrefix(msg, "Neither the global service principal states.amazonaws.com") {
		t.Errorf("a role that no longer trusts Step Functions: %v", err)
	}

	// dev's own key made Inactive: refused from the next request on, until made Active.
	devKey := keys["dev"].AccessKey.AccessKeyId
	if _, err := devIAM.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{AccessKeyId: devKey, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	_, err = devSFN.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if code, msg := apiCode(err); code != "UnrecognizedClientException" || msg != "The security token included in the request is invalid." {
		t.Errorf("an inactive key: %v", err)
	}
	if _, err := root.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: aws.String("dev"), AccessKeyId: devKey, Status: "Active"}); err != nil {
		t.Fatal(err)
	}
	if _, err := devSFN.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil {
		t.Errorf("the key made Active again: %v", err)
	}
}
