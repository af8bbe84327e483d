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

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/integration/optimized"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/runner"
)

const (
	localRegion  = "us-east-1"
	localAccount = "123456789012"
)

// runResult is what `stepwise run` prints: DescribeExecution's output, error and cause, and
// with --history what GetExecutionHistory returns ({"events": [...]}).
type runResult struct {
	ExecutionArn    string         `json:"executionArn"`
	StateMachineArn string         `json:"stateMachineArn"`
	Status          engine.Status  `json:"status"`
	Output          *string        `json:"output"`
	Error           *string        `json:"error"`
	Cause           *string        `json:"cause"`
	History         *historyOutput `json:"history,omitempty"`
}

// historyOutput is GetExecutionHistory's response: the whole history in one page.
type historyOutput struct {
	Events []history.Event `json:"events"`
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	input := fs.String("input", "{}", "execution input as JSON, or @FILE to read it from a file")
	withHistory := fs.Bool("history", false, "include the execution's history events")
	skip := fs.Bool("time-skipping", false, "let Wait states, retries and timeouts pass at once on a virtual clock")
	name := fs.String("name", "", "execution name (default: a new UUID)")
	assumeRole := fs.Bool("aws-assume-role", false, "make each aws-sdk task's call as the execution's role (arn:aws:iam::123456789012:role/stepwise-local), assumed through AWS STS with the default credentials")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: stepwise run [--input JSON|@FILE] [--history] [--time-skipping] [--name NAME] [--aws-assume-role] DEFINITION.json")
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
	sm, err := asl.Parse(def, asl.ValidateOptions{})
	if err != nil {
		var de *asl.DefinitionError
		if errors.As(err, &de) {
			writeAWSError(stderr, "InvalidDefinition", de.Error())
			return 1
		}
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	smName := machineName(pos[0])
	execName := *name
	if execName == "" {
		execName = ids.UUID()
	}
	smArn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", localRegion, localAccount, smName)
	start := engine.Start{
		ExecutionArn:     fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", localRegion, localAccount, smName, execName),
		Name:             execName,
		StateMachineArn:  smArn,
		StateMachineName: smName,
		RoleArn:          fmt.Sprintf("arn:aws:iam::%s:role/stepwise-local", localAccount),
		Input:            inText,
		Time:             time.Now().UTC(),
		Seed:             time.Now().UnixNano(),
	}
	in := engine.New(sm, engine.Config{Region: localRegion, Account: localAccount})
	client, err := awssdk.New(awssdk.Options{AssumeRole: *assumeRole})
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	tasks := localTasks{&s3items.Handler{S3: s3items.FromClient(client)}, &awssdk.Handler{Client: client, ClientRegion: true},
		optimized.New(optimized.Options{Caller: optimized.FromClient(client), Region: client.Region()})}
	ex, events, err := runner.Local(ctx, in, start, runner.LocalOptions{TimeSkipping: *skip, Tasks: tasks, OnWait: waitNotice(stderr)})
	if err != nil && !errors.Is(err, runner.ErrStuck) {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	if errors.Is(err, runner.ErrStuck) {
		fmt.Fprintln(stderr, "stepwise:", err)
	}
	res := runResult{ExecutionArn: ex.ExecutionArn, StateMachineArn: smArn, Status: ex.Status, Error: ex.Error, Cause: ex.Cause}
	if ex.Status == engine.Succeeded {
		res.Output = &ex.Output
	}
	if *withHistory {
		res.History = &historyOutput{Events: events}
		if res.History.Events == nil {
			res.History.Events = []history.Event{}
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	return exitStatus(ex.Status)
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

// localTasks runs the aws-sdk tasks, the optimized AWS integrations and a Distributed Map's
// reads and writes of S3 in a local run; other
// tasks fail as before, since a local run has no store for Step Functions' own integration
// and no Lambda functions.
type localTasks []integration.Handler

func (l localTasks) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	for _, h := range l {
		if h.Handles(t) {
			return h.RunTask(ctx, t)
		}
	}
	return "", &runner.TaskError{Name: "States.TaskFailed", Cause: "no integration is configured for resource " + t.Resource}
}

// machineName derives a state machine name from a definition's file name.
func machineName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
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
