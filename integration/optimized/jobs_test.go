package optimized

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// exchange is one API call a job service expects: the operation, the exact JSON body an AWS
// SDK sends for it (member names as the model spells them), and the answers it gives in turn
// (the last one repeats).
type exchange struct {
	op      string
	want    string
	replies []string
}

// jobCase is a .sync integration played against a test server of its service.
type jobCase struct {
	resource              string // service:api
	params                string
	target                string            // awsJson: the X-Amz-Target prefix
	paths                 map[string]string // restJson: path -> operation
	start, describe, stop exchange
	out                   string // the task's result when the job succeeds
	failed                string // the describe answer of a failed job
	cause                 string // the task's cause then
}

var jobCases = []jobCase{
	{
		resource: "ecs:runTask", target: "AmazonEC2ContainerServiceV20141113",
		params: `{"Cluster":"arn:aws:ecs:us-east-1:111111111111:cluster/c","TaskDefinition":"td","LaunchType":"FARGATE","Overrides":{"ContainerOverrides":[{"Name":"app","Command":["run"]}]}}`,
		start: exchange{"RunTask", `{"cluster":"arn:aws:ecs:us-east-1:111111111111:cluster/c","taskDefinition":"td","launchType":"FARGATE","overrides":{"containerOverrides":[{"name":"app","command":["run"]}]},"startedBy":"AWS Step Functions","clientToken":"TOKEN"}`,
			[]string{`{"tasks":[{"taskArn":"arn:aws:ecs:us-east-1:111111111111:task/c/t1","lastStatus":"PROVISIONING"}],"failures":[]}`}},
		describe: exchange{"DescribeTasks", `{"cluster":"arn:aws:ecs:us-east-1:111111111111:cluster/c","tasks":["arn:aws:ecs:us-east-1:111111111111:task/c/t1"]}`,
			[]string{`{"tasks":[{"taskArn":"arn:aws:ecs:us-east-1:111111111111:task/c/t1","lastStatus":"RUNNING"}],"failures":[]}`,
				`{"tasks":[{"taskArn":"arn:aws:ecs:us-east-1:111111111111:task/c/t1","lastStatus":"STOPPED","stopCode":"EssentialContainerExited","containers":[{"name":"app","exitCode":0}],"createdAt":1700000000.25,"stoppedAt":1700000060}],"failures":[]}`}},
		stop: exchange{"StopTask", `{"cluster":"arn:aws:ecs:us-east-1:111111111111:cluster/c","task":"arn:aws:ecs:us-east-1:111111111111:task/c/t1","reason":"Task stopped by AWS Step Functions"}`,
			[]string{`{"task":{"taskArn":"arn:aws:ecs:us-east-1:111111111111:task/c/t1"}}`}},
		// Timestamps come out in epoch milliseconds, as the Java SDK renders them.
		out:    `{"TaskArn":"arn:aws:ecs:us-east-1:111111111111:task/c/t1","LastStatus":"STOPPED","StopCode":"EssentialContainerExited","Containers":[{"Name":"app","ExitCode":0}],"CreatedAt":1700000000250,"StoppedAt":1700000060000}`,
		failed: `{"tasks":[{"taskArn":"arn:aws:ecs:us-east-1:111111111111:task/c/t1","lastStatus":"STOPPED","stopCode":"EssentialContainerExited","containers":[{"name":"app","exitCode":2}]}],"failures":[]}`,
		cause:  `{"TaskArn":"arn:aws:ecs:us-east-1:111111111111:task/c/t1","LastStatus":"STOPPED","StopCode":"EssentialContainerExited","Containers":[{"Name":"app","ExitCode":2}]}`,
	},
	{
		resource: "batch:submitJob", paths: map[string]string{"/v1/submitjob": "SubmitJob", "/v1/describejobs": "DescribeJobs", "/v1/terminatejob": "TerminateJob"},
		params: `{"JobName":"j","JobQueue":"q","JobDefinition":"d","ContainerOverrides":{"Command":["x"]}}`,
		start: exchange{"SubmitJob", `{"jobName":"j","jobQueue":"q","jobDefinition":"d","containerOverrides":{"command":["x"]}}`,
			[]string{`{"jobArn":"arn:aws:batch:us-east-1:111111111111:job/1","jobName":"j","jobId":"1"}`}},
		describe: exchange{"DescribeJobs", `{"jobs":["1"]}`,
			[]string{`{"jobs":[{"jobId":"1","jobName":"j","status":"RUNNABLE"}]}`, `{"jobs":[{"jobId":"1","jobName":"j","status":"SUCCEEDED"}]}`}},
		stop:   exchange{"TerminateJob", `{"jobId":"1","reason":"Terminated by AWS Step Functions"}`, []string{`{}`}},
		out:    `{"JobId":"1","JobName":"j","Status":"SUCCEEDED"}`,
		failed: `{"jobs":[{"jobId":"1","jobName":"j","status":"FAILED","statusReason":"Essential container in task exited"}]}`,
		cause:  `{"JobId":"1","JobName":"j","Status":"FAILED","StatusReason":"Essential container in task exited"}`,
	},
	{
		resource: "glue:startJobRun", target: "AWSGlue",
		params: `{"JobName":"etl","Arguments":{"--day":"1"}}`,
		start:  exchange{"StartJobRun", `{"JobName":"etl","Arguments":{"--day":"1"}}`, []string{`{"JobRunId":"jr_1"}`}},
		describe: exchange{"GetJobRun", `{"JobName":"etl","RunId":"jr_1"}`,
			[]string{`{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"RUNNING"}}`, `{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"SUCCEEDED","StartedOn":1700000000}}`}},
		stop:   exchange{"BatchStopJobRun", `{"JobName":"etl","JobRunIds":["jr_1"]}`, []string{`{"SuccessfulSubmissions":[],"Errors":[]}`}},
		out:    `{"Id":"jr_1","JobName":"etl","JobRunState":"SUCCEEDED","StartedOn":1700000000000}`,
		failed: `{"JobRun":{"Id":"jr_1","JobName":"etl","JobRunState":"FAILED","ErrorMessage":"boom"}}`,
		cause:  `{"Id":"jr_1","JobName":"etl","JobRunState":"FAILED","ErrorMessage":"boom"}`,
	},
	{
		resource: "athena:startQueryExecution", target: "AmazonAthena",
		params: `{"QueryString":"SELECT 1","WorkGroup":"primary"}`,
		start:  exchange{"StartQueryExecution", `{"QueryString":"SELECT 1","WorkGroup":"primary","ClientRequestToken":"TOKEN"}`, []string{`{"QueryExecutionId":"q1"}`}},
		describe: exchange{"GetQueryExecution", `{"QueryExecutionId":"q1"}`,
			[]string{`{"QueryExecution":{"QueryExecutionId":"q1","Status":{"State":"QUEUED"}}}`, `{"QueryExecution":{"QueryExecutionId":"q1","Status":{"State":"SUCCEEDED"}}}`}},
		stop:   exchange{"StopQueryExecution", `{"QueryExecutionId":"q1"}`, []string{`{}`}},
		out:    `{"QueryExecution":{"QueryExecutionId":"q1","Status":{"State":"SUCCEEDED"}}}`,
		failed: `{"QueryExecution":{"QueryExecutionId":"q1","Status":{"State":"FAILED","StateChangeReason":"syntax"}}}`,
		cause:  `{"QueryExecution":{"QueryExecutionId":"q1","Status":{"State":"FAILED","StateChangeReason":"syntax"}}}`,
	},
	{
		resource: "codebuild:startBuild", target: "CodeBuild_20161006",
		params: `{"ProjectName":"p","EnvironmentVariablesOverride":[{"Name":"A","Value":"1","Type":"PLAINTEXT"}]}`,
		start: exchange{"StartBuild", `{"projectName":"p","environmentVariablesOverride":[{"name":"A","value":"1","type":"PLAINTEXT"}]}`,
			[]string{`{"build":{"id":"p:1","buildStatus":"IN_PROGRESS"}}`}},
		describe: exchange{"BatchGetBuilds", `{"ids":["p:1"]}`,
			[]string{`{"builds":[{"id":"p:1","buildStatus":"IN_PROGRESS"}],"buildsNotFound":[]}`, `{"builds":[{"id":"p:1","buildStatus":"SUCCEEDED"}],"buildsNotFound":[]}`}},
		stop:   exchange{"StopBuild", `{"id":"p:1"}`, []string{`{"build":{"id":"p:1","buildStatus":"STOPPED"}}`}},
		out:    `{"Build":{"Id":"p:1","BuildStatus":"SUCCEEDED"}}`,
		failed: `{"builds":[{"id":"p:1","buildStatus":"FAILED"}],"buildsNotFound":[]}`,
		cause:  `{"Build":{"Id":"p:1","BuildStatus":"FAILED"}}`,
	},
}

