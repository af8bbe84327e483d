package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	mig "github.com/stepwise-run/stepwise/store/internal/migrate"
)

func TestPragmas(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for _, db := range []struct {
		name string
		db   *sql.DB
		want map[string]string
	}{
		{"writer", s.w, map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000", "query_only": "0", "temp_store": "2"}},
		{"reader", s.r, map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "query_only": "1"}},
	} {
		for p, want := range db.want {
			var got string
			if err := db.db.QueryRowContext(ctx, "PRAGMA "+p).Scan(&got); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", db.name, p, err)
			}
			if got != want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", db.name, p, got, want)
			}
		}
	}
	if _, err := s.r.ExecContext(ctx, `DELETE FROM executions`); err == nil {
		t.Error("a reader connection wrote")
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "dir", "stepwise.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	versions := func(s *Store) (n, max int) {
		t.Helper()
		if err := s.r.QueryRowContext(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
			t.Fatal(err)
		}
		return n, max
	}
	ms, err := mig.Load(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	n, v := versions(s)
	if n != len(ms) || v != ms[len(ms)-1].Version {
		t.Fatalf("schema_migrations has %d rows, newest %d; want %d, %d", n, v, len(ms), ms[len(ms)-1].Version)
	}
	s.Close()

	// Reopening is a no-op.
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if n2, v2 := versions(s); n2 != n || v2 != v {
		t.Fatalf("reopen changed schema_migrations to %d rows, newest %d", n2, v2)
	}
	// A schema from the future is refused.
	if _, err := s.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, path); !errors.Is(err, mig.ErrTooNew) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open of a newer schema: %v, want ErrTooNew", err)
	}
}
