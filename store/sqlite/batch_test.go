package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

// TestBatchStopsWhenSQLiteEndsTheTransaction: on some errors (I/O, a full disk) SQLite rolls
// the whole transaction back, not just the failing statement. The writes of the group that
// came before are then gone, and one that came after would run outside any transaction and be
// committed on its own. Every write of the group must report failure and none may persist.
// The test ends the transaction the way SQLite would, with a ROLLBACK inside a write.
func TestBatchStopsWhenSQLiteEndsTheTransaction(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE batch_probe (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	insert := func(n int) func(context.Context, *sql.Tx) error {
		return func(_ context.Context, tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO batch_probe (n) VALUES (?)`, n)
			return err
		}
	}
	lost := errors.New("disk I/O error")
	batch := []writeReq{
		{ctx: ctx, fn: insert(1), done: make(chan error, 1)},
		{ctx: ctx, fn: func(_ context.Context, tx *sql.Tx) error {
			if _, err := tx.Exec(`ROLLBACK`); err != nil {
				return err
			}
			return lost
		}, done: make(chan error, 1)},
		{ctx: ctx, fn: insert(3), done: make(chan error, 1)},
	}
	s.runBatch(batch)
	for i, r := range batch {
		if err := <-r.done; err == nil {
			t.Errorf("write %d reported success in a transaction SQLite rolled back", i+1)
		}
	}
	var n int
	if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM batch_probe`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows persisted from a failed group, want 0", n)
	}
	// The writer goes on: the next group commits.
	ok := []writeReq{{ctx: ctx, fn: insert(4), done: make(chan error, 1)}, {ctx: ctx, fn: insert(5), done: make(chan error, 1)}}
	s.runBatch(ok)
	for i, r := range ok {
		if err := <-r.done; err != nil {
			t.Errorf("next group, write %d: %v", i+1, err)
		}
	}
}

// TestBatchWriteFailsAlone: in a group, a write that fails after running a statement leaves
// nothing behind and the others commit; a write whose caller gave up runs nothing.
func TestBatchWriteFailsAlone(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE batch_probe (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	insert := func(n int, fail error) func(context.Context, *sql.Tx) error {
		return func(_ context.Context, tx *sql.Tx) error {
			if _, err := tx.Exec(`INSERT INTO batch_probe (n) VALUES (?)`, n); err != nil {
				return err
			}
			return fail
		}
	}
	refused := errors.New("refused")
	gone, cancel := context.WithCancel(ctx)
	cancel()
	batch := []writeReq{
		{ctx: ctx, fn: insert(1, nil), done: make(chan error, 1)},
		{ctx: ctx, fn: insert(2, refused), done: make(chan error, 1)},
		{ctx: gone, fn: insert(3, nil), done: make(chan error, 1)},
		{ctx: ctx, fn: insert(4, nil), done: make(chan error, 1)},
	}
	s.runBatch(batch)
	for i, want := range []error{nil, refused, context.Canceled, nil} {
		if err := <-batch[i].done; !errors.Is(err, want) {
			t.Errorf("write %d: %v, want %v", i+1, err, want)
		}
	}
	var got []int
	rows, err := s.w.QueryContext(ctx, `SELECT n FROM batch_probe ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if len(got) != 2 || got[0] != 1 || got[1] != 4 {
		t.Errorf("rows %v, want [1 4]", got)
	}
}

// probeWrite is a write, for ctx, that inserts n into batch_probe with the context it gets.
func probeWrite(ctx context.Context, n int) writeReq {
	return writeReq{ctx: ctx, done: make(chan error, 1), fn: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO batch_probe (n) VALUES (?)`, n)
		return err
	}}
}

// TestWriteBegunRunsToItsEnd: a write whose caller gives up once the writer has begun it
// runs to its end, alone or in a group: its statements get a context that is never
// cancelled (a statement SQLite interrupts can roll back the whole group's transaction). One
// whose caller gave up before the writer reached it runs nothing, alone too.
func TestWriteBegunRunsToItsEnd(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE batch_probe (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	givingUp := func(n int) writeReq {
		rctx, cancel := context.WithCancel(ctx)
		return writeReq{ctx: rctx, done: make(chan error, 1), fn: func(ctx context.Context, tx *sql.Tx) error {
			cancel() // the caller goes away: its HTTP client hung up
			_, err := tx.ExecContext(ctx, `INSERT INTO batch_probe (n) VALUES (?)`, n)
			return err
		}}
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	never := probeWrite(ctx, 5)
	never.ctx = gone
	for _, batch := range [][]writeReq{{givingUp(1)}, {probeWrite(ctx, 2), givingUp(3), probeWrite(ctx, 4)}, {never}} {
		s.runBatch(batch)
		for _, r := range batch {
			err := <-r.done
			if r.ctx == gone && !errors.Is(err, context.Canceled) || r.ctx != gone && err != nil {
				t.Errorf("a write: %v", err)
			}
		}
	}
	var n, sum int
	if err := s.w.QueryRowContext(ctx, `SELECT count(*), sum(n) FROM batch_probe`).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 4 || sum != 10 {
		t.Errorf("%d rows summing to %d, want 1 to 4", n, sum)
	}
}

// TestHangUpMidStatement: a caller that gives up while its write's statement runs leaves the
// group alone. With the caller's context, SQLite interrupted the statement and rolled back
// the whole transaction: the other writes of the group failed too ("context canceled") and
// none persisted.
func TestHangUpMidStatement(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE batch_probe (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slow := writeReq{ctx: rctx, done: make(chan error, 1), fn: func(ctx context.Context, tx *sql.Tx) error {
		time.AfterFunc(5*time.Millisecond, cancel) // the statement takes tens of milliseconds
		_, err := tx.ExecContext(ctx, `INSERT INTO batch_probe
			WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 100000) SELECT 0 FROM c`)
		return err
	}}
	batch := []writeReq{probeWrite(ctx, 1), slow, probeWrite(ctx, 2)}
	s.runBatch(batch)
	for i, r := range batch {
		if err := <-r.done; err != nil {
			t.Errorf("write %d: %v", i+1, err)
		}
	}
	var n, sum int
	if err := s.w.QueryRowContext(ctx, `SELECT count(*), sum(n) FROM batch_probe`).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 100002 || sum != 3 {
		t.Errorf("%d rows summing to %d, want the group's 100,002 summing to 3", n, sum)
	}
}
