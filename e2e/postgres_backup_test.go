package e2e

import (
	"context"
	"net/url"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/internal/pgtest"
)

// TestPostgresDumpAndRestore backs a PostgreSQL store up with pg_dump while serve runs
// executions that wait, loses the schema (the server killed, the schema dropped), restores
// the dump with pg_restore and serves again: the executions that were running go on.
func TestPostgresDumpAndRestore(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s NOT INSTALLED: the PostgreSQL backup test did not run (apt-get install postgresql-client)", tool)
		}
	}
	dsn := freshPostgres(t)
	u, _ := url.Parse(dsn)
	schema := u.Query().Get("search_path")
	plain := pgtest.URL()
	s := serve(t, "--store", dsn, "--lease-ttl", "1s")
	arns := startWaiting(t, client(s.url), 10)
	ctx := context.Background()
	dump := filepath.Join(t.TempDir(), "stepwise.dump")
	if out, err := exec.Command("pg_dump", "--dbname="+plain, "--schema="+schema, "--format=custom", "--file="+dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	s.kill9(t)
	conn, err := pgx.Connect(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if out, err := exec.Command("pg_restore", "--dbname="+plain, "--exit-on-error", dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	allSucceed(t, client(serve(t, "--store", dsn, "--lease-ttl", "1s").url), arns)
}
