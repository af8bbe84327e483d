package runner_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

func waitThenSay(word string) string {
	return `{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":1,"Next":"Say"},
		"Say":{"Type":"Pass","Result":"` + word + `","End":true}}}`
}

// TestVersionSurvivesRestart: an execution of a version, reloaded by another node after the
// state machine moved on to a new revision, finishes with the version's definition, and
// keeps the version and alias it was started on.
func TestVersionSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	sm := createMachine(t, st, waitThenSay("v1"))
	v := &store.Version{StateMachineArn: sm.Arn, Definition: sm.Definition, RoleArn: sm.RoleArn,
		RevisionID: sm.RevisionID, Config: sm.Config, CreatedAt: sm.CreatedAt, RevisedAt: sm.UpdatedAt}
	if err := st.PublishVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	latest := *sm
	latest.Definition, latest.RevisionID, latest.UpdatedAt = waitThenSay("latest"), "2", time.Now().UTC()
	if err := st.UpdateStateMachine(ctx, &latest); err != nil {
		t.Fatal(err)
	}

	a := newNode(st, "a")
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- a.Run(runCtx) }()
	// The node has the latest revision cached before it starts the version.
	plain, err := a.Start(ctx, runner.StartRequest{StateMachine: &latest, Name: "plain", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	alias := sm.Arn + ":live"
	ex, err := a.Start(ctx, runner.StartRequest{StateMachine: runner.VersionMachine(&latest, v), Name: "versioned",
		Input: `{}`, VersionArn: v.Arn, AliasArn: alias})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	b := newNode(st, "b")
	ctx2, cancel2 := context.WithCancel(ctx)
	defer cancel2()
	go b.Run(ctx2)
	waitDone(t, st, []string{ex.Arn, plain.Arn}, 5*time.Second)
	for arn, want := range map[string]string{ex.Arn: `"v1"`, plain.Arn: `"latest"`} {
		got, err := st.GetExecution(ctx, arn)
		if err != nil {
			t.Fatal(err)
		}
		if deref(got.Output) != want {
			t.Errorf("%s output %s, want %s", arn, deref(got.Output), want)
		}
	}
	got, _ := st.GetExecution(ctx, ex.Arn)
	if got.VersionArn != v.Arn || got.AliasArn != alias || got.StateMachineArn != sm.Arn {
		t.Errorf("execution row: state machine %s version %q alias %q", got.StateMachineArn, got.VersionArn, got.AliasArn)
	}
	if got.Arn != runner.ExecutionArn(sm.Arn, "versioned") {
		t.Errorf("execution ARN %s is not the state machine's", got.Arn)
	}
	evs, err := st.History(ctx, ex.Arn, 0, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := json.Marshal(evs[0])
	for _, want := range []string{`"stateMachineVersionArn":"` + v.Arn + `"`, `"stateMachineAliasArn":"` + alias + `"`} {
		if !strings.Contains(string(first), want) {
			t.Errorf("ExecutionStarted %s lacks %s", first, want)
		}
	}
}
