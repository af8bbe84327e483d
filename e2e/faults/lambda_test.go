package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// lambdaDef calls the function once; its output is the function's answer.
const lambdaDef = `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:count","End":true}}}`

var lambdaEvents = []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
	"LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"}

// counter is a Lambda function behind the Lambda Invoke API, outside the node (as AWS
// Lambda is), that counts its invocations per execution: its event is the execution's input
// {"n": i}, its answer {"n": i+1}.
type counter struct {
	mu    sync.Mutex
	calls map[int64]int
	url   string
}

func startCounter(t *testing.T) *counter {
	t.Helper()
	c := &counter{calls: map[int64]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in struct{ N int64 }
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		c.mu.Lock()
		c.calls[in.N]++
		c.mu.Unlock()
		fmt.Fprintf(w, `{"n":%d}`, in.N+1)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c.url = "http://" + ln.Addr().String()
	return c
}

// TestKill9LambdaReruns kills the node with SIGKILL while executions call a Lambda function,
// restarts it, and counts the executions whose function ran twice. A task runs at least once
// (as on AWS): the ones run again are those whose invocation had begun and whose result was
// not yet committed when the node died. None may run zero times or three.
func TestKill9LambdaReruns(t *testing.T) {
	fn := startCounter(t)
	total := pick(600, 2000)
	db := "sqlite:" + filepath.Join(t.TempDir(), "stepwise.db")
	args := []string{"--store", db, "--lease-ttl", "2s", "--function", "count=" + fn.url}
	first := serve(t, nil, args...)
	sm := createMachine(t, client(first.url), "calls", lambdaDef)
	l := startLoad(sm, 16, 0, first.url)
	l.limit.Store(int64(total))
	l.waitAcked(t, total/2)
	first.kill9(t)
	mark := time.Now()
	second := serve(t, nil, args...)
	l.target(second.url)
	c := client(second.url)
	took := l.recovery(t, func() *sfn.Client { return c }, mark, time.Minute)
	l.wg.Wait() // every start made: the acknowledged and the refused add up to total
	lost, bad := verify(t, l, c, lambdaEvents)
	acked, refused := l.counts()
	fn.mu.Lock()
	twice, worst := 0, 0
	for _, k := range fn.calls {
		if k > 1 {
			twice++
		}
		worst = max(worst, k)
	}
	fn.mu.Unlock()
	t.Logf("%d of %d executions ran their Lambda task more than once (at most %d times)", twice, acked, worst)
	report(t, row{Fault: "kill -9 of the node while executions call a Lambda function (SQLite)", Acked: acked, Refused: refused, Lost: lost,
		BadEvents: bad, Recovery: took, OnItsOwn: fmt.Sprintf("restarted by its supervisor; %d of %d Lambda tasks ran twice", twice, acked)})
	if worst > 2 {
		t.Errorf("a Lambda task ran %d times after one crash", worst)
	}
	if path := os.Getenv("STEPWISE_FAULTS_RERUNS"); path != "" {
		f, _ := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		fmt.Fprintln(f, strconv.Itoa(twice)+" "+strconv.Itoa(acked))
		f.Close()
	}
}
