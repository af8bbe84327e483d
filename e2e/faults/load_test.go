package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// napDef is the machine the load starts: every execution sleeps a second in a durable timer,
// then computes its output from its input, so a lost timer, a lost step or a step applied
// twice shows in its status, output or history.
const napDef = `{"StartAt":"Nap","States":{
	"Nap":{"Type":"Wait","Seconds":1,"Next":"Add"},
	"Add":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"Done"},
	"Done":{"Type":"Succeed"}}}`

// napEvents is the history every execution of napDef must have, exactly.
var napEvents = []string{"ExecutionStarted", "WaitStateEntered", "WaitStateExited", "PassStateEntered", "PassStateExited",
	"SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}

// load starts executions of one machine from several workers, at a steady pace, and
// remembers which starts were acknowledged.
type load struct {
	sm      string
	pause   time.Duration
	seq     atomic.Int64
	limit   atomic.Int64 // the most executions to start; 0: no end
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	clients []*sfn.Client
	acked   map[string]time.Time
	refused int
	lastErr error
	lat     []time.Duration
}

// startLoad starts workers that each start an execution every pause, through the nodes at urls.
func startLoad(sm string, workers int, pause time.Duration, urls ...string) *load {
	l := &load{sm: sm, pause: pause, stop: make(chan struct{}), acked: map[string]time.Time{}}
	l.target(urls...)
	for range workers {
		l.wg.Add(1)
		go l.work()
	}
	return l
}

// target sends the next starts to the nodes at urls.
func (l *load) target(urls ...string) {
	var cs []*sfn.Client
	for _, u := range urls {
		cs = append(cs, client(u))
	}
	l.mu.Lock()
	l.clients = cs
	l.mu.Unlock()
}

func (l *load) work() {
	defer l.wg.Done()
	for {
		select {
		case <-l.stop:
			return
		default:
		}
		i := l.seq.Add(1)
		if lim := l.limit.Load(); lim > 0 && i > lim {
			return
		}
		name := fmt.Sprintf("e%07d", i)
		l.mu.Lock()
		c := l.clients[int(i)%len(l.clients)]
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		t0 := time.Now()
		_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(l.sm), Name: aws.String(name),
			Input: aws.String(fmt.Sprintf(`{"n":%d}`, i))})
		cancel()
		l.mu.Lock()
		if err == nil {
			l.acked[name] = time.Now()
			l.lat = append(l.lat, time.Since(t0))
		} else {
			l.refused++
			l.lastErr = err
		}
		l.mu.Unlock()
		if err != nil {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(l.pause)
	}
}

// halt stops the workers and waits for the calls under way.
func (l *load) halt() {
	close(l.stop)
	l.wg.Wait()
}

// counts are the starts acknowledged and refused so far.
func (l *load) counts() (acked, refused int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked), l.refused
}

// latencies takes the start latencies measured since the last call.
func (l *load) latencies() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lat
	l.lat = nil
	return out
}

func p99(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[(len(ds)*99)/100]
}

