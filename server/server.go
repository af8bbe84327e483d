package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/api/throttle"
	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/console"
	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/execlog"
	"github.com/stepwise-run/stepwise/execlog/cloudwatch"
	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/integration/httptask"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/integration/mock"
	"github.com/stepwise-run/stepwise/integration/optimized"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/internal/retention"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/scheduler"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/postgres"
	"github.com/stepwise-run/stepwise/store/sqlite"
	"github.com/stepwise-run/stepwise/tracing"
)

// Config is what a Server is built from; the zero value of a field is serve's default.
type Config struct {
	// Store is sqlite:PATH or postgres://... (required).
	Store string
	// Region and Account appear in ARNs (default us-east-1 and 123456789012).
	Region, Account string
	// MaxHistoryEvents is the history quota per execution (0: AWS's 25,000).
	MaxHistoryEvents int64
	// LeaseTTL is how long the node's claim on an execution lasts without renewal (0: 5 s).
	LeaseTTL time.Duration
	// Poll bounds the node's sleep between looks at the store (0: 1 s).
	Poll time.Duration
	// EvalLimits bound every expression evaluation (--eval-steps, --eval-memory).
	EvalLimits budget.Limits
	// Functions are the Lambda functions tasks may invoke, by name: programs speaking the
	// Runtime API, Invoke API endpoints, or Go funcs (lambda.Spec).
	Functions map[string]lambda.Spec
	// Mocks answers the tasks of executions started on ARN#TestCase (--mock-config).
	Mocks *mock.Config
	// Connections is the file of EventBridge connections HTTP Tasks use (--connections).
	Connections string
	// EnforceIAM requires signed, allowed calls and checks roles; IAMFile keeps IAM state
	// ("" keeps it in memory); RootAccessKeyID and RootSecretAccessKey are the root's keys.
	EnforceIAM                           bool
	IAMFile                              string
	RootAccessKeyID, RootSecretAccessKey string
	// AWSAssumeRole makes aws-sdk calls as the execution's role (--aws-assume-role).
	AWSAssumeRole bool
	// SDKClientRegion makes aws-sdk tasks and optimized integrations call the region of the
	// default credential chain rather than Region (`stepwise run`: a local run's ARNs are
	// made up, the AWS resources it calls are not).
	SDKClientRegion bool
	// Throttle sheds API load past its bounds (--max-in-flight, --throttle); nil: none.
	Throttle *throttle.Limiter
	// Retention is how the purge of closed executions runs (--retention).
	Retention retention.Options
	// TimeSkipping runs the node on a virtual clock that OnIdle may jump to the next timer
	// whenever nothing runs (runner.NodeOptions).
	TimeSkipping bool
	// OnIdle hears what the executions wait for whenever nothing runs (runner.NodeOptions).
	OnIdle func(runner.Idle) bool
	// Now is the node's clock (nil: time.Now); serve gives it one that a step of the system
	// clock does not move (cmd/stepwise/clock.go).
	Now func() time.Time
	// EventsWebhook, when set, receives every execution status change event (package
	// events), POSTed and signed with EventsWebhookSecret (--events-webhook,
	// --events-webhook-secret).
	EventsWebhook, EventsWebhookSecret string
	// EventsWebhookBatch is the most events one webhook request carries, as a JSON array
	// (0 or 1: one event a request, the event itself; events.Webhook.Batch)
	// (--events-webhook-batch).
	EventsWebhookBatch int
	// EventsEventBridge, when set, is the EventBridge event bus (a name or an ARN) on which
	// every execution status change event is put with PutEvents, with the source
	// EventsEventBridgeSource (default events.DefaultEventBridgeSource)
	// (--events-eventbridge, --events-eventbridge-source).
	EventsEventBridge, EventsEventBridgeSource string
	// EventsPoll bounds the event deliverer's sleep between looks at the outbox (0: 1 s).
	EventsPoll time.Duration
	// EventsLinger is the least time between two looks at the outbox while events keep
	// coming (events.Options.Linger; --events-linger), 0 none.
	EventsLinger time.Duration
	// Logger receives the server's logs (nil: discarded).
	Logger *slog.Logger
	// ExecutionLogs is where the execution logs of state machines whose loggingConfiguration
	// asks for them go (--execution-logs): "" none, "stdout", "cloudwatch" (PutLogEvents to
	// each state machine's log group), or a file path (JSON lines, appended).
	ExecutionLogs string
	// ExpressLogExecutions is how many Express executions' log events the store keeps per
	// state machine for the console, for state machines whose loggingConfiguration logs them,
	// whatever ExecutionLogs says (--express-log-executions; 0: execlog.DefaultKeep, negative:
	// none).
	ExpressLogExecutions int
	// OTLPEndpoint is the OTLP/HTTP collector that receives the spans of the state machines
	// with tracingConfiguration enabled (--otlp-endpoint); empty: OTEL_EXPORTER_OTLP_ENDPOINT,
	// and no tracing when that is unset too.
	OTLPEndpoint string
}

