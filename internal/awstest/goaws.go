package awstest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/gosqs"
	"github.com/Admiral-Piett/goaws/app/router"
	"github.com/sirupsen/logrus"
)

// goaws keeps its queues, topics and settings in package variables, so one server serves the
// whole test binary: it starts on first use and lives until the process ends. Tests share
// it and must name their queues and topics uniquely (t.Name() does).
var goaws struct {
	once sync.Once
	url  string
	err  error
}

// GoAWS starts goaws (SQS and SNS, query protocol only) in process, once per test binary,
// and returns its URL. Queue URLs it hands out are http://127.0.0.1:<port>/000000000000/<name>
// and ARNs arn:aws:sqs:us-east-1:000000000000:<name>.
func GoAWS(t testing.TB) string {
	t.Helper()
	goaws.once.Do(func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			goaws.err = err
			return
		}
		_, port, _ := net.SplitHostPort(l.Addr().String())
		logrus.SetOutput(io.Discard)
		app.CurrentEnvironment = app.Environment{
			Host:      "127.0.0.1",
			Port:      port,
			Region:    "us-east-1",
			AccountID: "000000000000",
			QueueAttributeDefaults: app.EnvQueueAttributes{
				VisibilityTimeout:  30,
				MaximumMessageSize: 262144,
			},
		}
		// Messages become visible again after their visibility timeout only through this
		// loop, as in goaws's own main.
		go gosqs.PeriodicTasks(time.Second, make(chan struct{}))
		srv := &http.Server{Handler: serialized(router.New()), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(l) }()
		goaws.url = "http://" + l.Addr().String()
	})
	if goaws.err != nil {
		t.Fatalf("starting goaws: %v", goaws.err)
	}
	return goaws.url
}

// serialized runs goaws's handler one request at a time, except ReceiveMessage, which may
// wait for messages (long polling) and locks what it reads. goaws's CreateQueue reads and
// writes its map of queues without its lock: two queues created at once are a data race
// that the race detector reports (seen in the replay suite's parallel scenarios).
func serialized(h http.Handler) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		if form.Get("Action") != "ReceiveMessage" && !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".ReceiveMessage") {
			mu.Lock()
			defer mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}
