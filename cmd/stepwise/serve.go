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
	"github.com/stepwise-run/stepwise/console"
	"github.com/stepwise-run/stepwise/integration"
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
	if _, err := parseInterspersed(fs, args); err != nil {
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(stderr, "stepwise: --log-level:", err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	svc, err := newService(ctx, serviceConfig{store: *storeURL, region: *region, account: *account,
		maxEvents: *maxEvents, leaseTTL: *leaseTTL}, log)
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	defer svc.store.Close()
	node := svc.node
	mux := svc.mux

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	nodeDone := make(chan error, 1)
	go func() { nodeDone <- node.Run(runCtx) }()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("serving", "listen", ln.Addr().String(), "store", redact(*storeURL), "node", node.Owner())
	fmt.Fprintf(stdout, "stepwise: serving on http://%s (store %s)\n", ln.Addr(), redact(*storeURL))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	stop()
	if err := <-nodeDone; err != nil {
		log.Error("release leases", "err", err)
	}
	return 0
}

type serviceConfig struct {
	store           string
	region, account string
	maxEvents       int64
	leaseTTL        time.Duration
}

// service is what serve runs: the store, the node running executions, and the HTTP handler.
type service struct {
	store store.Store
	node  *runner.Node
	mux   *http.ServeMux
}

func newService(ctx context.Context, cfg serviceConfig, log *slog.Logger) (*service, error) {
	st, err := openStore(ctx, cfg.store)
	if err != nil {
		return nil, err
	}
	metrics := newMetrics()
	tasks := &integration.Registry{Store: st}
	node := runner.NewNode(runner.NodeOptions{
		Store: st, Region: cfg.region, Account: cfg.account, MaxHistoryEvents: cfg.maxEvents,
		Logger: log, LeaseTTL: cfg.leaseTTL, Tasks: tasks,
	})
	tasks.Execs = node
	apiServer := &api.Server{Store: st, Node: node, Region: cfg.region, Account: cfg.account, Logger: log, Tasks: tasks}
	mux := http.NewServeMux()
	mux.Handle("POST /", metrics.wrap(apiServer))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		metrics.write(w, node)
	})
	mux.Handle("GET /", console.Handler(console.Options{Store: st, Logger: log}))
	return &service{store: st, node: node, mux: mux}, nil
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

// redact hides a password in a store URL.
func redact(url string) string {
	if at := strings.Index(url, "@"); at > 0 {
		if scheme := strings.Index(url, "://"); scheme > 0 && scheme < at {
			return url[:scheme+3] + "***" + url[at:]
		}
	}
	return url
}
