package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sch "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// codeErr is an API error as api.Server.Invoke returns one.
type codeErr string

func (e codeErr) Error() string     { return string(e) }
func (e codeErr) ErrorCode() string { return string(e) }

// fakeSFN records StartExecution calls as Step Functions would: a name starts one
// execution; starting it again is ExecutionAlreadyExists.
type fakeSFN struct {
	mu       sync.Mutex
	attempts map[string]int
	inputs   map[string]string
	arns     map[string]string
	// fail, when set, decides the outcome of a call before it starts anything.
	fail func(name string) error
}

func newFakeSFN() *fakeSFN {
	return &fakeSFN{attempts: map[string]int{}, inputs: map[string]string{}, arns: map[string]string{}}
}

func (f *fakeSFN) Invoke(ctx context.Context, action string, body []byte) ([]byte, error) {
	var req struct{ StateMachineArn, Name, Input string }
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts[req.Name]++
	if f.fail != nil {
		if err := f.fail(req.Name); err != nil {
			return nil, err
		}
	}
	if _, ok := f.inputs[req.Name]; ok {
		return nil, codeErr("ExecutionAlreadyExists")
	}
	f.inputs[req.Name], f.arns[req.Name] = req.Input, req.StateMachineArn
	return []byte(`{}`), nil
}

func (f *fakeSFN) started() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.inputs)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	svc   *Service
	sfn   *fakeSFN
	clock *clock
	api   *sch.Client
	store store.Store
}

func openSQLite(t *testing.T) store.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newFixture(t *testing.T, st store.Store, owner string, c *clock, f *fakeSFN) *fixture {
	svc := New(Options{Schedules: st.(store.Schedules), Tags: st, Invoke: f.Invoke, Region: "us-east-1", Account: "123456789012",
		Owner: owner, Now: c.Now, ClaimTTL: time.Minute})
	if err := svc.EnsureDefaultGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	api := sch.New(sch.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})
	return &fixture{svc: svc, sfn: f, clock: c, api: api, store: st}
}

const smArn = "arn:aws:states:us-east-1:123456789012:stateMachine:nightly"
const role = "arn:aws:iam::123456789012:role/scheduler"

func (fx *fixture) create(t *testing.T, name, expr string, edit func(*sch.CreateScheduleInput)) {
	t.Helper()
	in := &sch.CreateScheduleInput{Name: aws.String(name), ScheduleExpression: aws.String(expr),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target:             &types.Target{Arn: aws.String(smArn), RoleArn: aws.String(role), Input: aws.String(`{"n":1}`)}}
	if edit != nil {
		edit(in)
	}
	if _, err := fx.api.CreateSchedule(context.Background(), in); err != nil {
		t.Fatalf("CreateSchedule(%s): %v", name, err)
	}
}

func (fx *fixture) runDue(t *testing.T) {
	t.Helper()
	if _, err := fx.svc.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestFiresOnTime(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0.Add(10 * time.Second)}, newFakeSFN())
	fx.create(t, "every5", "rate(5 minutes)", func(in *sch.CreateScheduleInput) {
		in.Target.Input = aws.String(`{"arn":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>","id":"<aws.scheduler.execution-id>","n":<aws.scheduler.attempt-number>}`)
	})
	fx.create(t, "once", "at(2026-06-01T14:30:00)", func(in *sch.CreateScheduleInput) {
		in.ScheduleExpressionTimezone = aws.String("Europe/Paris") // 12:30 UTC
		in.ActionAfterCompletion = types.ActionAfterCompletionDelete
	})
	fx.create(t, "off", "rate(1 minute)", func(in *sch.CreateScheduleInput) { in.State = types.ScheduleStateDisabled })
	fx.create(t, "ended", "cron(0/10 * * * ? *)", func(in *sch.CreateScheduleInput) { in.EndDate = aws.Time(t0.Add(25 * time.Minute)) })

	fx.runDue(t) // rate() fires at once, in the minute it was created
	if got := fx.sfn.started(); got != 1 {
		t.Fatalf("after creation: %d started, want 1", got)
	}
	for range 60 {
		fx.clock.Add(time.Minute)
		fx.runDue(t)
	}
	// every5: 12:00 .. 13:00 (13); ended: 12:10, 12:20 (2); once: 12:30 (1); off: none.
	if got := fx.sfn.started(); got != 16 {
		t.Fatalf("after an hour: %d started, want 16", got)
	}
	var names []string
	for name, in := range fx.sfn.inputs {
		var v struct {
			Arn, At, ID string
			N           int
		}
		if json.Unmarshal([]byte(in), &v) == nil && v.Arn != "" {
			if v.ID != name || v.N != 1 || v.Arn != "arn:aws:scheduler:us-east-1:123456789012:schedule/default/every5" {
				t.Errorf("input %s of %s", in, name)
			}
			names = append(names, v.At)
		}
	}
	sort.Strings(names)
	if len(names) != 13 || names[0] != "2026-06-01T12:00:00Z" || names[12] != "2026-06-01T13:00:00Z" {
		t.Errorf("every5 fired at %v", names)
	}
	if _, err := fx.api.GetSchedule(context.Background(), &sch.GetScheduleInput{Name: aws.String("once")}); !isType[*types.ResourceNotFoundException](err) {
		t.Errorf("a one-time schedule with ActionAfterCompletion DELETE after it fired: %v", err)
	}
	ended, err := fx.svc.schedules.GetSchedule(context.Background(), DefaultGroup, "ended")
	if err != nil || ended.Due != nil {
		t.Errorf("a schedule past its EndDate: %+v, %v", ended, err)
	}
}

