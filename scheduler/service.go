package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/schedule"
	"github.com/stepwise-run/stepwise/store"
)

// Invoker calls a Step Functions API action in process (api.Server.Invoke): a firing of a
// state machine target is a StartExecution call. An error with an ErrorCode method names the
// API error.
type Invoker func(ctx context.Context, action string, body []byte) ([]byte, error)

// Guard authenticates Scheduler calls and authorizes them and the targets' roles
// (iam.Directory, with --enforce-iam).
type Guard interface {
	Authenticate(r *http.Request, body []byte, service string) (*iam.Principal, error)
	AuthorizeContext(ctx context.Context, p *iam.Principal, action, resource string) error
	AuthorizeRole(ctx context.Context, roleArn, action, resource string) error
}

// Tags is where schedule groups' tags are kept (the store's TagResource and friends).
type Tags interface {
	TagResource(ctx context.Context, arn string, tags []store.Tag) error
	UntagResource(ctx context.Context, arn string, keys []string) error
	ListTags(ctx context.Context, arn string) ([]store.Tag, error)
}

// Options configure a Service.
type Options struct {
	Schedules store.Schedules
	Tags      Tags
	// Invoke starts state machines (api.Server.Invoke).
	Invoke Invoker
	// Tasks calls the other targets, as Task states would (the integration registry); nil:
	// a firing of another target is dropped.
	Tasks           runner.TaskHandler
	Region, Account string
	// Owner names this node in its claims (the runner's node id).
	Owner  string
	Guard  Guard
	Logger *slog.Logger
	// Now is the clock (time.Now when nil): tests move it.
	Now func() time.Time
	// PollInterval is how often the loop looks for firings other nodes' schedules brought
	// forward (default 5 s); its own API calls wake it at once.
	PollInterval time.Duration
	// ClaimTTL is how long a node's claim on a firing lasts (default 1 min): another node
	// takes the firing over after it if the node stopped.
	ClaimTTL time.Duration
	// Batch is how many due schedules one claim takes (default 256), Workers how many
	// firings are started at once (default 16).
	Batch, Workers int
}

// Service is the Scheduler API and the firing loop of one node.
type Service struct {
	schedules       store.Schedules
	tags            Tags
	invoke          Invoker
	tasks           runner.TaskHandler
	region, account string
	owner           string
	guard           Guard
	log             *slog.Logger
	now             func() time.Time
	poll, claimTTL  time.Duration
	batch, workers  int
	kick            chan struct{}

	stats Stats
}

// Stats counts firings since the node started (the /metrics page shows them).
type Stats struct {
	// Fired: targets started; Late: of those, started more than a minute after their time
	// (after downtime); Retried: failed attempts that were retried; Dropped: firings given
	// up (too old for MaximumEventAgeInSeconds, out of retries, or refused by the target).
	Fired, Late, Retried, Dropped atomic.Int64
}

