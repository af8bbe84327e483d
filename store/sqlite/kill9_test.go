package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

const kill9Env = "STEPWISE_KILL9_DB"

// TestKill9 runs a process that commits steps as fast as it can and reports each one as it
// is acknowledged, kills it with SIGKILL mid-stream, and checks that the reopened store has
// every acknowledged step.
func TestKill9(t *testing.T) {
	if path := os.Getenv(kill9Env); path != "" {
		kill9Child(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "stepwise.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9$")
	cmd.Env = append(os.Environ(), kill9Env+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Read acknowledgements until the pipe closes; kill the child a random moment after
	// the 300th.
	var acked atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			if v, err := strconv.ParseInt(lines.Text(), 10, 64); err == nil {
				acked.Store(v)
			}
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for acked.Load() < 300 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(time.Duration(rand.IntN(5000)) * time.Microsecond)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	cmd.Wait()
	if acked.Load() < 300 {
		t.Fatalf("child acknowledged only %d commits", acked.Load())
	}

	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, err := s.GetExecution(context.Background(), execArn)
	if err != nil {
		t.Fatal(err)
	}
	if e.Version < acked.Load() {
		t.Fatalf("after kill -9: version %d, but %d was acknowledged", e.Version, acked.Load())
	}
	evs, err := s.History(context.Background(), execArn, 0, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(evs)) != e.LastEventID || e.LastEventID != e.Version {
		t.Fatalf("after kill -9: %d events, last event %d, version %d", len(evs), e.LastEventID, e.Version)
	}
	t.Logf("acknowledged %d, found %d", acked.Load(), e.Version)
}

const execArn = "arn:aws:states:us-east-1:123456789012:execution:sm:kill9"

// kill9Child commits one event a step until killed, printing each acknowledged version.
func kill9Child(path string) {
	ctx := context.Background()
	fail := func(err error) { fmt.Fprintln(os.Stderr, err); os.Exit(2) }
	s, err := Open(ctx, path)
	if err != nil {
		fail(err)
	}
	ev := func(id int64) []history.Event {
		return []history.Event{{Timestamp: history.Time{Time: time.Now()}, Type: "PassStateEntered", ID: id,
			PreviousEventID: id - 1, Details: &history.StateEntered{Name: "S", Input: "{}"}}}
	}
	e := &store.Execution{Arn: execArn, StateMachineArn: "sm", Name: "kill9", Status: "RUNNING", Input: "{}", StartedAt: time.Now()}
	if err := s.CreateExecution(ctx, store.Commit{Execution: e, Events: ev(1)}); err != nil {
		fail(err)
	}
	e.Version, e.LastEventID = 1, 1
	for {
		fmt.Println(e.Version)
		next := *e
		if err := s.Commit(ctx, store.Commit{Execution: &next, Events: ev(e.LastEventID + 1)}); err != nil {
			fail(err)
		}
		e.Version++
		e.LastEventID++
	}
}
