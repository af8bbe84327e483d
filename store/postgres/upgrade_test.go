package postgres

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stepwise-run/stepwise/store"
	mig "github.com/stepwise-run/stepwise/store/internal/migrate"
	"github.com/stepwise-run/stepwise/store/storetest"
)

// migratedTo makes a schema of t's own with only the migrations up to version, as the
// Stepwise of that schema left it, and returns its URL and a pool on it: the store's
// statements need the latest schema.
func migratedTo(t *testing.T, version int) (string, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
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
	url := freshSchema(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := apply(ctx, pool, upTo); err != nil {
		t.Fatalf("migrate to %d: %v", version, err)
	}
	return url, pool
}

// TestUpgradeKeepsEveryRow writes executions, events, timers and tasks as schema 0009 held
// them (the rows of a store that wrote the same through the API, with the events a row
// each), opens the schema with every migration, and checks that the store reads back what
// the other returns: 0010 turned each event into a row of event_chunks. Steps then go on,
// and pages of the history cross old rows and new ones.
func TestUpgradeKeepsEveryRow(t *testing.T) {
	ctx := context.Background()
	ref := openFresh(t)
	arns, tokens, claimed := storetest.WriteUpgradeRows(t, ref)
	want := storetest.TakeUpgradeSnapshot(t, ref, arns, tokens)
	if len(want.Timers) != 2 || len(want.Tasks) != 3 {
		t.Fatalf("written: %d timers, %d tasks; want 2 and 3", len(want.Timers), len(want.Tasks))
	}
	var refSchema string
	if err := ref.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&refSchema); err != nil {
		t.Fatal(err)
	}

	url, old := migratedTo(t, 9)
	from := pgx.Identifier{refSchema}.Sanitize()
	// The columns schema 0009 has: those added since (0018's trace_header) hold their default
	// in the rows of an older store.
	var cols string
	if err := old.QueryRow(ctx, `SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'executions'`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO executions (` + cols + `) OVERRIDING SYSTEM VALUE SELECT ` + cols + ` FROM ` + from + `.executions`,
		`SELECT setval(pg_get_serial_sequence('executions', 'id'), (SELECT max(id) FROM executions))`,
		`INSERT INTO timers SELECT * FROM ` + from + `.timers`,
		`INSERT INTO tasks SELECT * FROM ` + from + `.tasks`,
	} {
		if _, err := old.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	storetest.WriteLegacyEvents(t, want, arns, func(arn string, id int64, typ, body string) error {
		_, err := old.Exec(ctx, `INSERT INTO events (execution_id, id, type, body)
			VALUES ((SELECT id FROM executions WHERE arn = $1), $2, $3, $4)`, arn, id, typ, body)
		return err
	})
	old.Close()

	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	got := storetest.TakeUpgradeSnapshot(t, s, arns, tokens)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the upgrade:\n%+v\nwant\n%+v", got, want)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM event_chunks WHERE first_id = last_id`).Scan(&n); err != nil || n != 22+25+22 {
		t.Errorf("event rows after the upgrade: %d of one event, %v; want %d", n, err, 22+25+22)
	}
	var events *string
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('events')::text`).Scan(&events); err != nil || events != nil {
		t.Errorf("events after the upgrade: %v, %v", events, err)
	}
	storetest.CheckUpgradedSteps(t, s, arns, tokens, claimed)
}

// TestRenewLeasesSeesANewerSchema: a version this program does not know, applied while it
// runs (a newer node migrated the schema), makes RenewLeases fail with store.ErrSchemaNewer.
func TestRenewLeasesSeesANewerSchema(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	if err := s.RenewLeases(ctx, "node", time.Now()); err != nil {
		t.Fatalf("RenewLeases on a current schema: %v", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES (9999)`); err != nil {
		t.Fatal(err)
	}
	if err := s.RenewLeases(ctx, "node", time.Now()); !errors.Is(err, store.ErrSchemaNewer) {
		t.Errorf("RenewLeases after a newer migration: %v, want ErrSchemaNewer", err)
	}
}
