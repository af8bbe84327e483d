package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/runner"
)

// Targets other than Step Functions are called through Stepwise's task integrations (the
// registry Task states use): the call a Task state would make for the same service, with the
// schedule's Input as its request or payload.

// otherTask is the task that carries out a firing of a target that is not a state machine,
// with the IAM action and resource the target's role needs for it; nil when Stepwise has no
// integration for the target.
func otherTask(t *Target, input, name string) (task *engine.Task, action, resource string, err error) {
	task = &engine.Task{RoleArn: t.RoleArn, StateName: name}
	params := map[string]any{}
	arn := strings.Split(t.Arn, ":")
	switch {
	case strings.HasPrefix(t.Arn, "arn:aws:scheduler:::aws-sdk:"):
		// A universal target: Input is the request of the API action, as an aws-sdk Task's
		// Parameters.
		svc, api, ok := strings.Cut(strings.TrimPrefix(t.Arn, "arn:aws:scheduler:::aws-sdk:"), ":")
		if !ok || svc == "" || api == "" {
			return nil, "", "", &Error{Type: "ValidationException", Message: "Invalid universal target " + t.Arn}
		}
		if err := json.Unmarshal([]byte(input), &params); err != nil {
			return nil, "", "", &Error{Type: "ValidationException", Message: "the Input of universal target " + t.Arn + " is not a JSON object"}
		}
		task.Resource, task.ResourceType, task.ResourceName = "arn:aws:states:::aws-sdk:"+svc+":"+api, "aws-sdk:"+svc, api
		action, resource = svc+":"+strings.ToUpper(api[:1])+api[1:], "*"
	case len(arn) >= 7 && arn[2] == "lambda" && arn[5] == "function":
		var payload any = input
		var v any
		if json.Unmarshal([]byte(input), &v) == nil {
			payload = v
		}
		params = map[string]any{"FunctionName": t.Arn, "Payload": payload}
		task.Resource, task.ResourceType, task.ResourceName = "arn:aws:states:::lambda:invoke", "lambda", "invoke"
		action, resource = "lambda:InvokeFunction", t.Arn
	case len(arn) == 6 && arn[2] == "sns":
		params = map[string]any{"TopicArn": t.Arn, "Message": input}
		task.Resource, task.ResourceType, task.ResourceName = "arn:aws:states:::sns:publish", "sns", "publish"
		action, resource = "sns:Publish", t.Arn
	case len(arn) == 6 && arn[2] == "sqs":
		params = map[string]any{"QueueUrl": fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", arn[3], arn[4], arn[5]), "MessageBody": input}
		var sqs struct{ MessageGroupId string }
		if len(t.SqsParameters) > 0 && json.Unmarshal(t.SqsParameters, &sqs) == nil && sqs.MessageGroupId != "" {
			params["MessageGroupId"] = sqs.MessageGroupId
		}
		task.Resource, task.ResourceType, task.ResourceName = "arn:aws:states:::sqs:sendMessage", "sqs", "sendMessage"
		action, resource = "sqs:SendMessage", t.Arn
	default:
		return nil, "", "", nil
	}
	b, _ := json.Marshal(params)
	task.Parameters = string(b)
	return task, action, resource, nil
}

// startOther fires a target through the task integrations.
func (s *Service) startOther(ctx context.Context, t *Target, input, id, name string) error {
	task, action, resource, err := otherTask(t, input, name)
	if err != nil {
		return err
	}
	if task == nil || s.tasks == nil {
		return &Error{Type: "ValidationException", Message: "Stepwise has no integration for target " + t.Arn}
	}
	if s.guard != nil {
		if err := s.guard.AuthorizeRole(iam.WithSession(ctx, id), t.RoleArn, action, resource); err != nil {
			return err
		}
	}
	_, err = s.tasks.RunTask(ctx, task)
	return err
}

// retryableTask: the task errors a later attempt may not meet.
func retryableTask(e *runner.TaskError) bool {
	for _, s := range []string{"Throttl", "TooManyRequests", "ServiceUnavailable", "InternalServerError", "ServiceException", "RequestLimitExceeded"} {
		if strings.Contains(e.Name, s) {
			return true
		}
	}
	return false
}