// Server is Stepwise assembled: the store, the node running executions, the API and the
// console behind Handler.
type Server struct {
	Store store.Store
	Node  *runner.Node
	API   *api.Server
	// Tasks runs Task states as the node runs them (the integrations, mocks first).
	Tasks runner.TaskHandler
	// Scheduler is EventBridge Scheduler: its API (served by Handler) and its firing loop
	// (RunScheduler).
	Scheduler *scheduler.Service
	// Handler serves the Step Functions API (POST /), the IAM Query API, the EventBridge
	// Scheduler API, the console, /healthz and /metrics.
	Handler http.Handler
	// Events delivers execution status change events; nil when no destination is set.
	Events *events.Deliverer

	cfg    Config
	lambda *lambda.Runtime
	// logFile is the --execution-logs file, closed by Close; cloudWatch sends the logs to
	// CloudWatch Logs while Run runs.
	logFile    *os.File
	fileSink   *execlog.FileSink // the file's or stdout's lines, written by Close
	cloudWatch *cloudwatch.Sink
	traces     *tracing.Exporter
	// express keeps Express executions' log events for the console while Run runs.
	express *execlog.Keeper
}

// New opens the store and assembles the server; Run starts its background work.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Account == "" {
		cfg.Account = "123456789012"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := iam.Open(iam.Options{Account: cfg.Account, Region: cfg.Region, File: cfg.IAMFile,
		RootAccessKeyID: cfg.RootAccessKeyID, RootSecretAccessKey: cfg.RootSecretAccessKey})
	if err != nil {
		return nil, err
	}
	if cfg.EnforceIAM && !dir.HasCredentials() {
		return nil, errors.New("--enforce-iam: no credentials could sign a request; set STEPWISE_ROOT_ACCESS_KEY_ID and STEPWISE_ROOT_SECRET_ACCESS_KEY")
	}
	var conns *httptask.Connections
	if cfg.Connections != "" {
		if conns, err = httptask.LoadConnections(cfg.Connections); err != nil {
			return nil, fmt.Errorf("--connections: %w", err)
		}
	}
	// A broken AWS configuration (a malformed ~/.aws/config) disables the aws-sdk tasks, not
	// the server: state machines that call no AWS service still run.
	var sdk, mapS3 integration.Handler
	opt := optimized.Options{Region: cfg.Region}
	var sdkClient *awssdk.Client
	// aws-sdk:lambda:invoke of a function given with --function runs it, as lambda:invoke
	// does, through the Invoke API (set below, once the functions are; without the Guard of
	// the one this server serves: the execution's role was checked before the call).
	var localLambda *lambda.InvokeAPI
	inProcess := func(service string, req *http.Request) http.Handler {
		if service == "lambda" && localLambda != nil && localLambda.Serves(req) {
			return localLambda
		}
		return nil
	}
	if client, err := awssdk.New(awssdk.Options{AssumeRole: cfg.AWSAssumeRole, InProcess: inProcess}); err != nil {
		log.Warn("aws-sdk tasks and optimized integrations are disabled", "err", err)
	} else {
		sdkClient = client
		sdk = &awssdk.Handler{Client: client, ClientRegion: cfg.SDKClientRegion}
		opt.Caller = optimized.FromClient(client)
		if cfg.SDKClientRegion {
			opt.Region = client.Region()
		}
		mapS3 = &s3items.Handler{S3: s3items.FromClient(client)}
	}
	var sink execlog.Sink
	var logFile *os.File
	var fileSink *execlog.FileSink
	var cw *cloudwatch.Sink
	switch cfg.ExecutionLogs {
	case "":
	case "stdout":
		fileSink = execlog.NewBufferedFileSink(os.Stdout, logDelay)
		sink = fileSink
	case "cloudwatch":
		if sdkClient == nil {
			return nil, errors.New("--execution-logs cloudwatch: the AWS configuration could not be loaded")
		}
		cw = cloudwatch.New(sdkClient, log, 0)
		sink = cw
	default:
		if logFile, err = os.OpenFile(cfg.ExecutionLogs, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err != nil {
			return nil, fmt.Errorf("--execution-logs: %w", err)
		}
		fileSink = execlog.NewBufferedFileSink(logFile, logDelay)
		sink = fileSink
	}
	st, err := OpenStore(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	var execLogs *execlog.Writer
	if sink != nil {
		execLogs = execlog.NewWriter(sink, st, log)
	}
	var keeper *execlog.Keeper
	if cfg.ExpressLogExecutions >= 0 {
		if x, ok := st.(store.ExpressLogs); ok {
			keeper = execlog.NewKeeper(x, cfg.ExpressLogExecutions, log)
		}
	}
	metrics := newMetrics()
	lambdaOpts := lambda.Options{Functions: cfg.Functions, Region: cfg.Region, Account: cfg.Account, Logger: log}
	if sdkClient != nil {
		// Functions not given with --function go to the Lambda endpoint a user configured
		// (LocalStack's, AWS's). Without one they are not found: a misspelt name fails here,
		// not in a call to AWS with whatever credentials the machine holds
		// (docs/integrations.md, "Lambda functions").
		if u, ok := sdkClient.ConfiguredEndpoint(ctx, "lambda"); ok {
			lambdaOpts.Remote = lambda.Remote(sdkClient)
			log.Info("lambda: functions not given with --function are invoked at the configured Lambda endpoint", "endpoint", u)
		}
	}
	functions := lambda.New(lambdaOpts)
	localLambda = &lambda.InvokeAPI{Runtime: functions}
	tasks := &integration.Registry{Store: st, Lambda: functions, HTTP: httptask.New(httptask.Options{Connections: conns, Region: cfg.Region}),
		SDK: sdk, Optimized: optimized.New(opt), MapS3: mapS3}
	var handler runner.TaskHandler = tasks
	var mocked *mock.Handler
	if cfg.Mocks != nil {
		mocked = &mock.Handler{Config: cfg.Mocks, Next: tasks}
		handler = mocked
	}
	var traces *tracing.Exporter
	if cfg.OTLPEndpoint != "" || os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
		sampler, serr := tracing.SamplerFromEnv()
		if serr != nil {
			// As the SDK does with a setting it cannot read: its default sampler, and a warning.
			log.Warn("tracing: the sampler's setting is not understood; every execution is traced unless its caller decided not", "err", serr)
		}
		if traces, err = tracing.New(ctx, tracing.Options{Endpoint: cfg.OTLPEndpoint, Sampler: sampler}); err != nil {
			return nil, fmt.Errorf("--otlp-endpoint: %w", err)
		}
		log.Info("tracing: the state machines with tracingConfiguration enabled export spans over OTLP", "sampler", sampler.Description())
	}
	nodeOpts := runner.NodeOptions{
		Store: st, Region: cfg.Region, Account: cfg.Account, MaxHistoryEvents: cfg.MaxHistoryEvents,
		EvalLimits: cfg.EvalLimits, Logger: log, LeaseTTL: cfg.LeaseTTL, Poll: cfg.Poll, Tasks: handler,
		TimeSkipping: cfg.TimeSkipping, OnIdle: cfg.OnIdle, Now: cfg.Now, ExecutionLogs: execLogs,
	}
	if traces != nil {
		nodeOpts.Tracer = traces // a nil *Exporter in the interface would not be nil
	}
	var deliverer *events.Deliverer
	var dests []events.Destination
	if cfg.EventsWebhookBatch < 0 || cfg.EventsWebhookBatch > events.MaxWebhookBatch {
		st.Close()
		return nil, fmt.Errorf("--events-webhook-batch: %d is not between 1 and %d", cfg.EventsWebhookBatch, events.MaxWebhookBatch)
	}
	if cfg.EventsWebhook != "" {
		dests = append(dests, &events.Webhook{URL: cfg.EventsWebhook, Secret: cfg.EventsWebhookSecret, Batch: cfg.EventsWebhookBatch})
	}
	if cfg.EventsEventBridge != "" {
		if !events.ValidBus(cfg.EventsEventBridge) {
			st.Close()
			return nil, fmt.Errorf("--events-eventbridge: %q is neither an event bus name nor an event bus ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME)", cfg.EventsEventBridge)
		}
		if src := cfg.EventsEventBridgeSource; strings.HasPrefix(src, "aws.") || len(src) > 256 {
			st.Close()
			return nil, fmt.Errorf("--events-eventbridge-source: %q: PutEvents refuses sources that start with \"aws.\" and those longer than 256 characters", src)
		}
		eb, err := events.NewEventBridge(ctx, cfg.EventsEventBridge, cfg.EventsEventBridgeSource, cfg.Region)
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("--events-eventbridge: the AWS configuration could not be loaded: %w", err)
		}
		dests = append(dests, eb)
	}
	if len(dests) > 0 {
		outbox, ok := st.(store.Outbox)
		if !ok {
			st.Close()
			return nil, fmt.Errorf("--events-webhook, --events-eventbridge: the store %T keeps no outbox", st)
		}
		dopts := events.Options{Outbox: outbox, Poll: cfg.EventsPoll, Linger: cfg.EventsLinger, Logger: log, Destinations: dests,
			Region: cfg.Region, Account: cfg.Account}
		if cfg.EventsWebhookBatch > 1 {
			// A batching webhook is offered at least a whole batch: offers of the default
			// size would cut batches of 100 into requests of 32 or fewer.
			dopts.Chunk = max(cfg.EventsWebhookBatch, events.DefaultChunk)
		}
		deliverer = events.New(dopts)
		nodeOpts.StatusEvents, nodeOpts.OnStatusEvents = true, deliverer.Kick
	}
	node := runner.NewNode(nodeOpts)
	if traces != nil {
		traces.SetParent(node.ParentOf)
		traces.SetHistory(node.HistoryBefore)
	}
	tasks.Execs = node
	apiServer := &api.Server{Store: st, Node: node, Region: cfg.Region, Account: cfg.Account, Logger: log, Tasks: handler,
		Throttle: cfg.Throttle, EvalLimits: cfg.EvalLimits, ExecutionLogs: execLogs, ExpressLogs: keeper}
	tasks.SFN = apiServer.Invoke // aws-sdk:sfn:<action> tasks call the API in process
	tasks.Starter = apiServer    // what startExecution tasks start: versions, aliases, Express children
	if mocked != nil {
		apiServer.Mocks = mocked
	}
	if traces != nil {
		apiServer.Tracer = traces // a nil *Exporter in the interface would not be nil
	}
	if cfg.EnforceIAM {
		apiServer.Guard = dir
		tasks.Authorize = dir.AuthorizeRole
	}
	iamQuery := &iam.Query{Directory: dir, Enforce: cfg.EnforceIAM, Logger: log}
	consoleOpts := console.Options{Store: st, Logger: log}
	if keeper != nil {
		consoleOpts.ExpressLogs = st.(store.ExpressLogs)
	}
	if cfg.EnforceIAM {
		consoleOpts.Guard = dir // the console signs in with an access key
	}
	schedules, ok := st.(store.Schedules)
	if !ok {
		return nil, fmt.Errorf("the store %T keeps no schedules", st)
	}
	schedOpts := scheduler.Options{Schedules: schedules, Tags: st, Invoke: apiServer.Invoke, Tasks: handler, Region: cfg.Region,
		Account: cfg.Account, Owner: node.Owner(), Logger: log}
	if cfg.EnforceIAM {
		schedOpts.Guard = dir
	}
	sched := scheduler.New(schedOpts)
	// The default group exists before the first request is served, not once Run starts: a
	// CreateSchedule sent right after startup found no group "default" (404).
	if err := sched.EnsureDefaultGroup(ctx); err != nil {
		return nil, fmt.Errorf("the default schedule group: %w", err)
	}
	consoleOpts.Schedules = schedules
	con := console.New(consoleOpts)
	invokeAPI := &lambda.InvokeAPI{Runtime: functions}
	if cfg.EnforceIAM {
		invokeAPI.Guard = dir
	}
	mux := http.NewServeMux()
	calls := metrics.wrap(con.API(api.WithIAM(apiServer, iamQuery)))
	mux.Handle("POST /", calls)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		metrics.write(w, node)
		writeScheduleMetrics(w, sched.Stats())
		writeEventMetrics(w, deliverer)
	})
	mux.Handle("GET /", con)
	mux.Handle("POST /console/api/", con) // sign-in and sign-out
	return &Server{Store: st, Node: node, API: apiServer, Tasks: handler, Scheduler: sched, Events: deliverer,
		Handler: apiFirst{calls: calls, sched: sched, lambda: invokeAPI, mux: mux},
		cfg:     cfg, lambda: functions, logFile: logFile, fileSink: fileSink, cloudWatch: cw, traces: traces, express: keeper}, nil
}