// New returns a Service; Run fires its schedules.
func New(o Options) *Service {
	s := &Service{schedules: o.Schedules, tags: o.Tags, invoke: o.Invoke, tasks: o.Tasks, region: o.Region, account: o.Account,
		owner: o.Owner, guard: o.Guard, log: o.Logger, now: o.Now, poll: o.PollInterval, claimTTL: o.ClaimTTL,
		batch: o.Batch, workers: o.Workers, kick: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.poll <= 0 {
		s.poll = 5 * time.Second
	}
	if s.claimTTL <= 0 {
		s.claimTTL = time.Minute
	}
	if s.batch <= 0 {
		s.batch = 256
	}
	if s.workers <= 0 {
		s.workers = 16
	}
	if s.owner == "" {
		s.owner = "scheduler"
	}
	return s
}

// Stats returns the node's firing counters.
func (s *Service) Stats() *Stats { return &s.stats }

// Kick wakes the loop: a schedule changed and may be due sooner than it waits for.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// EnsureDefaultGroup creates the default schedule group when the store has none.
func (s *Service) EnsureDefaultGroup(ctx context.Context) error {
	now := s.now()
	err := s.schedules.CreateScheduleGroup(ctx, &store.ScheduleGroup{Arn: s.groupArn(DefaultGroup), Name: DefaultGroup, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrExists) {
		return nil
	}
	return err
}

// Run fires schedules until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	if err := s.EnsureDefaultGroup(ctx); err != nil {
		return err
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-s.kick:
		}
		wait, err := s.RunDue(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("scheduler", "err", err)
			wait = time.Second
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// RunDue fires every firing due now and returns how long to wait for the next one (at most
// the poll interval).
func (s *Service) RunDue(ctx context.Context) (time.Duration, error) {
	// A read first: most wake-ups (the poll) find nothing due, and then write nothing.
	if wait, err := s.untilDue(ctx); err != nil || wait > 0 {
		return wait, err
	}
	for {
		now := s.now()
		claimed, err := s.schedules.ClaimSchedules(ctx, s.owner, now, now.Add(s.claimTTL), s.batch)
		if err != nil {
			return 0, err
		}
		if len(claimed) == 0 {
			break
		}
		// Claim again: a schedule that missed several firings is due again at once.
		s.fireAll(ctx, claimed)
	}
	wait, err := s.untilDue(ctx)
	if wait == 0 && err == nil {
		// Due but claimed by another node (or by a claim of ours that a crash left): look
		// again when a claim may have expired.
		wait = min(s.poll, time.Second)
	}
	return wait, err
}

// untilDue is how long until the earliest due firing (0: one is due), at most the poll
// interval.
func (s *Service) untilDue(ctx context.Context) (time.Duration, error) {
	next, err := s.schedules.NextScheduleDue(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return s.poll, nil
	}
	if err != nil {
		return 0, err
	}
	return max(0, min(next.Sub(s.now()), s.poll)), nil
}

func (s *Service) fireAll(ctx context.Context, scs []*store.Schedule) {
	if len(scs) == 0 {
		return
	}
	work := make(chan *store.Schedule)
	var wg sync.WaitGroup
	for range min(s.workers, len(scs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sc := range work {
				if err := s.fire(ctx, sc); err != nil && ctx.Err() == nil {
					s.log.Error("schedule firing", "schedule", sc.Arn, "err", err)
				}
			}
		}()
	}
	for _, sc := range scs {
		work <- sc
	}
	close(work)
	wg.Wait()
}

// fire attempts the claimed firing of sc and advances the schedule.
func (s *Service) fire(ctx context.Context, sc *store.Schedule) error {
	var d Definition
	if err := json.Unmarshal([]byte(sc.Config), &d); err != nil {
		return err
	}
	expr, err := schedule.Parse(d.ScheduleExpression, d.ScheduleExpressionTimezone)
	if err != nil || sc.NextFire == nil || d.Target == nil {
		sc.NextFire, sc.Due = nil, nil
		return s.advance(ctx, sc, false)
	}
	scheduled := *sc.NextFire
	now := s.now()
	maxAge := d.Target.RetryPolicy.maxAge()
	// The event's age counts from its first attempt: within a flexible time window, that is
	// the firing's time in the window, not the schedule's time.
	first := scheduled.Add(flexOffset(sc.Arn, scheduled, &d))
	if now.Sub(first) > maxAge {
		s.stats.Dropped.Add(1)
		s.log.Warn("schedule firing dropped: older than MaximumEventAgeInSeconds", "schedule", sc.Arn, "scheduled", scheduled)
		return s.next(ctx, sc, &d, expr, scheduled, now)
	}
	err = s.start(ctx, sc, &d, scheduled)
	if err != nil && ctx.Err() != nil {
		return nil // shutting down: the claim expires, and the firing is attempted again
	}
	switch {
	case err == nil:
		s.stats.Fired.Add(1)
		if now.Sub(scheduled) > time.Minute+flexWindow(&d) {
			s.stats.Late.Add(1)
		}
	case retryable(err) && sc.Attempt < d.Target.RetryPolicy.maxAttempts():
		retryAt := now.Add(backoff(sc.Attempt))
		if retryAt.Sub(first) <= maxAge {
			s.stats.Retried.Add(1)
			s.log.Warn("schedule firing failed; retrying", "schedule", sc.Arn, "attempt", sc.Attempt+1, "err", err)
			sc.Attempt++
			sc.Due = &retryAt
			return s.advance(ctx, sc, false)
		}
		fallthrough
	default:
		s.stats.Dropped.Add(1)
		s.log.Error("schedule firing failed", "schedule", sc.Arn, "target", d.Target.Arn, "scheduled", scheduled, "err", err)
	}
	return s.next(ctx, sc, &d, expr, scheduled, now)
}

// next advances sc past the firing at scheduled: to its next firing, skipping (and
// counting) those already older than the maximum event age; or, when none is left, to
// nothing, or away (ActionAfterCompletion DELETE).
func (s *Service) next(ctx context.Context, sc *store.Schedule, d *Definition, expr *schedule.Expr, scheduled, now time.Time) error {
	anchor := scheduled
	from := scheduled.Add(time.Nanosecond)
	maxAge := d.Target.RetryPolicy.maxAge()
	w := window(d)
	next := expr.NextIn(from, anchor, w)
	for skipped := 0; !next.IsZero() && now.Sub(next.Add(flexOffset(sc.Arn, next, d))) > maxAge; skipped++ {
		if skipped == 1000 {
			// Far behind: jump to the oldest firing still young enough, uncounted.
			next = expr.NextIn(now.Add(-maxAge), anchor, w)
			break
		}
		s.stats.Dropped.Add(1)
		next = expr.NextIn(next.Add(time.Nanosecond), anchor, w)
	}
	sc.Attempt = 0
	if next.IsZero() {
		sc.NextFire, sc.Due = nil, nil
		return s.advance(ctx, sc, d.ActionAfterCompletion == "DELETE")
	}
	due := next.Add(flexOffset(sc.Arn, next, d))
	sc.NextFire, sc.Due = &next, &due
	return s.advance(ctx, sc, false)
}

func (s *Service) advance(ctx context.Context, sc *store.Schedule, remove bool) error {
	err := s.schedules.AdvanceSchedule(ctx, s.owner, sc, remove)
	if errors.Is(err, store.ErrConflict) {
		// The schedule was updated or deleted while it fired, or our claim expired and
		// another node took the firing over: their write stands.
		return nil
	}
	return err
}

// start starts the target of the firing at scheduled.
func (s *Service) start(ctx context.Context, sc *store.Schedule, d *Definition, scheduled time.Time) error {
	t := d.Target
	id := ExecutionID(sc, scheduled)
	input := "{}"
	if t.Input != nil {
		input = contextAttributes(*t.Input, sc.Arn, scheduled, id, sc.Attempt+1)
	}
	action, resource, body := "", "", map[string]string{}
	switch {
	case isStateMachine(t.Arn):
		action, resource = "StartExecution", t.Arn
		body = map[string]string{"stateMachineArn": t.Arn, "name": id, "input": input}
	case strings.HasPrefix(t.Arn, "arn:aws:scheduler:::aws-sdk:sfn:"):
		// A universal target on Step Functions: Input is the request.
		action = strings.TrimPrefix(t.Arn, "arn:aws:scheduler:::aws-sdk:sfn:")
		if action == "" {
			return &Error{Type: "ValidationException", Message: "no action in " + t.Arn}
		}
		action = strings.ToUpper(action[:1]) + action[1:]
		var req map[string]any
		if err := json.Unmarshal([]byte(input), &req); err != nil {
			return &Error{Type: "ValidationException", Message: "the Input of a universal target must be a JSON object"}
		}
		if action == "StartExecution" {
			if _, ok := req["name"]; !ok {
				req["name"] = id
			}
		}
		resource, _ = req["stateMachineArn"].(string)
		if s.guard != nil {
			if err := s.guard.AuthorizeRole(iam.WithSession(ctx, id), t.RoleArn, "states:"+action, resource); err != nil {
				return err
			}
		}
		b, _ := json.Marshal(req)
		_, err := s.invoke(ctx, action, b)
		return ignoreExists(err)
	default:
		return s.startOther(ctx, t, input, id, sc.Name)
	}
	if s.guard != nil {
		if err := s.guard.AuthorizeRole(iam.WithSession(ctx, id), t.RoleArn, "states:"+action, resource); err != nil {
			return err
		}
	}
	b, _ := json.Marshal(body)
	_, err := s.invoke(ctx, action, b)
	return ignoreExists(err)
}

// ignoreExists treats ExecutionAlreadyExists as success: the execution of this firing was
// started before (by this node before a crash, or by another whose claim expired).
func ignoreExists(err error) error {
	if errorCode(err) == "ExecutionAlreadyExists" {
		return nil
	}
	return err
}

func errorCode(err error) string {
	var c interface{ ErrorCode() string }
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	return ""
}

// retryable: the errors a later attempt may not meet (throttling, a server error, the
// store unreachable). A missing state machine or a bad input fails the same every time.
func retryable(err error) bool {
	switch errorCode(err) {
	case "ThrottlingException", "ServiceUnavailable", "InternalFailure", "InternalServerError", "ExecutionLimitExceeded":
		return true
	case "":
		var e *Error
		var ie *iam.Error
		var te *runner.TaskError
		if errors.As(err, &te) {
			return retryableTask(te)
		}
		return !errors.As(err, &e) && !errors.As(err, &ie) && !errors.Is(err, context.Canceled)
	}
	return false
}

// backoff is the wait before retry attempt+1: 1 s doubling up to 5 min.
func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 9)
	return min(d, 5*time.Minute)
}

