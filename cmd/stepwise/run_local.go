package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/server"
	"github.com/stepwise-run/stepwise/store"
)

// A local run is the server serve runs (package server), on a throwaway SQLite store in a
// temporary directory: nested executions, Lambda functions, activities and the AWS
// integrations run as they do under serve. The run creates the state machines, starts one
// execution, and waits until it and every execution it started have ended, or until they
// wait only for callbacks no one can send.

// runSpec is what a local run runs.
type runSpec struct {
	def, path, typ string
	name, input    string
	machines       []string
	functions      map[string]lambda.Spec
	connections    string // the --connections file
	assumeRole     bool
	listen         string
}

// localRun watches a local run's node: it skips time when asked, says what the run waits
// for, and tells when it is stuck.
type localRun struct {
	stderr    io.Writer
	skip      bool
	listening bool
	stuck     chan struct{}

	mu      sync.Mutex
	noticed time.Time
}

// onIdle is the node's OnIdle: what to do while nothing runs.
func (r *localRun) onIdle(w runner.Idle) bool {
	if w.Callbacks > 0 && !r.listening && (w.OnlyTimeouts || !r.skip) {
		// Only an activity worker or a task token's answer would move it on, and no one can
		// reach this run to send one. On the virtual clock the timers still to come (a task's
		// TimeoutSeconds, a Wait in another branch) may move it on; on the real one, waiting
		// for them is not what a run is for.
		select {
		case r.stuck <- struct{}{}:
		default:
		}
		return false
	}
	if !r.skip {
		if !w.Next.IsZero() && !w.OnlyTimeouts {
			r.mu.Lock()
			fresh := !w.Next.Equal(r.noticed)
			r.noticed = w.Next
			r.mu.Unlock()
			if fresh {
				waitNotice(r.stderr)(w.Next)
			}
		}
		return false
	}
	// On the virtual clock, time passes unless a worker could still answer a callback.
	return w.Callbacks == 0 || !r.listening
}

func (r *localRun) run(ctx context.Context, spec runSpec) (*runResult, error) {
	dir, err := os.MkdirTemp("", "stepwise-run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, err := server.New(ctx, server.Config{Store: "sqlite:" + filepath.Join(dir, "stepwise.db"),
		Region: localRegion, Account: localAccount, Functions: spec.functions, Connections: spec.connections, AWSAssumeRole: spec.assumeRole,
		SDKClientRegion: true, TimeSkipping: r.skip, OnIdle: r.onIdle, Poll: 250 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	// The node outlives ctx, so that an interrupted run still records its abort.
	nodeCtx, stopNode := context.WithCancel(context.Background())
	nodeDone := make(chan struct{})
	go func() { srv.Run(nodeCtx); close(nodeDone) }()
	defer func() { stopNode(); <-nodeDone }()
	if spec.listen != "" {
		ln, err := net.Listen("tcp", spec.listen)
		if err != nil {
			return nil, err
		}
		hs := &http.Server{Handler: srv.Handler, ReadHeaderTimeout: 10 * time.Second}
		go hs.Serve(ln)
		// Shutdown, not Close: the callback that ended the run (SendTaskSuccess from a
		// worker or the AWS CLI) still gets its answer; Close cut it off and the CLI, told the
		// connection closed, reported a failure after the run had succeeded.
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if hs.Shutdown(ctx) != nil {
				hs.Close()
			}
		}()
		fmt.Fprintf(r.stderr, "stepwise run: serving the API and console on http://%s while the run lasts\n", ln.Addr())
	}
	defs := []string{spec.def}
	for _, m := range spec.machines {
		name, path, ok := strings.Cut(m, "=")
		if !ok {
			name, path = machineName(m), m
		}
		def, err := readDefinition(path)
		if err != nil {
			return nil, fmt.Errorf("--machine: %w", err)
		}
		if _, err := createMachine(ctx, srv, name, string(def), "STANDARD"); err != nil {
			return nil, fmt.Errorf("--machine %s: %w", m, err)
		}
		defs = append(defs, string(def))
	}
	if err := createActivities(ctx, srv, defs); err != nil {
		return nil, err
	}
	smArn, err := createMachine(ctx, srv, machineName(spec.path), spec.def, spec.typ)
	if err != nil {
		return nil, err
	}
	var res *runResult
	if spec.typ == "EXPRESS" {
		res, err = r.runExpress(ctx, srv, smArn, spec)
	} else {
		res, err = r.runStandard(ctx, srv, smArn, spec)
	}
	if err != nil || res.Status == engine.Running {
		return res, err
	}
	r.waitOthers(ctx, srv)
	return res, nil
}

// createMachine creates a state machine through the API, as CreateStateMachine would.
func createMachine(ctx context.Context, srv *server.Server, name, def, typ string) (string, error) {
	body, _ := json.Marshal(map[string]string{"name": name, "definition": def, "type": typ,
		"roleArn": fmt.Sprintf("arn:aws:iam::%s:role/stepwise-local", localAccount)})
	out, err := srv.API.Invoke(ctx, "CreateStateMachine", body)
	if err != nil {
		return "", err
	}
	var v struct {
		Arn string `json:"stateMachineArn"`
	}
	return v.Arn, json.Unmarshal(out, &v)
}

