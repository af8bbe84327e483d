package api

import (
	"context"
	"encoding/json"
	"net/http"
)

// Invoke runs an action in process, as if it had come over HTTP: Task states that call the
// Step Functions API (arn:aws:states:::aws-sdk:sfn:<action>) use it. body is the JSON request;
// the result is the JSON response, or an *Error.
func (s *Server) Invoke(ctx context.Context, action string, body []byte) ([]byte, error) {
	h := actions[action]
	if h == nil {
		return nil, &Error{Type: "UnknownOperationException", Message: "Unknown operation " + action, Status: http.StatusBadRequest}
	}
	if e := checkMembers(action, body); e != nil {
		return nil, e
	}
	out, err := h(s, ctx, body)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// ErrorCode, ErrorMessage and HTTPStatus describe an API error to callers outside the package
// (the aws-sdk:sfn integration words its task errors from them).
func (e *Error) ErrorCode() string    { return e.Type }
func (e *Error) ErrorMessage() string { return e.Message }
func (e *Error) HTTPStatus() int      { return e.Status }
