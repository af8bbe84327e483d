package server

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/scheduler"
)

// metrics counts API calls for /metrics, in the Prometheus text format. It is written by hand:
// a few counters do not justify the Prometheus client library and its dependencies.
type metrics struct {
	mu      sync.Mutex
	calls   map[call]int64     // count by action and status
	seconds map[string]float64 // action -> total seconds
	started time.Time
}

func newMetrics() *metrics {
	return &metrics{calls: map[call]int64{}, seconds: map[string]float64{}, started: time.Now()}
}

// call keys the request counts: a struct rather than a formatted string, which cost an
// allocation and a Sprintf at every request.
type call struct {
	action string
	status int
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

// Unwrap lets http.ResponseController reach the connection (the API's body deadline).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (m *metrics) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		action := metricAction(r.Header.Get("X-Amz-Target"))
		sw := &statusWriter{ResponseWriter: w, status: 200}
		start := time.Now()
		h.ServeHTTP(sw, r)
		m.mu.Lock()
		m.calls[call{action, sw.status}]++
		m.seconds[action] += time.Since(start).Seconds()
		m.mu.Unlock()
	})
}

// metricAction is the action label of a request: the action, "" for requests that name none
// (the console, the IAM Query API), and "unknown" for a name the API does not serve, so that
// callers, signed or not, cannot grow /metrics by a series per name they make up.
func metricAction(target string) string {
	if target == "" {
		return ""
	}
	if action, ok := strings.CutPrefix(target, "AWSStepFunctions."); ok && api.IsAction(action) {
		return action
	}
	return "unknown"
}

func (m *metrics) write(w io.Writer, node *runner.Node) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := &node.Stats
	fmt.Fprintln(w, "# TYPE stepwise_executions_started_total counter")
	fmt.Fprintf(w, "stepwise_executions_started_total %d\n", s.ExecutionsStarted.Load())
	fmt.Fprintln(w, "# TYPE stepwise_executions_finished_total counter")
	for _, st := range []struct {
		name string
		n    int64
	}{{"SUCCEEDED", s.Succeeded.Load()}, {"FAILED", s.Failed.Load()}, {"TIMED_OUT", s.TimedOut.Load()}, {"ABORTED", s.Aborted.Load()}} {
		fmt.Fprintf(w, "stepwise_executions_finished_total{status=%q} %d\n", st.name, st.n)
	}
	fmt.Fprintln(w, "# TYPE stepwise_state_transitions_total counter")
	fmt.Fprintf(w, "stepwise_state_transitions_total %d\n", s.Transitions.Load())
	fmt.Fprintln(w, "# TYPE stepwise_tasks_total counter")
	fmt.Fprintf(w, "stepwise_tasks_total %d\n", s.Tasks.Load())
	fmt.Fprintln(w, "# TYPE stepwise_task_seconds_total counter")
	fmt.Fprintf(w, "stepwise_task_seconds_total %g\n", time.Duration(s.TaskNanos.Load()).Seconds())
	fmt.Fprintln(w, "# TYPE stepwise_store_commits_total counter")
	fmt.Fprintf(w, "stepwise_store_commits_total %d\n", s.Commits.Load())
	fmt.Fprintln(w, "# TYPE stepwise_store_commit_seconds_total counter")
	fmt.Fprintf(w, "stepwise_store_commit_seconds_total %g\n", time.Duration(s.CommitNanos.Load()).Seconds())
	fmt.Fprintln(w, "# TYPE go_goroutines gauge")
	fmt.Fprintf(w, "go_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintln(w, "# TYPE stepwise_api_requests_total counter")
	keys := make([]call, 0, len(m.calls))
	for k := range m.calls {
		keys = append(keys, k)
	}
	// In the order the formatted keys sorted in: by action, then status as text.
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].action != keys[j].action {
			return keys[i].action < keys[j].action
		}
		return strconv.Itoa(keys[i].status) < strconv.Itoa(keys[j].status)
	})
	for _, k := range keys {
		fmt.Fprintf(w, "stepwise_api_requests_total{action=%q,status=%q} %d\n", k.action, strconv.Itoa(k.status), m.calls[k])
	}
	fmt.Fprintln(w, "# TYPE stepwise_api_request_seconds_total counter")
	actions := make([]string, 0, len(m.seconds))
	for a := range m.seconds {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	for _, a := range actions {
		fmt.Fprintf(w, "stepwise_api_request_seconds_total{action=%q} %g\n", a, m.seconds[a])
	}
	fmt.Fprintln(w, "# TYPE stepwise_uptime_seconds gauge")
	fmt.Fprintf(w, "stepwise_uptime_seconds %g\n", time.Since(m.started).Seconds())
}

// writeScheduleMetrics writes the scheduler's counters: firings started, started late (after
// downtime), retried, and dropped (too old, out of retries, or refused by their target).
func writeScheduleMetrics(w io.Writer, s *scheduler.Stats) {
	fmt.Fprintln(w, "# TYPE stepwise_schedule_firings_total counter")
	for _, f := range []struct {
		outcome string
		n       int64
	}{{"started", s.Fired.Load()}, {"late", s.Late.Load()}, {"retried", s.Retried.Load()}, {"dropped", s.Dropped.Load()}} {
		fmt.Fprintf(w, "stepwise_schedule_firings_total{outcome=%q} %d\n", f.outcome, f.n)
	}
}

// writeEventMetrics writes the status change events' delivery: counts, and the lag from
// commit to delivery over the last deliveries (nothing when no destination is set).
func writeEventMetrics(w io.Writer, d *events.Deliverer) {
	if d == nil {
		return
	}
	fmt.Fprintln(w, "# TYPE stepwise_events_delivered_total counter")
	fmt.Fprintf(w, "stepwise_events_delivered_total %d\n", d.Delivered.Load())
	fmt.Fprintln(w, "# TYPE stepwise_events_failed_deliveries_total counter")
	fmt.Fprintf(w, "stepwise_events_failed_deliveries_total %d\n", d.Failed.Load())
	fmt.Fprintln(w, "# TYPE stepwise_events_delivery_lag_seconds gauge")
	for _, q := range []float64{0.5, 0.99} {
		fmt.Fprintf(w, "stepwise_events_delivery_lag_seconds{quantile=\"%g\"} %g\n", q, d.Lag(q).Seconds())
	}
}
