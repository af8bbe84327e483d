// Package e2e runs the stepwise binary as users do, as separate processes, and checks what
// survives when they are killed: a kill -9 on the embedded store, and one node of three dying
// on PostgreSQL.
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise-run/stepwise/internal/binarytest"
)

// stepwise is the binary built from this checkout (once for the package's tests).
func stepwise(t *testing.T) string { return binarytest.Stepwise(t) }

// server is one `stepwise serve` process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *strings.Builder
	mu   sync.Mutex
}

// serve starts `stepwise serve` on a free loopback port and waits until it listens.
func serve(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := exec.Command(stepwise(t), append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &strings.Builder{}}
	cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.logs.Write(p)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
		if t.Failed() {
			s.mu.Lock()
			t.Logf("server %s log:\n%s", s.url, tail(s.logs.String(), 4000))
			s.mu.Unlock()
		}
	})
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if _, after, ok := strings.Cut(lines.Text(), "serving on "); ok {
				found <- strings.Fields(after)[0]
			}
		}
	}()
	select {
	case s.url = <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("stepwise serve did not start: %s", s.logs.String())
	}
	return s
}

// kill9 kills the process as a crash would: no shutdown, no lease released.
func (s *server) kill9(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func client(url string) *sfn.Client {
	return sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}})
}

const role = "arn:aws:iam::123456789012:role/stepwise"

// The parent waits, starts a child and waits for it (.sync:2), and waits again; the child
// waits too. Every execution spends most of its life in durable timers and a durable task.
const (
	childDef = `{"StartAt":"Nap","States":{
		"Nap":{"Type":"Wait","Seconds":1,"Next":"Double"},
		"Double":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, $.n)"},"End":true}}}`
	parentDef = `{"StartAt":"Before","States":{
		"Before":{"Type":"Wait","Seconds":1,"Next":"Child"},
		"Child":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{
			"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child",
			"Input":{"n.$":"$.n","AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},
			"ResultSelector":{"n.$":"$.Output.n"},"Next":"After"},
		"After":{"Type":"Wait","Seconds":1,"End":true}}}`
)

func createMachines(t *testing.T, c *sfn.Client) string {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("child"), Definition: aws.String(childDef), RoleArn: aws.String(role)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("parent"), Definition: aws.String(parentDef), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.StateMachineArn)
}

// waitAllEnded polls until no execution of the machine runs.
func waitAllEnded(t *testing.T, c *sfn.Client, smArn string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		out, err := c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(smArn), StatusFilter: types.ExecutionStatusRunning, MaxResults: 1})
		if err == nil && len(out.Executions) == 0 {
			return time.Since(start)
		}
		if time.Since(start) > within {
			for _, arn := range []string{smArn, strings.Replace(smArn, ":parent", ":child", 1)} {
				list, _ := c.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn), StatusFilter: types.ExecutionStatusRunning})
				for _, e := range list.Executions {
					h, _ := c.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: e.ExecutionArn, ReverseOrder: true, MaxResults: 3})
					var last []string
					for _, ev := range h.Events {
						last = append(last, string(ev.Type))
					}
					t.Logf("still running: %s, last events %v", aws.ToString(e.ExecutionArn), last)
				}
			}
			t.Fatalf("executions still running after %s (last error %v)", within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkExactlyOnce checks every execution of the machine: succeeded with the right output,
// history ids 1..n without gaps or repeats, one start and one end event.
func checkExactlyOnce(t *testing.T, c *sfn.Client, smArn string, want int, output func(name string) string) {
	t.Helper()
	ctx := context.Background()
	p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(smArn)})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Executions {
			n++
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != types.ExecutionStatusSucceeded {
				t.Errorf("%s: %s %s %s", aws.ToString(e.Name), d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
				continue
			}
			if output != nil {
				if got, want := aws.ToString(d.Output), output(aws.ToString(e.Name)); got != want {
					t.Errorf("%s: output %s, want %s", aws.ToString(e.Name), got, want)
				}
			}
			hp := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: e.ExecutionArn, MaxResults: 1000})
			var id int64
			counts := map[types.HistoryEventType]int{}
			for hp.HasMorePages() {
				h, err := hp.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, ev := range h.Events {
					id++
					if ev.Id != id {
						t.Fatalf("%s: event %d has id %d", aws.ToString(e.Name), id, ev.Id)
					}
					counts[ev.Type]++
				}
			}
			if counts[types.HistoryEventTypeExecutionStarted] != 1 || counts[types.HistoryEventTypeExecutionSucceeded] != 1 {
				t.Errorf("%s: %v", aws.ToString(e.Name), counts)
			}
			for typ, k := range counts {
				if k > 1 && !strings.HasPrefix(string(typ), "Wait") {
					t.Errorf("%s: %d %s events", aws.ToString(e.Name), k, typ)
				}
			}
		}
	}
	if n != want {
		t.Errorf("%d executions, want %d", n, want)
	}
}

