package sqlite

import (
	"context"
	"database/sql"
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

// migratedTo creates the database at path with only the migrations up to version, as the
// Stepwise of that schema left it, and returns its connection: the store's statements need
// the latest schema.
func migratedTo(t *testing.T, path string, version int) *sql.DB {
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
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := migrate(context.Background(), db, upTo); err != nil {
		t.Fatalf("migrate to %d: %v", version, err)
	}
	return db
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
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('event_chunks', 'timers', 'tasks')`)
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

// writeUpgradeRows writes, through the store, executions with events, timers and tasks,
// one of them claimed: a done execution, a sleeping one with two steps, and one waiting for
// activity tasks. It returns their ARNs, the tasks' tokens and the claimed task.
func writeUpgradeRows(t *testing.T, s *Store) (arns, tokens []string, claimed *store.Task) {
	t.Helper()
	ctx := context.Background()
	for i, name := range []string{"done", "sleeping", "waiting"} {
		e := &store.Execution{Arn: upgradeAccount + ":execution:sm:" + name, StateMachineArn: upgradeAccount + ":stateMachine:sm", Name: name,
			Status: "RUNNING", Input: `{}`, StartedAt: upgradeT0, State: `{"pc":"A"}`, LastEventID: 0}
		arns = append(arns, e.Arn)
		c := store.Commit{Execution: e, Events: upgradeEvents(1, 22)}
		switch name {
		case "done":
			out := `{"done":true}`
			e.Status, e.Output, e.StoppedAt = "SUCCEEDED", &out, &upgradeT0
		case "sleeping":
			c.NewTimers = []store.Timer{{ID: 1, Due: upgradeT0.Add(time.Hour)}, {ID: 2, Due: upgradeT0.Add(time.Minute)}}
		case "waiting":
			for id := range int64(3) {
				tok := name + "-token-" + string(rune('a'+id))
				tokens = append(tokens, tok)
				c.NewTasks = append(c.NewTasks, store.Task{ID: id + 1, Token: tok, Resource: upgradeActivity,
					Body: `{"input":"x"}`, CreatedAt: upgradeT0.Add(time.Duration(i*10+int(id)) * time.Second)})
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
	if err := s.Commit(ctx, store.Commit{Execution: e, Events: upgradeEvents(23, 3), CancelTimers: []int64{2},
		NewTimers: []store.Timer{{ID: 3, Due: upgradeT0.Add(2 * time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	if claimed, err = s.ClaimActivityTask(ctx, upgradeActivity, upgradeT0); err != nil {
		t.Fatal(err)
	}
	return arns, tokens, claimed
}

var upgradeT0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

const (
	upgradeAccount  = "arn:aws:states:us-east-1:123456789012"
	upgradeActivity = upgradeAccount + ":activity:act"
)

func upgradeEvents(from, n int64) []history.Event {
	var evs []history.Event
	for id := from; id < from+n; id++ {
		evs = append(evs, history.Event{Timestamp: history.Time{Time: upgradeT0.Add(time.Duration(id) * time.Millisecond)}, ID: id, PreviousEventID: id - 1,
			Type: "PassStateEntered", Details: &history.StateEntered{Name: "S", Input: fmt.Sprintf(`{"i":%d}`, id)}})
	}
	return evs
}

// TestUpgradeKeepsEveryRow writes executions, events, timers and tasks as schema 0008 held
// them (the rows of a store that wrote the same through the API, with the events a row
// each), opens the file with every migration, and checks that the store reads back what
// the other returns: 0009 dropped only the foreign keys, 0010 turned each event into a row
// of event_chunks. Steps then go on, and pages of the history cross old rows and new ones.
func TestUpgradeKeepsEveryRow(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ref, err := Open(ctx, filepath.Join(dir, "ref.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	arns, tokens, claimed := writeUpgradeRows(t, ref)
	want := takeUpgradeSnapshot(t, ref, arns, tokens)
	if len(want.timers) != 2 || len(want.tasks) != 3 || len(want.indexes) != 3 {
		t.Fatalf("written: %d timers, %d tasks, indexes %v; want 2, 3 and 3", len(want.timers), len(want.tasks), want.indexes)
	}

	path := filepath.Join(dir, "stepwise.db")
	old := migratedTo(t, path, 8)
	for _, q := range []string{
		`ATTACH DATABASE ` + sqlString(filepath.Join(dir, "ref.db")) + ` AS ref`,
		`INSERT INTO executions SELECT * FROM ref.executions`,
		`INSERT INTO timers SELECT * FROM ref.timers`,
		`INSERT INTO tasks SELECT * FROM ref.tasks`,
	} {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, arn := range arns {
		for _, e := range want.histories[arn] {
			body, err := e.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := old.ExecContext(ctx, `INSERT INTO events (execution_id, id, type, body)
				VALUES ((SELECT id FROM executions WHERE arn = ?), ?, ?, ?)`, arn, e.ID, e.Type, string(body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	old.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	got := takeUpgradeSnapshot(t, s, arns, tokens)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the upgrade:\n%+v\nwant\n%+v", got, want)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM event_chunks WHERE first_id = last_id`).Scan(&n); err != nil || n != 22+25+22 {
		t.Errorf("event rows after the upgrade: %d of one event, %v; want %d", n, err, 22+25+22)
	}
	for _, table := range []string{"event_chunks", "timers", "tasks"} {
		var q string
		if err := s.r.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&q); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(q, "REFERENCES") || strings.Contains(q, "_new") {
			t.Errorf("%s after the upgrade: %s", table, q)
		}
	}
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'events'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("events after the upgrade: %d, %v", n, err)
	}
	var check string
	if err := s.r.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
	// The claimed task stays claimed; the next claim hands out the next one.
	next, err := s.ClaimActivityTask(ctx, upgradeActivity, upgradeT0)
	if err != nil {
		t.Fatal(err)
	}
	if next.Token == claimed.Token || next.Token != tokens[1] {
		t.Errorf("claim after the upgrade: %s, first claim %s; want %s", next.Token, claimed.Token, tokens[1])
	}
	// Steps go on where they were: a step of 4 events after 25 of a row each.
	e, err := s.GetExecution(ctx, arns[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, store.Commit{Execution: e, Events: upgradeEvents(26, 4), CancelTimers: []int64{1}}); err != nil {
		t.Fatal(err)
	}
	all := upgradeEvents(1, 29)
	ids := func(evs []history.Event) []int64 {
		var out []int64
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}
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
	} {
		evs, err := s.History(ctx, arns[1], p.after, p.limit, p.reverse)
		if err != nil || !reflect.DeepEqual(ids(evs), ids(p.want)) {
			t.Errorf("History(%d, %d, %v) after a step on the upgraded store: %v, %v; want %v", p.after, p.limit, p.reverse, ids(evs), err, ids(p.want))
		}
	}
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
