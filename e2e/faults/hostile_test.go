package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise-run/stepwise/bench"
)

// TestHostileExpressions runs issue #15's hostile state machines, and ones like them,
// against a served node: each must fail the way AWS fails an evaluation, in bounded time,
// while the node keeps answering (/healthz within a second throughout).
func TestHostileExpressions(t *testing.T) {
	n := serve(t, nil, "--store", "sqlite:"+filepath.Join(t.TempDir(), "db"))
	c := client(n.url)
	deep := strings.Repeat(`{"a":`, 3000) + `1` + strings.Repeat(`}`, 3000)
	pass := func(field, expr string) string {
		return `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","` + field + `":"{% ` + expr + ` %}","End":true}}}`
	}
	cases := []struct {
		name, def, input, wantError string
	}{
		{"jsonata nested sums", pass("Output", `$sum([1..100000].($sum([1..100000])))`), `{}`, "States.QueryEvaluationError"},
		{"jsonata 1e7 by 1e7 range", pass("Output", `$count([1..1e7].[1..1e7])`), `{}`, "States.QueryEvaluationError"},
		{"jsonata shared-part blow-up", pass("Output", `($f := function($x, $n) { $n = 0 ? $x : $f([[$x], [$x]], $n - 1) }; $string($f(1, 40)))`), `{}`, "States.QueryEvaluationError"},
		{"jsonata pad", pass("Output", `$length($pad('x', 1e9))`), `{}`, "States.QueryEvaluationError"},
		{"jsonpath nested descendants on a 3,000-deep input", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$..[?(@..[?(@..[?(@..a)])])]","End":true}}}`, deep, "States.Runtime"},
	}
	var slowest atomic.Int64
	stop := watchHealth(n, &slowest)
	defer stop()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ReplaceAll(tc.name, " ", "-")
			name = strings.ReplaceAll(name, ",", "")
			sm := createMachine(t, c, name, tc.def)
			t0 := time.Now()
			ex, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(tc.input)})
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(t0); took > 2*time.Second {
				t.Errorf("StartExecution took %s", took)
			}
			d := waitEnded(t, c, ex.ExecutionArn, time.Minute)
			t.Logf("%s: %s %s, ended within %s of the start", tc.name, d.Status, aws.ToString(d.Error), time.Since(t0).Round(10*time.Millisecond))
			if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != tc.wantError || !strings.Contains(aws.ToString(d.Cause), "budget") {
				t.Errorf("%s %s %s, want FAILED %s naming the budget", d.Status, aws.ToString(d.Error), tail(aws.ToString(d.Cause), 300), tc.wantError)
			}
		})
	}
	t.Run("express loop of 1,000,000 iterations through StartSyncExecution", func(t *testing.T) {
		iterations := pick(200000, 1000000)
		def := `{"StartAt":"Inc","States":{
			"Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"Check"},
			"Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":` + strconv.Itoa(iterations) + `,"Next":"Inc"}],"Default":"Done"},
			"Done":{"Type":"Succeed"}}}`
		out, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("loop"), Definition: aws.String(def),
			RoleArn: aws.String(role), Type: types.StateMachineTypeExpress})
		if err != nil {
			t.Fatal(err)
		}
		rss0 := rssKiB(n.pid())
		t0 := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
		defer cancel()
		res, err := bench.Client(n.url).StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: out.StateMachineArn, Input: aws.String(`{"i":0}`)})
		if err != nil {
			t.Fatal(err)
		}
		rss1 := rssKiB(n.pid())
		t.Logf("%d iterations: %s %s in %s, RSS %d MiB before, %d MiB after", iterations, res.Status, aws.ToString(res.Output),
			time.Since(t0).Round(time.Millisecond), rss0>>10, rss1>>10)
		if res.Status != types.SyncExecutionStatusSucceeded || aws.ToString(res.Output) != fmt.Sprintf(`{"i":%d}`, iterations) {
			t.Errorf("%s %s %s", res.Status, aws.ToString(res.Error), aws.ToString(res.Cause))
		}
		if rss1-rss0 > 200<<10 {
			t.Errorf("RSS grew by %d MiB during the loop (it holds no history)", (rss1-rss0)>>10)
		}
	})
	t.Run("made-up X-Amz-Target names do not grow /metrics", func(t *testing.T) {
		before := len(get(t, n.url+"/metrics"))
		for i := range 2000 {
			req, _ := http.NewRequest("POST", n.url+"/", strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			req.Header.Set("X-Amz-Target", fmt.Sprintf("AWSStepFunctions.MadeUp%d", i))
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		after := len(get(t, n.url+"/metrics"))
		t.Logf("/metrics: %d bytes before 2,000 made-up actions, %d after", before, after)
		if after > before+300 {
			t.Errorf("/metrics grew from %d to %d bytes", before, after)
		}
	})
	stop()
	report(t, row{Fault: fmt.Sprintf("%d hostile expressions, a long Express loop, 2,000 made-up actions", len(cases)), Acked: len(cases) + 1,
		OnItsOwn: fmt.Sprintf("yes: each failed its state (the loop succeeded); /healthz answered within %s throughout",
			time.Duration(slowest.Load()).Round(time.Millisecond))})
	t.Logf("slowest /healthz while the hostile machines ran: %s", time.Duration(slowest.Load()))
	if time.Duration(slowest.Load()) > time.Second {
		t.Errorf("the node took %s to answer /healthz", time.Duration(slowest.Load()))
	}
}

// watchHealth asks the node for /healthz every 100 ms and keeps the slowest answer, until
// the returned function is called.
func watchHealth(n *node, slowest *atomic.Int64) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		hc := http.Client{Timeout: 10 * time.Second}
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			t0 := time.Now()
			if r, err := hc.Get(n.url + "/healthz"); err == nil {
				r.Body.Close()
			}
			if d := int64(time.Since(t0)); d > slowest.Load() {
				slowest.Store(d)
			}
		}
	}()
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			close(done)
			<-stopped
		}
	}
}

func waitEnded(t *testing.T, c *sfn.Client, arn *string, within time.Duration) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != types.ExecutionStatusRunning {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still running after %s", aws.ToString(arn), within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// rssKiB is a process's resident set, from /proc (0 where there is none).
func rssKiB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			k, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return k
		}
	}
	return 0
}
