package integration

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/runner"
)

// handles stands in for an integration: it claims the tasks of one resource type.
type handles string

func (h handles) Handles(t *engine.Task) bool {
	return t.ResourceType == string(h) || engine.ParseResource(t.Resource).Kind == string(h)
}
func (handles) RunTask(context.Context, *engine.Task) (string, error) {
	return "{}", nil
}

// sdkHandles stands in for the aws-sdk integration: it claims every aws-sdk task.
type sdkHandles struct{}

func (sdkHandles) Handles(t *engine.Task) bool { return strings.HasPrefix(t.ResourceType, "aws-sdk:") }
func (sdkHandles) RunTask(context.Context, *engine.Task) (string, error) {
	return "{}", nil
}

// TestRolePermissions checks each integration's call against a role's policy: every
// permission AWS needs is asked for, and the first missing one fails the task as AWS does.
func TestRolePermissions(t *testing.T) {
	d, err := iam.Open(iam.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const trust = `{"Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	roles := map[string]string{
		"start-only": `{"Statement":{"Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:child"}}`,
		"sync-no-events": `{"Statement":[{"Effect":"Allow","Action":"states:StartExecution","Resource":"*"},
			{"Effect":"Allow","Action":["states:DescribeExecution","states:StopExecution"],"Resource":"arn:aws:states:us-east-1:123456789012:execution:child:*"}]}`,
		"sync-all": `{"Statement":[{"Effect":"Allow","Action":"states:StartExecution","Resource":"*"},
			{"Effect":"Allow","Action":["states:DescribeExecution","states:StopExecution"],"Resource":"arn:aws:states:us-east-1:123456789012:execution:child:*"},
			{"Effect":"Allow","Action":["events:PutTargets","events:PutRule","events:DescribeRule"],"Resource":"arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"}]}`,
		"describe":      `{"Statement":{"Effect":"Allow","Action":"states:Describe*","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:child"}}`,
		"http-endpoint": `{"Statement":{"Effect":"Allow","Action":"states:InvokeHTTPEndpoint","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:parent"}}`,
		"http-all": `{"Statement":[{"Effect":"Allow","Action":"states:InvokeHTTPEndpoint","Resource":"*"},
			{"Effect":"Allow","Action":"events:RetrieveConnectionCredentials","Resource":"arn:aws:events:us-east-1:123456789012:connection/api/*"}]}`,
		// As AWS generates it for an HTTP Task: the endpoint permission narrowed by method
		// and endpoint.
		"http-generated": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["states:InvokeHTTPEndpoint"],"Resource":["arn:aws:states:us-east-1:123456789012:stateMachine:parent"],
			"Condition":{"StringEquals":{"states:HTTPMethod":"GET"},"StringLike":{"states:HTTPEndpoint":"https://example.com/v1/*"}}},
			{"Effect":"Allow","Action":"events:RetrieveConnectionCredentials","Resource":"arn:aws:events:us-east-1:123456789012:connection/api/*"}]}`,
		// A Deny on any method but GET, next to an allow-all.
		"http-deny-writes": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
			{"Effect":"Deny","Action":"states:InvokeHTTPEndpoint","Resource":"*","Condition":{"StringNotEquals":{"states:HTTPMethod":"GET"}}}]}`,
		// Conditions on the role's own keys and the region.
		"http-region": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*",
			"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:PrincipalType":"AssumedRole"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/http-*"}}}]}`,
	}
	roles["plain-region"] = roles["http-region"]
	roles["lambda-f"] = `{"Statement":{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f"}}`
	roles["ddb-table"] = `{"Statement":{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/orders"}}`
	for name, doc := range roles {
		if _, err := d.CreateRole(name, "/", trust, "", 3600); err != nil {
			t.Fatal(err)
		}
		if err := d.PutRolePolicy(name, "p", doc); err != nil {
			t.Fatal(err)
		}
	}
	r := &Registry{Authorize: d.AuthorizeRole, Lambda: handles("lambda"), HTTP: handles("http"), SDK: sdkHandles{}}

	const child = `"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child"`
	http := `{"ApiEndpoint":"https://example.com","Method":"GET","Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:123456789012:connection/api/1"}}`
	httpTo := func(method, endpoint string) string {
		return `{"ApiEndpoint":"` + endpoint + `","Method":"` + method + `","Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:123456789012:connection/api/1"}}`
	}
	for _, tc := range []struct {
		name, role, resourceType, resourceName, pattern, params string
		wantErr, wantAction                                     string
	}{
		{"start allowed", "start-only", "states", "startExecution", "", `{` + child + `}`, "", ""},
		{"start a version: authorized on the machine", "start-only", "states", "startExecution", "", `{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child:3"}`, "", ""},
		{"start another machine", "start-only", "states", "startExecution", "", `{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:other"}`,
			"StepFunctions.AWSStepFunctionsException", "states:StartExecution"},
		{".sync needs DescribeExecution", "start-only", "states", "startExecution.sync", ".sync", `{` + child + `}`,
			"StepFunctions.AWSStepFunctionsException", "states:DescribeExecution"},
		{".sync needs the managed rule", "sync-no-events", "states", "startExecution.sync:2", ".sync:2", `{` + child + `,"Name":"n"}`,
			"StepFunctions.AWSStepFunctionsException", "events:PutTargets"},
		{".sync allowed", "sync-all", "states", "startExecution.sync", ".sync", `{` + child + `}`, "", ""},
		{"aws-sdk startExecution", "describe", "aws-sdk:sfn", "startExecution", "", `{` + child + `}`, "Sfn.SfnException", "states:StartExecution"},
		{"aws-sdk describeStateMachine", "describe", "aws-sdk:sfn", "describeStateMachine", "", `{` + child + `}`, "", ""},
		{"aws-sdk listStateMachines needs *", "describe", "aws-sdk:sfn", "listStateMachines", "", `{}`, "Sfn.SfnException", "states:ListStateMachines"},
		{"http without endpoint permission", "start-only", "http", "invoke", "", http, "States.Permissions", "states:InvokeHTTPEndpoint"},
		{"http without connection permission", "http-endpoint", "http", "invoke", "", http, "Events.ConnectionResource.AccessDenied", "events:RetrieveConnectionCredentials"},
		{"http allowed", "http-all", "http", "invoke", "", http, "", ""},
		{"http generated policy: method and endpoint match", "http-generated", "http", "invoke", "", httpTo("GET", "https://example.com/v1/customers"), "", ""},
		{"http generated policy: other method", "http-generated", "http", "invoke", "", httpTo("POST", "https://example.com/v1/customers"), "States.Permissions", "states:InvokeHTTPEndpoint"},
		{"http generated policy: other endpoint", "http-generated", "http", "invoke", "", httpTo("GET", "https://example.com/v2/customers"), "States.Permissions", "states:InvokeHTTPEndpoint"},
		{"http generated policy: endpoint value is case-sensitive", "http-generated", "http", "invoke", "", httpTo("GET", "https://example.com/V1/customers"), "States.Permissions", "states:InvokeHTTPEndpoint"},
		{"http deny on writes: GET", "http-deny-writes", "http", "invoke", "", httpTo("GET", "https://example.com/x"), "", ""},
		{"http deny on writes: DELETE", "http-deny-writes", "http", "invoke", "", httpTo("DELETE", "https://example.com/x"), "States.Permissions", "states:InvokeHTTPEndpoint"},
		{"role and region keys", "http-region", "http", "invoke", "", http, "", ""},
		{"role keys: a role the ArnLike does not name", "plain-region", "http", "invoke", "", http, "States.Permissions", "states:InvokeHTTPEndpoint"},
		{"lambda", "start-only", "lambda", "invoke", "", `{"FunctionName":"f"}`, "Lambda.AWSLambdaException", "lambda:InvokeFunction"},
		// A function ARN without region and account (AWS accepts it) names the execution's.
		{"lambda ARN without region and account", "lambda-f", "", "arn:aws:lambda:::function:f", "", `{}`, "", ""},
		{"lambda ARN without region and account, another function", "lambda-f", "", "arn:aws:lambda:::function:g", "", `{}`, "Lambda.AWSLambdaException", "lambda:InvokeFunction"},
		{"other services are not checked", "start-only", "sqs", "sendMessage", "", `{}`, "", ""},
		{"aws-sdk dynamodb on its table", "ddb-table", "aws-sdk:dynamodb", "putItem", "", `{"TableName":"orders"}`, "", ""},
		{"aws-sdk dynamodb on another table", "ddb-table", "aws-sdk:dynamodb", "getItem", "", `{"TableName":"other"}`,
			"DynamoDb.DynamoDbException", "dynamodb:GetItem"},
		{"aws-sdk dynamodb action not granted", "ddb-table", "aws-sdk:dynamodb", "deleteItem.waitForTaskToken", ".waitForTaskToken", `{"TableName":"orders"}`,
			"DynamoDb.DynamoDbException", "dynamodb:DeleteItem"},
		{"aws-sdk secretsmanager: modeled AccessDenied-less service", "ddb-table", "aws-sdk:secretsmanager", "listSecrets", "", `{}`,
			"SecretsManager.SecretsManagerException", "secretsmanager:ListSecrets"},
		{"aws-sdk cloudwatch: IAM prefix differs from the signing name", "ddb-table", "aws-sdk:cloudwatch", "listMetrics", "", `{}`,
			"CloudWatch.CloudWatchException", "cloudwatch:ListMetrics"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task := &engine.Task{ResourceType: tc.resourceType, ResourceName: tc.resourceName, Pattern: tc.pattern, Parameters: tc.params,
				Resource: tc.resourceName,
				Token:    "tok", RoleArn: "arn:aws:iam::123456789012:role/" + tc.role,
				Execution: "arn:aws:states:us-east-1:123456789012:execution:parent:run-1"}
			err := r.checkRole(context.Background(), task)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			var te *runner.TaskError
			if !errors.As(err, &te) || te.Name != tc.wantErr {
				t.Fatalf("got %v, want %s", err, tc.wantErr)
			}
			want := "User: arn:aws:sts::123456789012:assumed-role/" + tc.role + "/run-1 is not authorized to perform: " + tc.wantAction + " on resource: "
			if !strings.HasPrefix(te.Cause, want) {
				t.Errorf("cause %q\nwant prefix %q", te.Cause, want)
			}
		})
	}
}
