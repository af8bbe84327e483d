package scheduler

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sch "github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// recordTasks is a task registry that records the tasks it is given.
type recordTasks struct {
	mu    sync.Mutex
	tasks []*engine.Task
	fail  error
}

func (r *recordTasks) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tasks = append(r.tasks, t)
	return "{}", r.fail
}

// TestOtherTargets: Lambda, SNS, SQS and universal aws-sdk targets are called through the
// task integrations, as Task states call them.
func TestOtherTargets(t *testing.T) {
	st := openSQLite(t)
	c := &clock{t: t0}
	rec := &recordTasks{}
	svc := New(Options{Schedules: st.(store.Schedules), Tags: st, Invoke: newFakeSFN().Invoke, Tasks: rec,
		Region: "us-east-1", Account: "123456789012", Owner: "n1", Now: c.Now})
	fx := newFixture(t, st, "n1", c, newFakeSFN())
	fx.svc = svc
	targets := map[string]*types.Target{
		"fn":    {Arn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:report"), Input: aws.String(`{"k":"v"}`)},
		"topic": {Arn: aws.String("arn:aws:sns:us-east-1:123456789012:alerts"), Input: aws.String("hello")},
		"queue": {Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:jobs.fifo"), Input: aws.String("job"),
			SqsParameters: &types.SqsParameters{MessageGroupId: aws.String("g1")}},
		"sdk":  {Arn: aws.String("arn:aws:scheduler:::aws-sdk:dynamodb:putItem"), Input: aws.String(`{"TableName":"t","Item":{"id":{"S":"1"}}}`)},
		"none": {Arn: aws.String("arn:aws:ecs:us-east-1:123456789012:cluster/c"), EcsParameters: &types.EcsParameters{TaskDefinitionArn: aws.String("arn:aws:ecs:us-east-1:123456789012:task-definition/t")}},
	}
	for name, tg := range targets {
		tg.RoleArn = aws.String(role)
		if _, err := fx.api.CreateSchedule(context.Background(), &sch.CreateScheduleInput{Name: aws.String(name),
			ScheduleExpression: aws.String("at(2026-06-01T12:00:00)"), Target: tg,
			FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	c.Add(time.Second)
	if _, err := svc.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, task := range rec.tasks {
		got[task.StateName] = task.Resource + " " + task.Parameters
		if task.RoleArn != role {
			t.Errorf("%s: role %q", task.StateName, task.RoleArn)
		}
	}
	want := map[string]string{
		"fn":    `arn:aws:states:::lambda:invoke {"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:report","Payload":{"k":"v"}}`,
		"topic": `arn:aws:states:::sns:publish {"Message":"hello","TopicArn":"arn:aws:sns:us-east-1:123456789012:alerts"}`,
		"queue": `arn:aws:states:::sqs:sendMessage {"MessageBody":"job","MessageGroupId":"g1","QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo"}`,
		"sdk":   `arn:aws:states:::aws-sdk:dynamodb:putItem {"Item":{"id":{"S":"1"}},"TableName":"t"}`,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %s\nwant %s", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		keys := []string{}
		for k := range got {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Errorf("tasks for %v", keys)
	}
	if d := svc.Stats().Dropped.Load(); d != 1 {
		t.Errorf("dropped %d (the ECS target), want 1", d)
	}
	// A throttled call is retried; a refused one is not.
	rec.fail = &runner.TaskError{Name: "Lambda.TooManyRequestsException", Cause: "slow down"}
	if !retryable(rec.fail) {
		t.Error("a throttled task is not retried")
	}
	if retryable(&runner.TaskError{Name: "Lambda.ResourceNotFoundException"}) {
		t.Error("a missing function is retried")
	}
}
