package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// SleepOptions configure RunSleep.
type SleepOptions struct {
	Endpoint    string
	Concurrency int
	Executions  int
	// Wait is how long each execution sleeps in its Wait state, counted from its start; it
	// must outlast starting them all and the restart.
	Wait time.Duration
	// Restart stops the server and starts it again on the same store, and returns its new
	// endpoint.
	Restart func(ctx context.Context) (string, error)
}

// SleepResult is what RunSleep measured.
type SleepResult struct {
	Executions   int
	Started      time.Duration // how long starting them all took
	StartP99     time.Duration
	RSSAsleep    int64 // the process's resident memory once all of them sleep
	RSSPeak      int64 // the process's peak resident memory, over the whole run
	RestartTook  time.Duration
	LateP50      time.Duration // how long after its due time an execution resumed
	LateP99      time.Duration
	LateMax      time.Duration
	LateOver10s  int
	NotSucceeded int
}

// SleepDefinition sleeps in a Wait state for seconds, then succeeds.
func SleepDefinition(seconds int) string {
	return `{"StartAt":"Sleep","States":{"Sleep":{"Type":"Wait","Seconds":` + strconv.Itoa(seconds) +
		`,"Next":"Done"},"Done":{"Type":"Succeed"}}}`
}

// RunSleep starts Executions executions that each sleep Wait in a Wait state, measures the
// memory of the process holding them, restarts the server while they sleep, and measures
// how late after their due time they resumed (an execution ends in the step its timer
// fires: resumed = stopDate).
func RunSleep(ctx context.Context, o SleepOptions, progress io.Writer) (*SleepResult, error) {
	secs := int(o.Wait / time.Second)
	if secs < 1 {
		return nil, errors.New("wait must be at least a second")
	}
	c := Client(o.Endpoint)
	smArn, err := createMachine(ctx, c, fmt.Sprintf("bench-sleep-%d", time.Now().UnixNano()), SleepDefinition(secs), "STANDARD", false, false)
	if err != nil {
		return nil, err
	}
	var (
		next     atomic.Int64
		mu       sync.Mutex
		starts   []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	t0 := time.Now()
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(o.Executions) && ctx.Err() == nil {
				s := time.Now()
				_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smArn), Input: aws.String(`{}`)})
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				starts = append(starts, time.Since(s))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r := &SleepResult{Executions: o.Executions, Started: time.Since(t0), StartP99: pct(starts, 99)}
	if firstErr != nil {
		return r, fmt.Errorf("start: %w", firstErr)
	}
	fmt.Fprintf(progress, "started %d in %s (%.0f/s)\n", o.Executions, r.Started.Round(time.Millisecond), float64(o.Executions)/r.Started.Seconds())
	runtime.GC()
	r.RSSAsleep = procStatus("VmRSS")
	if r.Started >= o.Wait {
		return r, fmt.Errorf("starting took %s, longer than the wait (%s): raise --wait", r.Started, o.Wait)
	}
	t1 := time.Now()
	if o.Endpoint, err = o.Restart(ctx); err != nil {
		return r, fmt.Errorf("restart: %w", err)
	}
	r.RestartTook = time.Since(t1)
	c = Client(o.Endpoint)
	fmt.Fprintf(progress, "restarted in %s; %s until the last is due\n", r.RestartTook.Round(time.Millisecond), time.Until(t0.Add(r.Started+o.Wait)).Round(time.Second))
	deadline := t0.Add(r.Started + o.Wait + 2*time.Minute)
	for {
		out, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(smArn),
			StatusFilter: types.ExecutionStatusRunning, MaxResults: 1})
		if err != nil {
			return r, err
		}
		if len(out.Executions) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return r, errors.New("executions still running two minutes after the last was due")
		}
		time.Sleep(500 * time.Millisecond)
	}
	var late []time.Duration
	var token *string
	for {
		out, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(smArn), MaxResults: 1000, NextToken: token})
		if err != nil {
			return r, err
		}
		for _, e := range out.Executions {
			if e.Status != types.ExecutionStatusSucceeded || e.StopDate == nil {
				r.NotSucceeded++
				continue
			}
			// startDate has milliseconds; the timer is due Wait after the start.
			d := e.StopDate.Sub(e.StartDate.Add(time.Duration(secs) * time.Second))
			late = append(late, max(0, d))
			if d > 10*time.Second {
				r.LateOver10s++
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	r.LateP50, r.LateP99, r.LateMax = pct(late, 50), pct(late, 99), pct(late, 100)
	r.RSSPeak = procStatus("VmHWM")
	return r, nil
}

// Print writes the result as Markdown.
func (r *SleepResult) Print(w io.Writer, store string) {
	fmt.Fprintf(w, "| sleep | %s | %d | %s (%.0f/s, p99 %s) | %d MB | %d MB | %s | %s / %s / %s | %d | %d |\n", store, r.Executions,
		r.Started.Round(time.Millisecond), float64(r.Executions)/r.Started.Seconds(), ms(r.StartP99),
		r.RSSAsleep>>20, r.RSSPeak>>20, r.RestartTook.Round(time.Millisecond),
		ms(r.LateP50), ms(r.LateP99), ms(r.LateMax), r.LateOver10s, r.NotSucceeded)
}

// SleepHeader is the Markdown table header for SleepResult.Print.
const SleepHeader = "| scenario | store | executions | started in | RSS, all asleep | peak RSS | restart | resumed after due p50 / p99 / max | later than 10 s | not succeeded |\n|---|---|---|---|---|---|---|---|---|---|\n"

// procStatus reads a memory figure (kB) of this process from /proc/self/status, in bytes;
// 0 where there is none.
func procStatus(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
