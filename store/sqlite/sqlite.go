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
	"slices"
	"sync"
	"sync/atomic"

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

	// feeds (FeedOutbox) hear what each commit wrote to the outbox. fed is what
	// the writes of the batch in hand wrote; others is set when the outbox may have changed
	// otherwise since the feeds were last called (another process's commit, a commit whose
	// outcome is unknown); dataVersion is PRAGMA data_version as the writer last read it,
	// which changes when another connection commits. Only the writer goroutine uses these.
	feeds       atomic.Pointer[[]func([]store.OutboxEvent, bool)]
	feedsMu     sync.Mutex // FeedOutbox's
	fed         []store.OutboxEvent
	others      bool
	dataVersion int64

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
	// What others commit from now on, checkOthers sees; what is there already, a feed's
	// deliverer reads when it starts.
	if err := st.dataVersion.QueryRowContext(ctx).Scan(&s.dataVersion); err != nil {
		st.close()
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite store %s: %w", abs, err)
	}
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
	feed := s.feeds.Load()
	if len(batch) == 1 {
		r := batch[0]
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			return
		}
		ctx := context.WithoutCancel(r.ctx)
		var failed bool // the write itself: rolled back whole, the outbox as it was
		err := inTx(ctx, s.w, func(tx *sql.Tx) error {
			if err := r.fn(ctx, tx); err != nil {
				failed = true
				return err
			}
			return s.checkOthers(ctx, tx)
		})
		if failed {
			s.fed = nil
		}
		s.feedOutbox(feed, err == nil || failed)
		r.done <- err
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
		fed := len(s.fed) // what the writes before this one wrote to the outbox
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
		if errs[i] != nil {
			s.fed = s.fed[:fed] // rolled back to its savepoint
		}
	}
	if broken == nil {
		broken = s.checkOthers(context.Background(), tx)
	}
	committed := broken == nil
	if broken != nil {
		tx.Rollback()
		for i := range errs {
			if errs[i] == nil {
				errs[i] = broken
			}
		}
	} else if err := tx.Commit(); err != nil {
		committed = false
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	s.feedOutbox(feed, committed)
	for i, r := range batch {
		r.done <- errs[i]
	}
}

// checkOthers notes, in a write transaction that wrote events to the outbox for the feeds,
// whether another connection (another process on the file) has committed since the writer's
// last look: its commits may have written to the outbox, which the feeds then do not cover
// (FeedOutbox's others). In a write transaction nothing else commits until it ends, so the
// look may come last; only transactions with events to feed look (a statement, 3 µs a
// commit under the chain bench when every transaction looked).
func (s *Store) checkOthers(ctx context.Context, tx *sql.Tx) error {
	if len(s.fed) == 0 {
		return nil
	}
	var v int64
	if err := tx.StmtContext(ctx, s.stmts.dataVersion).QueryRowContext(ctx).Scan(&v); err != nil {
		return err
	}
	if v != s.dataVersion {
		s.dataVersion, s.others = v, true
	}
	return nil
}

// feedOutbox tells the feeds, if any, what the batch wrote to the outbox (s.fed), once the
// batch is committed; a batch that was not leaves what the outbox holds unknown (a failed
// commit may have been written all the same), and the feeds hear so with their next events.
func (s *Store) feedOutbox(feeds *[]func([]store.OutboxEvent, bool), committed bool) {
	switch {
	case feeds == nil:
		s.fed = nil
	case !committed:
		s.fed, s.others = nil, true
	case len(s.fed) > 0:
		for _, fn := range *feeds {
			fn(s.fed, s.others)
		}
		s.fed, s.others = nil, false
	}
}

// FeedOutbox implements store.OutboxFeed: one process owns the file's outbox unless another
// opens the same file, which checkOthers sees.
func (s *Store) FeedOutbox(fn func(evs []store.OutboxEvent, others bool)) {
	s.feedsMu.Lock()
	defer s.feedsMu.Unlock()
	var fns []func([]store.OutboxEvent, bool)
	if old := s.feeds.Load(); old != nil {
		fns = slices.Clone(*old)
	}
	fns = append(fns, fn)
	s.feeds.Store(&fns)
}
