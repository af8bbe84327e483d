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
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/stepwise-run/stepwise/store"
	mig "github.com/stepwise-run/stepwise/store/internal/migrate"
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

	stmts *stmts // prepared on w
	reads *reads // prepared on r

	// migrations are those this program knows: RenewLeases finds the database migrated by a
	// newer one while it runs.
	migrations []mig.Migration

	// writes queue for the one goroutine that runs them: group commit (see write).
	writes    chan writeReq
	closing   chan struct{}
	closeOnce sync.Once
	writerWG  sync.WaitGroup
}

type writeReq struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error
}

// maxBatch bounds the writes one transaction carries.
const maxBatch = 256

// busyTimeoutMS is how long a connection waits for a lock another process holds (another
// Stepwise on the same file, or a backup) before giving up.
const busyTimeoutMS = 10_000

// Open opens the store in the file at path, creating the file (and its directory) when
// missing and applying the migrations it lacks.
func Open(ctx context.Context, path string) (*Store, error) {
	ms, err := mig.Load(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	return open(ctx, path, ms)
}

// open is Open with the migrations to apply: the upgrade tests open a database at an older
// schema with the first of them.
func open(ctx context.Context, path string, ms []mig.Migration) (*Store, error) {
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
	if err := migrate(ctx, w, ms); err != nil {
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
	st, err := prepareStmts(ctx, w)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", abs, err)
	}
	rd, err := prepareReads(ctx, r)
	if err != nil {
		st.close()
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", abs, err)
	}
	s := &Store{w: w, r: r, stmts: st, reads: rd, migrations: ms, writes: make(chan writeReq), closing: make(chan struct{})}
	s.writerWG.Add(1)
	go s.writer()
	return s, nil
}

// dsn is the driver's name for the file with the connection settings: WAL, synchronous=FULL
// (see the package documentation), the busy timeout, foreign keys, for the readers
// query_only, and for the writer temp_store=MEMORY.
//
// temp_store=MEMORY keeps the writer's sub-journal in memory. SQLite copies every page that a
// savepoint (each write of a group commit has one) or a statement changes for the first time
// into it, to roll back to; in a file, which it becomes past 64 KiB, that was a write(2) per
// page, a fifth of the CPU of 64 concurrent CreateExecutions. In memory it holds the pages
// of one write at a time: RELEASE truncates it.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "temp_store(MEMORY)")
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Close closes the store's connections.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.writerWG.Wait()
	s.stmts.close()
	s.reads.close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// errClosed is what writes get once the store is closed.
var errClosed = errors.New("sqlite store: closed")

// write runs fn in a transaction on the writer and commits it, or rolls it back when fn
// fails. Writes that arrive while a transaction commits are run together in the next one,
// each in a savepoint of its own: they share one fsync (group commit) and still succeed or
// fail alone.
//
// A write whose ctx ends before the writer reaches it is not run; one that has begun runs to
// its end, with the ctx fn gets, which has ctx's values but is never cancelled. Cancelled in
// the middle of a statement, SQLite interrupted it and rolled back the whole transaction: a
// client hanging up failed the group's other writes (TestHangUpMidStatement). The driver
// also watches a cancellable context with a goroutine for every statement: an insert took
// 2.85 µs with one and 2.33 without (the chain bench did not measurably change).
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	r := writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- r:
	case <-s.closing:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-r.done
}

// writer runs the queued writes, as many as are waiting in each transaction.
func (s *Store) writer() {
	defer s.writerWG.Done()
	for {
		var batch []writeReq
		select {
		case r := <-s.writes:
			batch = append(batch, r)
		case <-s.closing:
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case r := <-s.writes:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		s.runBatch(batch)
	}
}

func (s *Store) runBatch(batch []writeReq) {
	if len(batch) == 1 {
		r := batch[0]
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			return
		}
		ctx := context.WithoutCancel(r.ctx)
		r.done <- inTx(ctx, s.w, func(tx *sql.Tx) error { return r.fn(ctx, tx) })
		return
	}
	errs := make([]error, len(batch))
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	// broken is set when the transaction is no longer the one this group began: SQLite rolls
	// the whole transaction back on some errors (I/O, a full disk), and then there is no
	// savepoint to go back to, the earlier writes are gone, and a later one would run outside
	// any transaction and be committed on its own. The rest of the group is not run.
	var broken error
	for i, r := range batch {
		if broken != nil {
			errs[i] = broken
			continue
		}
		if errs[i] = r.ctx.Err(); errs[i] != nil {
			continue
		}
		if _, err := tx.Stmt(s.stmts.savepoint).Exec(); err != nil {
			errs[i], broken = err, err
			continue
		}
		if errs[i] = r.fn(context.WithoutCancel(r.ctx), tx); errs[i] != nil {
			if _, err := tx.Stmt(s.stmts.rollbackTo).Exec(); err != nil {
				errs[i] = errors.Join(errs[i], err)
				broken = errs[i]
				continue
			}
		}
		if _, err := tx.Stmt(s.stmts.release).Exec(); err != nil {
			if errs[i] == nil {
				errs[i] = err
			}
			broken = err
		}
	}
	if broken != nil {
		tx.Rollback()
		for i := range errs {
			if errs[i] == nil {
				errs[i] = broken
			}
		}
	} else if err := tx.Commit(); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	for i, r := range batch {
		r.done <- errs[i]
	}
}