// ExecutionID is the name of the execution a firing starts (and its
// <aws.scheduler.execution-id>): a UUID derived from the schedule (its ARN and creation
// time, so that a schedule deleted and created again starts new executions) and the
// firing's time, so that every attempt at one firing, on any node, uses the same name.
func ExecutionID(sc *store.Schedule, scheduled time.Time) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d", sc.Arn, sc.CreatedAt.UnixNano(), scheduled.UnixNano())
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50 // a name-based UUID (version 5 layout)
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// contextAttributes fills in the placeholders Scheduler replaces in a target's Input.
func contextAttributes(input, arn string, scheduled time.Time, id string, attempt int) string {
	if !strings.Contains(input, "<aws.scheduler.") {
		return input
	}
	return strings.NewReplacer(
		"<aws.scheduler.schedule-arn>", arn,
		"<aws.scheduler.scheduled-time>", scheduled.UTC().Format(time.RFC3339),
		"<aws.scheduler.execution-id>", id,
		"<aws.scheduler.attempt-number>", strconv.Itoa(attempt),
	).Replace(input)
}

func flexWindow(d *Definition) time.Duration {
	if fw := d.FlexibleTimeWindow; fw != nil && fw.Mode == "FLEXIBLE" && fw.MaximumWindowInMinutes != nil {
		return time.Duration(*fw.MaximumWindowInMinutes) * time.Minute
	}
	return 0
}

// flexOffset is how long after its time a firing is started within a flexible time window:
// spread over the window, and the same on every node for one firing.
func flexOffset(arn string, t time.Time, d *Definition) time.Duration {
	w := flexWindow(d)
	if w == 0 {
		return 0
	}
	h := sha256.Sum256([]byte(arn + "\x00" + strconv.FormatInt(t.UnixNano(), 10)))
	return time.Duration(binary.BigEndian.Uint64(h[:8]) % uint64(w/time.Second) * uint64(time.Second))
}
