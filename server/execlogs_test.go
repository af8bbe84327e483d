package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepwise-run/stepwise/internal/retention"
	"github.com/stepwise-run/stepwise/store"
)

// TestExecutionLogs runs Standard and Express executions of state machines with logging at
// each level on a server writing its execution logs to a file, through the AWS SDK, and reads
// the log events back.
func TestExecutionLogs(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "executions.jsonl")
	srv, err := New(context.Background(), Config{Store: "sqlite:" + filepath.Join(dir, "db"), ExecutionLogs: logs, Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	hs := httptest.NewServer(srv.Handler)
	defer func() { hs.Close(); stop(); <-done; srv.Close() }()
	client := sfn.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		APIOptions: []func(*middleware.Stack) error{func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("noHostPrefix",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
				}), middleware.Before)
		}}})

	const pass = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":1},"End":true}}}`
	const fail = `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}`
	machine := func(name, def string, typ types.StateMachineType, level types.LogLevel, data bool) string {
		out, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def),
			RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Type: typ,
			LoggingConfiguration: &types.LoggingConfiguration{Level: level, IncludeExecutionData: data,
				Destinations: []types.LogDestination{{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{
					LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:g:*")}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return *out.StateMachineArn
	}
	run := func(smArn string) string {
		out, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smArn), Input: aws.String(`{"in":true}`)})
		if err != nil {
			t.Fatal(err)
		}
		for range 200 {
			d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: out.ExecutionArn})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != types.ExecutionStatusRunning {
				return *out.ExecutionArn
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s did not end", *out.ExecutionArn)
		return ""
	}
	stdAll := run(machine("std-all", pass, types.StateMachineTypeStandard, types.LogLevelAll, true))
	stdErr := run(machine("std-error", fail, types.StateMachineTypeStandard, types.LogLevelError, false))
	// Redriven, the failure is logged again with its redrive count.
	if _, err := client.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(stdErr)}); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(stdErr)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != types.ExecutionStatusRunning {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stdOff := run(machine("std-off", pass, types.StateMachineTypeStandard, types.LogLevelOff, true))
	stdFatal := run(machine("std-fatal", pass, types.StateMachineTypeStandard, types.LogLevelFatal, true))
	sync, err := client.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{
		StateMachineArn: aws.String(machine("exp-all", pass, types.StateMachineTypeExpress, types.LogLevelAll, false)), Input: aws.String(`{"in":true}`)})
	if err != nil {
		t.Fatal(err)
	}
	express := *sync.ExecutionArn
	async, err := client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(machine("exp-fatal", fail, types.StateMachineTypeExpress, types.LogLevelFatal, true)), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	asyncArn := *async.ExecutionArn
	for i := 0; i < 200; i++ { // it runs in the background: wait for its last line
		b, _ := os.ReadFile(logs)
		if strings.Contains(string(b), asyncArn) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	f, err := os.Open(logs)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byExec := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			ID              string         `json:"id"`
			Type            string         `json:"type"`
			Details         map[string]any `json:"details"`
			PreviousEventID string         `json:"previous_event_id"`
			Timestamp       string         `json:"event_timestamp"`
			ExecutionArn    string         `json:"execution_arn"`
			RedriveCount    string         `json:"redrive_count"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s: %v", sc.Bytes(), err)
		}
		if (e.RedriveCount != "0" && e.ExecutionArn != stdErr) || len(e.Timestamp) != 13 || e.Details == nil {
			t.Errorf("log event %s", sc.Bytes())
		}
		_, hasInput := e.Details["input"]
		_, hasOutput := e.Details["output"]
		data := hasInput || hasOutput
		if e.ExecutionArn == stdAll && (e.Type == "ExecutionStarted" || e.Type == "PassStateExited") && !data {
			t.Errorf("includeExecutionData true, no data: %s", sc.Bytes())
		}
		if (e.ExecutionArn == express || e.ExecutionArn == stdErr) && data {
			t.Errorf("includeExecutionData false, data: %s", sc.Bytes())
		}
		byExec[e.ExecutionArn] = append(byExec[e.ExecutionArn], e.ID+":"+e.Type+":"+e.PreviousEventID+":"+e.RedriveCount)
	}
	for _, c := range []struct {
		arn  string
		want string
	}{
		{stdAll, "1:ExecutionStarted:0:0 2:PassStateEntered:0:0 3:PassStateExited:2:0 4:ExecutionSucceeded:3:0"},
		{stdErr, "2:FailStateEntered:0:0 3:ExecutionFailed:2:0 5:FailStateEntered:4:1 6:ExecutionFailed:5:1"},
		{stdOff, ""},
		{stdFatal, ""},
		{asyncArn, "3:ExecutionFailed:2:0"},
		{express, "1:ExecutionStarted:0:0 2:PassStateEntered:0:0 3:PassStateExited:2:0 4:ExecutionSucceeded:3:0"},
	} {
		if got := strings.Join(byExec[c.arn], " "); got != c.want {
			t.Errorf("%s logged %q, want %q", c.arn, got, c.want)
		}
	}
	if !strings.Contains(express, ":express:") {
		t.Errorf("Express execution ARN %s", express)
	}
}

// TestExpressLogsKept: without --execution-logs, the log events of an Express execution whose
// state machine logs are kept for the console; with ExpressLogExecutions negative they are not.
func TestExpressLogsKept(t *testing.T) {
	for _, keep := range []int{0, -1} {
		t.Run(fmt.Sprint("keep=", keep), func(t *testing.T) {
			dir := t.TempDir()
			srv, err := New(context.Background(), Config{Store: "sqlite:" + filepath.Join(dir, "db"), ExpressLogExecutions: keep})
			if err != nil {
				t.Fatal(err)
			}
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { srv.Run(ctx); close(done) }()
			hs := httptest.NewServer(srv.Handler)
			defer func() { hs.Close(); stop(); <-done; srv.Close() }()
			client := sfn.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
				Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")}, func(o *sfn.Options) {
				o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
					return s.Initialize.Add(middleware.InitializeMiddlewareFunc("noHostPrefix",
						func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
							return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
						}), middleware.Before)
				})
			})
			sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("x"), Type: types.StateMachineTypeExpress,
				Definition: aws.String(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.fail","IsPresent":true,"Next":"F"}],"Default":"P"},` +
					`"P":{"Type":"Pass","End":true},"F":{"Type":"Fail","Error":"E"}}}`), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
				LoggingConfiguration: &types.LoggingConfiguration{Level: types.LogLevelError, Destinations: []types.LogDestination{{
					CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:g:*")}}}}})
			if err != nil {
				t.Fatal(err)
			}
			// Level ERROR: the failure is kept, not the success.
			for _, in := range []string{`{}`, `{"fail":1}`} {
				if _, err := client.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(in)}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(600 * time.Millisecond) // the keeper writes every 200 ms
			x, _ := srv.Store.(interface {
				ListExpressExecutions(context.Context, string, int) ([]store.ExpressExecution, error)
			})
			list, err := x.ListExpressExecutions(ctx, *sm.StateMachineArn, 10)
			if err != nil {
				t.Fatal(err)
			}
			if keep < 0 && len(list) != 0 {
				t.Errorf("kept %+v with ExpressLogExecutions %d", list, keep)
			}
			for _, e := range list {
				if e.LastType != "ExecutionFailed" {
					t.Errorf("level ERROR kept %+v", e)
				}
			}
			if keep == 0 && len(list) != 1 {
				t.Errorf("kept %+v, want the failed execution only", list)
			}
		})
	}
}

