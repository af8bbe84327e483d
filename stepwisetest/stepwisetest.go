// Package stepwisetest runs Stepwise in process for Go tests: the same server as `stepwise
// serve` (package server), on a throwaway SQLite store, behind an HTTP endpoint that the AWS
// SDK for Go talks to.
//
//	func TestOrder(t *testing.T) {
//		sw := stepwisetest.New(t, stepwisetest.TimeSkipping(),
//			stepwisetest.Function("charge", func(ctx context.Context, event json.RawMessage) (any, error) {
//				return map[string]any{"charged": true}, nil
//			}))
//		client := sfn.NewFromConfig(sw.AWSConfig())
//		... CreateStateMachine, StartExecution ...
//		out := sw.Wait(t, executionArn) // DescribeExecution once it has ended
//	}
//
// Everything stops when the test ends (t.Cleanup). Nested executions, Lambda functions (Go
// funcs registered with Function, or programs with FunctionProgram), activities, task tokens,
// Step Functions Local mock configurations (MockConfig) and the AWS integrations run as
// they do under serve. With TimeSkipping, Wait states, retries and timeouts pass at once on a
// virtual clock whenever nothing else runs.
package stepwisetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/integration/mock"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/server"
)

// Region and Account are those of the ARNs the server makes.
const (
	Region  = "us-east-1"
	Account = "123456789012"
)

// Server is Stepwise running in process.
type Server struct {
	// Endpoint is the base URL of the Step Functions API (and of the console, in a browser).
	Endpoint string

	srv  *server.Server
	http *httptest.Server
	dir  string
	stop context.CancelFunc
	done chan struct{}
}

// Option configures a Server.
type Option func(*config) error

type config struct {
	skip      bool
	functions map[string]lambda.Spec
	mocks     *mock.Config
}

// TimeSkipping runs the server on a virtual clock: whenever nothing runs (no task, no step)
// and no task waits for a callback (an activity worker, a task token), the clock jumps to the
// next timer. A Wait of a week, a retry's back-off and a state's timeout pass at once, in
// order, and the histories carry the virtual times.
func TimeSkipping() Option {
	return func(c *config) error { c.skip = true; return nil }
}

// Function registers fn as the Lambda function name, run in process: a Task state invoking
// it (arn:aws:states:::lambda:invoke with FunctionName name, or the function's ARN) gets
// fn's result as JSON. An error fails the invocation as Lambda reports an unhandled error:
// its type's name is the error name a Retry or Catch matches (use *lambda.FunctionError to
// choose it), and a panic is caught the same way.
func Function(name string, fn func(ctx context.Context, event json.RawMessage) (any, error)) Option {
	return addFunction(name, lambda.Spec{Func: func(ctx context.Context, payload []byte) ([]byte, error) {
		out, err := fn(ctx, json.RawMessage(payload))
		if err != nil {
			return nil, err
		}
		switch v := out.(type) {
		case json.RawMessage:
			return v, nil
		case nil:
			return []byte("null"), nil
		}
		return json.Marshal(out)
	}})
}

// FunctionProgram registers a program speaking the Lambda Runtime API (a Go program built
// with aws-lambda-go, a bootstrap script) as the Lambda function name: it is started as
// serve's --function NAME=PATH starts it.
func FunctionProgram(name string, command ...string) Option {
	return addFunction(name, lambda.Spec{Command: command})
}

func addFunction(name string, spec lambda.Spec) Option {
	return func(c *config) error {
		if c.functions == nil {
			c.functions = map[string]lambda.Spec{}
		}
		c.functions[name] = spec
		return nil
	}
}

// MockConfig loads a Step Functions Local mock configuration file: an execution started on
// STATE_MACHINE_ARN#TEST_CASE gets the test case's mocked task responses.
func MockConfig(path string) Option {
	return func(c *config) (err error) {
		c.mocks, err = mock.Load(path)
		return err
	}
}

// New starts a server for a test; it stops when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("stepwisetest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test (in TestMain, shared by a package's tests); Close
// stops it.
func Start(opts ...Option) (*Server, error) {
	var c config
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "stepwisetest-")
	if err != nil {
		return nil, err
	}
	cfg := server.Config{Store: "sqlite:" + filepath.Join(dir, "stepwise.db"), Region: Region, Account: Account,
		Functions: c.functions, Mocks: c.mocks, Poll: 100 * time.Millisecond}
	if c.skip {
		cfg.TimeSkipping = true
		// A task token or an activity is answered by the test, in its own time: the clock
		// waits for it, lest the execution time out before the test could answer.
		cfg.OnIdle = func(w runner.Idle) bool { return w.Callbacks == 0 }
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{srv: srv, dir: dir, stop: stop, done: make(chan struct{})}
	go func() { srv.Run(ctx); close(s.done) }()
	s.http = httptest.NewServer(srv.Handler)
	s.Endpoint = s.http.URL
	return s, nil
}

// Close stops the server and deletes its store.
func (s *Server) Close() {
	s.http.Close()
	s.stop()
	<-s.done
	s.srv.Close()
	os.RemoveAll(s.dir)
}

// AWSConfig is a configuration for the AWS SDK for Go that calls this server: its region,
// static credentials, and the server as every client's BaseEndpoint.
//
//	client := sfn.NewFromConfig(sw.AWSConfig())
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("stepwisetest", "stepwisetest", ""),
		BaseEndpoint: aws.String(s.Endpoint),
		// StartSyncExecution's host prefix ("sync-") only resolves on AWS's own domain.
		APIOptions: []func(*middleware.Stack) error{noHostPrefix},
	}
}

func noHostPrefix(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("StepwiseNoHostPrefix",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), middleware.Before)
}

// Wait waits, for a minute at most, until a Standard execution has ended, and returns
// DescribeExecution's answer; it fails the test when the execution does not end in time.
func (s *Server) Wait(t testing.TB, executionArn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	out, err := s.WaitContext(context.Background(), executionArn)
	if err != nil {
		t.Fatalf("stepwisetest: %v", err)
	}
	return out
}

// WaitContext is Wait outside a test: it waits until the execution has ended, ctx ends, or a
// minute has passed.
func (s *Server) WaitContext(ctx context.Context, executionArn string) (*sfn.DescribeExecutionOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := s.srv.Node.WaitEnded(ctx, executionArn); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("execution %s has not ended within a minute", executionArn)
		}
		return nil, fmt.Errorf("execution %s: %w", executionArn, err)
	}
	return sfn.NewFromConfig(s.AWSConfig()).DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionArn)})
}