// jobServer is a test server of one service: it checks each request as the service would
// receive it from an AWS SDK and plays the job's life from the case's answers.
type jobServer struct {
	t        *testing.T
	c        jobCase
	describe []string // the describe answers, in turn
	onOp     func(op string)
	token    string // the idempotency token the start call carries ("": the one of jobTask's task)

	mu  sync.Mutex
	ops []string
}

func (s *jobServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := s.t
	if r.Method != "POST" {
		t.Errorf("method %s", r.Method)
	}
	var op string
	if s.c.target != "" {
		if r.URL.Path != "/" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
			t.Errorf("path %s, content type %s", r.URL.Path, r.Header.Get("Content-Type"))
		}
		prefix, name, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		if prefix != s.c.target {
			t.Errorf("target %s", r.Header.Get("X-Amz-Target"))
		}
		op = name
	} else {
		op = s.c.paths[r.URL.Path]
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("content type %s", r.Header.Get("Content-Type"))
		}
	}
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.ops = append(s.ops, op)
	n := 0
	for _, o := range s.ops {
		if o == op {
			n++
		}
	}
	s.mu.Unlock()
	var ex exchange
	replies := []string(nil)
	switch op {
	case s.c.start.op:
		ex, replies = s.c.start, s.c.start.replies
	case s.c.describe.op:
		ex, replies = s.c.describe, s.describe
	case s.c.stop.op:
		ex, replies = s.c.stop, s.c.stop.replies
	default:
		t.Errorf("unexpected operation %q (%s)", op, body)
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"UnknownOperationException","message":"no"}`)
		return
	}
	got, err := value.DecodeMaps(body)
	// The idempotency token names the task's scheduling (execution and task id).
	token := s.token
	if token == "" {
		token = taskToken(jobTask(s.c, ""))
	}
	want, _ := value.DecodeMaps([]byte(strings.ReplaceAll(ex.want, "TOKEN", token)))
	if err != nil || !value.Equal(got, want) {
		t.Errorf("%s body\n got %s\nwant %s", op, body, ex.want)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", "req-"+op)
	io.WriteString(w, replies[min(n, len(replies))-1])
	if s.onOp != nil {
		s.onOp(op)
	}
}

func (s *jobServer) calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ops)
}

func jobTask(c jobCase, pattern string) *engine.Task {
	svc, api, _ := strings.Cut(c.resource, ":")
	return &engine.Task{Resource: "arn:aws:states:::" + c.resource + pattern, ResourceType: svc, ResourceName: api + pattern,
		Pattern: pattern, Parameters: c.params, Execution: "arn:aws:states:us-east-1:111111111111:execution:m:e"}
}

// TestSyncJobs runs each .sync integration to its end through a real HTTP caller against its
// service's test server: the job is submitted (TaskSubmitted with the start call's result and
// SDK metadata), described until it ends, and its final description is the result, or the
// cause of States.TaskFailed when it failed.
func TestSyncJobs(t *testing.T) {
	for _, c := range jobCases {
		for _, fail := range []bool{false, true} {
			name := c.resource
			if fail {
				name += "/failed"
			}
			t.Run(name, func(t *testing.T) {
				s := &jobServer{t: t, c: c, describe: c.describe.replies}
				if fail {
					s.describe = []string{c.describe.replies[0], c.failed}
				}
				srv := httptest.NewServer(s)
				defer srv.Close()
				h := New(Options{Caller: &httpCaller{endpoint: srv.URL, client: srv.Client()}, PollInterval: time.Millisecond})
				var submitted string
				ctx := runner.WithSubmit(context.Background(), func(out string) { submitted = out })
				out, err := h.RunTask(ctx, jobTask(c, ".sync"))
				if want := []string{c.start.op, c.describe.op, c.describe.op}; !slices.Equal(s.calls(), want) {
					t.Errorf("calls %v, want %v", s.calls(), want)
				}
				sub := mustDecode(t, submitted).(map[string]any)
				if meta, ok := sub["SdkHttpMetadata"].(map[string]any); !ok || meta["HttpHeaders"].(map[string]any)["x-amzn-RequestId"] != "req-"+c.start.op {
					t.Errorf("submitted %s", submitted)
				}
				if fail {
					var te *runner.TaskError
					if !errors.As(err, &te) || te.Name != "States.TaskFailed" {
						t.Fatalf("err = %v", err)
					}
					if !value.Equal(mustDecode(t, te.Cause), mustDecode(t, c.cause)) {
						t.Errorf("cause\n got %s\nwant %s", te.Cause, c.cause)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !value.Equal(mustDecode(t, out), mustDecode(t, c.out)) {
					t.Errorf("output\n got %s\nwant %s", out, c.out)
				}
			})
		}
	}
}

// TestSyncJobStopped: a .sync task that is no longer wanted stops its job, as AWS does; a
// node that shuts down (a plain cancellation) leaves it running for the task's next run.
func TestSyncJobStopped(t *testing.T) {
	for _, c := range jobCases {
		for _, cause := range []error{runner.ErrTaskCancelled, context.Canceled} {
			t.Run(c.resource+"/"+cause.Error(), func(t *testing.T) {
				ctx, cancel := context.WithCancelCause(context.Background())
				s := &jobServer{t: t, c: c, describe: c.describe.replies[:1]}
				s.onOp = func(op string) {
					if op == c.describe.op {
						cancel(cause)
					}
				}
				srv := httptest.NewServer(s)
				defer srv.Close()
				h := New(Options{Caller: &httpCaller{endpoint: srv.URL, client: srv.Client()}, PollInterval: time.Millisecond})
				_, err := h.RunTask(ctx, jobTask(c, ".sync"))
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v", err)
				}
				want := []string{c.start.op, c.describe.op}
				if cause == runner.ErrTaskCancelled {
					want = append(want, c.stop.op)
				}
				if !slices.Equal(s.calls(), want) {
					t.Errorf("calls %v, want %v", s.calls(), want)
				}
			})
		}
	}
}

// TestJobRequestResponse: without .sync the start call's result is the task's, with the SDK's
// metadata from the real response's headers, and nothing is polled.
func TestJobRequestResponse(t *testing.T) {
	for _, c := range jobCases {
		t.Run(c.resource, func(t *testing.T) {
			c.start.want = strings.Replace(c.start.want, `,"startedBy":"AWS Step Functions"`, "", 1)
			s := &jobServer{t: t, c: c}
			srv := httptest.NewServer(s)
			defer srv.Close()
			h := New(Options{Caller: &httpCaller{endpoint: srv.URL, client: srv.Client()}, PollInterval: time.Millisecond})
			out, err := h.RunTask(context.Background(), jobTask(c, ""))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.calls(), []string{c.start.op}) {
				t.Errorf("calls %v", s.calls())
			}
			m := mustDecode(t, out).(map[string]any)
			meta := m["SdkHttpMetadata"].(map[string]any)
			all := meta["AllHttpHeaders"].(map[string]any)
			if !value.Equal(all["Content-Type"], []any{"application/x-amz-json-1.1"}) || all["Date"] == nil ||
				all["Content-Length"] == nil || !value.Equal(m["SdkResponseMetadata"], map[string]any{"RequestId": "req-" + c.start.op}) {
				t.Errorf("metadata of %s", out)
			}
			if n, _ := value.Int(meta["HttpStatusCode"]); n != 200 {
				t.Errorf("status %v", meta["HttpStatusCode"])
			}
		})
	}
}

// httpClient is the client of the tests' callers (no keep-alive pools shared across servers).
var httpClient = http.Client{Timeout: 10 * time.Second}

func newServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSyncJobPollRetries: a describe call that is throttled or fails on the server's side is
// asked again at the next tick; one that the service refuses fails the task with its name.
func TestSyncJobPollRetries(t *testing.T) {
	c := jobCases[2] // glue
	for _, tc := range []struct {
		name, answer string
		status       int
		errName      string
	}{
		{"throttled", `{"__type":"ThrottlingException","message":"Rate exceeded"}`, 400, ""},
		{"server error", `{"__type":"InternalServiceException","message":"oops"}`, 500, ""},
		{"refused", `{"__type":"EntityNotFoundException","message":"no run"}`, 400, "Glue.EntityNotFoundException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &jobServer{t: t, c: c, describe: c.describe.replies}
			n := 0
			mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetJobRun") && n < 2 {
					n++
					w.WriteHeader(tc.status)
					io.WriteString(w, tc.answer)
					return
				}
				s.ServeHTTP(w, r)
			})
			h := New(Options{Caller: &httpCaller{endpoint: newServer(t, mux), client: &httpClient}, PollInterval: time.Millisecond})
			out, err := h.RunTask(context.Background(), jobTask(c, ".sync"))
			if tc.errName != "" {
				var te *runner.TaskError
				if !errors.As(err, &te) || te.Name != tc.errName {
					t.Fatalf("err = %v, want %s", err, tc.errName)
				}
				return
			}
			if err != nil || !value.Equal(mustDecode(t, out), mustDecode(t, c.out)) {
				t.Fatalf("out %s, err %v", out, err)
			}
		})
	}
}