// waitAcked waits until n more starts are acknowledged.
func (l *load) waitAcked(t *testing.T, n int) {
	t.Helper()
	a0, _ := l.counts()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		a, _ := l.counts()
		if a >= a0+n {
			return
		}
		if time.Now().After(deadline) {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("%d starts acknowledged in 2 minutes, waiting for %d (last error %v)", a-a0, n, l.lastErr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recovery waits until the service has recovered from a fault that ended at mark: it
// acknowledges starts again, and every execution acknowledged before mark has moved on
// (none still runs). It returns how long that took after mark.
func (l *load) recovery(t *testing.T, c func() *sfn.Client, mark time.Time, within time.Duration) time.Duration {
	t.Helper()
	l.mu.Lock()
	before := map[string]bool{}
	for name, at := range l.acked {
		if at.Before(mark) {
			before[name] = true
		}
	}
	l.mu.Unlock()
	deadline := mark.Add(within)
	for {
		acking := false
		l.mu.Lock()
		for _, at := range l.acked {
			if at.After(mark) {
				acking = true
				break
			}
		}
		l.mu.Unlock()
		if acking && !anyRunning(c(), l.sm, before) {
			return time.Since(mark)
		}
		if time.Now().After(deadline) {
			t.Errorf("not recovered %s after the fault (acknowledging starts: %v)", within, acking)
			return time.Since(mark)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// anyRunning says whether one of names still runs (or the list cannot be read).
func anyRunning(c *sfn.Client, sm string, names map[string]bool) bool {
	p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusRunning, MaxResults: 1000})
	for p.HasMorePages() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		page, err := p.NextPage(ctx)
		cancel()
		if err != nil {
			return true
		}
		for _, e := range page.Executions {
			if names[aws.ToString(e.Name)] {
				return true
			}
		}
	}
	return false
}

// row is a line of docs/reliability.md's table.
type row struct {
	Fault     string
	Acked     int
	Refused   int
	Lost      int
	BadEvents int
	Recovery  time.Duration
	OnItsOwn  string
}

func (r row) recovery() string {
	if r.Recovery == 0 {
		return "n/a"
	}
	return r.Recovery.Round(10 * time.Millisecond).String()
}

var (
	rowsMu sync.Mutex
	rows   []row
	extra  []string // more tables, printed after the faults'
)

// report logs r and keeps it for the table TestMain prints.
func report(t *testing.T, r row) {
	t.Helper()
	t.Logf("| %s | %d | %d | %d | %d | %s | %s |", r.Fault, r.Acked, r.Refused, r.Lost, r.BadEvents, r.recovery(), r.OnItsOwn)
	rowsMu.Lock()
	rows = append(rows, r)
	rowsMu.Unlock()
	if r.Lost > 0 || r.BadEvents > 0 {
		t.Errorf("%s: %d acknowledged executions lost, %d histories with missing or repeated events", r.Fault, r.Lost, r.BadEvents)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	rowsMu.Lock()
	if len(rows) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "\n| fault (%s) | starts acknowledged | starts refused | executions lost | histories with missing or repeated events | time to recover | recovered on its own |\n|---|---|---|---|---|---|---|\n", pick("short", "long"))
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %s | %s |\n", r.Fault, r.Acked, r.Refused, r.Lost, r.BadEvents, r.recovery(), r.OnItsOwn)
		}
		for _, e := range extra {
			b.WriteString(e)
		}
		fmt.Print(b.String())
		if path := os.Getenv("STEPWISE_FAULTS_REPORT"); path != "" {
			_ = os.WriteFile(path, []byte(b.String()), 0o644)
		}
	}
	rowsMu.Unlock()
	os.Exit(code)
}

// verify stops the load, waits until no execution of its machine runs, and checks every
// one: each acknowledged start is there, every execution succeeded with the output its input
// gives, and its history is events (ids 1..n, no event missing or repeated). It returns the
// executions lost and the bad histories.
func verify(t *testing.T, l *load, c *sfn.Client, events []string) (lost, bad int) {
	t.Helper()
	l.halt()
	ctx := context.Background()
	deadline := time.Now().Add(3 * time.Minute)
	for runningCount(c, l.sm) > 0 {
		if time.Now().After(deadline) {
			t.Errorf("executions still running 3 minutes after the load stopped")
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var all []types.ExecutionListItem
	p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(l.sm), MaxResults: 1000})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Executions...)
	}
	seen := map[string]bool{}
	for _, e := range all {
		seen[aws.ToString(e.Name)] = true
	}
	l.mu.Lock()
	var missing []string
	for name := range l.acked {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	l.mu.Unlock()
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d acknowledged executions are not listed: %v", len(missing), missing[:min(10, len(missing))])
	}
	var mu sync.Mutex
	failed := 0
	work := make(chan types.ExecutionListItem)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range work {
				problem := checkExecution(ctx, c, e, events)
				if problem != "" {
					mu.Lock()
					if bad < 10 {
						t.Errorf("%s: %s", aws.ToString(e.Name), problem)
					}
					if e.Status != types.ExecutionStatusSucceeded {
						failed++
					} else {
						bad++
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, e := range all {
		work <- e
	}
	close(work)
	wg.Wait()
	return len(missing) + failed, bad
}

func runningCount(c *sfn.Client, sm string) int {
	out, err := c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusRunning, MaxResults: 1})
	if err != nil {
		return 1
	}
	return len(out.Executions)
}

// checkExecution says what is wrong with an ended execution of napDef-like machines, or "".
func checkExecution(ctx context.Context, c *sfn.Client, e types.ExecutionListItem, events []string) string {
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
	if err != nil {
		return err.Error()
	}
	if d.Status != types.ExecutionStatusSucceeded {
		return fmt.Sprintf("%s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var in, out struct{ N int64 }
	if json.Unmarshal([]byte(aws.ToString(d.Input)), &in) != nil || json.Unmarshal([]byte(aws.ToString(d.Output)), &out) != nil || out.N != in.N+1 {
		return fmt.Sprintf("input %s, output %s", aws.ToString(d.Input), aws.ToString(d.Output))
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: e.ExecutionArn, MaxResults: 1000})
	if err != nil {
		return err.Error()
	}
	var got []string
	for i, ev := range h.Events {
		if ev.Id != int64(i+1) {
			return fmt.Sprintf("event %d has id %d", i+1, ev.Id)
		}
		got = append(got, string(ev.Type))
	}
	if !slices.Equal(got, events) {
		return fmt.Sprintf("history %v, want %v", got, events)
	}
	return ""
}
