package api_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// newActivityServer is newServer with a short GetActivityTask long poll and the given
// task handler (nil: tasks fail).
func newActivityServer(t *testing.T, poll time.Duration, tasks runner.TaskHandler) *sfn.Client {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepwise.db"))
	if err != nil {
		t.Fatal(err)
	}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: tasks,
		LeaseTTL: time.Second, Poll: 50 * time.Millisecond, ActivityPoll: poll})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { node.Run(runCtx); close(done) }()
	srv := httptest.NewServer(&api.Server{Store: st, Node: node, Region: "us-east-1", Account: "123456789012", Tasks: tasks})
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		st.Close()
	})
	return sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		APIOptions:   []func(*middleware.Stack) error{noHostPrefix},
	})
}

func TestActivityAPI(t *testing.T) {
	c := newActivityServer(t, 300*time.Millisecond, nil)
	ctx := context.Background()
	a, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("work"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(a.ActivityArn)
	if arn != "arn:aws:states:us-east-1:123456789012:activity:work" {
		t.Fatalf("activityArn %s", arn)
	}
	// Idempotent on the name, whatever the tags.
	again, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("work")})
	if err != nil || aws.ToString(again.ActivityArn) != arn || !again.CreationDate.Equal(*a.CreationDate) {
		t.Fatalf("CreateActivity again: %v %+v", err, again)
	}
	d, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: a.ActivityArn})
	if err != nil || aws.ToString(d.Name) != "work" || d.EncryptionConfiguration == nil || d.EncryptionConfiguration.Type != types.EncryptionTypeAwsOwnedKey {
		t.Fatalf("DescribeActivity: %v %+v", err, d)
	}
	tags, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: a.ActivityArn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" {
		t.Fatalf("ListTagsForResource: %v %+v", err, tags)
	}
	for _, name := range []string{"b", "c"} {
		if _, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := sfn.NewListActivitiesPaginator(c, &sfn.ListActivitiesInput{MaxResults: 2})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Activities {
			names = append(names, aws.ToString(it.Name))
		}
	}
	if got := len(names); got != 3 || names[0] != "b" || names[2] != "work" {
		t.Errorf("ListActivities: %v", names)
	}

	// Nothing to do: an empty answer after the long poll.
	start := time.Now()
	task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: a.ActivityArn, WorkerName: aws.String("w")})
	if err != nil || task.TaskToken != nil || time.Since(start) < 250*time.Millisecond {
		t.Errorf("GetActivityTask with no task: %v %+v after %v", err, task, time.Since(start))
	}

	// Errors as AWS gives them.
	var invalidName *types.InvalidName
	if _, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("activity name")}); !errors.As(err, &invalidName) || aws.ToString(invalidName.Message) != "Invalid Name: 'activity name'" {
		t.Errorf("CreateActivity(bad name): %v", err)
	}
	var invalidArn *types.InvalidArn
	if _, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String("no_an_activity_arn")}); !errors.As(err, &invalidArn) || aws.ToString(invalidArn.Message) != "Invalid Arn: 'Invalid ARN prefix: no_an_activity_arn'" {
		t.Errorf("DescribeActivity(bad arn): %v", err)
	}
	if _, err := c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: a.ActivityArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: a.ActivityArn}); err != nil {
		t.Errorf("DeleteActivity again: %v, want no error (as AWS)", err)
	}
	var missing *types.ActivityDoesNotExist
	if _, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: a.ActivityArn}); !errors.As(err, &missing) || aws.ToString(missing.Message) != "Activity Does Not Exist: '"+arn+"'" {
		t.Errorf("DescribeActivity(deleted): %v", err)
	}
	if _, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: a.ActivityArn}); !errors.As(err, &missing) {
		t.Errorf("GetActivityTask(deleted): %v", err)
	}
	var notFound *types.ResourceNotFound
	if _, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: a.ActivityArn}); !errors.As(err, &notFound) {
		t.Errorf("ListTagsForResource(deleted): %v", err)
	}
	var badToken *types.InvalidToken
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("nope"), Output: aws.String("{}")}); !errors.As(err, &badToken) {
		t.Errorf("SendTaskSuccess(bad token): %v", err)
	}
	var timedOut *types.TaskTimedOut
	if _, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("6f1c3e8a-0b2d-4c5e-9f7a-1b2c3d4e5f60")}); !errors.As(err, &timedOut) {
		t.Errorf("SendTaskHeartbeat(unknown token): %v", err)
	}
}

