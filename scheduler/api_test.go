package scheduler

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	sch "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

func TestAPISchedules(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0}, newFakeSFN())
	ctx := context.Background()
	c := fx.api
	start, end := t0.Add(time.Hour), t0.Add(48*time.Hour)
	out, err := c.CreateSchedule(ctx, &sch.CreateScheduleInput{Name: aws.String("nightly"), ScheduleExpression: aws.String("cron(0 2 * * ? *)"),
		ScheduleExpressionTimezone: aws.String("America/New_York"), Description: aws.String("every night"),
		StartDate: aws.Time(start), EndDate: aws.Time(end),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(10)},
		Target: &types.Target{Arn: aws.String(smArn), RoleArn: aws.String(role), Input: aws.String(`{"a":1}`),
			DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:dlq")}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly"; aws.ToString(out.ScheduleArn) != want {
		t.Fatalf("ScheduleArn %s, want %s", aws.ToString(out.ScheduleArn), want)
	}
	got, err := c.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String("nightly")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.GroupName) != "default" || got.State != types.ScheduleStateEnabled || got.ActionAfterCompletion != types.ActionAfterCompletionNone ||
		aws.ToString(got.ScheduleExpressionTimezone) != "America/New_York" || !got.StartDate.Equal(start) || !got.EndDate.Equal(end) ||
		aws.ToInt32(got.FlexibleTimeWindow.MaximumWindowInMinutes) != 10 || aws.ToString(got.Target.Input) != `{"a":1}` ||
		aws.ToString(got.Target.DeadLetterConfig.Arn) == "" || !got.CreationDate.Equal(t0) || aws.ToString(got.Description) != "every night" {
		t.Fatalf("GetSchedule: %+v", got)
	}
	// AWS's retry policy defaults are filled in.
	if rp := got.Target.RetryPolicy; aws.ToInt32(rp.MaximumEventAgeInSeconds) != 86400 || aws.ToInt32(rp.MaximumRetryAttempts) != 185 {
		t.Fatalf("RetryPolicy %+v", rp)
	}
	fx.clock.Add(time.Minute)
	if _, err := c.UpdateSchedule(ctx, &sch.UpdateScheduleInput{Name: aws.String("nightly"), ScheduleExpression: aws.String("rate(2 hours)"),
		State: types.ScheduleStateDisabled, FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target: &types.Target{Arn: aws.String(smArn), RoleArn: aws.String(role)}}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String("nightly")})
	if aws.ToString(got.ScheduleExpression) != "rate(2 hours)" || got.State != types.ScheduleStateDisabled || got.StartDate != nil ||
		!got.LastModificationDate.Equal(t0.Add(time.Minute)) || !got.CreationDate.Equal(t0) {
		t.Fatalf("after UpdateSchedule: %+v", got)
	}

	if _, err := c.CreateScheduleGroup(ctx, &sch.CreateScheduleGroupInput{Name: aws.String("team"),
		Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("ops")}}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b", "a", "c"} {
		fx.create(t, name, "rate(1 hour)", func(in *sch.CreateScheduleInput) { in.GroupName = aws.String("team") })
	}
	var names []string
	p := sch.NewListSchedulesPaginator(c, &sch.ListSchedulesInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Schedules {
			names = append(names, aws.ToString(s.GroupName)+"/"+aws.ToString(s.Name)+"/"+string(s.State)+"/"+aws.ToString(s.Target.Arn))
		}
	}
	if strings.Join(names, " ") != "default/nightly/DISABLED/"+smArn+" team/a/ENABLED/"+smArn+" team/b/ENABLED/"+smArn+" team/c/ENABLED/"+smArn {
		t.Fatalf("ListSchedules: %v", names)
	}
	l, err := c.ListSchedules(ctx, &sch.ListSchedulesInput{GroupName: aws.String("team"), NamePrefix: aws.String("b")})
	if err != nil || len(l.Schedules) != 1 {
		t.Fatalf("ListSchedules(team, b): %+v, %v", l, err)
	}
	l, err = c.ListSchedules(ctx, &sch.ListSchedulesInput{State: types.ScheduleStateDisabled})
	if err != nil || len(l.Schedules) != 1 {
		t.Fatalf("ListSchedules(DISABLED): %+v, %v", l, err)
	}
	g, err := c.GetScheduleGroup(ctx, &sch.GetScheduleGroupInput{Name: aws.String("team")})
	if err != nil || g.State != types.ScheduleGroupStateActive || aws.ToString(g.Arn) != "arn:aws:scheduler:us-east-1:123456789012:schedule-group/team" {
		t.Fatalf("GetScheduleGroup: %+v, %v", g, err)
	}
	gs, err := c.ListScheduleGroups(ctx, &sch.ListScheduleGroupsInput{})
	if err != nil || len(gs.ScheduleGroups) != 2 || aws.ToString(gs.ScheduleGroups[0].Name) != "default" {
		t.Fatalf("ListScheduleGroups: %+v, %v", gs, err)
	}
	if _, err := c.TagResource(ctx, &sch.TagResourceInput{ResourceArn: g.Arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &sch.UntagResourceInput{ResourceArn: g.Arn, TagKeys: []string{"owner"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &sch.ListTagsForResourceInput{ResourceArn: g.Arn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("ListTagsForResource: %+v, %v", tags, err)
	}
	if _, err := c.DeleteSchedule(ctx, &sch.DeleteScheduleInput{Name: aws.String("a"), GroupName: aws.String("team")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteScheduleGroup(ctx, &sch.DeleteScheduleGroupInput{Name: aws.String("team")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String("b"), GroupName: aws.String("team")}); !isType[*types.ResourceNotFoundException](err) {
		t.Fatalf("a schedule of a deleted group: %v", err)
	}
}

func TestAPIErrors(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0}, newFakeSFN())
	ctx := context.Background()
	c := fx.api
	fx.create(t, "taken", "rate(1 hour)", func(in *sch.CreateScheduleInput) { in.ClientToken = aws.String("token-1") })
	// The same call retried (same client token) is answered as the first was.
	fx.create(t, "taken", "rate(1 hour)", func(in *sch.CreateScheduleInput) { in.ClientToken = aws.String("token-1") })
	valid := func(edit func(*sch.CreateScheduleInput)) *sch.CreateScheduleInput {
		in := &sch.CreateScheduleInput{Name: aws.String("x"), ScheduleExpression: aws.String("rate(1 hour)"),
			FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
			Target:             &types.Target{Arn: aws.String(smArn), RoleArn: aws.String(role)}}
		edit(in)
		return in
	}
	tests := []struct {
		name    string
		call    func() error
		check   func(error) bool
		message string
	}{
		{"taken", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.Name = aws.String("taken") }))
			return err
		}, isType[*types.ConflictException], "Schedule taken already exists."},
		{"no group", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.GroupName = aws.String("nope") }))
			return err
		}, isType[*types.ResourceNotFoundException], "Schedule group nope does not exist."},
		{"bad cron", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.ScheduleExpression = aws.String("cron(0 8 * * * *)") }))
			return err
		}, isType[*types.ValidationException], "Invalid Schedule Expression cron(0 8 * * * *)"},
		{"empty zone", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.ScheduleExpressionTimezone = aws.String("") }))
			return err
		}, isType[*types.ValidationException], "scheduleExpressionTimezone"},
		{"empty group", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.GroupName = aws.String("") }))
			return err
		}, isType[*types.ValidationException], "groupName"},
		{"bad zone", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.ScheduleExpressionTimezone = aws.String("Moon/Base") }))
			return err
		}, isType[*types.ValidationException], "Invalid time zone Moon/Base."},
		{"flexible without window", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.FlexibleTimeWindow.Mode = types.FlexibleTimeWindowModeFlexible }))
			return err
		}, isType[*types.ValidationException], "MaximumWindowInMinutes is required"},
		{"retry policy", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) {
				in.Target.RetryPolicy = &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(186)}
			}))
			return err
		}, isType[*types.ValidationException], "maximumRetryAttempts"},
		{"bad name", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.Name = aws.String("a b") }))
			return err
		}, isType[*types.ValidationException], "Member must satisfy regular expression pattern"},
		{"role in no account", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.Target.RoleArn = aws.String("arn:aws:iam::12345:role/scheduler") }))
			return err
		}, isType[*types.ValidationException], "target.roleArn"},
		{"role name with a space", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) {
				in.Target.RoleArn = aws.String("arn:aws:iam::123456789012:role/my role")
			}))
			return err
		}, isType[*types.ValidationException], "target.roleArn"},
		{"bad input", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.Target.Input = aws.String("{not json") }))
			return err
		}, isType[*types.ValidationException], "valid JSON"},
		{"lambda input", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) {
				in.Target.Arn, in.Target.Input = aws.String("arn:aws:lambda:us-east-1:123456789012:function:f"), aws.String("not json")
			}))
			return err
		}, isType[*types.ValidationException], "valid JSON"},
		{"event bus input", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) {
				in.Target.Arn, in.Target.Input = aws.String("arn:aws:events:us-east-1:123456789012:event-bus/default"), aws.String("not json")
				in.Target.EventBridgeParameters = &types.EventBridgeParameters{DetailType: aws.String("d"), Source: aws.String("s")}
			}))
			return err
		}, isType[*types.ValidationException], "valid JSON"},
		{"kms key", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.KmsKeyArn = aws.String("my-key") }))
			return err
		}, isType[*types.ValidationException], "kmsKeyArn"},
		{"dead-letter queue", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) {
				in.Target.DeadLetterConfig = &types.DeadLetterConfig{Arn: aws.String("arn:aws:sns:us-east-1:123456789012:topic/dlq")}
			}))
			return err
		}, isType[*types.ValidationException], "target.deadLetterConfig.arn"},
		{"client token", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.ClientToken = aws.String("my token") }))
			return err
		}, isType[*types.ValidationException], "clientToken"},
		{"universal target input", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) {
				in.Target.Arn, in.Target.Input = aws.String("arn:aws:scheduler:::aws-sdk:sqs:sendMessage"), aws.String("hello")
			}))
			return err
		}, isType[*types.ValidationException], "valid JSON"},
		{"read-only universal target", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) {
				in.Target.Arn, in.Target.Input = aws.String("arn:aws:scheduler:::aws-sdk:sqs:getQueueUrl"), aws.String(`{"QueueName":"q"}`)
			}))
			return err
		}, isType[*types.ValidationException], "getQueueUrl"},
		{"group client token", func() error {
			_, err := c.CreateScheduleGroup(ctx, &sch.CreateScheduleGroupInput{Name: aws.String("g"), ClientToken: aws.String("a.b")})
			return err
		}, isType[*types.ValidationException], "clientToken"},
		{"end before start", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) {
				in.StartDate, in.EndDate = aws.Time(t0.Add(2*time.Hour)), aws.Time(t0.Add(time.Hour))
			}))
			return err
		}, isType[*types.ValidationException], "EndDate must be after the StartDate"},
		{"start long past", func() error {
			_, err := c.CreateSchedule(ctx, valid(func(in *sch.CreateScheduleInput) { in.StartDate = aws.Time(t0.Add(-5*time.Minute - time.Second)) }))
			return err
		}, isType[*types.ValidationException], "The StartDate you specify cannot be earlier than 5 minutes ago."},
		{"get missing", func() error {
			_, err := c.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String("nope")})
			return err
		}, isType[*types.ResourceNotFoundException], "Schedule nope does not exist."},
		{"update missing", func() error {
			_, err := c.UpdateSchedule(ctx, &sch.UpdateScheduleInput{Name: aws.String("nope"), ScheduleExpression: aws.String("rate(1 hour)"),
				FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
				Target:             &types.Target{Arn: aws.String(smArn), RoleArn: aws.String(role)}})
			return err
		}, isType[*types.ResourceNotFoundException], "Schedule nope does not exist."},
		{"delete missing", func() error {
			_, err := c.DeleteSchedule(ctx, &sch.DeleteScheduleInput{Name: aws.String("nope")})
			return err
		}, isType[*types.ResourceNotFoundException], "Schedule nope does not exist."},
		{"default group", func() error {
			_, err := c.DeleteScheduleGroup(ctx, &sch.DeleteScheduleGroupInput{Name: aws.String("default")})
			return err
		}, isType[*types.ValidationException], "default schedule group"},
		{"group taken", func() error {
			_, err := c.CreateScheduleGroup(ctx, &sch.CreateScheduleGroupInput{Name: aws.String("default")})
			return err
		}, isType[*types.ConflictException], "Schedule group default already exists."},
		{"tags of a schedule", func() error {
			_, err := c.ListTagsForResource(ctx, &sch.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:scheduler:us-east-1:123456789012:schedule/default/taken")})
			return err
		}, isType[*types.ValidationException], "only schedule groups have tags"},
		{"untag an empty key", func() error {
			_, err := c.UntagResource(ctx, &sch.UntagResourceInput{ResourceArn: aws.String("arn:aws:scheduler:us-east-1:123456789012:schedule-group/default"),
				TagKeys: []string{""}})
			return err
		}, isType[*types.ValidationException], "tagKeys"},
		{"list page size", func() error {
			_, err := c.ListSchedules(ctx, &sch.ListSchedulesInput{MaxResults: aws.Int32(101)})
			return err
		}, isType[*types.ValidationException], "maxResults"},
		{"list by a prefix no name has", func() error {
			_, err := c.ListSchedules(ctx, &sch.ListSchedulesInput{NamePrefix: aws.String("a b")})
			return err
		}, isType[*types.ValidationException], "namePrefix"},
		{"list groups by a prefix no name has", func() error {
			_, err := c.ListScheduleGroups(ctx, &sch.ListScheduleGroupsInput{NamePrefix: aws.String("team*")})
			return err
		}, isType[*types.ValidationException], "namePrefix"},
		{"get a name no schedule has", func() error {
			_, err := c.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String("a b")})
			return err
		}, isType[*types.ValidationException], "name"},
		{"delete in a group no group has", func() error {
			_, err := c.DeleteSchedule(ctx, &sch.DeleteScheduleInput{Name: aws.String("taken"), GroupName: aws.String("a/b")})
			return err
		}, isType[*types.ValidationException], "groupName"},
		{"get a group no group has", func() error {
			_, err := c.GetScheduleGroup(ctx, &sch.GetScheduleGroupInput{Name: aws.String(strings.Repeat("g", 65))})
			return err
		}, isType[*types.ValidationException], "name"},
		{"list bad token", func() error {
			_, err := c.ListSchedules(ctx, &sch.ListSchedulesInput{NextToken: aws.String("forged")})
			return err
		}, isType[*types.ValidationException], "Invalid NextToken."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !tc.check(err) {
				t.Fatalf("got %v", err)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("got %v, want a message containing %q", err, tc.message)
			}
		})
	}
}

