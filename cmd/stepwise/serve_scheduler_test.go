package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sch "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/internal/pgtest"
)

// schedServer is a whole serve (node, scheduler loop, HTTP) on a SQLite file; stop ends it
// as serve does at shutdown.
type schedServer struct {
	url  string
	sfn  *sfn.Client
	sch  *sch.Client
	stop func()
}

func startSchedServer(t *testing.T, db string) *schedServer {
	t.Helper()
	return startSchedServerWith(t, db, nil)
}

func startSchedServerWith(t *testing.T, db string, functions map[string]lambda.Spec) *schedServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	storeURL := "sqlite:" + db
	if strings.HasPrefix(db, "postgres") {
		storeURL = db
	}
	cfg := serviceConfig{store: storeURL, region: "us-east-1", account: "123456789012", maxEvents: 25000, leaseTTL: time.Second,
		functions: functions}
	svc, err := newService(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	nodeDone, schedDone := make(chan struct{}), make(chan struct{})
	go func() { svc.node.Run(ctx); close(nodeDone) }()
	go func() { svc.Scheduler.Run(ctx); close(schedDone) }()
	srv := httptest.NewServer(svc.mux)
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		srv.Close()
		cancel()
		<-nodeDone
		<-schedDone
		svc.close()
	}
	t.Cleanup(stop)
	return &schedServer{url: srv.URL, stop: stop,
		sfn: sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}}),
		sch: sch.New(sch.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})}
}

func (s *schedServer) createMachine(t *testing.T) string {
	t.Helper()
	out, err := s.sfn.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("scheduled"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/sfn")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.StateMachineArn)
}

// atIn is an at() expression a few seconds ahead, and when that is.
func atIn(d time.Duration) (string, time.Time) {
	when := time.Now().UTC().Add(d).Truncate(time.Second)
	return "at(" + when.Format("2006-01-02T15:04:05") + ")", when
}

// executions waits until the state machine has want executions (or the deadline passes)
// and returns them.
func (s *schedServer) executions(t *testing.T, smArn string, want int, within time.Duration) []sfntypes.ExecutionListItem {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out, err := s.sfn.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(smArn)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Executions) >= want || time.Now().After(deadline) {
			return out.Executions
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var uuidName = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestServeScheduleStartsExecution(t *testing.T) {
	s := startSchedServer(t, filepath.Join(t.TempDir(), "db"))
	smArn := s.createMachine(t)
	expr, when := atIn(2 * time.Second)
	if _, err := s.sch.CreateSchedule(context.Background(), &sch.CreateScheduleInput{Name: aws.String("soon"), ScheduleExpression: aws.String(expr),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target: &types.Target{Arn: aws.String(smArn), RoleArn: aws.String("arn:aws:iam::123456789012:role/scheduler"),
			Input: aws.String(`{"schedule":"<aws.scheduler.schedule-arn>","at":"<aws.scheduler.scheduled-time>"}`)}}); err != nil {
		t.Fatal(err)
	}
	execs := s.executions(t, smArn, 1, 30*time.Second)
	if len(execs) != 1 {
		t.Fatalf("%d executions, want 1", len(execs))
	}
	e := execs[0]
	if lag := e.StartDate.Sub(when); lag < 0 || lag > 2*time.Second {
		t.Errorf("started %v after its time", lag)
	}
	if !uuidName.MatchString(aws.ToString(e.Name)) {
		t.Errorf("execution name %q is not a UUID", aws.ToString(e.Name))
	}
	d, err := s.sfn.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var in struct{ Schedule, At string }
	json.Unmarshal([]byte(aws.ToString(d.Input)), &in)
	if in.Schedule != "arn:aws:scheduler:us-east-1:123456789012:schedule/default/soon" || in.At != when.Format(time.RFC3339) {
		t.Errorf("input %s", aws.ToString(d.Input))
	}
	time.Sleep(time.Second)
	if execs := s.executions(t, smArn, 2, 0); len(execs) != 1 {
		t.Errorf("%d executions after the firing, want 1", len(execs))
	}
}

// TestServeScheduleAfterRestart: the server stops before a schedule's time and starts again
// after it; the missed firing starts one execution.
func TestServeScheduleAfterRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db")
	s := startSchedServer(t, db)
	smArn := s.createMachine(t)
	expr, when := atIn(2 * time.Second)
	if _, err := s.sch.CreateSchedule(context.Background(), &sch.CreateScheduleInput{Name: aws.String("missed"), ScheduleExpression: aws.String(expr),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target:             &types.Target{Arn: aws.String(smArn), RoleArn: aws.String("arn:aws:iam::123456789012:role/scheduler")}}); err != nil {
		t.Fatal(err)
	}
	s.stop()
	time.Sleep(time.Until(when) + time.Second)
	s = startSchedServer(t, db)
	execs := s.executions(t, smArn, 1, 30*time.Second)
	if len(execs) != 1 {
		t.Fatalf("%d executions after the restart, want 1", len(execs))
	}
	if execs[0].StartDate.Before(when.Add(time.Second)) {
		t.Fatalf("started at %v, while the server was down", execs[0].StartDate)
	}
	s.stop()
	s = startSchedServer(t, db) // and once more: the firing is not repeated
	time.Sleep(1500 * time.Millisecond)
	if execs := s.executions(t, smArn, 2, 0); len(execs) != 1 {
		t.Fatalf("%d executions after a second restart, want 1", len(execs))
	}
}

// TestServeScheduleAWSCLI drives the real `aws scheduler` CLI against serve.
func TestServeScheduleAWSCLI(t *testing.T) {
	awsCLI, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("SKIPPED: the aws CLI is not installed (.ci/run installs it); the Scheduler API is not tested with it")
	}
	s := startSchedServer(t, filepath.Join(t.TempDir(), "db"))
	smArn := s.createMachine(t)
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(awsCLI, append([]string{"--endpoint-url", s.url, "--region", "us-east-1", "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		return out
	}
	// rate() fires at once when created: no race with the CLI's slow start on a busy machine.
	expr := "rate(1 hour)"
	out := run("scheduler", "create-schedule", "--name", "cli", "--schedule-expression", expr,
		"--flexible-time-window", `{"Mode":"OFF"}`,
		"--target", `{"Arn":"`+smArn+`","RoleArn":"arn:aws:iam::123456789012:role/scheduler","Input":"{\"from\":\"cli\"}"}`)
	var created struct{ ScheduleArn string }
	if json.Unmarshal(out, &created); created.ScheduleArn != "arn:aws:scheduler:us-east-1:123456789012:schedule/default/cli" {
		t.Fatalf("create-schedule: %s", out)
	}
	execs := s.executions(t, smArn, 1, 30*time.Second)
	if len(execs) != 1 {
		t.Fatalf("%d executions, want 1", len(execs))
	}
	d, err := s.sfn.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: execs[0].ExecutionArn})
	if err != nil || aws.ToString(d.Input) != `{"from":"cli"}` {
		t.Fatalf("the execution's input: %v, %v", aws.ToString(d.Input), err)
	}
	var got struct{ ScheduleExpression, State string }
	json.Unmarshal(run("scheduler", "get-schedule", "--name", "cli"), &got)
	if got.ScheduleExpression != expr || got.State != "ENABLED" {
		t.Fatalf("get-schedule: %+v", got)
	}
	run("scheduler", "create-schedule-group", "--name", "cli-group", "--tags", "Key=team,Value=ops")
	var list struct{ ScheduleGroups []struct{ Name string } }
	json.Unmarshal(run("scheduler", "list-schedule-groups"), &list)
	if len(list.ScheduleGroups) != 2 {
		t.Fatalf("list-schedule-groups: %+v", list)
	}
	run("scheduler", "delete-schedule", "--name", "cli")
	var l struct{ Schedules []any }
	json.Unmarshal(run("scheduler", "list-schedules"), &l)
	if len(l.Schedules) != 0 {
		t.Fatalf("list-schedules after delete-schedule: %+v", l)
	}
}