// activityMachine creates an activity and a state machine whose one Task state runs it.
func activityMachine(t *testing.T, c *sfn.Client, name, extra string) (activity, machine string) {
	t.Helper()
	ctx := context.Background()
	a, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"ActivityTask","States":{"ActivityTask":{"Type":"Task","Resource":"` + aws.ToString(a.ActivityArn) + `"` + extra + `,"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name + "-machine"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(a.ActivityArn), aws.ToString(sm.StateMachineArn)
}

func waitDone(t *testing.T, c *sfn.Client, arn *string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != types.ExecutionStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still running", aws.ToString(arn))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// historyOf returns the event types of an execution and the events themselves.
func historyOf(t *testing.T, c *sfn.Client, arn *string) ([]string, []types.HistoryEvent) {
	t.Helper()
	h, err := c.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: arn, MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range h.Events {
		names = append(names, string(e.Type))
	}
	return names, h.Events
}

func sameTypes(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// worker polls an activity once and answers with fn's outcome; it reports the token.
func worker(t *testing.T, c *sfn.Client, activity, name string, fn func(ctx context.Context, token, input string) error) <-chan string {
	done := make(chan string, 1)
	go func() {
		ctx := context.Background()
		for i := 0; i < 50; i++ {
			task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(activity), WorkerName: aws.String(name)})
			if err != nil {
				t.Errorf("GetActivityTask: %v", err)
				close(done)
				return
			}
			if task.TaskToken == nil {
				continue
			}
			if err := fn(ctx, aws.ToString(task.TaskToken), aws.ToString(task.Input)); err != nil {
				t.Errorf("worker: %v", err)
			}
			done <- aws.ToString(task.TaskToken)
			return
		}
		close(done)
	}()
	return done
}

func TestActivityWorker(t *testing.T) {
	c := newActivityServer(t, 2*time.Second, nil)
	ctx := context.Background()

	t.Run("succeeds", func(t *testing.T) {
		activity, machine := activityMachine(t, c, "ok", `,"TimeoutSeconds":60,"HeartbeatSeconds":10`)
		// The worker is polling before the task exists: the commit wakes it.
		done := worker(t, c, activity, "BASE_ID_ACTIVITY_CONSUMER", func(ctx context.Context, token, input string) error {
			if input != `{"Value1":"HelloWorld"}` {
				t.Errorf("input %s", input)
			}
			if _, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)}); err != nil {
				return err
			}
			// An output that is not JSON is refused, in Jackson's words, and the task waits on.
			var invalid *types.InvalidOutput
			_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String("not json")})
			if !errors.As(err, &invalid) || !strings.HasPrefix(aws.ToString(invalid.Message), "Invalid State Machine Output: 'Unrecognized token 'not': was expecting") {
				t.Errorf("SendTaskSuccess with an output that is not JSON: %v", err)
			}
			_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(input)})
			return err
		})
		time.Sleep(100 * time.Millisecond)
		start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"Value1":"HelloWorld"}`)})
		if err != nil {
			t.Fatal(err)
		}
		token := <-done
		out := waitDone(t, c, start.ExecutionArn)
		if out.Status != types.ExecutionStatusSucceeded || aws.ToString(out.Output) != `{"Value1":"HelloWorld"}` {
			t.Fatalf("status %s output %s error %s", out.Status, aws.ToString(out.Output), aws.ToString(out.Error))
		}
		names, evs := historyOf(t, c, start.ExecutionArn)
		if !sameTypes(names, "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded") {
			t.Errorf("history %v", names)
		}
		if d := evs[2].ActivityScheduledEventDetails; d == nil || aws.ToString(d.Resource) != activity || aws.ToInt64(d.HeartbeatInSeconds) != 10 || aws.ToInt64(d.TimeoutInSeconds) != 60 {
			t.Errorf("ActivityScheduled %+v", d)
		}
		if d := evs[3].ActivityStartedEventDetails; d == nil || aws.ToString(d.WorkerName) != "BASE_ID_ACTIVITY_CONSUMER" {
			t.Errorf("ActivityStarted %+v", d)
		}
		// The task is closed: a late answer is refused as AWS refuses it.
		var timedOut *types.TaskTimedOut
		if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String("{}")}); !errors.As(err, &timedOut) {
			t.Errorf("SendTaskSuccess after the end: %v", err)
		}
	})

	t.Run("fails", func(t *testing.T) {
		activity, machine := activityMachine(t, c, "bad", "")
		start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"Value1":"HelloWorld"}`)})
		if err != nil {
			t.Fatal(err)
		}
		// The task exists before the worker polls: it is handed out at once.
		<-worker(t, c, activity, "w", func(ctx context.Context, token, input string) error {
			_, err := c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String("Programmatic Error"), Cause: aws.String(input)})
			return err
		})
		out := waitDone(t, c, start.ExecutionArn)
		if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "Programmatic Error" || aws.ToString(out.Cause) != `{"Value1":"HelloWorld"}` {
			t.Fatalf("status %s error %s cause %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
		}
		names, _ := historyOf(t, c, start.ExecutionArn)
		if !sameTypes(names, "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivityFailed", "ExecutionFailed") {
			t.Errorf("history %v", names)
		}
	})

	t.Run("heartbeat times out", func(t *testing.T) {
		activity, machine := activityMachine(t, c, "silent", `,"HeartbeatSeconds":1`)
		start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		<-worker(t, c, activity, "w", func(ctx context.Context, token, input string) error {
			time.Sleep(1500 * time.Millisecond) // longer than the heartbeat
			_, err := c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
			var timedOut *types.TaskTimedOut
			if !errors.As(err, &timedOut) {
				t.Errorf("SendTaskHeartbeat after the heartbeat timeout: %v, want TaskTimedOut", err)
			}
			return nil
		})
		out := waitDone(t, c, start.ExecutionArn)
		if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "States.Timeout" {
			t.Fatalf("status %s error %s", out.Status, aws.ToString(out.Error))
		}
		names, evs := historyOf(t, c, start.ExecutionArn)
		if !sameTypes(names, "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivityTimedOut", "ExecutionFailed") {
			t.Errorf("history %v", names)
		}
		if d := evs[4].ActivityTimedOutEventDetails; d == nil || aws.ToString(d.Error) != "States.Timeout" {
			t.Errorf("ActivityTimedOut %+v", d)
		}
	})

	t.Run("schedule-to-close timeout", func(t *testing.T) {
		activity, machine := activityMachine(t, c, "slow", `,"TimeoutSeconds":1`)
		start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		<-worker(t, c, activity, "w", func(ctx context.Context, token, input string) error {
			// Heartbeats do not extend TimeoutSeconds.
			for range 3 {
				time.Sleep(500 * time.Millisecond)
				_, _ = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
			}
			return nil
		})
		out := waitDone(t, c, start.ExecutionArn)
		names, _ := historyOf(t, c, start.ExecutionArn)
		if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "States.Timeout" ||
			!sameTypes(names, "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivityTimedOut", "ExecutionFailed") {
			t.Fatalf("status %s error %s history %v", out.Status, aws.ToString(out.Error), names)
		}
	})

	t.Run("activity deleted", func(t *testing.T) {
		activity, machine := activityMachine(t, c, "gone", "")
		if _, err := c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: aws.String(activity)}); err != nil {
			t.Fatal(err)
		}
		start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		out := waitDone(t, c, start.ExecutionArn)
		want := "An error occurred while executing the state 'ActivityTask' (entered at the event id #2). The activity " + activity + " does not exist."
		if out.Status != types.ExecutionStatusFailed || aws.ToString(out.Error) != "States.Runtime" || aws.ToString(out.Cause) != want {
			t.Fatalf("status %s error %s cause %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
		}
		names, _ := historyOf(t, c, start.ExecutionArn)
		if !sameTypes(names, "ExecutionStarted", "TaskStateEntered", "ExecutionFailed") {
			t.Errorf("history %v", names)
		}
	})
}
