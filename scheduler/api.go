package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/schedule"
	"github.com/stepwise-run/stepwise/store"
)

// Error is a Scheduler API error: its type is the X-Amzn-ErrorType the SDKs read.
type Error struct {
	Type    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func validation(format string, args ...any) *Error {
	return &Error{Type: "ValidationException", Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func notFound(format string, args ...any) *Error {
	return &Error{Type: "ResourceNotFoundException", Message: fmt.Sprintf(format, args...), Status: http.StatusNotFound}
}

func conflict(format string, args ...any) *Error {
	return &Error{Type: "ConflictException", Message: fmt.Sprintf(format, args...), Status: http.StatusConflict}
}

// Handles reports whether a request path is the Scheduler API's: the server routes those
// here and the rest to Step Functions and the console.
func Handles(path string) bool {
	return path == "/schedules" || strings.HasPrefix(path, "/schedules/") ||
		path == "/schedule-groups" || strings.HasPrefix(path, "/schedule-groups/") ||
		strings.HasPrefix(path, "/tags/")
}

// maxBody bounds a request body: a target's Input is at most 8 KiB on AWS, and the rest of a
// schedule is small.
const maxBody = 1 << 20

type route struct {
	op     string
	handle func(s *Service, ctx context.Context, name string, q url.Values, body []byte) (any, error)
}

// routes maps METHOD and path kind to the operation, as the service model's requestUri says.
var routes = map[string]route{
	"POST schedule":         {"CreateSchedule", (*Service).createSchedule},
	"GET schedule":          {"GetSchedule", (*Service).getSchedule},
	"PUT schedule":          {"UpdateSchedule", (*Service).updateSchedule},
	"DELETE schedule":       {"DeleteSchedule", (*Service).deleteSchedule},
	"GET schedules":         {"ListSchedules", (*Service).listSchedules},
	"POST schedule-group":   {"CreateScheduleGroup", (*Service).createGroup},
	"GET schedule-group":    {"GetScheduleGroup", (*Service).getGroup},
	"DELETE schedule-group": {"DeleteScheduleGroup", (*Service).deleteGroup},
	"GET schedule-groups":   {"ListScheduleGroups", (*Service).listGroups},
	"POST tags":             {"TagResource", (*Service).tagResource},
	"DELETE tags":           {"UntagResource", (*Service).untagResource},
	"GET tags":              {"ListTagsForResource", (*Service).listTags},
}

// ServeHTTP serves the Scheduler API.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", ids.UUID())
	kind, name, err := splitPath(r.URL.EscapedPath())
	if err != nil {
		s.writeError(w, err)
		return
	}
	rt, ok := routes[r.Method+" "+kind]
	if !ok {
		s.writeError(w, &Error{Type: "UnknownOperationException", Message: r.Method + " " + r.URL.Path + " is not a Scheduler operation", Status: http.StatusNotFound})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.writeError(w, validation("the request body could not be read"))
		return
	}
	if len(body) > maxBody {
		s.writeError(w, validation("the request body is larger than %d bytes", maxBody))
		return
	}
	ctx := r.Context()
	if s.guard != nil {
		if err := s.authorize(r, body, rt.op, kind, name); err != nil {
			s.writeError(w, err)
			return
		}
	}
	if err := checkNames(kind, name, r.URL.Query()); err != nil {
		s.writeError(w, err)
		return
	}
	out, err := rt.handle(s, ctx, name, r.URL.Query(), body)
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	b, _ := json.Marshal(out)
	w.Write(b)
}

func splitPath(p string) (kind, name string, err error) {
	for _, k := range []string{"schedule-groups", "schedules", "tags"} {
		if p == "/"+k {
			return k, "", nil
		}
		if rest, ok := strings.CutPrefix(p, "/"+k+"/"); ok {
			name, err := url.PathUnescape(rest)
			if err != nil || name == "" {
				return "", "", validation("invalid path %s", p)
			}
			if k != "tags" {
				k = strings.TrimSuffix(k, "s")
			}
			return k, name, nil
		}
	}
	return "", "", &Error{Type: "UnknownOperationException", Message: p + " is not a Scheduler path", Status: http.StatusNotFound}
}

// authorize checks the SigV4 signature (service "scheduler") and scheduler:<Operation> on the
// resource the call names, as IAM would.
func (s *Service) authorize(r *http.Request, body []byte, op, kind, name string) error {
	p, err := s.guard.Authenticate(r, body, "scheduler")
	if err != nil {
		return err
	}
	resource := "*"
	switch kind {
	case "schedule":
		group := r.URL.Query().Get("groupName")
		if op == "CreateSchedule" || op == "UpdateSchedule" {
			var in struct{ GroupName string }
			_ = json.Unmarshal(body, &in)
			group = in.GroupName
		}
		resource = s.scheduleArn(orDefault(group), name)
	case "schedule-group":
		resource = s.groupArn(name)
	case "tags":
		resource = name
	}
	if err := s.guard.AuthorizeContext(r.Context(), p, "scheduler:"+op, resource); err != nil {
		return err
	}
	if op == "CreateSchedule" || op == "UpdateSchedule" {
		var in struct{ Target struct{ RoleArn string } }
		_ = json.Unmarshal(body, &in)
		if in.Target.RoleArn != "" {
			return s.guard.AuthorizeContext(r.Context(), p, "iam:PassRole", in.Target.RoleArn)
		}
	}
	return nil
}

func (s *Service) writeError(w http.ResponseWriter, err error) {
	var e *Error
	var ie *iam.Error
	switch {
	case errors.As(err, &e):
	case errors.As(err, &ie):
		e = &Error{Type: ie.Code, Message: ie.Message, Status: ie.Status}
	default:
		s.log.Error("scheduler api", "err", err)
		e = &Error{Type: "InternalServerException", Message: "An internal error occurred.", Status: http.StatusInternalServerError}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.Type)
	w.WriteHeader(e.Status)
	b, _ := json.Marshal(map[string]string{"Message": e.Message})
	w.Write(b)
}

func orDefault(group string) string {
	if group == "" {
		return DefaultGroup
	}
	return group
}

// DefaultGroup is the group of schedules created without one; it always exists.
const DefaultGroup = "default"

func (s *Service) scheduleArn(group, name string) string {
	return fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule/%s/%s", s.region, s.account, group, name)
}

func (s *Service) groupArn(name string) string {
	return fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule-group/%s", s.region, s.account, name)
}

var namePattern = regexp.MustCompile(`^[0-9a-zA-Z-_.]{1,64}$`)

// The service model's patterns for a target's RoleArn, a dead-letter queue, a KMS key and a
// client token.
var (
	roleArnPattern     = regexp.MustCompile(`^arn:aws(-[a-z]+)?:iam::\d{12}:role/[\w+=,.@/-]+$`)
	queueArnPattern    = regexp.MustCompile(`^arn:aws(-[a-z]+)?:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+$`)
	kmsKeyArnPattern   = regexp.MustCompile(`^arn:aws(-[a-z]+)?:kms:[a-z0-9\-]+:\d{12}:(key|alias)/[0-9a-zA-Z-_]*$`)
	clientTokenPattern = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)
)

func checkName(field, v string) error {
	if !namePattern.MatchString(v) {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+ and have length between 1 and 64", v, field)
	}
	return nil
}

// checkClientToken checks a ClientToken the call gives.
func checkClientToken(token string) error {
	if token != "" && !clientTokenPattern.MatchString(token) {
		return validation("1 validation error detected: Value '%s' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]+$ and have length between 1 and 64", token)
	}
	return nil
}

// checkNames checks the names a call's path and query give, so that a name no schedule or
// group can have is a ValidationException, not a ResourceNotFoundException.
func checkNames(kind, name string, q url.Values) error {
	if kind == "schedule" || kind == "schedule-group" {
		if err := checkName("name", name); err != nil {
			return err
		}
	}
	param := map[string]string{"schedule": "groupName", "schedules": "ScheduleGroup"}[kind]
	if param != "" && q.Has(param) {
		return checkName("groupName", q.Get(param))
	}
	return nil
}

func decode(body []byte, v any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return validation("invalid value for %s", te.Field)
		}
		return validation("the request body is not valid JSON: %v", err)
	}
	return nil
}