// TestServeScheduleLambdaTarget: a schedule whose target is a Lambda function invokes it
// through the Lambda integration (--function NAME=http://... here), Input as the payload.
func TestServeScheduleLambdaTarget(t *testing.T) {
	got := make(chan string, 4)
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + string(b)
		w.Write([]byte(`{"ok":true}`))
	}))
	defer fn.Close()
	s := startSchedServerWith(t, filepath.Join(t.TempDir(), "db"), map[string]lambda.Spec{"report": {Endpoint: fn.URL}})
	if _, err := s.sch.CreateSchedule(context.Background(), &sch.CreateScheduleInput{Name: aws.String("fn"), ScheduleExpression: aws.String("rate(1 hour)"),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target: &types.Target{Arn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:report"),
			RoleArn: aws.String("arn:aws:iam::123456789012:role/scheduler"), Input: aws.String(`{"day":"today"}`)}}); err != nil {
		t.Fatal(err)
	}
	select {
	case call := <-got:
		if call != `/2015-03-31/functions/report/invocations {"day":"today"}` {
			t.Fatalf("the function got %s", call)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the function was not invoked")
	}
	select {
	case call := <-got:
		t.Fatalf("invoked again: %s", call)
	case <-time.After(1500 * time.Millisecond):
	}
}

// TestServeScheduleTwoNodesPostgres: two servers share one PostgreSQL database; schedules
// created on either are fired once each, by one of them.
func TestServeScheduleTwoNodesPostgres(t *testing.T) {
	pgtest.Connect(t).Close(context.Background()) // skips when no server answers
	url := pgtest.FreshSchema(t)
	a := startSchedServer(t, url)
	b := startSchedServer(t, url)
	smArn := a.createMachine(t)
	expr, _ := atIn(3 * time.Second)
	const n = 20
	for i := range n {
		node := a
		if i%2 == 1 {
			node = b
		}
		if _, err := node.sch.CreateSchedule(context.Background(), &sch.CreateScheduleInput{Name: aws.String("s" + strconv.Itoa(i)),
			ScheduleExpression: aws.String(expr), FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
			Target: &types.Target{Arn: aws.String(smArn), RoleArn: aws.String("arn:aws:iam::123456789012:role/scheduler")}}); err != nil {
			t.Fatal(err)
		}
	}
	if execs := a.executions(t, smArn, n, 60*time.Second); len(execs) != n {
		t.Fatalf("%d executions, want %d", len(execs), n)
	}
	time.Sleep(2 * time.Second)
	if execs := b.executions(t, smArn, n+1, 0); len(execs) != n {
		t.Fatalf("%d executions a while later, want %d", len(execs), n)
	}
}
