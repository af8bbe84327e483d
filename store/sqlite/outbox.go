package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// writeOutbox adds a step's events to deliver (migrations 0014 and 0021), in the step's
// transaction: whole events, then status changes of execution execID by reference. Most
// steps have none: no statement then. With a feed (FeedOutbox), each event written, with its
// id, is kept in s.fed for it, a status change with the columns of its execution's row that
// HeadOutbox would read (eventColumns).
func (s *Store) writeOutbox(ctx context.Context, tx *sql.Tx, execID int64, c *store.Commit) error {
	if len(c.Outbox) == 0 && len(c.StatusChanges) == 0 {
		return nil
	}
	at := time.Now()
	now := nanos(at)
	var bodyFed, changeFed func(i int, res sql.Result) error // nil without a feed
	if s.feeds.Load() != nil {
		keep := func(res sql.Result, e store.OutboxEvent) error {
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			e.ID, e.CreatedAt = id, at
			s.fed = append(s.fed, e)
			return nil
		}
		bodyFed = func(i int, res sql.Result) error { return keep(res, store.OutboxEvent{Body: c.Outbox[i]}) }
		if e := c.Execution; len(c.StatusChanges) > 0 {
			row := &store.Execution{Arn: e.Arn, StateMachineArn: e.StateMachineArn, Name: e.Name, Input: e.Input,
				Output: e.Output, StartedAt: e.StartedAt, VersionArn: e.VersionArn, AliasArn: e.AliasArn}
			changeFed = func(i int, res sql.Result) error {
				ch := c.StatusChanges[i]
				return keep(res, store.OutboxEvent{Change: &ch, Execution: row})
			}
		}
	}
	if err := execEachThen(ctx, tx, s.stmts.insertOutbox, len(c.Outbox), func(i int) []any { return []any{c.Outbox[i], now} }, bodyFed); err != nil {
		return err
	}
	return execEachThen(ctx, tx, s.stmts.insertChange, len(c.StatusChanges), func(i int) []any {
		ch := &c.StatusChanges[i]
		return []any{now, execID, ch.EventID, ch.Status, nanosPtr(ch.StoppedAt), str(ch.Error), str(ch.Cause),
			ch.RedriveCount, nanosPtr(ch.RedriveDate), ch.RedriveReason, ch.StartedEventID, ch.StartedRedriveReason}
	}, changeFed)
}

// LeaseOutbox takes or renews the lease (migration 0016); the single writer makes it
// exclusive.
func (s *Store) LeaseOutbox(ctx context.Context, owner string, now, until time.Time) (bool, error) {
	var held bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox_lease SET owner = ?1, until = ?2
			WHERE id = 1 AND (owner = ?1 OR owner = '' OR until <= ?3)`, owner, nanos(until), nanos(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	return held, err
}

func (s *Store) ReleaseOutbox(ctx context.Context, owner string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox_lease SET owner = '', until = 0 WHERE id = 1 AND owner = ?`, owner)
		return err
	})
}

// HeadOutbox reads on the writer, in the queue of writes (see write), though it changes
// nothing. A reader's connection drops its whole page cache whenever another connection has
// committed since its last read, which on a busy store is every time: each head read went
// to the file for the outbox's pages and the schema's. The writer's cache holds them, as it
// has just written them. The rows of the executions whose changes are kept by reference
// are read in the same transaction, in one statement.
func (s *Store) HeadOutbox(ctx context.Context, limit int) ([]store.OutboxEvent, error) {
	var evs []store.OutboxEvent
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		evs = evs[:0]
		rows, err := tx.StmtContext(ctx, s.stmts.outboxHead).QueryContext(ctx, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		var execIDs []int64 // of the changes, in the order of evs
		for rows.Next() {
			var e store.OutboxEvent
			var created, retry int64
			var execID sql.NullInt64
			var cs changeScan
			if err := rows.Scan(append([]any{&e.ID, &e.Body, &created, &e.Attempts, &retry, &execID}, cs.dests()...)...); err != nil {
				return err
			}
			e.CreatedAt, e.RetryAt = fromNanos(created), fromNanos(retry)
			if execID.Valid {
				c := cs.change()
				e.Change = &c
				execIDs = append(execIDs, execID.Int64)
			}
			evs = append(evs, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if len(execIDs) == 0 {
			return nil
		}
		byID, err := executionsByID(ctx, tx, s.stmts, execIDs)
		if err != nil {
			return err
		}
		n := 0
		for i := range evs {
			if evs[i].Change != nil {
				evs[i].Execution = byID[execIDs[n]] // nil if it is gone
				n++
			}
		}
		return nil
	})
	return evs, err
}

// changeColumns are a status change's columns of the outbox (migrations 0021 and 0022), in the order
// changeScan reads them.
const changeColumns = `event_id, status, stopped_at, error, cause, redrive_count, redrive_date, redrive_reason,
	started_event_id, started_redrive_reason`

// changeScan is what changeColumns are scanned into (dests), and change the StatusChange
// they hold.
type changeScan struct {
	c                 store.StatusChange
	stopped, redriven sql.NullInt64
	errStr, cause     sql.NullString
}

func (s *changeScan) dests() []any {
	return []any{&s.c.EventID, &s.c.Status, &s.stopped, &s.errStr, &s.cause, &s.c.RedriveCount, &s.redriven, &s.c.RedriveReason,
		&s.c.StartedEventID, &s.c.StartedRedriveReason}
}

func (s *changeScan) change() store.StatusChange {
	c := s.c
	c.StoppedAt, c.RedriveDate = fromNanosPtr(s.stopped), fromNanosPtr(s.redriven)
	c.Error, c.Cause = fromStr(s.errStr), fromStr(s.cause)
	return c
}

// eventColumns are the columns of an execution's row that a status change's event is built
// from (events.Build, store.OutboxEvent.Execution), in the order scanEventRow reads them.
// The rest of the row (its state, above all) is not read: with the modernc driver each
// column read costs, and these are 8 of 22.
const eventColumns = `arn, state_machine_arn, name, input, output, started_at, version_arn, alias_arn`

// executionsByID reads the rows of executions by their ids, in one prepared statement
// (stmts.eventRows: parsing it anew took a third of a head read): the columns their events
// are built from (eventColumns).
func executionsByID(ctx context.Context, tx *sql.Tx, st *stmts, ids []int64) (map[int64]*store.Execution, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.StmtContext(ctx, st.eventRows).QueryContext(ctx, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[int64]*store.Execution, len(ids))
	for rows.Next() {
		var e store.Execution
		var output sql.NullString
		var started, id int64
		if err := rows.Scan(&e.Arn, &e.StateMachineArn, &e.Name, &e.Input, &output, &started, &e.VersionArn, &e.AliasArn, &id); err != nil {
			return nil, err
		}
		e.Output, e.StartedAt = fromStr(output), fromNanos(started)
		byID[id] = &e
	}
	return byID, rows.Err()
}

// DeleteOutbox deletes in one statement, the ids passed as a JSON array.
func (s *Store) DeleteOutbox(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, s.stmts.deleteOutbox).ExecContext(ctx, string(list))
		return err
	})
}

func (s *Store) RetryOutbox(ctx context.Context, ids []int64, retryAt time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, retry_at = ?
			WHERE id IN (SELECT value FROM json_each(?))`, nanos(retryAt), string(list))
		return err
	})
}