// TestExpressLogsRemoved: DeleteStateMachine removes the kept log events of its Express
// executions, those started through a version or an alias included, and leaves another state
// machine's; the retention's purge removes the rest once their last event is past it.
func TestExpressLogsRemoved(t *testing.T) {
	dir := t.TempDir()
	clock := time.Now().Add(2 * time.Hour) // the purge's: the events are 2 hours old to it
	srv, err := New(context.Background(), Config{Store: "sqlite:" + filepath.Join(dir, "db"),
		Retention: retention.Options{Retention: time.Hour, Now: func() time.Time { return clock }}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	var running sync.WaitGroup // the node, and the purge once started
	running.Go(func() { srv.Run(ctx) })
	hs := httptest.NewServer(srv.Handler)
	defer func() { hs.Close(); stop(); running.Wait(); srv.Close() }()
	client := sfn.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")}, func(o *sfn.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("noHostPrefix",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
				}), middleware.Before)
		})
	})
	x := srv.Store.(store.ExpressLogs)
	machine := func(name string) string {
		sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Type: types.StateMachineTypeExpress,
			Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
			LoggingConfiguration: &types.LoggingConfiguration{Level: types.LogLevelAll, Destinations: []types.LogDestination{{
				CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:g:*")}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return *sm.StateMachineArn
	}
	run := func(arn string) string {
		out, err := client.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.ExecutionArn
	}
	// kept waits for the keeper (it writes every 200 ms) to hold n executions of sm.
	kept := func(sm string, n int) {
		t.Helper()
		var list []store.ExpressExecution
		for range 100 {
			if list, err = x.ListExpressExecutions(ctx, sm, 100); err != nil {
				t.Fatal(err)
			}
			if len(list) == n {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s: %d executions kept, want %d", sm, len(list), n)
	}

	gone, other := machine("gone"), machine("other")
	v, err := client.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(gone)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := client.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("live"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: v.StateMachineVersionArn, Weight: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	execs := []string{run(gone), run(*v.StateMachineVersionArn), run(*a.StateMachineAliasArn)}
	otherExec := run(other)
	kept(gone, 3)
	kept(other, 1)
	if _, err := client.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(gone)}); err != nil {
		t.Fatal(err)
	}
	kept(gone, 0)
	for _, e := range execs {
		if _, err := x.GetExpressExecution(ctx, e); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetExpressExecution(%s) after DeleteStateMachine: %v, want ErrNotFound", e, err)
		}
	}
	kept(other, 1)

	running.Go(func() { srv.RunRetention(ctx) })
	kept(other, 0)
	if _, err := x.GetExpressExecution(ctx, otherExec); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetExpressExecution(%s) after the purge: %v, want ErrNotFound", otherExec, err)
	}
}
