package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/runner"
)

// permission is one IAM action on one resource that a task's call needs of the execution's
// role, and how a denial of it fails the task.
type permission struct {
	action, resource string
	deny             func(msg, reqID string) error
	// keys are the condition keys this call adds to the request context (the HTTP Task's
	// states:HTTPMethod and states:HTTPEndpoint).
	keys iam.RequestContext
}

// checkRole asks Authorize whether the execution's role (or the state's Credentials role)
// may make the task's call, checking every permission AWS needs for it (docs/iam.md lists
// them); the first denial fails the task with the error AWS gives.
func (r *Registry) checkRole(ctx context.Context, t *engine.Task) error {
	arn := strings.Split(t.Execution, ":") // arn:aws:states:REGION:ACCOUNT:execution:SM:NAME
	if len(arn) < 8 {
		return nil
	}
	region, account := arn[3], arn[4]
	smName, _, _ := strings.Cut(arn[6], "/")
	smArn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, account, smName)
	perms := r.permissions(t, region, account, smArn)
	if len(perms) == 0 {
		return nil
	}
	role := t.RoleArn
	if role == "" {
		role = t.ExecutionRoleArn
	}
	if role == "" {
		// A task stored before tasks carried their execution's role: its state machine's
		// (named in the execution's ARN, which also covers Express executions, which the
		// store does not keep), as it is now.
		sm, err := r.Store.GetStateMachine(ctx, smArn)
		if err != nil {
			return err
		}
		role = sm.RoleArn
	}
	ctx = iam.WithSession(ctx, arn[7])
	for _, p := range perms {
		keys := iam.RequestContext{}
		keys.Set("aws:RequestedRegion", region)
		for k, v := range p.keys {
			keys.Set(k, v...)
		}
		err := r.Authorize(iam.WithContextKeys(ctx, keys), role, p.action, p.resource)
		if err == nil {
			continue
		}
		var denied *iam.Error
		if !errors.As(err, &denied) {
			return err
		}
		return p.deny(denied.Message, ChildName(t.Token+"/authorize/"+p.action))
	}
	return nil
}

// permissions lists what a task needs of its role. Tasks of integrations Stepwise does not
// check (mocked, or handled by a fallback) need nothing.
func (r *Registry) permissions(t *engine.Task, region, account, smArn string) []permission {
	var p struct {
		StateMachineArn string
		FunctionName    string
		Qualifier       string
		Name            *string
		Authentication  struct{ ConnectionArn string }
		ApiEndpoint     *string
		Method          *string
	}
	_ = json.Unmarshal([]byte(t.Parameters), &p)
	switch {
	case r.Lambda != nil && r.Lambda.Handles(t):
		fn := p.FunctionName
		if engine.ParseResource(t.Resource).Kind == "lambda" {
			fn = t.Resource
		}
		if fn == "" {
			return nil // the integration reports the missing parameter
		}
		if rest, ok := strings.CutPrefix(fn, "arn:aws:lambda:::"); ok { // a function ARN without region and account
			fn = fmt.Sprintf("arn:aws:lambda:%s:%s:%s", region, account, rest)
		}
		if !strings.HasPrefix(fn, "arn:") {
			fn = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, strings.TrimPrefix(fn, account+":function:"))
		}
		if p.Qualifier != "" && strings.Count(fn, ":") == 6 {
			fn += ":" + p.Qualifier
		}
		return []permission{{"lambda:InvokeFunction", fn, lambdaDenied, nil}}

	case r.HTTP != nil && r.HTTP.Handles(t):
		// The endpoint and method the task calls are the condition keys AWS's generated
		// policies narrow states:InvokeHTTPEndpoint with; a missing one is absent from the
		// context (the integration then reports the missing field).
		keys := iam.RequestContext{}
		if p.ApiEndpoint != nil {
			keys.Set("states:HTTPEndpoint", *p.ApiEndpoint)
		}
		if p.Method != nil {
			keys.Set("states:HTTPMethod", *p.Method)
		}
		perms := []permission{{"states:InvokeHTTPEndpoint", smArn, httpDenied("States.Permissions"), keys}}
		if p.Authentication.ConnectionArn != "" {
			perms = append(perms, permission{"events:RetrieveConnectionCredentials", p.Authentication.ConnectionArn,
				httpDenied("Events.ConnectionResource.AccessDenied"), nil})
		}
		return perms

	case t.ResourceType == "states", t.ResourceType == "aws-sdk:sfn" && strings.TrimSuffix(t.ResourceName, ".waitForTaskToken") == "startExecution":
		deny := statesDenied
		if t.ResourceType == "aws-sdk:sfn" {
			deny = sdkDenied
		}
		child := unqualified(p.StateMachineArn)
		perms := []permission{{"states:StartExecution", child, deny, nil}}
		if t.Pattern == ".sync" || t.Pattern == ".sync:2" {
			// Waiting for the child needs to read it and to stop it when the parent stops,
			// and the managed EventBridge rule AWS learns of its end through.
			parts := strings.Split(child, ":")
			if len(parts) == 7 {
				name := ChildName(t.Token)
				if p.Name != nil {
					name = *p.Name
				}
				exec := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", parts[3], parts[4], parts[6], name)
				perms = append(perms, permission{"states:DescribeExecution", exec, deny, nil}, permission{"states:StopExecution", exec, deny, nil})
			}
			rule := fmt.Sprintf("arn:aws:events:%s:%s:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule", region, account)
			for _, a := range []string{"events:PutTargets", "events:PutRule", "events:DescribeRule"} {
				perms = append(perms, permission{a, rule, deny, nil})
			}
		}
		return perms

	case t.ResourceType == "aws-sdk:sfn":
		action := upperFirst(strings.TrimSuffix(t.ResourceName, ".waitForTaskToken"))
		return []permission{{"states:" + action, sdkResource(t.Parameters), sdkDenied, nil}}

	case r.SDK != nil && r.SDK.Handles(t):
		// The IAM action is the service's IAM prefix and the API action (dynamodb:PutItem), on
		// the resource the parameters name (docs/integrations.md).
		service := strings.TrimPrefix(t.ResourceType, "aws-sdk:")
		action, err := awssdk.IAMAction(service, strings.TrimSuffix(t.ResourceName, ".waitForTaskToken"))
		if err != nil {
			return nil // the integration reports the unknown action
		}
		deny := func(msg, reqID string) error { return awssdk.AccessDenied(service, msg, reqID) }
		return []permission{{action, sdkServiceResource(service, t.Parameters, region, account), deny, nil}}
	}
	return nil
}

