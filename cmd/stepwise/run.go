package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/internal/ids"
)

const (
	localRegion  = "us-east-1"
	localAccount = "123456789012"
)

// runResult is what `stepwise run` prints: DescribeExecution's output, error and cause, and
// with --history the execution's history events, as a bare array: what GetExecutionHistory
// returns under "events", all pages in one. The array, not the page, because the conformance
// runner in ../shared/conformance (run.py --cli) reads it so.
type runResult struct {
	ExecutionArn    string           `json:"executionArn"`
	StateMachineArn string           `json:"stateMachineArn"`
	Status          engine.Status    `json:"status"`
	Output          *string          `json:"output"`
	Error           *string          `json:"error"`
	Cause           *string          `json:"cause"`
	History         *[]history.Event `json:"history,omitempty"`
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commandUsage(fs, stderr)
	input := fs.String("input", "{}", "execution input as JSON, or @FILE to read it from a file")
	withHistory := fs.Bool("history", false, "include the execution's history events")
	skip := fs.Bool("time-skipping", false, "let Wait states, retries and timeouts pass at once on a virtual clock")
	name := fs.String("name", "", "execution name (default: a new UUID)")
	assumeRole := fs.Bool("aws-assume-role", false, "make each aws-sdk task's call as the execution's role (arn:aws:iam::123456789012:role/stepwise-local), assumed through AWS STS with the default credentials")
	typ := fs.String("type", "STANDARD", "the state machine's type: STANDARD or EXPRESS")
	listen := fs.String("listen", "", "serve the Step Functions API (and console) on this loopback address while the run lasts, so that activity workers and SendTaskSuccess can answer its callbacks")
	var machines []string
	fs.Func("machine", "another state machine the run's tasks may start: FILE or NAME=FILE (the name defaults to the file's); repeatable", func(s string) error {
		machines = append(machines, s)
		return nil
	})
	functionSpecs := functionFlags(fs, "a Lambda function", "a JSON file of Lambda functions, as serve's --functions")
	connections := fs.String("connections", "", "a JSON file of EventBridge connections for HTTP Tasks, as serve's --connections")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || (*typ != "STANDARD" && *typ != "EXPRESS") {
		fmt.Fprintln(stderr, "usage: stepwise run [--input JSON|@FILE] [--history] [--time-skipping] [--name NAME] [--type STANDARD|EXPRESS] [--machine [NAME=]FILE]... [--function NAME=PATH|URL]... [--functions FILE] [--connections FILE] [--listen ADDR] [--aws-assume-role] DEFINITION.json")
		return 2
	}
	if *listen != "" && !isLoopback(*listen) {
		fmt.Fprintln(stderr, "stepwise: --listen takes a loopback address (127.0.0.1:PORT): callers are not authenticated")
		return 2
	}
	specs, err := functionSpecs()
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 2
	}
	def, err := readDefinition(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	inText := *input
	if strings.HasPrefix(inText, "@") {
		data, err := os.ReadFile(inText[1:])
		if err != nil {
			fmt.Fprintln(stderr, "stepwise:", err)
			return 1
		}
		inText = string(data)
	}
	if _, err := value.DecodeString(inText); err != nil {
		writeAWSError(stderr, "InvalidExecutionInput", "Invalid State Machine Execution Input: '"+err.Error()+"'")
		return 1
	}
	if _, err := asl.Parse(def, asl.ValidateOptions{Type: *typ}); err != nil {
		var de *asl.DefinitionError
		if errors.As(err, &de) {
			writeAWSError(stderr, "InvalidDefinition", de.Error())
			return 1
		}
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	execName := *name
	if execName == "" {
		execName = ids.UUID()
	}
	r := &localRun{stderr: stderr, skip: *skip, listening: *listen != "", stuck: make(chan struct{}, 1)}
	res, err := r.run(ctx, runSpec{def: string(def), path: pos[0], typ: *typ, name: execName, input: inText, machines: machines,
		functions: specs, connections: *connections, assumeRole: *assumeRole, listen: *listen})
	if err != nil {
		var ae *api.Error
		if errors.As(err, &ae) {
			writeAWSError(stderr, ae.Type, ae.Message)
		} else {
			fmt.Fprintln(stderr, "stepwise:", err)
		}
		return 1
	}
	if !*withHistory {
		res.History = nil
	} else if *res.History == nil {
		*res.History = []history.Event{}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	return exitStatus(res.Status)
}

// exitStatus says how an execution ended, for scripts and CI: 0 only for SUCCEEDED (1 and 2
// are run's own errors and bad usage).
func exitStatus(s engine.Status) int {
	switch s {
	case engine.Succeeded:
		return 0
	case engine.Failed:
		return 3
	case engine.TimedOut:
		return 4
	case engine.Aborted:
		return 5
	}
	return 6 // still RUNNING: it waits for a callback or an activity no one can send here
}

// waitNotice tells, on stderr, what a run on the real clock waits for, once per timer that
// is more than a second away.
func waitNotice(stderr io.Writer) func(at time.Time) {
	return func(at time.Time) {
		if d := time.Until(at); d > time.Second {
			fmt.Fprintf(stderr, "stepwise run: waiting %s, until %s, for a timer (a Wait state, a retry or a timeout); --time-skipping lets it pass at once\n",
				d.Round(time.Second), at.UTC().Format(time.RFC3339))
		}
	}
}

// machineName derives a state machine name from a definition's file name.
func machineName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	base = strings.TrimSuffix(base, ".asl") // parent.asl.json is the machine "parent"
	var b strings.Builder
	for _, r := range base {
		if r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "stepwise"
	}
	s := b.String()
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// writeAWSError prints an error the way the AWS JSON protocol shapes one.
func writeAWSError(w io.Writer, typ, msg string) {
	data, _ := json.Marshal(map[string]string{"__type": typ, "message": msg})
	fmt.Fprintln(w, string(data))
}
