package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
	mig "github.com/stepwise-run/stepwise/store/internal/migrate"
)

// openAt opens the store at path with only the migrations up to version: a database as the
// Stepwise of that schema wrote it.
func openAt(t *testing.T, path string, version int) *Store {
	t.Helper()
	ms, err := mig.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var upTo []mig.Migration
	for _, m := range ms {
		if m.Version <= version {
			upTo = append(upTo, m)
		}
	}
	s, err := open(context.Background(), path, upTo)
	if err != nil {
		t.Fatalf("open at %d: %v", version, err)
	}
	return s
}

// upgradeSnapshot is what a store returns of the rows migration 0009 copies, and the
// indexes it recreates.
type upgradeSnapshot struct {
	histories map[string][]history.Event
	timers    []store.Timer
	tasks     []store.Task
	byToken   map[string]*store.Task
	indexes   map[string]string
}

func takeUpgradeSnapshot(t *testing.T, s *Store, arns, tokens []string) upgradeSnapshot {
	t.Helper()
	ctx := context.Background()
	snap := upgradeSnapshot{histories: map[string][]history.Event{}, byToken: map[string]*store.Task{}, indexes: map[string]string{}}
	for _, arn := range arns {
		evs, err := s.History(ctx, arn, 0, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		snap.histories[arn] = evs
	}
	var err error
	if snap.timers, err = s.DueTimers(ctx, time.Now().Add(24*time.Hour), 1000); err != nil {
		t.Fatal(err)
	}
	if snap.tasks, err = s.PendingTasks(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if snap.byToken[tok], err = s.TaskByToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.r.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('events', 'timers', 'tasks')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, q string
		if err := rows.Scan(&name, &q); err != nil {
			t.Fatal(err)
		}
		snap.indexes[name] = q
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestUpgradeDropsExecutionForeignKeys writes executions with events, timers and tasks (one
// claimed) through a store at schema 0008, opens the file with every migration, and checks
// that 0009 kept every row and index and dropped only the foreign keys.
func TestUpgradeDropsExecutionForeignKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepwise.db")
	s := openAt(t, path, 8)

	t0 := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	const account = "arn:aws:states:us-east-1:123456789012"
	activity := account + ":activity:act"
	event := func(id int64) history.Event {
		return history.Event{Timestamp: history.Time{Time: t0.Add(time.Duration(id) * time.Millisecond)}, ID: id, PreviousEventID: id - 1,
			Type: "PassStateEntered", Details: &history.StateEntered{Name: "S", Input: fmt.Sprintf(`{"i":%d}`, id)}}
	}
	events := func(from, n int64) []history.Event {
		var evs []history.Event
		for id := from; id < from+n; id++ {
			evs = append(evs, event(id))
		}
		return evs
	}
	var arns, tokens []string
	for i, name := range []string{"done", "sleeping", "waiting"} {
		e := &store.Execution{Arn: account + ":execution:sm:" + name, StateMachineArn: account + ":stateMachine:sm", Name: name,
			Status: "RUNNING", Input: `{}`, StartedAt: t0, State: `{"pc":"A"}`, LastEventID: 0}
		arns = append(arns, e.Arn)
		c := store.Commit{Execution: e, Events: events(1, 22)}
		switch name {
		case "done":
			out := `{"done":true}`
			e.Status, e.Output, e.StoppedAt = "SUCCEEDED", &out, &t0
		case "sleeping":
			c.NewTimers = []store.Timer{{ID: 1, Due: t0.Add(time.Hour)}, {ID: 2, Due: t0.Add(time.Minute)}}
		case "waiting":
			for id := range int64(3) {
				tok := name + "-token-" + string(rune('a'+id))
				tokens = append(tokens, tok)
				c.NewTasks = append(c.NewTasks, store.Task{ID: id + 1, Token: tok, Resource: activity,
					Body: `{"input":"x"}`, CreatedAt: t0.Add(time.Duration(i*10+int(id)) * time.Second)})
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
	if err := s.Commit(ctx, store.Commit{Execution: e, Events: events(23, 3), CancelTimers: []int64{2},
		NewTimers: []store.Timer{{ID: 3, Due: t0.Add(2 * time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	claimed, err := s.ClaimActivityTask(ctx, activity, t0)
	if err != nil {
		t.Fatal(err)
	}
	before := takeUpgradeSnapshot(t, s, arns, tokens)
	if len(before.timers) != 2 || len(before.tasks) != 3 || len(before.indexes) != 3 {
		t.Fatalf("at 0008: %d timers, %d tasks, indexes %v; want 2, 3 and 3", len(before.timers), len(before.tasks), before.indexes)
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	after := takeUpgradeSnapshot(t, s, arns, tokens)
	if !reflect.DeepEqual(after, before) {
		t.Errorf("after 0009:\n%+v\nwant\n%+v", after, before)
	}
	for _, table := range []string{"events", "timers", "tasks"} {
		var q string
		if err := s.r.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&q); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(q, "REFERENCES") || strings.Contains(q, "_new") {
			t.Errorf("%s after 0009: %s", table, q)
		}
	}
	var check string
	if err := s.r.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
	// The claimed task stays claimed; the next claim hands out the next one.
	next, err := s.ClaimActivityTask(ctx, activity, t0)
	if err != nil {
		t.Fatal(err)
	}
	if next.Token == claimed.Token || next.Token != tokens[1] {
		t.Errorf("claim after the upgrade: %s, first claim %s; want %s", next.Token, claimed.Token, tokens[1])
	}
	// Steps go on where they were.
	if e, err = s.GetExecution(ctx, arns[1]); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, store.Commit{Execution: e, Events: events(26, 2), CancelTimers: []int64{1}}); err != nil {
		t.Fatal(err)
	}
	evs, err := s.History(ctx, arns[1], 0, 0, false)
	if err != nil || len(evs) != 27 || evs[26].ID != 27 {
		t.Errorf("history after a step on the upgraded store: %d events, %v", len(evs), err)
	}
}
