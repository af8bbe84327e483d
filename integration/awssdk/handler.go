package awssdk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/awssdk/protocol"
	"github.com/stepwise-run/stepwise/runner"
)

// Handler runs aws-sdk tasks through a Client. It implements runner.TaskHandler; the
// integration Registry routes the tasks it Handles to it.
type Handler struct {
	Client *Client
	// ClientRegion sends calls to the client's region (AWS_REGION, the profile's) instead of
	// the execution's: for `stepwise run`, whose ARNs carry a placeholder region.
	ClientRegion bool
}

// Handles tells whether a task is an aws-sdk task of a service the models describe. Step
// Functions itself (aws-sdk:sfn) is not: it stays in process.
func (h *Handler) Handles(t *engine.Task) bool {
	svc, ok := strings.CutPrefix(t.ResourceType, "aws-sdk:")
	if !ok || svc == "sfn" {
		return false
	}
	return h.Client.catalog.Lookup(svc) != nil
}

// CheckTask implements runner.TaskChecker: parameters the action's model has no place for
// (an unknown member, a value of the wrong type) fail the task before it is scheduled, as on
// AWS.
func (h *Handler) CheckTask(t *engine.Task) error {
	service := strings.TrimPrefix(t.ResourceType, "aws-sdk:")
	action := strings.TrimSuffix(t.ResourceName, ".waitForTaskToken")
	params, msg, err := taskParams(t)
	if err != nil {
		return nil // parameters that are not JSON are left to RunTask
	}
	if msg != "" {
		return errors.New(msg)
	}
	var ip *protocol.InvalidParameter
	if errors.As(h.Client.Check(Call{Service: service, Action: action, Params: params}), &ip) {
		return errors.New(ip.Message)
	}
	return nil
}

// taskParams are a task's parameters as an object, or what AWS says of parameters that are
// not an object.
func taskParams(t *engine.Task) (params map[string]any, msg string, err error) {
	params = map[string]any{}
	if strings.TrimSpace(t.Parameters) == "" {
		return params, "", nil
	}
	v, err := value.DecodeMaps([]byte(t.Parameters))
	if err != nil {
		return nil, "", err
	}
	m, ok := v.(map[string]any)
	if !ok && v != nil {
		return nil, "The parameters must be a JSON object", nil
	}
	if m != nil {
		params = m
	}
	return params, "", nil
}

// RunTask makes the task's call. For .waitForTaskToken the runner records the answer as
// TaskSubmitted and the task waits for SendTaskSuccess or SendTaskFailure.
func (h *Handler) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	service := strings.TrimPrefix(t.ResourceType, "aws-sdk:")
	action := strings.TrimSuffix(t.ResourceName, ".waitForTaskToken")
	params, msg, err := taskParams(t)
	if err != nil {
		return "", &runner.TaskError{Name: "States.Runtime", Cause: "invalid parameters: " + err.Error()}
	}
	if msg != "" {
		return "", &runner.TaskError{Name: "States.Runtime", Cause: fmt.Sprintf(
			"The Parameters '%s' could not be used to start the Task: [%s]", t.Parameters, msg)}
	}
	role := t.RoleArn
	if role == "" {
		role = t.ExecutionRoleArn
	}
	call := Call{Service: service, Action: action, Params: params, Region: region(t.Execution), RoleArn: role}
	if h.ClientRegion {
		call.Region = ""
	}
	res, err := h.Client.Call(ctx, call)
	if err != nil {
		return "", taskError(t, err)
	}
	return value.Encode(res.Output), nil
}

// region is the region of the execution's ARN (arn:aws:states:REGION:...): a task calls the
// services of its own region, as in AWS. "" leaves the client's.
func region(execution string) string {
	parts := strings.SplitN(execution, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

// taskError renders a call's failure as the task's error.
func taskError(t *engine.Task, err error) error {
	var se *ServiceError
	var ce *ClientError
	var ip *protocol.InvalidParameter
	switch {
	case errors.As(err, &se):
		return se.TaskError()
	case errors.As(err, &ce):
		return ce.TaskError()
	case errors.As(err, &ip):
		return &runner.TaskError{Name: "States.Runtime", Cause: fmt.Sprintf(
			"The Parameters '%s' could not be used to start the Task: [%s]", t.Parameters, ip.Message)}
	}
	return err
}