// TestLengths: the API's length limits count characters, as AWS's do, not bytes; a tag's
// Value is required and not empty.
func TestLengths(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0}, newFakeSFN())
	ctx := context.Background()
	c := fx.api
	e := func(n int) string { return strings.Repeat("é", n) }
	group := func(name string, tags ...types.Tag) func() error {
		return func() error {
			_, err := c.CreateScheduleGroup(ctx, &sch.CreateScheduleGroupInput{Name: aws.String(name), Tags: tags})
			return err
		}
	}
	schedule := func(name, description string) func() error {
		return func() error {
			_, err := c.CreateSchedule(ctx, &sch.CreateScheduleInput{Name: aws.String(name), ScheduleExpression: aws.String("rate(1 hour)"),
				Description: aws.String(description), FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
				Target: &types.Target{Arn: aws.String(smArn), RoleArn: aws.String(role)}})
			return err
		}
	}
	tests := []struct {
		name string
		call func() error
		want string // "" for success, else a part of the ValidationException's message
	}{
		{"description of 512 characters", schedule("d1", e(512)), ""},
		{"description of 513 characters", schedule("d2", e(513)), "description"},
		{"tag key of 128 characters", group("g1", types.Tag{Key: aws.String(e(128)), Value: aws.String("v")}), ""},
		{"tag key of 129 characters", group("g2", types.Tag{Key: aws.String(e(129)), Value: aws.String("v")}), "tags.member.key"},
		{"tag value of 256 characters", group("g3", types.Tag{Key: aws.String("k"), Value: aws.String(e(256))}), ""},
		{"tag value of 257 characters", group("g4", types.Tag{Key: aws.String("k"), Value: aws.String(e(257))}), "tags.member.value"},
		{"empty tag value", group("g5", types.Tag{Key: aws.String("k"), Value: aws.String("")}), "tags.member.value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v, want success", err)
			case tc.want != "" && (!isType[*types.ValidationException](err) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want a ValidationException naming %s", err, tc.want)
			}
		})
	}
}

