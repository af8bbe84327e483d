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
	"runtime/pprof"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stepwise-run/stepwise/bench"
	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/internal/retention"
	"github.com/stepwise-run/stepwise/store"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commandUsage(fs, stderr)
	endpoint := fs.String("endpoint", "", "a running server to drive (default: start one in this process)")
	storeURL := fs.String("store", "", "the in-process server's store: sqlite:PATH or postgres://... (default: a new SQLite file)")
	scenario := fs.String("scenario", "chain", "scenario: "+strings.Join(scenarioNames(), ", "))
	clients := fs.Int("clients", 16, "concurrent clients")
	executions := fs.Int("executions", 1000, "executions to run")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long one execution may take")
	inputBytes := fs.Int("input-bytes", 0, "pad each execution's input, a JSON object, with a string member \"pad\" to about this many bytes (0: the scenario's own input)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (clients and in-process server, or the --listen server) to FILE")
	memProfile := fs.String("memprofile", "", "write a heap profile of this process at the end to FILE (go tool pprof -sample_index=alloc_space shows what was allocated)")
	listen := fs.String("listen", "", "only serve, on this address, as the in-process server would (with its function), for --endpoint runs from another process")
	wait := fs.Duration("wait", 2*time.Minute, "sleep scenario: how long each execution sleeps; must outlast starting them all")
	keep := fs.Duration("retention", 0, "the in-process server purges closed executions older than this (serve --retention), while the scenario runs; 0 keeps everything")
	keepBatch := fs.Int("retention-batch", 500, "with --retention: executions deleted per transaction")
	keepShare := fs.Float64("retention-share", 0.02, "with --retention: the most of the store's time the purge takes")
	execLogs := fs.String("execution-logs", "", "the in-process server writes execution logs to this file (serve --execution-logs) and the scenario's state machines log at level ALL with their execution data")
	eventsBatch := fs.Int("events-webhook-batch", 1, "with --events-webhook: the most events a request carries (serve --events-webhook-batch)")
	eventsLinger := fs.Duration("events-linger", events.DefaultLinger, "with --events-webhook: the least time between two reads of the events waiting (serve --events-linger)")
	eventsWebhook := fs.String("events-webhook", "", "the in-process server sends execution status change events to this URL (serve --events-webhook)")
	traced := fs.Bool("traced", false, "create the scenario's state machines with tracingConfiguration enabled (the in-process server exports to OTEL_EXPORTER_OTLP_ENDPOINT when set)")
	runs := fs.Int("runs", 1, "run the scenario this many times against the same server, a row each, then the spread of the rates and the StartExecution p99 (not the sleep scenario)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "stepwise:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "stepwise:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		defer func() {
			f, err := os.Create(*memProfile)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(stderr, "stepwise:", err)
			}
		}()
	}
	if *listen != "" {
		return benchListen(ctx, *listen, *storeURL, stderr)
	}
	if *runs > 1 && *scenario == sleepScenario {
		fmt.Fprintln(stderr, "stepwise bench: the sleep scenario runs once (--runs)")
		return 2
	}
	sc, ok := bench.Scenarios[*scenario]
	if *scenario == sleepScenario {
		sc, ok = bench.Scenario{Name: sleepScenario}, true
	}
	if !ok {
		fmt.Fprintf(stderr, "stepwise bench: unknown scenario %q\n", *scenario)
		return 2
	}
	if *inputBytes > 0 {
		in, err := bench.PadInput(sc.Input, *inputBytes)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise bench: --input-bytes: the %s scenario's input: %v\n", sc.Name, err)
			return 2
		}
		sc.Input = in
	}
	storeName := "endpoint"
	var drained func(context.Context) (bool, error) // the in-process server's outbox is empty
	var deliverer *events.Deliverer
	if *endpoint == "" {
		if *storeURL == "" {
			dir, err := os.MkdirTemp("", "stepwise-bench")
			if err != nil {
				fmt.Fprintln(stderr, "stepwise:", err)
				return 1
			}
			defer os.RemoveAll(dir)
			*storeURL = "sqlite:" + filepath.Join(dir, "bench.db")
		}
		storeName = strings.SplitN(*storeURL, ":", 2)[0]
		svc, url, stop, err := benchServer(ctx, *storeURL, retention.Options{Retention: *keep, Batch: *keepBatch, Share: *keepShare}, *execLogs, *eventsWebhook, *eventsBatch, *eventsLinger)
		if err != nil {
			fmt.Fprintln(stderr, "stepwise:", err)
			return 1
		}
		defer func() { stop() }()
		*endpoint = url
		if deliverer = svc.Events; deliverer != nil {
			outbox := svc.Store.(store.Outbox)
			drained = func(ctx context.Context) (bool, error) {
				head, err := outbox.HeadOutbox(ctx, 1)
				return len(head) == 0, err
			}
		}
		if *scenario == sleepScenario {
			restart := func(ctx context.Context) (string, error) {
				stop()
				_, url, stop, err = benchServer(ctx, *storeURL, retention.Options{Retention: *keep, Batch: *keepBatch, Share: *keepShare}, *execLogs, *eventsWebhook, *eventsBatch, *eventsLinger)
				return url, err
			}
			res, err := bench.RunSleep(ctx, bench.SleepOptions{Endpoint: url, Concurrency: *clients, Executions: *executions,
				Wait: *wait, Restart: restart}, stderr)
			if res != nil {
				fmt.Fprint(stdout, bench.SleepHeader)
				res.Print(stdout, storeName)
			}
			if err != nil {
				fmt.Fprintln(stderr, "stepwise bench:", err)
				return 1
			}
			return 0
		}
	} else if *scenario == sleepScenario {
		fmt.Fprintln(stderr, "stepwise bench: the sleep scenario restarts its server: run it without --endpoint")
		return 2
	}
	var results []*bench.Result
	for i := range max(1, *runs) {
		res, err := bench.Run(ctx, bench.Options{Endpoint: *endpoint, Scenario: sc, Concurrency: *clients, Executions: *executions, Timeout: *timeout,
			Logging: *execLogs != "", Traced: *traced, Drained: drained})
		if res != nil {
			if i == 0 {
				fmt.Fprint(stdout, bench.Header)
			}
			res.Print(stdout, storeName)
			results = append(results, res)
		}
		if err != nil {
			fmt.Fprintln(stderr, "stepwise bench:", err)
			return 1
		}
	}
	if len(results) > 1 {
		fmt.Fprintln(stdout)
		bench.PrintSpread(stdout, results)
	}
	if deliverer != nil {
		// After the table: each run's drain, then the deliverer's count and lags (over all runs).
		fmt.Fprintln(stdout)
		for _, r := range results {
			r.PrintDrain(stdout)
		}
		round := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
		fmt.Fprintf(stdout, "status events: %d delivered; lag from commit to delivery p50 %v, p99 %v (the last %d)\n",
			deliverer.Delivered.Load(), round(deliverer.Lag(0.5)), round(deliverer.Lag(0.99)), min(deliverer.Delivered.Load(), 4096))
	}
	return 0
}