// scheduleInput is CreateSchedule's and UpdateSchedule's body.
type scheduleInput struct {
	Definition
	GroupName   string `json:"GroupName"`
	ClientToken string `json:"ClientToken"`
}

func (s *Service) createSchedule(ctx context.Context, name string, _ url.Values, body []byte) (any, error) {
	sc, err := s.scheduleFromInput(ctx, name, body, nil)
	if err != nil {
		return nil, err
	}
	if err := s.schedules.CreateSchedule(ctx, sc); err != nil {
		switch {
		case errors.Is(err, store.ErrExists):
			if s.sameCall(ctx, sc) {
				return map[string]string{"ScheduleArn": sc.Arn}, nil
			}
			return nil, conflict("Schedule %s already exists.", name)
		case errors.Is(err, store.ErrNotFound):
			return nil, notFound("Schedule group %s does not exist.", sc.Group)
		}
		return nil, err
	}
	s.Kick()
	return map[string]string{"ScheduleArn": sc.Arn}, nil
}

func (s *Service) updateSchedule(ctx context.Context, name string, _ url.Values, body []byte) (any, error) {
	var in scheduleInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	old, err := s.schedules.GetSchedule(ctx, orDefault(in.GroupName), name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Schedule %s does not exist.", name)
	}
	if err != nil {
		return nil, err
	}
	sc, err := s.scheduleFromInput(ctx, name, body, old)
	if err != nil {
		return nil, err
	}
	if err := s.schedules.UpdateSchedule(ctx, sc); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound("Schedule %s does not exist.", name)
		}
		return nil, err
	}
	s.Kick()
	return map[string]string{"ScheduleArn": sc.Arn}, nil
}