// Run does the node's background work (runner.Node.Run), sends the execution logs to
// CloudWatch Logs and delivers the status change events when those are configured, until ctx
// ends.
func (s *Server) Run(ctx context.Context) error {
	// What runs beside the node stops with it, also when the node stops on its own (a newer
	// Stepwise migrated the store), and has sent what it holds when Run returns.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { s.RunEvents(ctx) })
	if s.express != nil {
		wg.Go(func() { s.express.Run(ctx) })
	}
	if s.cloudWatch != nil {
		wg.Go(func() { s.cloudWatch.Run(ctx) })
	}
	err := s.Node.Run(ctx)
	stop()
	wg.Wait()
	return err
}

// RunEvents delivers the execution status change events until ctx ends (it returns at once
// when no destination is set). Run runs it; serve runs it beside the node.
func (s *Server) RunEvents(ctx context.Context) {
	if s.Events != nil {
		s.Events.Run(ctx)
	}
}

// RunScheduler fires the schedules that come due until ctx ends (serve runs it; a local run
// and the test package have no schedules to fire).
func (s *Server) RunScheduler(ctx context.Context) error { return s.Scheduler.Run(ctx) }

// RunRetention deletes closed executions past their retention until ctx ends (it returns at
// once when the retention is 0).
func (s *Server) RunRetention(ctx context.Context) {
	o := s.cfg.Retention
	if o.Logger == nil {
		o.Logger = s.cfg.Logger
	}
	if o.Freeze == nil {
		// Set whether or not events are delivered now: changes may wait from a run that did.
		region, account := s.cfg.Region, s.cfg.Account
		o.Freeze = func(c *store.StatusChange, row *store.Execution) string { return events.Build(c, row, region, account) }
	}
	retention.Run(ctx, s.Store, o)
}

