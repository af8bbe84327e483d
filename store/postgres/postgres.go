package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stepwise-run/stepwise/store"
	mig "github.com/stepwise-run/stepwise/store/internal/migrate"
)

var _ store.Store = (*Store)(nil)

// Store is a store.Store in a PostgreSQL database, shared by any number of nodes.
type Store struct {
	pool *pgxpool.Pool
	// closing ends the listeners when the store closes; wg waits for them.
	closing context.Context
	close   context.CancelFunc
	wg      sync.WaitGroup
	// creates takes CreateExecution calls to the goroutines that write them in groups.
	creates chan *createReq
	// migrations are those this program knows: RenewLeases finds the schema migrated by a
	// newer node while this one runs.
	migrations []mig.Migration
}

// defaultMaxConns is the pool size when the URL does not set pool_max_conns. With starts
// written in groups, more connections only add server processes competing for the same
// cores: the chain bench (64 clients, 2 cores) cost PostgreSQL 0.82-0.87 ms of CPU per
// execution with 32, 0.61-0.68 with 12-16 (2026-12-02).
const defaultMaxConns = 16

// Open connects to the database at url (a postgres:// URL or key=value connection string;
// search_path chooses the schema) and applies the migrations it lacks.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default (the number of CPUs, at least 4) queues concurrent commits behind
		// a handful of connections; PostgreSQL commits many at once when it gets them.
		cfg.MaxConns = defaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ms, err := mig.Load(migrationFiles, "migrations")
	if err != nil {
		pool.Close()
		return nil, err
	}
	if err := apply(ctx, pool, ms); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	closing, cancel := context.WithCancel(context.Background())
	s := &Store{pool: pool, closing: closing, close: cancel, migrations: ms}
	s.startCreateWorkers()
	return s, nil
}

// Close stops the listeners and the writers of starts, and closes the pool.
func (s *Store) Close() error {
	s.close()
	s.wg.Wait()
	s.pool.Close()
	return nil
}

// SQLSTATEs of this store's own errors, raised by stepwise_fail (see the first migration)
// to abort a batch.
const (
	codeGuard   = "SWGRD" // a guarded update matched no row: ErrConflict or ErrNotFound
	codeExists  = "SWEXS" // the execution exists: ErrExists
	codeOverlap = "SWOVL" // a step's events are not after the stored ones (see Commit)
)

// overlapError tells what codeOverlap meant.
func overlapError(err error) error {
	return fmt.Errorf("store: a step's events are not after the execution's stored events: %w", err)
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
