package scheduler

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// cpuTime is this process's user+system CPU time so far, from /proc/self/stat.
func cpuTime(t *testing.T) time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip("no /proc/self/stat:", err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// TestLoad10000 measures 10,000 schedules firing every minute on one node (SQLite, the
// scheduler's own work: the executions are those of a fake Step Functions): how long the
// 10,000 firings of a minute take, and the CPU the process uses between firings. It runs
// for about three minutes, so only when STEPWISE_SCHEDULE_LOAD is set:
//
//	STEPWISE_SCHEDULE_LOAD=1 go test -run TestLoad10000 -v ./scheduler
func TestLoad10000(t *testing.T) {
	if os.Getenv("STEPWISE_SCHEDULE_LOAD") == "" {
		t.Skip("set STEPWISE_SCHEDULE_LOAD=1 to measure 10,000 schedules firing every minute (3 minutes)")
	}
	const n = 10_000
	st := openSQLite(t)
	f := newFakeSFN()
	svc := New(Options{Schedules: st.(store.Schedules), Tags: st, Invoke: f.Invoke, Region: "us-east-1", Account: "123456789012", Owner: "n1"})
	fx := &fixture{svc: svc, sfn: f}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := svc.EnsureDefaultGroup(ctx); err != nil {
		t.Fatal(err)
	}
	created := time.Now()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				if _, err := svc.createSchedule(ctx, fmt.Sprintf("s%05d", i), nil, []byte(`{"ScheduleExpression":"cron(* * * * ? *)",
					"FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"`+smArn+`","RoleArn":"`+role+`"}}`)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("created %d schedules in %v", n, time.Since(created).Round(time.Millisecond))
	_ = fx
	go svc.Run(ctx)
	for minute := range 3 {
		boundary := time.Now().Truncate(time.Minute).Add(time.Minute)
		time.Sleep(time.Until(boundary))
		want := (minute + 1) * n
		for f.started() < want {
			time.Sleep(10 * time.Millisecond)
		}
		took := time.Since(boundary)
		// Between firings: from 20 s past the minute to 5 s before the next.
		time.Sleep(time.Until(boundary.Add(20 * time.Second)))
		c0, w0 := cpuTime(t), time.Now()
		time.Sleep(time.Until(boundary.Add(55 * time.Second)))
		c1, w1 := cpuTime(t), time.Now()
		t.Logf("minute %d: %d firings done %v after the minute; CPU between firings %.2f%% (%v over %v)",
			minute+1, n, took.Round(time.Millisecond), 100*float64(c1-c0)/float64(w1.Sub(w0)), c1-c0, w1.Sub(w0).Round(time.Second))
	}
	if got := f.started(); got != 3*n {
		t.Errorf("%d started, want %d", got, 3*n)
	}
}
