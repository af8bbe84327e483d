package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/stepwise-run/stepwise/iam"
)

// Guard authenticates and authorizes callers of the API (iam.Directory, with --enforce-iam).
type Guard interface {
	// Authenticate verifies a request's SigV4 signature for service and returns the caller.
	Authenticate(r *http.Request, body []byte, service string) (*iam.Principal, error)
	// AuthorizeContext decides whether the caller may perform action on resource, with the
	// request's condition keys (iam.WithContextKeys) besides the caller's.
	AuthorizeContext(ctx context.Context, p *iam.Principal, action, resource string) error
	// CheckRoleForStates reports whether Step Functions may assume a role for a state machine.
	CheckRoleForStates(roleArn, stateMachineArn string) error
}

// authorize checks a Step Functions call against the Guard: the signature, states:<Action>
// on the resource the request names, and what Create/UpdateStateMachine need besides.
func (s *Server) authorize(ctx context.Context, r *http.Request, action string, body []byte) *Error {
	p, err := s.Guard.Authenticate(r, body, "states")
	if err != nil {
		return guardErr(err)
	}
	var req authRequest
	_ = json.Unmarshal(body, &req)
	if err := s.Guard.AuthorizeContext(iam.WithContextKeys(ctx, qualifierKey(&req)), p, "states:"+action, s.resourceOf(ctx, action, &req)); err != nil {
		return guardErr(err)
	}
	if (action == "CreateStateMachine" || action == "UpdateStateMachine") && req.RoleArn != "" {
		if err := s.Guard.AuthorizeContext(ctx, p, "iam:PassRole", req.RoleArn); err != nil {
			return guardErr(err)
		}
		if err := s.Guard.CheckRoleForStates(req.RoleArn, s.resourceOf(ctx, action, &req)); err != nil {
			return guardErr(err)
		}
	}
	if req.Publish && (action == "CreateStateMachine" || action == "UpdateStateMachine") {
		if err := s.Guard.AuthorizeContext(ctx, p, "states:PublishStateMachineVersion", s.resourceOf(ctx, action, &req)); err != nil {
			return guardErr(err)
		}
	}
	return nil
}

func guardErr(err error) *Error {
	var e *iam.Error
	if errors.As(err, &e) {
		return &Error{Type: e.Code, Message: e.Message, Status: e.Status}
	}
	return &Error{Type: "InternalFailure", Message: "An internal error occurred", Status: http.StatusInternalServerError}
}

// authRequest holds the request members that name the resource of a call.
type authRequest struct {
	Name                 string `json:"name"`
	StateMachineArn      string `json:"stateMachineArn"`
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	StateMachineVersion  string `json:"stateMachineVersionArn"`
	ExecutionArn         string `json:"executionArn"`
	ActivityArn          string `json:"activityArn"`
	MapRunArn            string `json:"mapRunArn"`
	ResourceArn          string `json:"resourceArn"`
	TaskToken            string `json:"taskToken"`
	RoleArn              string `json:"roleArn"`
	Publish              bool   `json:"publish"`
}

// resourceOf is the ARN a call is authorized against, as Step Functions names it in its
// AccessDenied messages: the unqualified state machine for versions and aliases, the
// execution, the activity, or <type>:* for listings and calls on no resource.
func (s *Server) resourceOf(ctx context.Context, action string, req *authRequest) string {
	prefix := "arn:aws:states:" + s.Region + ":" + s.Account + ":"
	switch action {
	case "CreateStateMachine":
		return s.smArn(req.Name)
	case "CreateActivity":
		return prefix + "activity:" + req.Name
	case "ListStateMachines", "ValidateStateMachineDefinition", "TestState":
		return prefix + "stateMachine:*"
	case "ListActivities":
		return prefix + "activity:*"
	case "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat":
		return s.tokenResource(ctx, req.TaskToken)
	}
	for _, arn := range []string{req.StateMachineArn, req.StateMachineAliasArn, req.StateMachineVersion} {
		if arn != "" {
			return unqualified(arn)
		}
	}
	for _, arn := range []string{req.ExecutionArn, req.ActivityArn, req.MapRunArn, req.ResourceArn} {
		if arn != "" {
			return arn
		}
	}
	return "*"
}

// qualifierKey is states:StateMachineQualifier for a call on a version or alias ARN: the
// version number or alias name that AWS lets policies narrow a state machine's permissions
// by (its "Authorization for versions and aliases"). Calls on an unqualified ARN have none.
func qualifierKey(req *authRequest) iam.RequestContext {
	for _, arn := range []string{req.StateMachineArn, req.StateMachineAliasArn, req.StateMachineVersion} {
		if _, q := splitQualified(arn); q != "" {
			rc := iam.RequestContext{}
			rc.Set("states:StateMachineQualifier", q)
			return rc
		}
	}
	return nil
}

// unqualified strips a version or alias from a state machine ARN.
func unqualified(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 7 && parts[5] == "stateMachine" {
		return strings.Join(parts[:7], ":")
	}
	return arn
}

// tokenResource is the state machine (or activity) a task token belongs to.
func (s *Server) tokenResource(ctx context.Context, token string) string {
	if token == "" {
		return "*"
	}
	t, err := s.Store.TaskByToken(ctx, token)
	if err != nil {
		return "*"
	}
	if strings.Contains(t.Resource, ":activity:") {
		return t.Resource
	}
	ex, err := s.Store.GetExecution(ctx, t.ExecutionArn)
	if err != nil {
		return "*"
	}
	return ex.StateMachineArn
}

// WithIAM serves the IAM Query API (form-encoded POSTs without X-Amz-Target that name an
// Action) and the Step Functions API on one endpoint, as `--endpoint-url` users expect. Any
// other request is Step Functions': one without X-Amz-Target gets its
// UnknownOperationException (curl -d sends a form's Content-Type, and used to get an IAM XML
// error with a blank action name).
func WithIAM(sfn, iamQuery http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct := r.Header.Get("Content-Type")
		if r.Header.Get("X-Amz-Target") == "" && strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") && namesAction(r) {
			iamQuery.ServeHTTP(w, r)
			return
		}
		sfn.ServeHTTP(w, r)
	})
}

// maxFormPeek is how much of a form body namesAction reads: IAM's largest request (a policy
// document, URL-encoded).
const maxFormPeek = 1 << 20

// namesAction says whether a form request names an Action, in its URL or its body, as IAM
// Query requests do. The body it reads is put back for the handler that serves the request.
func namesAction(r *http.Request) bool {
	if r.URL.Query().Get("Action") != "" {
		return true
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, maxFormPeek))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	if err != nil {
		return false
	}
	form, err := url.ParseQuery(string(head))
	return err == nil && form.Get("Action") != "" || len(head) == maxFormPeek
}