func startParents(t *testing.T, clients []*sfn.Client, smArn string, n int) {
	t.Helper()
	for i := range n {
		c := clients[i%len(clients)]
		_, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(smArn),
			Name: aws.String(fmt.Sprintf("p%03d", i)), Input: aws.String(fmt.Sprintf(`{"n":%d}`, i))})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func parentOutput(name string) string {
	var i int
	fmt.Sscanf(name, "p%d", &i)
	return fmt.Sprintf(`{"n":%d}`, 2*i)
}

// TestKill9SQLite kills `stepwise serve` with SIGKILL while executions sleep in timers and
// wait for their children, starts it again on the same database file, and checks that every
// execution finishes exactly once with a complete history.
func TestKill9SQLite(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "stepwise.db")
	first := serve(t, "--store", db, "--lease-ttl", "1s")
	c := client(first.url)
	smArn := createMachines(t, c)
	const n = 40
	startParents(t, []*sfn.Client{c}, smArn, n)
	time.Sleep(1500 * time.Millisecond) // parents are waiting on children, children on timers
	first.kill9(t)

	second := serve(t, "--store", db, "--lease-ttl", "1s")
	c = client(second.url)
	took := waitAllEnded(t, c, smArn, 60*time.Second)
	t.Logf("all %d parents ended %s after the restart", n, took.Round(time.Millisecond))
	checkExactlyOnce(t, c, smArn, n, parentOutput)
	checkExactlyOnce(t, c, "arn:aws:states:us-east-1:123456789012:stateMachine:child", n, nil)
}

// TestThreeNodesPostgres runs three nodes on one PostgreSQL database, spreads executions over
// them, kills one with SIGKILL mid-way, and checks that the other two finish all of them,
// exactly once each.
func TestThreeNodesPostgres(t *testing.T) {
	url := freshPostgres(t)
	var nodes []*server
	var clients []*sfn.Client
	for range 3 {
		s := serve(t, "--store", url, "--lease-ttl", "2s")
		nodes = append(nodes, s)
		clients = append(clients, client(s.url))
	}
	smArn := createMachines(t, clients[0])
	const n = 60
	startParents(t, clients, smArn, n)
	time.Sleep(1500 * time.Millisecond)
	nodes[1].kill9(t)
	took := waitAllEnded(t, clients[0], smArn, 90*time.Second)
	t.Logf("all %d parents ended %s after node 2 of 3 was killed (lease TTL 2s)", n, took.Round(time.Millisecond))
	checkExactlyOnce(t, clients[2], smArn, n, parentOutput)
	checkExactlyOnce(t, clients[0], "arn:aws:states:us-east-1:123456789012:stateMachine:child", n, nil)

	// An execution started on one node can be stopped through another.
	ctx := context.Background()
	sleepy, err := clients[0].CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sleepy"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := clients[0].StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sleepy.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients[2].StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: ex.ExecutionArn}); err != nil {
		t.Fatalf("stop through another node: %v", err)
	}
	d, err := clients[0].DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
	if err != nil || d.Status != types.ExecutionStatusAborted {
		t.Fatalf("after stop through another node: %v %v", d.Status, err)
	}
}