// Close stops the Lambda functions' processes and closes the store; call it after Run has
// returned.
func (s *Server) Close() {
	if s.traces != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.traces.Shutdown(ctx) // the spans batched so far; a collector gone is no reason to hang
		cancel()
	}
	s.lambda.Close()
	s.Store.Close()
	if s.fileSink != nil {
		_ = s.fileSink.Close()
	}
	if s.logFile != nil {
		s.logFile.Close()
	}
}

// logDelay is how long --execution-logs gathers lines before it writes them to its file or
// stdout (execlog.NewBufferedFileSink).
const logDelay = 50 * time.Millisecond

// apiFirst hands the API's calls (POST /: every SDK and CLI call) straight to their handler
// and the rest to the mux, which would pick that same handler for them: its pattern matching
// was 2% of the server's time for a short Express execution.
type apiFirst struct {
	calls http.Handler
	// sched serves the EventBridge Scheduler API: its REST paths (scheduler.Handles), which
	// the console does not use.
	sched http.Handler
	// lambda serves Lambda's Invoke API for the functions given with --function
	// (lambda.IsInvokePath).
	lambda http.Handler
	mux    *http.ServeMux
}

func (h apiFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/" {
		h.calls.ServeHTTP(w, r)
		return
	}
	if scheduler.Handles(r.URL.Path) {
		h.sched.ServeHTTP(w, r)
		return
	}
	if lambda.IsInvokePath(r.URL.Path) {
		h.lambda.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		// As the API answers what it does not serve: in JSON, not the mux's plain text.
		w.Header().Set("Allow", "GET, HEAD, POST")
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusMethodNotAllowed)
		fmt.Fprintf(w, `{"__type":"UnknownOperationException","message":"%s is not supported: the API takes POST /"}`, r.Method)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// OpenStore opens the store a --store flag names: sqlite:PATH (its directory is created)
// or postgres://...
func OpenStore(ctx context.Context, url string) (store.Store, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return postgres.Open(ctx, url)
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		return sqlite.Open(ctx, path)
	}
	return nil, fmt.Errorf("--store: want sqlite:PATH or postgres://..., got %q", url)
}