// sdkServiceResource is the resource an aws-sdk call is authorized on, from the parameters
// that name it: a DynamoDB table, an S3 bucket or object, an SQS queue, or any parameter that
// holds an ARN; "*" when none does (ListTables).
func sdkServiceResource(service, params, region, account string) string {
	var p map[string]any
	_ = json.Unmarshal([]byte(params), &p)
	str := func(k string) string { s, _ := p[k].(string); return s }
	switch {
	case service == "dynamodb" && str("TableName") != "":
		if strings.HasPrefix(str("TableName"), "arn:") {
			return str("TableName")
		}
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, str("TableName"))
	case service == "s3" && str("Bucket") != "":
		if str("Key") != "" {
			return "arn:aws:s3:::" + str("Bucket") + "/" + str("Key")
		}
		return "arn:aws:s3:::" + str("Bucket")
	case service == "sqs" && str("QueueUrl") != "":
		parts := strings.Split(strings.TrimSuffix(str("QueueUrl"), "/"), "/")
		if len(parts) >= 2 {
			return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, parts[len(parts)-2], parts[len(parts)-1])
		}
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if s := str(k); strings.HasPrefix(s, "arn:") {
			return s
		}
	}
	return "*"
}

// unqualified drops a version or alias from a state machine ARN: versions and aliases are
// authorized on the state machine.
func unqualified(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 7 && parts[5] == "stateMachine" {
		parts = parts[:7]
	}
	return strings.Join(parts, ":")
}

// sdkResource is the resource an aws-sdk:sfn action is authorized on: the ARN its request
// names (the state machine unqualified), else "*" (ListStateMachines, ListActivities...).
func sdkResource(params string) string {
	var p map[string]any
	_ = json.Unmarshal([]byte(params), &p)
	for _, k := range []string{"ExecutionArn", "MapRunArn", "ActivityArn", "StateMachineAliasArn", "StateMachineVersionArn", "StateMachineArn", "ResourceArn"} {
		if s, ok := p[k].(string); ok && s != "" {
			return unqualified(s)
		}
	}
	return "*"
}

func lambdaDenied(msg, reqID string) error {
	return &runner.TaskError{Name: "Lambda.AWSLambdaException", Cause: fmt.Sprintf(
		"%s (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: %s; Proxy: null)", msg, reqID)}
}

func statesDenied(msg, reqID string) error {
	return &runner.TaskError{Name: "StepFunctions.AWSStepFunctionsException", Cause: fmt.Sprintf(
		"%s (Service: AWSStepFunctions; Status Code: 400; Error Code: AccessDeniedException; Request ID: %s; Proxy: null)", msg, reqID)}
}

func sdkDenied(msg, reqID string) error {
	return &runner.TaskError{Name: "Sfn.SfnException", Cause: fmt.Sprintf(
		"%s (Service: Sfn, Status Code: 400, Request ID: %s)", msg, reqID)}
}

// httpDenied fails an HTTP Task whose role lacks a permission. AWS documents
// Events.ConnectionResource.AccessDenied for a connection the role may not read; for a missing
// states:InvokeHTTPEndpoint it names no error, so Stepwise uses the generic States.Permissions.
func httpDenied(name string) func(msg, reqID string) error {
	return func(msg, _ string) error { return &runner.TaskError{Name: name, Cause: msg} }
}
