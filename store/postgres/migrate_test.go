package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"

	mig "github.com/stepwise-run/stepwise/store/internal/migrate"
)

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	url := freshSchema(t)

	// Nodes starting at once: the migrations run once.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(ctx, url)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open %d: %v", i, err)
		}
	}

	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	var n, v int
	if err := s.pool.QueryRow(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != 5 || v != 5 {
		t.Fatalf("schema_migrations has %d rows, newest %d; want 5, 5", n, v)
	}
	// A schema from the future is refused.
	if _, err := s.pool.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, url); !errors.Is(err, mig.ErrTooNew) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open of a newer schema: %v, want ErrTooNew", err)
	}
}
