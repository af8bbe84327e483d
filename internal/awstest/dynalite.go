// Package awstest starts real servers of AWS APIs for tests: dynalite for DynamoDB (and, in
// files of their own, an S3 server and goaws for SQS and SNS). A test that needs a server
// that is not installed skips, loudly, saying how to install it.
package awstest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DynaliteVersion is the dynalite the tests are written against.
const DynaliteVersion = "4.0.0"

// Dynalite starts a dynalite server (an in-memory DynamoDB) on a free loopback port and
// returns its endpoint URL (http://127.0.0.1:<port>); the server stops when the test ends.
// The command is $STEPWISE_DYNALITE, else dynalite on the PATH; without it the test skips.
func Dynalite(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("STEPWISE_DYNALITE")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("dynalite"); err != nil {
			t.Skip("DYNALITE NOT INSTALLED: the DynamoDB tests need it; install it with `npm install -g dynalite@" +
				DynaliteVersion + "` (or set STEPWISE_DYNALITE to its command)")
		}
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	// Tables become ACTIVE at once: the tests do not wait out a DynamoDB that takes its time.
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dynalite: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if answers(ctx, url) {
			return url
		}
		select {
		case <-done:
			t.Fatalf("dynalite exited: %s", out.String())
		case <-ctx.Done():
			t.Fatalf("dynalite did not answer on %s within 20s: %s", url, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// answers tells whether an HTTP server answers at url (dynalite answers anything, even an
// unsigned request, with a DynamoDB error).
func answers(ctx context.Context, url string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ClosedPort is a loopback address nothing listens on, for tests of unreachable endpoints.
func ClosedPort(t testing.TB) string {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