func TestMissedFirings(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0}, newFakeSFN())
	fx.create(t, "minutely", "rate(1 minute)", func(in *sch.CreateScheduleInput) {
		in.Target.RetryPolicy = &types.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(600)}
	})
	fx.runDue(t)
	fx.clock.Add(5 * time.Minute)
	fx.runDue(t) // 12:01 .. 12:05, late but young: all fired
	if got := fx.sfn.started(); got != 6 {
		t.Fatalf("%d started, want 6", got)
	}
	// Down for an hour: of 12:06 .. 13:05, those older than 600 s are dropped.
	fx.clock.Add(time.Hour)
	fx.runDue(t)
	st := fx.svc.Stats()
	if got, dropped := fx.sfn.started(), st.Dropped.Load(); got != 6+11 || dropped != 49 {
		t.Fatalf("after an hour down: %d started (want 17), %d dropped (want 49)", got, dropped)
	}
	// More than a minute late: 12:01 .. 12:03 at 12:05, 12:55 .. 13:03 at 13:05.
	if late := st.Late.Load(); late != 3+9 {
		t.Errorf("late: %d, want 12", late)
	}
}

func TestRetries(t *testing.T) {
	f := newFakeSFN()
	failures := 2
	f.fail = func(name string) error {
		if failures > 0 {
			failures--
			return codeErr("ThrottlingException")
		}
		return nil
	}
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0}, f)
	fx.create(t, "once", "at(2026-06-01T12:00:00)", nil)
	fx.runDue(t)
	for range 2 {
		fx.clock.Add(2 * time.Second)
		fx.runDue(t)
	}
	if got, retried := f.started(), fx.svc.Stats().Retried.Load(); got != 1 || retried != 2 {
		t.Fatalf("%d started, %d retried; want 1, 2", got, retried)
	}
	// A target that cannot be started is not retried: the firing is dropped.
	f.fail = func(string) error { return codeErr("StateMachineDoesNotExist") }
	fx.create(t, "broken", "at(2026-06-01T12:01:00)", nil)
	fx.clock.Add(time.Minute)
	fx.runDue(t)
	if dropped := fx.svc.Stats().Dropped.Load(); dropped != 1 {
		t.Fatalf("dropped %d, want 1", dropped)
	}
	sc, _ := fx.svc.schedules.GetSchedule(context.Background(), DefaultGroup, "broken")
	if sc.Due != nil {
		t.Fatalf("the dropped firing is still due: %+v", sc)
	}
}

// TestCrashAfterStart: a node starts a firing's execution and stops before it advances the
// schedule; when its claim expires, another node fires the firing again, finds the
// execution by its name, and advances: one execution.
func TestCrashAfterStart(t *testing.T) {
	st := openSQLite(t)
	c := &clock{t: t0}
	f := newFakeSFN()
	a := newFixture(t, st, "a", c, f)
	b := newFixture(t, st, "b", c, f)
	a.create(t, "once", "at(2026-06-01T12:00:00)", nil)
	ctx := context.Background()
	claimed, err := a.svc.schedules.ClaimSchedules(ctx, "a", c.Now(), c.Now().Add(time.Minute), 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %v", claimed, err)
	}
	var d Definition
	json.Unmarshal([]byte(claimed[0].Config), &d)
	if err := a.svc.start(ctx, claimed[0], &d, *claimed[0].NextFire); err != nil {
		t.Fatal(err)
	}
	b.runDue(t) // a holds the claim
	if n := f.attempts[ExecutionID(claimed[0], t0)]; n != 1 {
		t.Fatalf("b fired a held claim: %d attempts", n)
	}
	c.Add(2 * time.Minute)
	b.runDue(t)
	if n, got := f.attempts[ExecutionID(claimed[0], t0)], f.started(); n != 2 || got != 1 {
		t.Fatalf("%d attempts, %d executions; want 2, 1", n, got)
	}
	sc, _ := st.(store.Schedules).GetSchedule(ctx, DefaultGroup, "once")
	if sc.Due != nil {
		t.Fatalf("not advanced: %+v", sc)
	}
}

