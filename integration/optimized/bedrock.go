package optimized

import (
	"context"
	"encoding/base64"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// invokeModel runs bedrock:invokeModel through the Bedrock runtime's InvokeModel. Body is
// sent as given (a string) or as its JSON text (any other value); ContentType defaults to
// application/json. The result is {"Body": <the model's answer, parsed as JSON when it is
// JSON, else text>, "ContentType": <its type>}. Input and Output (S3 locations) are not
// supported yet: they need S3.
func (h *Handler) invokeModel(ctx context.Context, t *engine.Task, svc service, params map[string]any) (string, error) {
	if _, ok := params["Input"]; ok {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "Stepwise does not support bedrock:invokeModel's Input (an S3 location) yet"}
	}
	if _, ok := params["Output"]; ok {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "Stepwise does not support bedrock:invokeModel's Output (an S3 location) yet"}
	}
	stringify(params, "Body")
	if _, ok := params["ContentType"]; !ok {
		params["ContentType"] = "application/json"
	}
	resp, err := h.call(ctx, t, svc, "invokeModel", params)
	if err != nil {
		return "", failure(svc, err)
	}
	in, _ := resp.Output.(map[string]any)
	out := map[string]any{}
	for k, v := range in {
		out[k] = v
	}
	if body, ok := in["Body"]; ok {
		out["Body"] = modelBody(body)
	}
	if _, ok := out["ContentType"]; !ok && resp.Header != nil && resp.Header.Get("Content-Type") != "" {
		out["ContentType"] = resp.Header.Get("Content-Type")
	}
	return value.Encode(out), nil
}

// modelBody is a model's answer as Step Functions returns it: JSON when it parses as JSON.
// A client may hand the blob over as bytes, as text, or base64-encoded as the aws-sdk
// integration renders blobs.
func modelBody(body any) any {
	var text string
	switch b := body.(type) {
	case []byte:
		text = string(b)
	case string:
		text = b
	default:
		return body
	}
	if v, err := value.DecodeString(text); err == nil {
		return v
	}
	if raw, err := base64.StdEncoding.DecodeString(text); err == nil {
		if v, err := value.Decode(raw); err == nil {
			return v
		}
	}
	return text
}