// sleepScenario starts executions that sleep in a Wait state, restarts the server while they
// sleep, and measures how late they resume (bench.RunSleep).
const sleepScenario = "sleep"

func scenarioNames() []string {
	names := []string{sleepScenario}
	for n := range bench.Scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// benchServer starts the service in this process on a loopback port.
func benchServer(ctx context.Context, storeURL string, keep retention.Options, execLogs, eventsWebhook string, eventsBatch int, eventsLinger time.Duration) (*service, string, func(), error) {
	log := slog.New(slog.DiscardHandler)
	cfg := benchConfig(storeURL)
	cfg.retention = keep
	cfg.executionLogs = execLogs
	cfg.eventsWebhook, cfg.eventsBatch, cfg.eventsLinger = eventsWebhook, eventsBatch, eventsLinger
	var batches, purged atomic.Int64
	var busy atomic.Int64 // nanoseconds
	cfg.retention.OnBatch = func(n int, took time.Duration) {
		batches.Add(1)
		purged.Add(int64(n))
		busy.Add(int64(took))
	}
	started := time.Now()
	svc, err := newService(ctx, cfg, log)
	if err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		svc.close()
		return nil, "", nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	nodeDone := make(chan struct{})
	go func() { _ = svc.Run(runCtx); close(nodeDone) }() // the node and, as serve runs them, the status events and CloudWatch Logs senders
	purgeDone := make(chan struct{})
	go func() { svc.runRetention(runCtx, log); close(purgeDone) }()
	srv := &http.Server{Handler: svc.mux}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "stepwise bench: server:", err)
		}
	}()
	return svc, "http://" + ln.Addr().String(), func() {
		_ = srv.Close()
		cancel()
		<-nodeDone
		<-purgeDone
		svc.close()
		if b := batches.Load(); b > 0 {
			fmt.Fprintf(os.Stderr, "stepwise bench: purged %d executions in %d batches, %.1f ms a batch, %.1f%% of %v\n",
				purged.Load(), b, float64(busy.Load())/float64(b)/1e6, 100*float64(busy.Load())/float64(time.Since(started)), time.Since(started).Round(time.Millisecond))
		}
	}, nil
}

// benchListen serves as the in-process bench server does until ctx ends.
func benchListen(ctx context.Context, addr, storeURL string, stderr io.Writer) int {
	if storeURL == "" {
		storeURL = "sqlite:" + filepath.Join(os.TempDir(), fmt.Sprintf("stepwise-bench-%d.db", os.Getpid()))
	}
	log := slog.New(slog.DiscardHandler)
	svc, err := newService(ctx, benchConfig(storeURL), log)
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	defer svc.close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	fmt.Fprintf(stderr, "stepwise bench: serving on http://%s, store %s\n", ln.Addr(), storeURL)
	runCtx, cancel := context.WithCancel(ctx)
	nodeDone := make(chan struct{})
	go func() { _ = svc.Run(runCtx); close(nodeDone) }() // the node and, as serve runs them, the status events and CloudWatch Logs senders
	srv := &http.Server{Handler: svc.mux}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "stepwise bench: server:", err)
	}
	cancel()
	<-nodeDone
	return 0
}

// benchConfig is the service the bench runs: the defaults of serve, and the in-process
// function of the taskchain scenario.
func benchConfig(storeURL string) serviceConfig {
	return serviceConfig{store: storeURL, region: "us-east-1", account: "123456789012",
		maxEvents: 25000, leaseTTL: 5 * time.Second,
		functions: map[string]lambda.Spec{bench.FunctionName: {Func: bench.Inc, MaxConcurrency: 4096}}}
}
