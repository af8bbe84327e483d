package main

import (
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

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/api/throttle"
	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/console"
	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/integration/httptask"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/integration/mock"
	"github.com/stepwise-run/stepwise/integration/optimized"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/internal/certreload"
	"github.com/stepwise-run/stepwise/internal/retention"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/postgres"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8083", "address to serve the API (and console) on")
	storeURL := fs.String("store", "sqlite:stepwise-data/stepwise.db", "sqlite:PATH or postgres://...")
	region := fs.String("region", "us-east-1", "region in ARNs")
	account := fs.String("account", "123456789012", "account id in ARNs")
	maxEvents := fs.Int64("max-history-events", 25000, "history quota per execution (AWS: 25,000)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	leaseTTL := fs.Duration("lease-ttl", 5*time.Second, "how long a node's claim on an execution lasts without renewal")
	evalSteps := fs.Int64("eval-steps", budget.DefaultSteps, "work budget of one JSONata, JSONPath or intrinsic evaluation, in steps (-1: none); see docs/limits.md")
	evalMemory := fs.Int64("eval-memory", budget.DefaultMemory, "memory budget of one evaluation, in bytes of intermediate values built (-1: none); see docs/limits.md")
	var functions []string
	fs.Func("function", "a Lambda function: NAME=PATH (a program speaking the Lambda Runtime API) or NAME=http://... (a Lambda Invoke API endpoint); repeatable", func(s string) error {
		functions = append(functions, s)
		return nil
	})
	functionsFile := fs.String("functions", "", "a JSON file of Lambda functions ({\"Functions\": {NAME: {\"Command\": [...]} or {\"Endpoint\": URL}}})")
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
	keepBatch := fs.Int("retention-batch", 500, "closed executions deleted per transaction by the purge")
	keepShare := fs.Float64("retention-share", 0.02, "the most of the store's time the purge takes while it has a backlog: it pauses after each batch for the batch's time times (1-share)/share")
	keep := fs.Duration("retention", retention.Default, "how long closed executions and their histories are kept after they stop (AWS: 90 days); 0 keeps everything; failed, timed-out and aborted ones are kept at least 14 days, while they can be redriven")
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

	specs := map[string]lambda.Spec{}
	if *functionsFile != "" {
		if specs, err = lambda.LoadConfig(*functionsFile); err != nil {
			fmt.Fprintln(stderr, "stepwise: --functions:", err)
			return 2
		}
	}
	for _, f := range functions {
		name, spec, err := lambda.ParseFlag(f)
		if err != nil {
			fmt.Fprintln(stderr, "stepwise: --function:", err)
			return 2
		}
		specs[name] = spec
	}
	var mocks *mock.Config
	if *mockConfig != "" {
		if mocks, err = mock.Load(*mockConfig); err != nil {
			fmt.Fprintln(stderr, "stepwise: --mock-config:", err)
			return 2
		}
	}
	svc, err := newService(ctx, serviceConfig{store: *storeURL, region: *region, account: *account, mocks: mocks, connections: *connectionsFile,
		maxEvents: *maxEvents, leaseTTL: *leaseTTL, evalLimits: budget.Limits{Steps: *evalSteps, Memory: *evalMemory}, functions: specs,
		enforceIAM: *enforceIAM, awsAssumeRole: *assumeRole, iamFile: iamPath(*iamFile, *storeURL),
		rootKeyID: os.Getenv("STEPWISE_ROOT_ACCESS_KEY_ID"), rootSecret: os.Getenv("STEPWISE_ROOT_SECRET_ACCESS_KEY"),
		throttle: throttle.New(policy, nil), retention: retention.Options{Retention: *keep, Batch: *keepBatch, Share: *keepShare}}, log)
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
		err := node.Run(runCtx)
		if runCtx.Err() == nil {
			close(nodeStopped)
		}
		nodeDone <- err
	}()
	go svc.runRetention(runCtx, log)
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
}

// minRetention is the shortest --retention: AWS has no such setting, and a shorter one
// would delete an execution while its caller may still be reading it.
const minRetention = time.Minute

// service is what serve runs: the store, the node running executions, and the HTTP handler.
type service struct {
	cfg    serviceConfig
	store  store.Store
	node   *runner.Node
	mux    http.Handler
	lambda *lambda.Runtime
}

// runRetention deletes closed executions past their retention until ctx ends (it returns at
// once when the retention is 0).
func (s *service) runRetention(ctx context.Context, log *slog.Logger) {
	o := s.cfg.retention
	o.Logger = log
	retention.Run(ctx, s.store, o)
}

