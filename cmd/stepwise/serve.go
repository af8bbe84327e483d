package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/api/throttle"
	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/integration/mock"
	"github.com/stepwise-run/stepwise/internal/certreload"
	"github.com/stepwise-run/stepwise/internal/retention"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/server"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commandUsage(fs, stderr)
	listen := fs.String("listen", "127.0.0.1:8083", "address to serve the API (and console) on")
	storeURL := fs.String("store", "sqlite:stepwise-data/stepwise.db", "sqlite:PATH or postgres://...")
	region := fs.String("region", "us-east-1", "region in ARNs")
	account := fs.String("account", "123456789012", "account id in ARNs")
	maxEvents := fs.Int64("max-history-events", 25000, "history quota per execution (AWS: 25,000)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	leaseTTL := fs.Duration("lease-ttl", 5*time.Second, "how long a node's claim on an execution lasts without renewal")
	evalSteps := fs.Int64("eval-steps", budget.DefaultSteps, "work budget of one JSONata, JSONPath or intrinsic evaluation, in steps (-1: none); see docs/limits.md")
	evalMemory := fs.Int64("eval-memory", budget.DefaultMemory, "memory budget of one evaluation, in bytes of intermediate values built (-1: none); see docs/limits.md")
	functionSpecs := functionFlags(fs, "a Lambda function", "a JSON file of Lambda functions ({\"Functions\": {NAME: {\"Command\": [...]} or {\"Endpoint\": URL}}})")
	connectionsFile := fs.String("connections", "", "a JSON file of EventBridge connections for HTTP Tasks, by ARN or name ({\"Connections\": {ARN: {\"AuthorizationType\": ..., \"AuthParameters\": {...}}}}, as CreateConnection takes them)")
	mockConfig := fs.String("mock-config", "", "a Step Functions Local mock configuration file: executions started on ARN#TestCase get its mocked responses")
	insecure := fs.Bool("insecure-no-auth", false, "serve on a non-loopback address although callers are not authenticated")
	enforceIAM := fs.Bool("enforce-iam", false, "require SigV4-signed calls allowed by IAM policies, and check state machines' roles (root keys from STEPWISE_ROOT_ACCESS_KEY_ID and STEPWISE_ROOT_SECRET_ACCESS_KEY)")
	assumeRole := fs.Bool("aws-assume-role", false, "make each aws-sdk task's call as its execution's role, assumed through AWS STS with the default credentials (so that AWS enforces the role); without it calls use the default credentials")
	iamFile := fs.String("iam-file", "", "where IAM users, keys, roles and policies are kept (default: iam.json next to the SQLite database, or stepwise-data/iam.json)")
	maxInFlight := fs.Int("max-in-flight", 1024, "API requests worked on at once; more are answered with ThrottlingException at once (0: no bound; GetActivityTask's long polls do not count)")
	throttleFlag := fs.String("throttle", "none", "per-API token buckets past which calls get ThrottlingException: none, aws (Step Functions' default quotas in --region), or a JSON file {\"StartExecution\": {\"Bucket\": 1300, \"Refill\": 300}, ...}")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS (and HTTP/2) with this PEM certificate (chain); a renewed file is picked up without a restart")
	tlsKey := fs.String("tls-key", "", "the PEM private key of --tls-cert")
	keepBatch := fs.Int("retention-batch", 500, "closed executions deleted per transaction by the purge (and kept Express executions' log events, in a transaction of their own)")
	keepShare := fs.Float64("retention-share", 0.02, "the most of the store's time the purge takes while it has a backlog: it pauses after each batch for the batch's time times (1-share)/share")
	execLogs := fs.String("execution-logs", "", "where the execution logs of state machines with a loggingConfiguration go: stdout, cloudwatch (PutLogEvents to the state machine's log group, with the default AWS credentials), or a file (JSON lines, appended); none when empty")
	keep := fs.Duration("retention", retention.Default, "how long closed executions and their histories are kept after they stop (AWS: 90 days), and the log events kept of Express executions after their last one; 0 keeps everything; failed, timed-out and aborted ones are kept at least 14 days, while they can be redriven")
	otlp := fs.String("otlp-endpoint", "", "OTLP/HTTP collector (e.g. http://localhost:4318) receiving the spans of the state machines with tracingConfiguration enabled (default: OTEL_EXPORTER_OTLP_ENDPOINT; unset, no tracing), each execution sampled as OTEL_TRACES_SAMPLER says (default: all); see docs/operations.md")
	eventsWebhook := fs.String("events-webhook", "", "an HTTP(S) URL that receives every execution status change, POSTed as EventBridge's \"Step Functions Execution Status Change\" event (docs/operations.md)")
	eventsBatch := fs.Int("events-webhook-batch", 1, "the most events one --events-webhook request carries: 1 POSTs each event alone (as EventBridge's API destinations do); 2 to 100 POST a JSON array of up to that many (and at most 1 MiB), signed as one body (fewer requests, for a receiver that takes arrays)")
	eventsLinger := fs.Duration("events-linger", events.DefaultLinger, "the least time between two reads of the events waiting while more keep coming, so that those committed meanwhile go out together: fewer requests in batches, at most this much later under load; the first event after a quiet spell goes at once; 0 reads as soon as an event commits")
	eventsSecret := fs.String("events-webhook-secret", "", "the shared secret that signs --events-webhook's requests (header X-Stepwise-Signature: sha256=HMAC); default $STEPWISE_EVENTS_WEBHOOK_SECRET")
	expressKept := fs.Int("express-log-executions", 1000, "Express executions per state machine whose log events the store keeps for the console, for state machines whose loggingConfiguration logs them (0: none)")
	eventsBus := fs.String("events-eventbridge", "", "an EventBridge event bus (NAME or arn:aws:events:REGION:ACCOUNT:event-bus/NAME) on which every execution status change is put with PutEvents, with the default AWS credentials (AWS_ENDPOINT_URL_EVENTBRIDGE for a local endpoint); see docs/operations.md")
	eventsSource := fs.String("events-eventbridge-source", "", "the source of --events-eventbridge's entries (default stepwise.states: PutEvents refuses aws.states)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return 2
	}
	if !isLoopback(*listen) && !*insecure && !*enforceIAM {
		fmt.Fprintln(stderr, "stepwise: refusing to serve on a non-loopback address without authentication: any caller could run anything.\nUse --listen 127.0.0.1:PORT, or --insecure-no-auth if that is really wanted.")
		return 2
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		fmt.Fprintln(stderr, "stepwise: --tls-cert and --tls-key go together")
		return 2
	}
	policy := throttle.Policy{MaxInFlight: *maxInFlight, Exempt: map[string]bool{"GetActivityTask": true}}
	switch *throttleFlag {
	case "none", "":
	case "aws":
		policy.Buckets = throttle.AWSQuotas(*region)
	default:
		b, err := throttle.LoadBuckets(*throttleFlag)
		if err != nil {
			fmt.Fprintln(stderr, "stepwise: --throttle:", err)
			return 2
		}
		policy.Buckets = b
	}
	if *maxInFlight < 0 {
		fmt.Fprintln(stderr, "stepwise: --max-in-flight must be 0 or more")
		return 2
	}
	if *keepBatch < 1 || *keepShare <= 0 || *keepShare > 1 {
		fmt.Fprintln(stderr, "stepwise: --retention-batch must be at least 1 and --retention-share in (0, 1]")
		return 2
	}
	if *eventsBatch < 1 || *eventsBatch > events.MaxWebhookBatch {
		fmt.Fprintf(stderr, "stepwise: --events-webhook-batch must be between 1 and %d\n", events.MaxWebhookBatch)
		return 2
	}
	if *eventsLinger < 0 || *eventsLinger > events.MaxLinger {
		fmt.Fprintf(stderr, "stepwise: --events-linger must be between 0 and %v\n", events.MaxLinger)
		return 2
	}
	if *keep < 0 || (*keep > 0 && *keep < minRetention) {
		fmt.Fprintf(stderr, "stepwise: --retention must be 0 (keep everything) or at least %v\n", minRetention)
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(stderr, "stepwise: --log-level:", err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	var err error

	specs, err := functionSpecs()
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 2
	}
	var mocks *mock.Config
	if *mockConfig != "" {
		if mocks, err = mock.Load(*mockConfig); err != nil {
			fmt.Fprintln(stderr, "stepwise: --mock-config:", err)
			return 2
		}
	}
	svc, err := newService(ctx, serviceConfig{store: *storeURL, region: *region, account: *account, mocks: mocks, connections: *connectionsFile,
		otlp: *otlp, maxEvents: *maxEvents, leaseTTL: *leaseTTL, evalLimits: budget.Limits{Steps: *evalSteps, Memory: *evalMemory}, functions: specs,
		enforceIAM: *enforceIAM, awsAssumeRole: *assumeRole, iamFile: iamPath(*iamFile, *storeURL),
		rootKeyID: os.Getenv("STEPWISE_ROOT_ACCESS_KEY_ID"), rootSecret: os.Getenv("STEPWISE_ROOT_SECRET_ACCESS_KEY"),
		throttle: throttle.New(policy, nil), retention: retention.Options{Retention: *keep, Batch: *keepBatch, Share: *keepShare},
		executionLogs: *execLogs,
		eventsWebhook: *eventsWebhook, eventsSecret: cmp.Or(*eventsSecret, os.Getenv("STEPWISE_EVENTS_WEBHOOK_SECRET")), eventsBatch: *eventsBatch,
		eventsLinger: *eventsLinger, eventsBus: *eventsBus, eventsSource: *eventsSource, expressKept: *expressKept}, log)
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	defer svc.close()
	node := svc.node
	mux := svc.mux

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	// A slow client is cut off: its headers must arrive within 10 s (its body within the
	// API's own deadline, api.Server), and an idle connection is closed after 2 min. No
	// ReadTimeout: it would cancel long polls and StartSyncExecution mid-answer.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	scheme := "http"
	if *tlsCert != "" {
		certs, err := certreload.New(*tlsCert, *tlsKey)
		if err != nil {
			fmt.Fprintln(stderr, "stepwise:", err)
			return 2
		}
		certs.OnError = func(err error) { log.Error("tls", "err", err) }
		srv.TLSConfig = certs.Config()
		scheme = "https"
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	nodeDone := make(chan error, 1)
	// The node stops on its own only when the store was migrated by a newer Stepwise; the
	// server then stops too, and serve fails.
	nodeStopped := make(chan struct{})
	go func() {
		err := svc.Run(runCtx) // the node, and beside it the CloudWatch Logs sink and the status events' deliverer
		if runCtx.Err() == nil {
			close(nodeStopped)
		}
		nodeDone <- err
	}()
	go svc.runRetention(runCtx, log)
	go func() {
		if err := svc.RunScheduler(runCtx); err != nil {
			log.Error("scheduler stopped", "err", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
		case <-nodeStopped:
		}
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("serving", "listen", ln.Addr().String(), "tls", scheme == "https", "store", redact(*storeURL), "node", node.Owner())
	fmt.Fprintf(stdout, "stepwise: serving on %s://%s (store %s)\n", scheme, ln.Addr(), redact(*storeURL))
	serveErr := error(nil)
	if srv.TLSConfig != nil {
		serveErr = srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig; HTTP/2 is set up
	} else {
		serveErr = srv.Serve(ln)
	}
	if err := serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	stop()
	err = <-nodeDone
	select {
	case <-nodeStopped:
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	default:
	}
	if err != nil {
		log.Error("release leases", "err", err)
	}
	return 0
}

type serviceConfig struct {
	store           string
	otlp            string
	region, account string
	maxEvents       int64
	leaseTTL        time.Duration
	// evalLimits bound every expression evaluation (--eval-steps, --eval-memory).
	evalLimits budget.Limits
	functions  map[string]lambda.Spec
	// mocks answers the tasks of executions started on ARN#TestCase (--mock-config).
	mocks *mock.Config
	// connections is the file of EventBridge connections HTTP Tasks use (--connections).
	connections string
	// enforceIAM requires signed, allowed calls and checks roles; iamFile keeps IAM state
	// ("" keeps it in memory); rootKeyID and rootSecret are the root's credentials.
	enforceIAM bool
	iamFile    string
	// awsAssumeRole makes aws-sdk calls as the execution's role (--aws-assume-role).
	awsAssumeRole         bool
	rootKeyID, rootSecret string
	// throttle sheds API load past its bounds (--max-in-flight, --throttle); nil: none.
	throttle *throttle.Limiter
	// retention is how the purge of closed executions runs (--retention).
	retention retention.Options
	// executionLogs is where execution logs go (--execution-logs; server.Config.ExecutionLogs).
	executionLogs string
	// eventsWebhook receives the status change events, signed with eventsSecret.
	eventsWebhook, eventsSecret string
	// eventsBatch is the most events one webhook request carries (--events-webhook-batch).
	eventsBatch int
	// eventsLinger is the least time between two reads of the outbox (--events-linger).
	eventsLinger time.Duration
	// eventsBus receives them too, with PutEvents, under the source eventsSource.
	eventsBus, eventsSource string
	// expressKept is --express-log-executions (0: none).
	expressKept int
}

// expressKept turns --express-log-executions into server.Config.ExpressLogExecutions, whose 0
// is the default and a negative number none.
func expressKept(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// minRetention is the shortest --retention: AWS has no such setting, and a shorter one
// would delete an execution while its caller may still be reading it.
const minRetention = time.Minute

// service is what serve runs, assembled by package server: the store, the node running
// executions, and the HTTP handler.
type service struct {
	*server.Server
	node *runner.Node
	mux  http.Handler
}

// runRetention deletes closed executions past their retention until ctx ends (it returns at
// once when the retention is 0).
func (s *service) runRetention(ctx context.Context, log *slog.Logger) {
	s.RunRetention(ctx)
}

func (s *service) close() { s.Close() }

// newService assembles the service from serve's flags (package server does the work).
func newService(ctx context.Context, cfg serviceConfig, log *slog.Logger) (*service, error) {
	ret := cfg.retention
	ret.Logger = log
	svc, err := server.New(ctx, server.Config{Store: cfg.store, Region: cfg.region, Account: cfg.account,
		MaxHistoryEvents: cfg.maxEvents, LeaseTTL: cfg.leaseTTL, EvalLimits: cfg.evalLimits, Functions: cfg.functions,
		Mocks: cfg.mocks, Connections: cfg.connections, EnforceIAM: cfg.enforceIAM, IAMFile: cfg.iamFile,
		RootAccessKeyID: cfg.rootKeyID, RootSecretAccessKey: cfg.rootSecret, AWSAssumeRole: cfg.awsAssumeRole,
		Throttle: cfg.throttle, Retention: ret, Logger: log, Now: nodeClock(wallClock()),
		ExecutionLogs: cfg.executionLogs, OTLPEndpoint: cfg.otlp,
		EventsWebhook: cfg.eventsWebhook, EventsWebhookSecret: cfg.eventsSecret, EventsWebhookBatch: cfg.eventsBatch, EventsLinger: cfg.eventsLinger,
		EventsEventBridge: cfg.eventsBus, EventsEventBridgeSource: cfg.eventsSource, ExpressLogExecutions: expressKept(cfg.expressKept)})
	if err != nil {
		return nil, err
	}
	return &service{Server: svc, node: svc.Node, mux: svc.Handler}, nil
}

// iamPath is where IAM state is kept: the --iam-file flag, else iam.json next to a SQLite
// database, else stepwise-data/iam.json.
func iamPath(flag, storeURL string) string {
	if flag != "" {
		return flag
	}
	if path, ok := strings.CutPrefix(storeURL, "sqlite:"); ok {
		return filepath.Join(filepath.Dir(path), "iam.json")
	}
	return filepath.Join("stepwise-data", "iam.json")
}

// isLoopback reports whether a listen address only accepts local connections.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redact hides a password in a store URL.
func redact(url string) string {
	if at := strings.Index(url, "@"); at > 0 {
		if scheme := strings.Index(url, "://"); scheme > 0 && scheme < at {
			return url[:scheme+3] + "***" + url[at:]
		}
	}
	return url
}

// functionFlags defines --function (repeatable) and --functions on a command's flags, with the
// words the command gives them, and returns what reads the functions once the flags are
// parsed: the --functions file, then each --function flag, which wins for its name.
func functionFlags(fs *flag.FlagSet, function, file string) func() (map[string]lambda.Spec, error) {
	var flags []string
	fs.Func("function", function+": NAME=PATH (a program speaking the Lambda Runtime API) or NAME=http://... (a Lambda Invoke API endpoint); repeatable", func(s string) error {
		flags = append(flags, s)
		return nil
	})
	path := fs.String("functions", "", file)
	return func() (map[string]lambda.Spec, error) {
		specs := map[string]lambda.Spec{}
		if *path != "" {
			var err error
			if specs, err = lambda.LoadConfig(*path); err != nil {
				return nil, fmt.Errorf("--functions: %w", err)
			}
		}
		for _, f := range flags {
			name, spec, err := lambda.ParseFlag(f)
			if err != nil {
				return nil, fmt.Errorf("--function: %w", err)
			}
			specs[name] = spec
		}
		return specs, nil
	}
}