// scheduleFromInput validates a CreateSchedule or UpdateSchedule body and returns the
// schedule to store, with its first firing; old is the schedule an update replaces.
func (s *Service) scheduleFromInput(ctx context.Context, name string, body []byte, old *store.Schedule) (*store.Schedule, error) {
	if err := checkName("name", name); err != nil {
		return nil, err
	}
	var in scheduleInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	// An empty GroupName or time zone is not one left out: both have a length of 1 at least.
	var given struct{ GroupName, ScheduleExpressionTimezone *string }
	_ = json.Unmarshal(body, &given)
	if given.GroupName != nil && *given.GroupName == "" {
		return nil, checkName("groupName", "")
	}
	if given.ScheduleExpressionTimezone != nil && *given.ScheduleExpressionTimezone == "" {
		return nil, validation("1 validation error detected: Value '' at 'scheduleExpressionTimezone' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	group := orDefault(in.GroupName)
	if err := checkName("groupName", group); err != nil {
		return nil, err
	}
	if err := checkClientToken(in.ClientToken); err != nil {
		return nil, err
	}
	d := in.Definition
	d.ClientToken = ""
	if old == nil {
		d.ClientToken = in.ClientToken
	}
	if err := s.validate(&d); err != nil {
		return nil, err
	}
	now := s.now()
	if old == nil && d.StartDate != nil && d.StartDate.Before(now.Add(-5*time.Minute)) {
		// CreateSchedule's answer (recorded by moto's maintainers); a one-time schedule's
		// dates are ignored, so not checked. UpdateSchedule is not checked: whether AWS
		// refuses an update that keeps a schedule's StartDate, as GetSchedule gave it, is not
		// known, and refusing would break the get-then-update round trip.
		if expr, err := schedule.Parse(d.ScheduleExpression, d.ScheduleExpressionTimezone); err == nil && !expr.OneTime() {
			return nil, validation("The StartDate you specify cannot be earlier than 5 minutes ago.")
		}
	}
	d.Anchor = at(now.Truncate(time.Minute))
	cfg, _ := json.Marshal(d)
	sc := &store.Schedule{Arn: s.scheduleArn(group, name), Group: group, Name: name, State: d.State, Config: string(cfg),
		CreatedAt: now, UpdatedAt: now}
	if old != nil {
		sc.CreatedAt = old.CreatedAt
	}
	if d.State == "ENABLED" {
		expr, _ := schedule.Parse(d.ScheduleExpression, d.ScheduleExpressionTimezone)
		// rate() starts at once, and an at() in the current minute still fires (Scheduler's
		// precision is a minute); a cron() time already past in this minute does not.
		from := now.Truncate(time.Minute)
		if expr.Kind == schedule.Cron {
			from = now
		}
		if next := expr.NextIn(from, d.Anchor.Time, window(&d)); !next.IsZero() {
			sc.NextFire = &next
			due := next.Add(flexOffset(sc.Arn, next, &d))
			sc.Due = &due
		}
	}
	return sc, nil
}

// sameCall reports whether sc, refused as a duplicate, is the schedule that a CreateSchedule
// call with the same client token already made (a retry of that call).
func (s *Service) sameCall(ctx context.Context, sc *store.Schedule) bool {
	var d Definition
	if json.Unmarshal([]byte(sc.Config), &d) != nil || d.ClientToken == "" {
		return false
	}
	got, err := s.schedules.GetSchedule(ctx, sc.Group, sc.Name)
	if err != nil {
		return false
	}
	var have Definition
	return json.Unmarshal([]byte(got.Config), &have) == nil && have.ClientToken == d.ClientToken
}

func window(d *Definition) schedule.Window {
	var w schedule.Window
	if d.StartDate != nil {
		w.Start = d.StartDate.Time
	}
	if d.EndDate != nil {
		w.End = d.EndDate.Time
	}
	return w
}

// validate checks a definition as Scheduler does and fills in its defaults.
func (s *Service) validate(d *Definition) error {
	if d.ScheduleExpression == "" {
		return validation("1 validation error detected: Value null at 'scheduleExpression' failed to satisfy constraint: Member must not be null")
	}
	expr, err := schedule.Parse(d.ScheduleExpression, d.ScheduleExpressionTimezone)
	if err != nil {
		return validation("%s", err.Error())
	}
	if d.FlexibleTimeWindow == nil {
		return validation("1 validation error detected: Value null at 'flexibleTimeWindow' failed to satisfy constraint: Member must not be null")
	}
	switch fw := d.FlexibleTimeWindow; fw.Mode {
	case "OFF":
		if fw.MaximumWindowInMinutes != nil {
			return validation("MaximumWindowInMinutes is only allowed when FlexibleTimeWindow's Mode is FLEXIBLE.")
		}
	case "FLEXIBLE":
		if fw.MaximumWindowInMinutes == nil {
			return validation("MaximumWindowInMinutes is required when FlexibleTimeWindow's Mode is FLEXIBLE.")
		}
		if m := *fw.MaximumWindowInMinutes; m < 1 || m > 1440 {
			return validation("1 validation error detected: Value '%d' at 'flexibleTimeWindow.maximumWindowInMinutes' failed to satisfy constraint: Member must have value between 1 and 1440", m)
		}
	default:
		return validation("1 validation error detected: Value '%s' at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must satisfy enum value set: [OFF, FLEXIBLE]", fw.Mode)
	}
	switch d.State {
	case "":
		d.State = "ENABLED"
	case "ENABLED", "DISABLED":
	default:
		return validation("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", d.State)
	}
	switch d.ActionAfterCompletion {
	case "":
		d.ActionAfterCompletion = "NONE"
	case "NONE", "DELETE":
	default:
		return validation("1 validation error detected: Value '%s' at 'actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value set: [NONE, DELETE]", d.ActionAfterCompletion)
	}
	if d.Description != nil && utf8.RuneCountInString(*d.Description) > 512 {
		return validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 512")
	}
	// A one-time schedule's dates are kept as given and ignored (schedule.Window), so not
	// checked: "EventBridge Scheduler ignores StartDate [and EndDate] for one-time schedules".
	if d.StartDate != nil && d.EndDate != nil && !d.EndDate.After(d.StartDate.Time) && !expr.OneTime() {
		return validation("The EndDate must be after the StartDate.")
	}
	if d.EndDate != nil && !d.EndDate.After(s.now()) && !expr.OneTime() {
		return validation("The EndDate must be in the future.")
	}
	if d.KmsKeyArn != nil && (!kmsKeyArnPattern.MatchString(*d.KmsKeyArn) || len(*d.KmsKeyArn) > 2048) {
		return validation("1 validation error detected: Value '%s' at 'kmsKeyArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:kms:[a-z0-9\\-]+:\\d{12}:(key|alias)\\/[0-9a-zA-Z-_]*$", *d.KmsKeyArn)
	}
	t := d.Target
	if t == nil {
		return validation("1 validation error detected: Value null at 'target' failed to satisfy constraint: Member must not be null")
	}
	if t.Arn == "" || len(t.Arn) > 1600 {
		return validation("1 validation error detected: Value at 'target.arn' failed to satisfy constraint: Member must have length between 1 and 1600")
	}
	if !roleArnPattern.MatchString(t.RoleArn) || len(t.RoleArn) > 1600 {
		return validation("1 validation error detected: Value '%s' at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+$", t.RoleArn)
	}
	if len(t.DeadLetterConfig) > 0 {
		var dlq struct{ Arn *string }
		if err := json.Unmarshal(t.DeadLetterConfig, &dlq); err != nil {
			return validation("invalid value for Target.DeadLetterConfig")
		}
		if dlq.Arn != nil && (!queueArnPattern.MatchString(*dlq.Arn) || len(*dlq.Arn) > 1600) {
			return validation("1 validation error detected: Value '%s' at 'target.deadLetterConfig.arn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:sqs:[a-z0-9\\-]+:\\d{12}:[a-zA-Z0-9\\-_]+$", *dlq.Arn)
		}
	}
	if t.Input != nil && *t.Input == "" {
		return validation("1 validation error detected: Value at 'target.input' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if err := checkUniversal(t.Arn); err != nil {
		return err
	}
	if kind := jsonTarget(t.Arn); kind != "" && t.Input != nil && !json.Valid([]byte(contextAttributes(*t.Input, "arn", time.Time{}, "id", 1))) {
		return validation("Input for a %s target must be valid JSON.", kind)
	}
	if t.RetryPolicy == nil {
		t.RetryPolicy = &RetryPolicy{}
	}
	rp := t.RetryPolicy
	if rp.MaximumEventAgeInSeconds == nil {
		v := DefaultMaximumEventAge
		rp.MaximumEventAgeInSeconds = &v
	}
	if rp.MaximumRetryAttempts == nil {
		v := DefaultMaximumRetryAttempts
		rp.MaximumRetryAttempts = &v
	}
	if v := *rp.MaximumEventAgeInSeconds; v < 60 || v > 86400 {
		return validation("1 validation error detected: Value '%d' at 'target.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 86400", v)
	}
	if v := *rp.MaximumRetryAttempts; v < 0 || v > 185 {
		return validation("1 validation error detected: Value '%d' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value between 0 and 185", v)
	}
	return nil
}

// jsonTarget names the templated targets whose Input must be well-formed JSON, as the API
// reference's Target.Input says: Lambda, Step Functions and EventBridge; "" for the others.
func jsonTarget(arn string) string {
	p := strings.SplitN(arn, ":", 6)
	if len(p) < 6 || p[0] != "arn" {
		return ""
	}
	switch {
	case p[2] == "states" && strings.HasPrefix(p[5], "stateMachine:"):
		return "Step Functions"
	case p[2] == "lambda" && strings.HasPrefix(p[5], "function:"):
		return "Lambda"
	case p[2] == "events" && strings.HasPrefix(p[5], "event-bus/"):
		return "EventBridge"
	case p[2] == "scheduler" && strings.HasPrefix(p[5], "aws-sdk:"):
		return "universal"
	}
	return ""
}

// readOnlyPrefixes begin the names of the read-only API actions that a universal target
// may not call (the user guide's "Using universal targets", "Unsupported actions").
var readOnlyPrefixes = []string{"get", "describe", "list", "poll", "receive", "search", "scan", "query", "select",
	"read", "lookup", "discover", "validate", "batchGet", "batchDescribe", "batchRead", "transactGet", "adminGet",
	"adminList", "testMigration", "retrieve", "testConnection", "translateDocument", "isAuthorized", "invokeModel"}

// checkUniversal refuses a universal target whose action is read-only.
func checkUniversal(arn string) error {
	rest, ok := strings.CutPrefix(arn, "arn:aws:scheduler:::aws-sdk:")
	if !ok {
		return nil
	}
	_, action, _ := strings.Cut(rest, ":")
	for _, p := range readOnlyPrefixes {
		if strings.HasPrefix(action, p) {
			return validation("The universal target %s calls %s, a read-only action, which EventBridge Scheduler does not support.", arn, action)
		}
	}
	return nil
}

func isStateMachine(arn string) bool {
	return strings.HasPrefix(arn, "arn:aws:states:") && strings.Contains(arn, ":stateMachine:")
}

// scheduleOutput is GetSchedule's answer.
type scheduleOutput struct {
	Definition
	Arn                  string `json:"Arn"`
	Name                 string `json:"Name"`
	GroupName            string `json:"GroupName"`
	CreationDate         Time   `json:"CreationDate"`
	LastModificationDate Time   `json:"LastModificationDate"`
}

func (s *Service) getSchedule(ctx context.Context, name string, q url.Values, _ []byte) (any, error) {
	sc, err := s.schedules.GetSchedule(ctx, orDefault(q.Get("groupName")), name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Schedule %s does not exist.", name)
	}
	if err != nil {
		return nil, err
	}
	var d Definition
	if err := json.Unmarshal([]byte(sc.Config), &d); err != nil {
		return nil, err
	}
	d.Anchor, d.ClientToken = nil, ""
	return scheduleOutput{Definition: d, Arn: sc.Arn, Name: sc.Name, GroupName: sc.Group,
		CreationDate: Time{sc.CreatedAt}, LastModificationDate: Time{sc.UpdatedAt}}, nil
}

func (s *Service) deleteSchedule(ctx context.Context, name string, q url.Values, _ []byte) (any, error) {
	err := s.schedules.DeleteSchedule(ctx, orDefault(q.Get("groupName")), name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Schedule %s does not exist.", name)
	}
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func maxResults(q url.Values) (int, error) {
	v := q.Get("MaxResults")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, validation("1 validation error detected: Value '%s' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", v)
	}
	return n, nil
}

// checkPrefix checks a List call's NamePrefix: a prefix of a name, so of the names' pattern.
func checkPrefix(q url.Values) error {
	if !q.Has("NamePrefix") {
		return nil
	}
	return checkName("namePrefix", q.Get("NamePrefix"))
}

func badToken(err error) error {
	if errors.Is(err, store.ErrInvalidToken) {
		return validation("Invalid NextToken.")
	}
	return err
}

type targetSummary struct {
	Arn string `json:"Arn"`
}

type scheduleSummary struct {
	Arn                  string        `json:"Arn"`
	Name                 string        `json:"Name"`
	GroupName            string        `json:"GroupName"`
	State                string        `json:"State"`
	CreationDate         Time          `json:"CreationDate"`
	LastModificationDate Time          `json:"LastModificationDate"`
	Target               targetSummary `json:"Target"`
}

func (s *Service) listSchedules(ctx context.Context, _ string, q url.Values, _ []byte) (any, error) {
	n, err := maxResults(q)
	if err != nil {
		return nil, err
	}
	if err := checkPrefix(q); err != nil {
		return nil, err
	}
	f := store.ScheduleFilter{Group: q.Get("ScheduleGroup"), NamePrefix: q.Get("NamePrefix"), State: q.Get("State")}
	if f.State != "" && f.State != "ENABLED" && f.State != "DISABLED" {
		return nil, validation("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", f.State)
	}
	if f.Group != "" {
		if _, err := s.schedules.GetScheduleGroup(ctx, f.Group); errors.Is(err, store.ErrNotFound) {
			return nil, notFound("Schedule group %s does not exist.", f.Group)
		}
	}
	scs, next, err := s.schedules.ListSchedules(ctx, f, store.Page{Token: q.Get("NextToken"), Limit: n})
	if err != nil {
		return nil, badToken(err)
	}
	out := struct {
		Schedules []scheduleSummary `json:"Schedules"`
		NextToken string            `json:"NextToken,omitempty"`
	}{Schedules: []scheduleSummary{}, NextToken: next}
	for _, sc := range scs {
		var d struct{ Target struct{ Arn string } }
		_ = json.Unmarshal([]byte(sc.Config), &d)
		out.Schedules = append(out.Schedules, scheduleSummary{Arn: sc.Arn, Name: sc.Name, GroupName: sc.Group, State: sc.State,
			CreationDate: Time{sc.CreatedAt}, LastModificationDate: Time{sc.UpdatedAt}, Target: targetSummary{Arn: d.Target.Arn}})
	}
	return out, nil
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func checkTags(tags []tag) error {
	if len(tags) > 200 {
		return validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200")
	}
	for _, t := range tags {
		// Lengths count characters, as AWS's constraints do.
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 {
			return validation("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128", t.Key)
		}
		if n := utf8.RuneCountInString(t.Value); n < 1 || n > 256 {
			return validation("1 validation error detected: Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length between 1 and 256", t.Value)
		}
	}
	return nil
}

func storeTags(tags []tag) []store.Tag {
	out := make([]store.Tag, len(tags))
	for i, t := range tags {
		out[i] = store.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func (s *Service) createGroup(ctx context.Context, name string, _ url.Values, body []byte) (any, error) {
	if err := checkName("name", name); err != nil {
		return nil, err
	}
	var in struct {
		Tags        []tag  `json:"Tags"`
		ClientToken string `json:"ClientToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkClientToken(in.ClientToken); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	now := s.now()
	g := &store.ScheduleGroup{Arn: s.groupArn(name), Name: name, CreatedAt: now, UpdatedAt: now, ClientToken: in.ClientToken,
		Tags: storeTags(in.Tags)} // with it, in its transaction
	if err := s.schedules.CreateScheduleGroup(ctx, g); err != nil {
		if errors.Is(err, store.ErrExists) {
			if s.sameGroupCall(ctx, g) {
				// A retry changes nothing: the group keeps the tags of the call that made
				// it, even when the retry names others (docs/operations.md says why).
				return map[string]string{"ScheduleGroupArn": g.Arn}, nil
			}
			return nil, conflict("Schedule group %s already exists.", name)
		}
		return nil, err
	}
	return map[string]string{"ScheduleGroupArn": g.Arn}, nil
}

// sameGroupCall reports whether g, refused as a duplicate, is the group that a
// CreateScheduleGroup call with the same client token already made (a retry of that call).
func (s *Service) sameGroupCall(ctx context.Context, g *store.ScheduleGroup) bool {
	if g.ClientToken == "" {
		return false
	}
	got, err := s.schedules.GetScheduleGroup(ctx, g.Name)
	return err == nil && got.ClientToken == g.ClientToken
}

type groupOutput struct {
	Arn                  string `json:"Arn"`
	Name                 string `json:"Name"`
	State                string `json:"State"`
	CreationDate         Time   `json:"CreationDate"`
	LastModificationDate Time   `json:"LastModificationDate"`
}

func groupOut(g *store.ScheduleGroup) groupOutput {
	return groupOutput{Arn: g.Arn, Name: g.Name, State: "ACTIVE", CreationDate: Time{g.CreatedAt}, LastModificationDate: Time{g.UpdatedAt}}
}

func (s *Service) getGroup(ctx context.Context, name string, _ url.Values, _ []byte) (any, error) {
	g, err := s.schedules.GetScheduleGroup(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Schedule group %s does not exist.", name)
	}
	if err != nil {
		return nil, err
	}
	return groupOut(g), nil
}

func (s *Service) deleteGroup(ctx context.Context, name string, _ url.Values, _ []byte) (any, error) {
	if name == DefaultGroup {
		return nil, validation("The default schedule group cannot be deleted.")
	}
	err := s.schedules.DeleteScheduleGroup(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Schedule group %s does not exist.", name)
	}
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) listGroups(ctx context.Context, _ string, q url.Values, _ []byte) (any, error) {
	n, err := maxResults(q)
	if err != nil {
		return nil, err
	}
	if err := checkPrefix(q); err != nil {
		return nil, err
	}
	gs, next, err := s.schedules.ListScheduleGroups(ctx, q.Get("NamePrefix"), store.Page{Token: q.Get("NextToken"), Limit: n})
	if err != nil {
		return nil, badToken(err)
	}
	out := struct {
		ScheduleGroups []groupOutput `json:"ScheduleGroups"`
		NextToken      string        `json:"NextToken,omitempty"`
	}{ScheduleGroups: []groupOutput{}, NextToken: next}
	for _, g := range gs {
		out.ScheduleGroups = append(out.ScheduleGroups, groupOut(g))
	}
	return out, nil
}

// taggedGroup resolves a TagResource ARN: in Scheduler only schedule groups have tags.
func (s *Service) taggedGroup(ctx context.Context, arn string) error {
	prefix := fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule-group/", s.region, s.account)
	name, ok := strings.CutPrefix(arn, prefix)
	if !ok || name == "" {
		return validation("Invalid ResourceArn %s: only schedule groups have tags.", arn)
	}
	if _, err := s.schedules.GetScheduleGroup(ctx, name); errors.Is(err, store.ErrNotFound) {
		return notFound("Schedule group %s does not exist.", name)
	} else if err != nil {
		return err
	}
	return nil
}

func (s *Service) tagResource(ctx context.Context, arn string, _ url.Values, body []byte) (any, error) {
	var in struct {
		Tags []tag `json:"Tags"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.taggedGroup(ctx, arn); err != nil {
		return nil, err
	}
	return struct{}{}, s.tags.TagResource(ctx, arn, storeTags(in.Tags))
}

func (s *Service) untagResource(ctx context.Context, arn string, q url.Values, _ []byte) (any, error) {
	keys := q["TagKeys"]
	if len(keys) == 0 {
		return nil, validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	if len(keys) > 200 {
		return nil, validation("1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 200")
	}
	for _, k := range keys {
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
			return nil, validation("1 validation error detected: Value '%s' at 'tagKeys.member' failed to satisfy constraint: Member must have length between 1 and 128", k)
		}
	}
	if err := s.taggedGroup(ctx, arn); err != nil {
		return nil, err
	}
	return struct{}{}, s.tags.UntagResource(ctx, arn, keys)
}

func (s *Service) listTags(ctx context.Context, arn string, _ url.Values, _ []byte) (any, error) {
	if err := s.taggedGroup(ctx, arn); err != nil {
		return nil, err
	}
	ts, err := s.tags.ListTags(ctx, arn)
	if err != nil {
		return nil, err
	}
	out := struct {
		Tags []tag `json:"Tags"`
	}{Tags: []tag{}}
	for _, t := range ts {
		out.Tags = append(out.Tags, tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}
