// Command otlpsink is an OTLP/HTTP collector for measuring the cost of traces: it accepts the
// protobuf export requests the OpenTelemetry SDK sends to /v1/traces, decodes them, counts
// their spans and drops them; it accepts and drops POSTs to any other path too (an
// --events-webhook). It prints the count every interval and when it stops.
//
//	go run ./bench/otlpsink -listen 127.0.0.1:4318
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:4318", "address to listen on")
	decode := flag.Bool("decode", true, "decode the requests and count their spans; false only reads them (a collector that costs next to nothing, to measure the exporting process alone)")
	every := flag.Duration("every", 10*time.Second, "how often to print the spans received (0: only at the end)")
	flag.Parse()
	var spans, requests atomic.Int64
	ok, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
		if !*decode {
			_, _ = io.Copy(io.Discard, r.Body)
			requests.Add(1)
			w.Header().Set("Content-Type", "application/x-protobuf")
			_, _ = w.Write(ok)
			return
		}
		body, err := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				spans.Add(int64(len(ss.Spans)))
			}
		}
		requests.Add(1)
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(ok)
	})
	var others atomic.Int64
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		// anything else (serve --events-webhook's events): read and accepted
		_, _ = io.Copy(io.Discard, r.Body)
		others.Add(1)
	})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	srv := &http.Server{Addr: *listen, Handler: mux}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if *every > 0 {
		go func() {
			for range time.Tick(*every) {
				fmt.Fprintf(os.Stderr, "otlpsink: %d spans in %d requests, %d other requests\n", spans.Load(), requests.Load(), others.Load())
			}
		}()
	}
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "otlpsink:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "otlpsink: %d spans in %d requests\n", spans.Load(), requests.Load())
}
