package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// A store's upgrade test writes the rows of WriteUpgradeRows through a store at its latest
// schema, copies them (the events a row each, as older schemas held them) into a schema at
// an older version, opens that with every migration, and checks that the store reads back
// the same UpgradeSnapshot and goes on (CheckUpgradedSteps).

// UpgradeT0 is the time of the upgrade rows.
var UpgradeT0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

const (
	upgradeAccount = "arn:aws:states:us-east-1:123456789012"
	// UpgradeActivity is the activity of the upgrade rows' tasks.
	UpgradeActivity = upgradeAccount + ":activity:act"
)

// UpgradeEvents are the events from..from+n-1 of the upgrade rows.
func UpgradeEvents(from, n int64) []history.Event {
	var evs []history.Event
	for id := from; id < from+n; id++ {
		evs = append(evs, history.Event{Timestamp: history.Time{Time: UpgradeT0.Add(time.Duration(id) * time.Millisecond)}, ID: id, PreviousEventID: id - 1,
			Type: "PassStateEntered", Details: &history.StateEntered{Name: "S", Input: fmt.Sprintf(`{"i":%d}`, id)}})
	}
	return evs
}

// WriteUpgradeRows writes, through s, executions with events, timers and tasks, one of them
// claimed: a done execution, a sleeping one with two steps (22 and 3 events), and one
// waiting for activity tasks. It returns their ARNs, the tasks' tokens and the claimed task.
func WriteUpgradeRows(t *testing.T, s store.Store) (arns, tokens []string, claimed *store.Task) {
	t.Helper()
	ctx := context.Background()
	for i, name := range []string{"done", "sleeping", "waiting"} {
		e := &store.Execution{Arn: upgradeAccount + ":execution:sm:" + name, StateMachineArn: upgradeAccount + ":stateMachine:sm", Name: name,
			Status: "RUNNING", Input: `{}`, StartedAt: UpgradeT0, State: `{"pc":"A"}`, LastEventID: 0}
		arns = append(arns, e.Arn)
		c := store.Commit{Execution: e, Events: UpgradeEvents(1, 22)}
		switch name {
		case "done":
			out := `{"done":true}`
			e.Status, e.Output, e.StoppedAt = "SUCCEEDED", &out, &UpgradeT0
		case "sleeping":
			c.NewTimers = []store.Timer{{ID: 1, Due: UpgradeT0.Add(time.Hour)}, {ID: 2, Due: UpgradeT0.Add(time.Minute)}}
		case "waiting":
			for id := range int64(3) {
				tok := name + "-token-" + string(rune('a'+id))
				tokens = append(tokens, tok)
				c.NewTasks = append(c.NewTasks, store.Task{ID: id + 1, Token: tok, Resource: UpgradeActivity,
					Body: `{"input":"x"}`, CreatedAt: UpgradeT0.Add(time.Duration(i*10+int(id)) * time.Second)})
			}
		}
		if err := s.CreateExecution(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// A second step of the sleeping execution: more events, one timer cancelled, one set.
	e, err := s.GetExecution(ctx, arns[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, store.Commit{Execution: e, Events: UpgradeEvents(23, 3), CancelTimers: []int64{2},
		NewTimers: []store.Timer{{ID: 3, Due: UpgradeT0.Add(2 * time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	if claimed, err = s.ClaimActivityTask(ctx, UpgradeActivity, UpgradeT0); err != nil {
		t.Fatal(err)
	}
	return arns, tokens, claimed
}

// UpgradeSnapshot is what a store returns of the upgrade rows.
type UpgradeSnapshot struct {
	Executions map[string]*store.Execution
	Histories  map[string][]history.Event
	Timers     []store.Timer
	Tasks      []store.Task
	ByToken    map[string]*store.Task
}

// TakeUpgradeSnapshot reads the upgrade rows of arns and tokens back from s.
func TakeUpgradeSnapshot(t *testing.T, s store.Store, arns, tokens []string) UpgradeSnapshot {
	t.Helper()
	ctx := context.Background()
	snap := UpgradeSnapshot{Executions: map[string]*store.Execution{}, Histories: map[string][]history.Event{}, ByToken: map[string]*store.Task{}}
	var err error
	for _, arn := range arns {
		if snap.Executions[arn], err = s.GetExecution(ctx, arn); err != nil {
			t.Fatal(err)
		}
		if snap.Histories[arn], err = s.History(ctx, arn, 0, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	if snap.Timers, err = s.DueTimers(ctx, time.Now().Add(24*time.Hour), 1000); err != nil {
		t.Fatal(err)
	}
	if snap.Tasks, err = s.PendingTasks(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if snap.ByToken[tok], err = s.TaskByToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	return snap
}

// WriteLegacyEvents hands insert each event of the snapshot's histories as an older schema
// held it: a row of (execution ARN, id, type, JSON body).
func WriteLegacyEvents(t *testing.T, snap UpgradeSnapshot, arns []string, insert func(arn string, id int64, typ, body string) error) {
	t.Helper()
	for _, arn := range arns {
		for _, e := range snap.Histories[arn] {
			body, err := e.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if err := insert(arn, e.ID, e.Type, string(body)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// CheckUpgradedSteps checks that an upgraded store goes on where the rows of
// WriteUpgradeRows left off: the claimed task stays claimed, the sleeping execution takes a
// step of 4 events after its 25 of a row each, and pages of its history cross old rows and
// new ones.
func CheckUpgradedSteps(t *testing.T, s store.Store, arns, tokens []string, claimed *store.Task) {
	t.Helper()
	ctx := context.Background()
	next, err := s.ClaimActivityTask(ctx, UpgradeActivity, UpgradeT0)
	if err != nil {
		t.Fatal(err)
	}
	if next.Token == claimed.Token || next.Token != tokens[1] {
		t.Errorf("claim after the upgrade: %s, first claim %s; want %s", next.Token, claimed.Token, tokens[1])
	}
	e, err := s.GetExecution(ctx, arns[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, store.Commit{Execution: e, Events: UpgradeEvents(26, 4), CancelTimers: []int64{1}}); err != nil {
		t.Fatal(err)
	}
	all := UpgradeEvents(1, 29)
	for _, p := range []struct {
		after   int64
		limit   int
		reverse bool
		want    []history.Event
	}{
		{0, 0, false, all},
		{23, 4, false, all[23:27]},
		{27, 10, false, all[27:]},
		{0, 3, true, []history.Event{all[28], all[27], all[26]}},
		{28, 4, true, []history.Event{all[26], all[25], all[24], all[23]}},
		{27, 0, true, reversed(all[:26])},
	} {
		evs, err := s.History(ctx, arns[1], p.after, p.limit, p.reverse)
		if err != nil || !reflect.DeepEqual(evs, p.want) {
			t.Errorf("History(%d, %d, %v) after a step on the upgraded store: %v, %v; want %v", p.after, p.limit, p.reverse, ids(evs), err, ids(p.want))
		}
	}
}