func TestFlexibleTimeWindow(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0}, newFakeSFN())
	for i := range 20 {
		fx.create(t, fmt.Sprintf("flex%d", i), "cron(0 13 * * ? *)", func(in *sch.CreateScheduleInput) {
			in.FlexibleTimeWindow = &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(15)}
		})
	}
	scs, _, _ := fx.svc.schedules.ListSchedules(context.Background(), store.ScheduleFilter{}, store.Page{})
	spread := map[time.Duration]bool{}
	for _, sc := range scs {
		off := sc.Due.Sub(*sc.NextFire)
		if off < 0 || off >= 15*time.Minute {
			t.Fatalf("%s due %v after its time", sc.Name, off)
		}
		spread[off] = true
	}
	if len(spread) < 5 {
		t.Errorf("20 flexible firings spread over only %d offsets", len(spread))
	}
	fx.clock.Add(time.Hour + 15*time.Minute)
	fx.runDue(t)
	if got := fx.sfn.started(); got != 20 {
		t.Fatalf("%d started, want 20", got)
	}
}

func isType[T error](err error) bool {
	var e T
	return errorsAs(err, &e)
}

// TestFlexibleWindowEventAge: a firing started late within its flexible time window is on
// time; its maximum event age counts from then, so a short one does not drop it.
func TestFlexibleWindowEventAge(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0}, newFakeSFN())
	for i := range 20 {
		fx.create(t, fmt.Sprintf("flex%d", i), "cron(0 13 * * ? *)", func(in *sch.CreateScheduleInput) {
			in.FlexibleTimeWindow = &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(15)}
			in.Target.RetryPolicy = &types.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(60)}
		})
	}
	fx.clock.Add(time.Hour) // 13:00; then a node that looks every 10 s
	for range 16 * 60 / 10 {
		fx.runDue(t)
		fx.clock.Add(10 * time.Second)
	}
	if got, dropped := fx.sfn.started(), fx.svc.Stats().Dropped.Load(); got != 20 || dropped != 0 {
		t.Fatalf("%d started, %d dropped; want 20, 0", got, dropped)
	}
}

// TestOneTimeIgnoresDates: "EventBridge Scheduler ignores StartDate [and EndDate] for one-time
// schedules" (the API reference): an at() schedule whose dates would rule its time out, or
// that are out of order or past, is created with them as given and fires at its time.
func TestOneTimeIgnoresDates(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0.Add(10 * time.Second)}, newFakeSFN())
	start, end := t0.Add(2*time.Hour), t0.Add(-time.Hour) // after the firing; past, and before the start
	fx.create(t, "once", "at(2026-06-01T12:30:00)", func(in *sch.CreateScheduleInput) {
		in.StartDate, in.EndDate = aws.Time(start), aws.Time(end)
	})
	got, err := fx.api.GetSchedule(context.Background(), &sch.GetScheduleInput{Name: aws.String("once")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToTime(got.StartDate).Equal(start) || !aws.ToTime(got.EndDate).Equal(end) {
		t.Errorf("dates %v, %v; want them as given, %v and %v", got.StartDate, got.EndDate, start, end)
	}
	// Dates a recurring schedule could have: a window that starts after the time.
	fx.create(t, "later", "at(2026-06-01T12:40:00)", func(in *sch.CreateScheduleInput) {
		in.StartDate, in.EndDate = aws.Time(start), aws.Time(start.Add(time.Hour))
	})
	// A StartDate long past, which a recurring schedule cannot be created with.
	fx.create(t, "past", "at(2026-06-01T12:50:00)", func(in *sch.CreateScheduleInput) {
		in.StartDate = aws.Time(t0.Add(-24 * time.Hour))
	})
	for range 60 {
		fx.clock.Add(time.Minute)
		fx.runDue(t)
	}
	if n := fx.sfn.started(); n != 3 {
		t.Fatalf("%d started, want 3: at 12:30, 12:40 and 12:50", n)
	}
}

// TestStartDateJustPast: CreateSchedule takes a recurring schedule's StartDate up to 5
// minutes past (a clock a little behind, a date computed before the call); UpdateSchedule
// takes one older (the schedule's own, as GetSchedule gives it back).
func TestStartDateJustPast(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0}, newFakeSFN())
	start := t0.Add(-5 * time.Minute)
	fx.create(t, "recent", "rate(1 hour)", func(in *sch.CreateScheduleInput) { in.StartDate = aws.Time(start) })
	fx.clock.Add(24 * time.Hour)
	got, err := fx.api.GetSchedule(context.Background(), &sch.GetScheduleInput{Name: aws.String("recent")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.api.UpdateSchedule(context.Background(), &sch.UpdateScheduleInput{Name: got.Name, ScheduleExpression: aws.String("rate(2 hours)"),
		StartDate: got.StartDate, FlexibleTimeWindow: got.FlexibleTimeWindow, Target: got.Target}); err != nil {
		t.Fatalf("UpdateSchedule with the schedule's own StartDate, a day past: %v", err)
	}
}
