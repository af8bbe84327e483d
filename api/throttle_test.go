package api_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/api/throttle"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// throttledServer serves the API with a limiter, tasks that wait for release, and counts the
// requests that reach it.
func throttledServer(t *testing.T, p throttle.Policy, body time.Duration) (url string, hits *atomic.Int64, release chan struct{}) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	release = make(chan struct{})
	tasks := runner.TaskFunc(func(ctx context.Context, _ *engine.Task) (string, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return `{}`, nil
	})
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: tasks,
		LeaseTTL: time.Second, Poll: 50 * time.Millisecond})
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { node.Run(runCtx); close(done) }()
	s := &api.Server{Store: st, Node: node, Region: "us-east-1", Account: "123456789012", Tasks: tasks, Throttle: throttle.New(p, nil), BodyTimeout: body}
	hits = &atomic.Int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); cancel(); <-done; st.Close() })
	return srv.URL, hits, release
}

func sdk(url string, attempts int) *sfn.Client {
	return sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{},
		APIOptions: []func(*middleware.Stack) error{noHostPrefix},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = 10 * time.Millisecond
		})})
}

// TestThrottleRate: past an action's token bucket a call gets ThrottlingException (HTTP
// 400, "Rate exceeded"), which the AWS SDK retries; other actions are not affected.
func TestThrottleRate(t *testing.T) {
	url, hits, _ := throttledServer(t, throttle.Policy{Buckets: map[string]throttle.Bucket{"ListStateMachines": {Size: 2, Refill: 0.001}}}, 0)
	c := sdk(url, 3)
	ctx := context.Background()
	for range 2 {
		if _, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil {
			t.Fatal(err)
		}
	}
	before := hits.Load()
	_, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" || ae.ErrorMessage() != "Rate exceeded" {
		t.Fatalf("a call past the bucket: %v", err)
	}
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
		t.Errorf("status %v, want 400", err)
	}
	if n := hits.Load() - before; n != 3 {
		t.Errorf("the SDK sent a throttled call %d times, want 3 (it retries ThrottlingException)", n)
	}
	if _, err := c.ListActivities(ctx, &sfn.ListActivitiesInput{}); err != nil {
		t.Errorf("another action was throttled: %v", err)
	}
}

// TestThrottleInFlight: with one request in flight (a StartSyncExecution waiting on its
// task) and a bound of one, the next call is refused at once; once it ends, calls go through.
func TestThrottleInFlight(t *testing.T) {
	url, _, release := throttledServer(t, throttle.Policy{MaxInFlight: 1}, 0)
	c := sdk(url, 1)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("x"), RoleArn: aws.String(role), Type: "EXPRESS",
		Definition: aws.String(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	start := func() {
		go func() {
			_, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn})
			done <- err
		}()
	}
	start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "ThrottlingException" {
			break
		}
		// The start can arrive while a probe is in flight, and be the call refused: start
		// again.
		select {
		case err := <-done:
			if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" {
				t.Fatalf("StartSyncExecution ended before the probe: %v", err)
			}
			start()
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("a call while one was in flight: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn}); err != nil {
		t.Errorf("after the call in flight ended: %v", err)
	}
}

// TestSlowBodyCutOff: a client that sends its headers and then trickles its body is cut off
// at the body deadline, and its place in flight is given back.
func TestSlowBodyCutOff(t *testing.T) {
	url, _, _ := throttledServer(t, throttle.Policy{MaxInFlight: 1}, 300*time.Millisecond)
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 100\r\n\r\n{")
	start := time.Now()
	go func() { // a byte a second: far slower than the deadline allows
		for range 10 {
			time.Sleep(time.Second)
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Fatal("a trickled body was answered as a call")
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cut off after %s", d)
	}
	if _, err := sdk(url, 1).ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{}); err != nil {
		t.Errorf("after the slow client: %v", err)
	}
}
