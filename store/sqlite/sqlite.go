package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/stepwise-run/stepwise/store"
)

var _ store.Store = (*Store)(nil)

// Store is a store.Store in one SQLite file.
type Store struct {
	// w is the one connection that writes; every write is a BEGIN IMMEDIATE transaction
	// on it, so writes queue in Go rather than meet SQLITE_BUSY.
	w *sql.DB
	// r is the pool that reads: in WAL mode readers see the last commit and never block
	// the writer or each other.
	r *sql.DB
}

// busyTimeoutMS is how long a connection waits for a lock another process holds (another
// Stepwise on the same file, or a backup) before giving up.
const busyTimeoutMS = 10_000

// Open opens the store in the file at path, creating the file (and its directory) when
// missing and applying the migrations it lacks.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", abs, err)
	}
	r, err := sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &Store{w: w, r: r}, nil
}

// dsn is the driver's name for the file with the connection settings: WAL, synchronous=FULL
// (see the package documentation), the busy timeout, foreign keys, and for the readers
// query_only.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Close closes the store's connections.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// write runs fn in a transaction on the writer and commits it, or rolls it back when fn
// fails.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return inTx(ctx, s.w, fn)
}
