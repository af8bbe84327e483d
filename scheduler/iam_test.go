package scheduler

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sch "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/store"
)

// TestEnforceIAM: with --enforce-iam, Scheduler calls must be SigV4-signed for the service
// "scheduler" by a known key, and the target's role must be allowed to start the execution.
func TestEnforceIAM(t *testing.T) {
	st := openSQLite(t)
	d, err := iam.Open(iam.Options{Account: "123456789012", Region: "us-east-1", RootAccessKeyID: "AKIAROOTROOTROOT",
		RootSecretAccessKey: "root-secret", File: filepath.Join(t.TempDir(), "iam.json")})
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeSFN()
	c := &clock{t: t0}
	svc := New(Options{Schedules: st.(store.Schedules), Tags: st, Invoke: f.Invoke, Region: "us-east-1", Account: "123456789012",
		Owner: "n1", Now: c.Now, Guard: d})
	if err := svc.EnsureDefaultGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	client := func(creds aws.CredentialsProvider) *sch.Client {
		return sch.New(sch.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds})
	}
	ctx := context.Background()
	if _, err := client(aws.AnonymousCredentials{}).ListSchedules(ctx, &sch.ListSchedulesInput{}); err == nil {
		t.Fatal("an unsigned call was served")
	}
	if _, err := client(credentials.NewStaticCredentialsProvider("AKIAROOTROOTROOT", "wrong", "")).ListSchedules(ctx, &sch.ListSchedulesInput{}); err == nil {
		t.Fatal("a call signed with a wrong secret was served")
	}
	root := &fixture{svc: svc, sfn: f, clock: c, api: client(credentials.NewStaticCredentialsProvider("AKIAROOTROOTROOT", "root-secret", ""))}
	root.create(t, "signed", "rate(1 hour)", nil)
	// The target's role does not exist in the directory: IAM denies states:StartExecution,
	// and the firing is dropped rather than started.
	root.runDue(t)
	if got, dropped := f.started(), svc.Stats().Dropped.Load(); got != 0 || dropped != 1 {
		t.Fatalf("%d started, %d dropped; want 0, 1", got, dropped)
	}
	// A role that may start the state machine: the firing starts it.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := d.CreateRole("scheduler", "/", trust, "", 3600); err != nil {
		t.Fatal(err)
	}
	if err := d.PutRolePolicy("scheduler", "start", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:StartExecution","Resource":"`+smArn+`"}]}`); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Hour)
	root.runDue(t)
	if got := f.started(); got != 1 {
		t.Fatalf("%d started with an allowed role, want 1", got)
	}
	// A user allowed only to read schedules cannot create one.
	if _, err := d.CreateUser("reader", "/"); err != nil {
		t.Fatal(err)
	}
	if err := d.PutUserPolicy("reader", "read", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["scheduler:GetSchedule","scheduler:ListSchedules"],"Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	key, err := d.CreateAccessKey("reader")
	if err != nil {
		t.Fatal(err)
	}
	reader := client(credentials.NewStaticCredentialsProvider(key.AccessKeyID, key.SecretAccessKey, ""))
	if _, err := reader.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String("signed")}); err != nil {
		t.Fatalf("GetSchedule allowed by policy: %v", err)
	}
	_, err = reader.CreateSchedule(ctx, &sch.CreateScheduleInput{Name: aws.String("nope"), ScheduleExpression: aws.String("rate(1 hour)"),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target:             &types.Target{Arn: aws.String(smArn), RoleArn: aws.String(role)}})
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") || !strings.Contains(err.Error(), "scheduler:CreateSchedule") {
		t.Fatalf("CreateSchedule without permission: %v", err)
	}
}