func (s *service) close() {
	s.lambda.Close()
	s.store.Close()
}

func newService(ctx context.Context, cfg serviceConfig, log *slog.Logger) (*service, error) {
	dir, err := iam.Open(iam.Options{Account: cfg.account, Region: cfg.region, File: cfg.iamFile,
		RootAccessKeyID: cfg.rootKeyID, RootSecretAccessKey: cfg.rootSecret})
	if err != nil {
		return nil, err
	}
	if cfg.enforceIAM && !dir.HasCredentials() {
		return nil, errors.New("--enforce-iam: no credentials could sign a request; set STEPWISE_ROOT_ACCESS_KEY_ID and STEPWISE_ROOT_SECRET_ACCESS_KEY")
	}
	var conns *httptask.Connections
	if cfg.connections != "" {
		if conns, err = httptask.LoadConnections(cfg.connections); err != nil {
			return nil, fmt.Errorf("--connections: %w", err)
		}
	}
	// A broken AWS configuration (a malformed ~/.aws/config) disables the aws-sdk tasks, not
	// the server: state machines that call no AWS service still run.
	var sdk, mapS3 integration.Handler
	opt := optimized.Options{Region: cfg.region}
	if client, err := awssdk.New(awssdk.Options{AssumeRole: cfg.awsAssumeRole}); err != nil {
		log.Warn("aws-sdk tasks and optimized integrations are disabled", "err", err)
	} else {
		sdk = &awssdk.Handler{Client: client}
		opt.Caller = optimized.FromClient(client)
		mapS3 = &s3items.Handler{S3: s3items.FromClient(client)}
	}
	st, err := openStore(ctx, cfg.store)
	if err != nil {
		return nil, err
	}
	metrics := newMetrics()
	functions := lambda.New(lambda.Options{Functions: cfg.functions, Region: cfg.region, Account: cfg.account, Logger: log})
	tasks := &integration.Registry{Store: st, Lambda: functions, HTTP: httptask.New(httptask.Options{Connections: conns, Region: cfg.region}),
		SDK: sdk, Optimized: optimized.New(opt), MapS3: mapS3}
	var handler runner.TaskHandler = tasks
	var mocked *mock.Handler
	if cfg.mocks != nil {
		mocked = &mock.Handler{Config: cfg.mocks, Next: tasks}
		handler = mocked
	}
	node := runner.NewNode(runner.NodeOptions{
		Store: st, Region: cfg.region, Account: cfg.account, MaxHistoryEvents: cfg.maxEvents,
		EvalLimits: cfg.evalLimits, Logger: log, LeaseTTL: cfg.leaseTTL, Tasks: handler,
		Now: nodeClock(wallClock()),
	})
	tasks.Execs = node
	apiServer := &api.Server{Store: st, Node: node, Region: cfg.region, Account: cfg.account, Logger: log, Tasks: handler,
		Throttle: cfg.throttle, EvalLimits: cfg.evalLimits}
	tasks.SFN = apiServer.Invoke // aws-sdk:sfn:<action> tasks call the API in process
	if mocked != nil {
		apiServer.Mocks = mocked
	}
	if cfg.enforceIAM {
		apiServer.Guard = dir
		tasks.Authorize = dir.AuthorizeRole
	}
	iamQuery := &iam.Query{Directory: dir, Enforce: cfg.enforceIAM, Logger: log}
	consoleOpts := console.Options{Store: st, Logger: log}
	if cfg.enforceIAM {
		consoleOpts.Guard = dir // the console signs in with an access key
	}
	con := console.New(consoleOpts)
	mux := http.NewServeMux()
	calls := metrics.wrap(con.API(api.WithIAM(apiServer, iamQuery)))
	mux.Handle("POST /", calls)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		metrics.write(w, node)
	})
	mux.Handle("GET /", con)
	mux.Handle("POST /console/api/", con) // sign-in and sign-out
	return &service{cfg: cfg, store: st, node: node, mux: apiFirst{calls: calls, mux: mux}, lambda: functions}, nil
}

// apiFirst hands the API's calls (POST /: every SDK and CLI call) straight to their handler
// and the rest to the mux, which would pick that same handler for them: its pattern matching
// was 2% of the server's time for a short Express execution.
type apiFirst struct {
	calls http.Handler
	mux   *http.ServeMux
}

func (h apiFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/" {
		h.calls.ServeHTTP(w, r)
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

// openStore opens the store a --store flag names.
func openStore(ctx context.Context, url string) (store.Store, error) {
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
