// Package faults runs `stepwise serve` as separate processes under a steady stream of
// StartExecution calls and injects real faults: kill -9 of a node, PostgreSQL restarted, a
// node's database connections cut, the disk full, the node's clock stepped, hostile
// expressions, and a soak. Every scenario prints a row of docs/reliability.md's table and
// fails when an acknowledged execution is lost or a history has a missing or repeated event.
//
// `go test ./e2e/faults` runs the short suite (part of `make test`); `make faults`
// (STEPWISE_FAULTS=long) runs the long one: bigger loads and the 30-minute soak.
package faults

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise-run/stepwise/internal/binarytest"
)

// long is the long mode: STEPWISE_FAULTS=long.
var long = os.Getenv("STEPWISE_FAULTS") == "long"

// pick is the short mode's figure or the long mode's.
func pick[T any](short, long_ T) T {
	if long {
		return long_
	}
	return short
}

// stepwise is the binary built from this checkout (once for the package's tests).
func stepwise(t *testing.T) string { return binarytest.Stepwise(t) }

// node is one `stepwise serve` process.
type node struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	logs strings.Builder
}

// serve starts `stepwise serve` on a free loopback port, with env added to the test's
// environment, and waits until it listens.
func serve(t *testing.T, env []string, args ...string) *node {
	t.Helper()
	cmd := exec.Command(stepwise(t), append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	n := &node{cmd: cmd}
	cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.logs.Write(p)
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
			t.Logf("server %s log:\n%s", n.url, tail(n.log(), 3000))
		}
	})
	found := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if _, after, ok := strings.Cut(lines.Text(), "serving on "); ok {
				found <- strings.Fields(after)[0]
			}
		}
	}()
	select {
	case n.url = <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("stepwise serve did not start: %s", n.log())
	}
	return n
}

func (n *node) log() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.logs.String()
}

func (n *node) pid() int { return n.cmd.Process.Pid }

// kill9 kills the process as a crash would: no shutdown, no lease released.
func (n *node) kill9(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = n.cmd.Wait()
}

// healthy says whether the node answers /healthz within a second.
func (n *node) healthy() bool {
	c := http.Client{Timeout: time.Second}
	r, err := c.Get(n.url + "/healthz")
	if err != nil {
		return false
	}
	r.Body.Close()
	return r.StatusCode == 200
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

func createMachine(t *testing.T, c *sfn.Client, name, def string) string {
	t.Helper()
	out, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.StateMachineArn)
}
