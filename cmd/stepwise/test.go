package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/integration/httptask"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/integration/optimized"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/internal/testsuite"
	"github.com/stepwise-run/stepwise/runner"
)

const testUsage = "usage: stepwise test [--junit FILE] [--update] [--run REGEXP] [-v] [--parallel N] [--timeout D] [--function NAME=PATH|URL]... [--functions FILE] [--connections FILE] [--listen ADDR] [PATH...]"

// cmdTest runs the test files (*.test.yaml, *.test.yml, *.test.json) under the paths given
// (docs/testing.md). Exit status: 0 when every test passed, 1 when one failed or a file is
// bad (or there is no test file), 2 for bad usage.
func cmdTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, testUsage+"\n\nRuns the test files (*.test.yaml, *.test.yml, *.test.json) under each PATH (default .): docs/testing.md.")
		fs.PrintDefaults()
	}
	junit := fs.String("junit", "", "also write the results to `FILE` as JUnit XML, for CI systems")
	update := fs.Bool("update", false, "record each test's outcome as its expectation, in its file (snapshot testing)")
	runRe := fs.String("run", "", "run only the tests whose names match this regular expression")
	verbose := fs.Bool("v", false, "list the tests that passed too")
	parallel := fs.Int("parallel", 0, "how many tests run at once (default: the number of CPUs Go uses)")
	timeout := fs.Duration("timeout", time.Minute, "the most real time one test may take (its clock is virtual: only calls to services take time)")
	functionSpecs := functionFlags(fs, "a Lambda function that Task states without a mock invoke, for every file (and over a file's functions:)", "a JSON file of Lambda functions, as serve's --functions")
	listen := fs.String("listen", "", "serve SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat and GetActivityTask on this address (e.g. 127.0.0.1:8099) while the tests run, so that a worker of your own can answer the task tokens of .waitForTaskToken tasks without a mock, and take activity tasks without a mock (GetActivityTask), which then wait for it")
	connectionsFile := fs.String("connections", "", "a JSON file of EventBridge connections for the HTTP Tasks of files that say unmocked: call, as serve's --connections")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	specs, err := functionSpecs()
	if err != nil {
		fmt.Fprintf(stderr, "stepwise test: %v\n%s\n", err, testUsage)
		return 2
	}
	var conns *httptask.Connections
	if *connectionsFile != "" {
		if conns, err = httptask.LoadConnections(*connectionsFile); err != nil {
			fmt.Fprintf(stderr, "stepwise test: --connections: %v\n%s\n", err, testUsage)
			return 2
		}
	}
	// The tasks' S3 calls in a file with s3: are answered in process, by its objects.
	client := sync.OnceValues(func() (*awssdk.Client, error) { return awssdk.New(awssdk.Options{InProcess: testsuite.InProcess}) })
	opts := testsuite.Options{Update: *update, Workers: *parallel, Timeout: *timeout, Functions: specs, Listen: *listen,
		Listening: func(url string) {
			fmt.Fprintf(stderr, "stepwise test: task tokens are answered at %s (AWS_ENDPOINT_URL_SFN)\n", url)
		},
		Tasks: func() (runner.TaskHandler, error) { return newTestTasks(client, conns) },
		Check: func() (runner.TaskChecker, error) { return newTestChecks(client) }}
	if *runRe != "" {
		if opts.Run, err = regexp.Compile(*runRe); err != nil {
			fmt.Fprintf(stderr, "stepwise test: --run: %v\n%s\n", err, testUsage)
			return 2
		}
	}
	if len(pos) == 0 {
		pos = []string{"."}
	}
	rep, err := testsuite.Run(ctx, pos, opts)
	if err != nil {
		fmt.Fprintln(stderr, "stepwise test:", err)
		return 1
	}
	if err := rep.WriteText(stdout, *verbose); err != nil {
		fmt.Fprintln(stderr, "stepwise test:", err)
		return 1
	}
	if *junit != "" {
		if err := writeJUnit(*junit, rep); err != nil {
			fmt.Fprintln(stderr, "stepwise test: --junit:", err)
			return 1
		}
	}
	if len(rep.Files) == 0 || !rep.OK() {
		return 1
	}
	return 0
}

func writeJUnit(path string, rep *testsuite.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteJUnit(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// testTasks runs the Task states of files that say unmocked: call, as run does: the aws-sdk
// tasks, the optimized AWS integrations, HTTP Tasks, a Distributed Map's reads and writes
// of S3, and Lambda tasks when a Lambda endpoint is configured. (Lambda tasks run the
// functions given to the test before these: testsuite.)
type testTasks []integration.Handler

// newTestTasks assembles them, when a test first needs them.
func newTestTasks(awsClient func() (*awssdk.Client, error), conns *httptask.Connections) (runner.TaskHandler, error) {
	client, err := awsClient()
	if err != nil {
		return nil, err
	}
	h := testTasks{&s3items.Handler{S3: s3items.FromClient(client)}, &awssdk.Handler{Client: client, ClientRegion: true},
		optimized.New(optimized.Options{Caller: optimized.FromClient(client), Region: client.Region()}),
		httptask.New(httptask.Options{Connections: conns, Region: client.Region()})}
	if _, ok := client.ConfiguredEndpoint(context.Background(), "lambda"); ok {
		h = append(h, lambda.New(lambda.Options{Region: client.Region(), Remote: lambda.Remote(client)}))
	}
	return h, nil
}

// Handles tells whether one of the integrations runs a task.
func (h testTasks) Handles(t *engine.Task) bool {
	return slices.ContainsFunc(h, func(x integration.Handler) bool { return x.Handles(t) })
}

// newTestChecks assembles what checks every Task state's parameters, mocked or not, before
// it is scheduled: the integrations serve runs, routed as serve routes them
// (integration.Registry.CheckTask), so that a test fails where an execution would: the
// optimized integrations' and the aws-sdk actions' parameters against their APIs' models,
// http:invoke's and apigateway:invoke's as they are read.
func newTestChecks(awsClient func() (*awssdk.Client, error)) (runner.TaskChecker, error) {
	client, err := awsClient()
	if err != nil {
		return nil, err
	}
	return &integration.Registry{HTTP: httptask.New(httptask.Options{}), SDK: &awssdk.Handler{Client: client},
		Optimized: optimized.New(optimized.Options{Caller: optimized.FromClient(client)})}, nil
}

func (h testTasks) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	for _, x := range h {
		if x.Handles(t) {
			return x.RunTask(ctx, t)
		}
	}
	return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "no integration is configured for resource " + t.Resource}
}
