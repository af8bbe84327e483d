package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/awssdk/model"
	"github.com/stepwise-run/stepwise/integration/awssdk/protocol"
	"github.com/stepwise-run/stepwise/runner"
)

// apiError is an error of the Step Functions API (api.Error), seen from here.
type apiError interface {
	ErrorCode() string
	ErrorMessage() string
	HTTPStatus() int
}

// sfnSDK runs arn:aws:states:::aws-sdk:sfn:<action> for any Step Functions action: the
// parameters are the action's request in PascalCase, the result its response in PascalCase,
// and a failure is Sfn.<Exception> with the AWS SDK's cause text, as AWS runs them.
func (r *Registry) sfnSDK(ctx context.Context, t *engine.Task) (string, error) {
	if r.SFN == nil {
		return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "the Step Functions API is not available to tasks here"}
	}
	name := strings.TrimSuffix(t.ResourceName, ".waitForTaskToken")
	action := upperFirst(name)
	params, err := value.DecodeString(t.Parameters)
	if err != nil {
		return "", &runner.TaskError{Name: "States.Runtime", Cause: "invalid parameters: " + err.Error()}
	}
	req, ok := rekey(params, lowerFirst).(*value.Object) // rekey made it: ours to change
	if !ok {
		req = value.NewObject(0)
	}
	// The SDK integration serialises a JSON value given where the API takes JSON text (in
	// its key order).
	for _, k := range []string{"input", "output"} {
		if v, ok := req.Get(k); ok {
			if _, isText := v.(string); !isText && v != nil {
				req.Set(k, value.Encode(v))
			}
		}
	}
	out, err := r.SFN(ctx, action, []byte(value.Encode(req)))
	if err != nil {
		var ae apiError
		if errors.As(err, &ae) {
			code := ae.ErrorCode()
			if !strings.HasSuffix(code, "Exception") {
				code += "Exception"
			}
			return "", &runner.TaskError{Name: "Sfn." + code,
				Cause: fmt.Sprintf("%s (Service: Sfn, Status Code: %d, Request ID: %s) (SDK Attempt Count: 1)", ae.ErrorMessage(), ae.HTTPStatus(), ChildName(t.Token+"/"+action))}
		}
		return "", err
	}
	if res, ok := sfnResult(action, out); ok {
		return value.Encode(res), nil
	}
	res, err := value.Decode(out)
	if err != nil {
		return "", err
	}
	return value.Encode(rekey(res, upperFirst)), nil
}

// sfnResult renders an answer of the Step Functions API as the AWS SDK renders every aws-sdk
// task's result, through the action's model: PascalCase members, timestamps as ISO 8601 text
// (the API's epoch seconds are an Instant in the SDK), blobs in base64.
func sfnResult(action string, out []byte) (any, bool) {
	svc, err := model.Embedded().Service("sfn")
	if err != nil {
		return nil, false
	}
	op := svc.Operation(action)
	codec := protocol.For(svc.Metadata.Protocol)
	if op == nil || codec == nil {
		return nil, false
	}
	res, err := codec.Decode(svc, op, &protocol.Response{Status: 200, Header: http.Header{}, Body: out})
	if err != nil {
		return nil, false
	}
	return res, true
}

// rekey renames every object key of v with f, at every depth.
func rekey(v any, f func(string) string) any {
	switch x := v.(type) {
	case *value.Object:
		out := value.NewObject(x.Len())
		for _, m := range x.Members() {
			out.Set(f(m.Key), rekey(m.Value, f))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[f(k)] = rekey(e, f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rekey(e, f)
		}
		return out
	}
	return v
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
