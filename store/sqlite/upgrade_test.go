package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
	mig "github.com/stepwise-run/stepwise/store/internal/migrate"
	"github.com/stepwise-run/stepwise/store/storetest"
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

// upgradeSnapshot is what a store returns of the upgrade rows, and the indexes of the
// tables migration 0009 recreates.
type upgradeSnapshot struct {
	storetest.UpgradeSnapshot
	indexes map[string]string
}

func takeUpgradeSnapshot(t *testing.T, s *Store, arns, tokens []string) upgradeSnapshot {
	t.Helper()
	ctx := context.Background()
	snap := upgradeSnapshot{UpgradeSnapshot: storetest.TakeUpgradeSnapshot(t, s, arns, tokens), indexes: map[string]string{}}
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
	arns, tokens, claimed := storetest.WriteUpgradeRows(t, ref)
	want := takeUpgradeSnapshot(t, ref, arns, tokens)
	if len(want.Timers) != 2 || len(want.Tasks) != 3 || len(want.indexes) != 3 {
		t.Fatalf("written: %d timers, %d tasks, indexes %v; want 2, 3 and 3", len(want.Timers), len(want.Tasks), want.indexes)
	}

	path := filepath.Join(dir, "stepwise.db")
	old := migratedTo(t, path, 8)
	// The columns schema 0008 has: those added since (0018's trace_header) hold their default
	// in the rows of an older store.
	var cols string
	if err := old.QueryRowContext(ctx, `SELECT group_concat(name, ', ') FROM pragma_table_info('executions')`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`ATTACH DATABASE ` + sqlString(filepath.Join(dir, "ref.db")) + ` AS ref`,
		`INSERT INTO executions (` + cols + `) SELECT ` + cols + ` FROM ref.executions`,
		`INSERT INTO timers SELECT * FROM ref.timers`,
		`INSERT INTO tasks SELECT * FROM ref.tasks`,
	} {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	storetest.WriteLegacyEvents(t, want.UpgradeSnapshot, arns, func(arn string, id int64, typ, body string) error {
		_, err := old.ExecContext(ctx, `INSERT INTO events (execution_id, id, type, body)
			VALUES ((SELECT id FROM executions WHERE arn = ?), ?, ?, ?)`, arn, id, typ, body)
		return err
	})
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
	storetest.CheckUpgradedSteps(t, s, arns, tokens, claimed)
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestRenewLeasesSeesANewerSchema: a version this program does not know, applied while it
// runs (another, newer Stepwise on the same file), makes RenewLeases fail with
// store.ErrSchemaNewer; the versions it knows do not.
func TestRenewLeasesSeesANewerSchema(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if err := s.RenewLeases(ctx, "node", time.Now()); err != nil {
		t.Fatalf("RenewLeases on a current schema: %v", err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	if err := s.RenewLeases(ctx, "node", time.Now()); !errors.Is(err, store.ErrSchemaNewer) {
		t.Errorf("RenewLeases after a newer migration: %v, want ErrSchemaNewer", err)
	}
}
