package optimized

import (
	"context"
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// putEvents runs events:putEvents. As recorded: a Detail that is JSON is sent as its text,
// each entry's Resources gain the state machine's and the execution's ARNs, the result has
// no SDK metadata, and a response with FailedEntryCount > 0 fails the task with
// EventBridge.FailedEntry and the response as cause.
func (h *Handler) putEvents(ctx context.Context, t *engine.Task, svc service, params map[string]any) (string, error) {
	if entries, ok := params["Entries"].([]any); ok {
		out := make([]any, len(entries))
		for i, e := range entries {
			m, ok := e.(map[string]any)
			if !ok {
				out[i] = e
				continue
			}
			c := make(map[string]any, len(m)+1)
			for k, v := range m {
				c[k] = v
			}
			stringify(c, "Detail")
			var res []any
			if r, ok := c["Resources"].([]any); ok {
				res = append(res, r...)
			}
			if sm := stateMachineOf(t.Execution); sm != "" {
				res = append(res, sm)
			}
			if t.Execution != "" {
				res = append(res, t.Execution)
			}
			if len(res) > 0 {
				c["Resources"] = res
			}
			out[i] = c
		}
		params["Entries"] = out
	}
	resp, err := h.call(ctx, t, svc, "putEvents", params)
	if err != nil {
		return "", failure(svc, err)
	}
	out, _ := resp.Output.(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	if n, ok := value.Int(out["FailedEntryCount"]); ok && n > 0 {
		return "", &runner.TaskError{Name: "EventBridge.FailedEntry", Cause: value.Encode(out)}
	}
	return value.Encode(out), nil
}

// stateMachineOf is the state machine ARN of an execution ARN
// (arn:aws:states:r:a:execution:sm:name, or express:sm:name:id).
func stateMachineOf(exec string) string {
	parts := strings.Split(exec, ":")
	if len(parts) < 8 || (parts[5] != "execution" && parts[5] != "express") {
		return ""
	}
	return strings.Join(append(parts[:5:5], "stateMachine", parts[6]), ":")
}