// TestRequestID: every answer, an error too, carries an x-amzn-RequestId, as AWS's do; the
// SDKs report it.
func TestRequestID(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0}, newFakeSFN())
	ctx := context.Background()
	out, err := fx.api.GetScheduleGroup(ctx, &sch.GetScheduleGroupInput{Name: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); !ok || id == "" {
		t.Errorf("GetScheduleGroup: no request ID")
	}
	_, err = fx.api.GetSchedule(ctx, &sch.GetScheduleInput{Name: aws.String("nope")})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Errorf("GetSchedule of no schedule: %v, want an error with a request ID", err)
	}
}

// TestGroupClientToken: CreateScheduleGroup retried with its client token (as the SDKs retry)
// is answered with the group's ARN; another token, or none, is a ConflictException. The
// token decides, as for CreateSchedule: a retry changes nothing, its tags included.
func TestGroupClientToken(t *testing.T) {
	fx := newFixture(t, openSQLite(t), "n1", &clock{t: t0}, newFakeSFN())
	ctx := context.Background()
	const arn = "arn:aws:scheduler:us-east-1:123456789012:schedule-group/team"
	tags := func(kv ...string) []types.Tag {
		var out []types.Tag
		for i := 0; i < len(kv); i += 2 {
			out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		return out
	}
	create := func(token string, tags []types.Tag) (string, error) {
		out, err := fx.api.CreateScheduleGroup(ctx, &sch.CreateScheduleGroupInput{Name: aws.String("team"), ClientToken: aws.String(token), Tags: tags})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ScheduleGroupArn), nil
	}
	if got, err := create("token-1", tags("owner", "ops")); err != nil || got != arn {
		t.Fatalf("CreateScheduleGroup: %q, %v", got, err)
	}
	steps := []struct {
		name  string
		token string
		tags  []types.Tag
	}{
		{"same token", "token-1", tags("owner", "ops")},
		{"same token, other tags", "token-1", tags("owner", "dev", "team", "a")},
		{"same token, no tags", "token-1", nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if got, err := create(st.token, st.tags); err != nil || got != arn {
				t.Fatalf("CreateScheduleGroup retried: %q, %v, want %s", got, err, arn)
			}
			out, err := fx.api.ListTagsForResource(ctx, &sch.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
			if err != nil || len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "owner" || aws.ToString(out.Tags[0].Value) != "ops" {
				t.Fatalf("tags after a retry: %+v, %v, want the first call's owner=ops", out, err)
			}
		})
	}
	t.Run("other token", func(t *testing.T) {
		_, err := create("token-2", nil)
		var ce *types.ConflictException
		if !errors.As(err, &ce) || aws.ToString(ce.Message) != "Schedule group team already exists." {
			t.Fatalf("CreateScheduleGroup with another token: %v, want ConflictException", err)
		}
	})
	t.Run("token a prefix", func(t *testing.T) {
		if _, err := create("token", nil); !isType[*types.ConflictException](err) {
			t.Fatalf("CreateScheduleGroup with another token: %v, want ConflictException", err)
		}
	})
	// The SDKs always send a token; a bare request may not, and is never a retry.
	t.Run("no token", func(t *testing.T) {
		for _, group := range []string{"team", DefaultGroup} {
			w := httptest.NewRecorder()
			fx.svc.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/schedule-groups/"+group, strings.NewReader(`{}`)))
			if w.Code != http.StatusConflict || w.Header().Get("X-Amzn-Errortype") != "ConflictException" {
				t.Errorf("CreateScheduleGroup(%s) without a token: %d %s %s, want 409 ConflictException", group, w.Code, w.Header().Get("X-Amzn-Errortype"), w.Body)
			}
		}
	})
	t.Run("after delete", func(t *testing.T) {
		if _, err := fx.api.DeleteScheduleGroup(ctx, &sch.DeleteScheduleGroupInput{Name: aws.String("team")}); err != nil {
			t.Fatal(err)
		}
		// A group made again by a new call keeps that call's token and tags.
		if got, err := create("token-3", tags("owner", "dev")); err != nil || got != arn {
			t.Fatalf("CreateScheduleGroup after delete: %q, %v", got, err)
		}
		if got, err := create("token-1", nil); !isType[*types.ConflictException](err) {
			t.Fatalf("CreateScheduleGroup with the old group's token: %q, %v, want ConflictException", got, err)
		}
		if got, err := create("token-3", nil); err != nil || got != arn {
			t.Fatalf("CreateScheduleGroup retried: %q, %v", got, err)
		}
	})
}