// activityArn matches the activities a definition names.
var activityArn = regexp.MustCompile(`arn:aws:states:` + localRegion + `:` + localAccount + `:activity:([A-Za-z0-9_-]{1,80})`)

// createActivities creates the activities the definitions name: in a throwaway store no one
// else could have, and a run's activity task is waited for, not failed for want of one.
func createActivities(ctx context.Context, srv *server.Server, defs []string) error {
	seen := map[string]bool{}
	for _, def := range defs {
		for _, m := range activityArn.FindAllStringSubmatch(def, -1) {
			if seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			body, _ := json.Marshal(map[string]string{"name": m[1]})
			if _, err := srv.API.Invoke(ctx, "CreateActivity", body); err != nil {
				return fmt.Errorf("activity %s: %w", m[1], err)
			}
		}
	}
	return nil
}

// runStandard starts a Standard execution and waits for its end.
func (r *localRun) runStandard(ctx context.Context, srv *server.Server, smArn string, spec runSpec) (*runResult, error) {
	body, _ := json.Marshal(map[string]string{"stateMachineArn": smArn, "name": spec.name, "input": spec.input})
	out, err := srv.API.Invoke(ctx, "StartExecution", body)
	if err != nil {
		return nil, err
	}
	var started struct {
		Arn string `json:"executionArn"`
	}
	if err := json.Unmarshal(out, &started); err != nil {
		return nil, err
	}
	bg := context.WithoutCancel(ctx)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
			_, err := srv.Node.WaitEnded(bg, started.Arn)
			if err == nil {
				return
			}
			// A store error (SQLite busy on a loaded machine) is not the execution's end.
			fmt.Fprintln(r.stderr, "stepwise run: waiting for the execution:", err)
			time.Sleep(wait)
		}
	}()
	select {
	case <-ended:
	case <-r.stuck:
		fmt.Fprintf(r.stderr, "stepwise: %v (--listen ADDR serves the API, so that a worker or SendTaskSuccess can answer; --time-skipping lets the timers pass)\n", runner.ErrStuck)
	case <-ctx.Done():
		if err := srv.Node.Stop(bg, started.Arn, "States.Aborted", context.Cause(ctx).Error(), true, true); err != nil {
			return nil, err
		}
		<-ended
	}
	ex, err := srv.Store.GetExecution(bg, started.Arn)
	if err != nil {
		return nil, err
	}
	events, err := srv.Node.History(bg, started.Arn)
	if err != nil {
		return nil, err
	}
	res := &runResult{ExecutionArn: ex.Arn, StateMachineArn: smArn, Status: engine.Status(ex.Status), Error: ex.Error, Cause: ex.Cause, History: &events}
	if res.Status == engine.Succeeded {
		res.Output = ex.Output
	}
	return res, nil
}

// runExpress runs an Express execution in memory, as the API does, with the server's
// integrations; its ARN has AWS's Express form, ...:express:MACHINE:NAME:UUID.
func (r *localRun) runExpress(ctx context.Context, srv *server.Server, smArn string, spec runSpec) (*runResult, error) {
	sm, err := srv.Store.GetStateMachine(ctx, smArn)
	if err != nil {
		return nil, err
	}
	in, err := srv.Node.Interpreter(sm)
	if err != nil {
		return nil, err
	}
	arn := strings.Replace(runner.ExecutionArn(smArn, spec.name), ":execution:", ":express:", 1) + ":" + ids.UUID()
	now := time.Now().UTC()
	ex, events, err := runner.Local(ctx, in, engine.Start{ExecutionArn: arn, Name: spec.name, StateMachineArn: smArn,
		StateMachineName: sm.Name, RoleArn: sm.RoleArn, Input: spec.input, Time: now, Seed: now.UnixNano()},
		runner.LocalOptions{TimeSkipping: r.skip, Tasks: srv.Tasks, OnWait: waitNotice(r.stderr)})
	if errors.Is(err, runner.ErrStuck) {
		fmt.Fprintln(r.stderr, "stepwise:", err)
	} else if err != nil {
		return nil, err
	}
	res := &runResult{ExecutionArn: arn, StateMachineArn: smArn, Status: ex.Status, Error: ex.Error, Cause: ex.Cause, History: &events}
	if ex.Status == engine.Succeeded {
		res.Output = &ex.Output
	}
	return res, nil
}

// waitOthers waits until the executions the run started (a child started without .sync) have
// ended too, or wait only for callbacks no one can send.
func (r *localRun) waitOthers(ctx context.Context, srv *server.Server) {
	for ctx.Err() == nil {
		running, _, err := srv.Store.ListExecutions(ctx, store.ExecutionFilter{Status: string(engine.Running)}, store.Page{Limit: 1})
		if err != nil || len(running) == 0 {
			return
		}
		ended := make(chan struct{})
		wctx, cancel := context.WithCancel(ctx)
		go func() { srv.Node.WaitEnded(wctx, running[0].Arn); close(ended) }()
		select {
		case <-ended:
			cancel()
		case <-r.stuck:
			cancel()
			fmt.Fprintf(r.stderr, "stepwise: execution %s %v\n", running[0].Arn, strings.TrimPrefix(runner.ErrStuck.Error(), "the execution "))
			return
		case <-ctx.Done():
			cancel()
			return
		}
	}
}
