package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
)

// LeaseOutbox takes or renews the lease (migration 0016): an UPDATE of its one row, which
// PostgreSQL's row lock makes exclusive among nodes.
func (s *Store) LeaseOutbox(ctx context.Context, owner string, now, until time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox_lease SET owner = $1, until = $2
		WHERE id = 1 AND (owner = $1 OR owner = '' OR until <= $3)`, owner, until, now)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

func (s *Store) ReleaseOutbox(ctx context.Context, owner string) error {
	_, err := s.pool.Exec(ctx, `UPDATE outbox_lease SET owner = '', until = '-infinity' WHERE id = 1 AND owner = $1`, owner)
	return err
}

// HeadOutbox reads the oldest events. An id is taken from the sequence before its
// transaction commits, so a row with a smaller id may still appear after a larger one was
// read: events of different executions can go out in an order other than their commits'.
// An execution's own events cannot: each of its commits waits for the one before. The rows
// of the executions whose changes are kept by reference are read next, in one query, in the
// same snapshot: a purge on another node that rewrites a change whole and deletes its
// execution in between would otherwise leave a change without its row, which the deliverer
// drops, while the row it deletes then holds the whole event.
func (s *Store) HeadOutbox(ctx context.Context, limit int) ([]store.OutboxEvent, error) {
	var evs []store.OutboxEvent
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		evs, err = headOutbox(ctx, tx, limit)
		return err
	})
	return evs, err
}

func headOutbox(ctx context.Context, tx pgx.Tx, limit int) ([]store.OutboxEvent, error) {
	rows, err := tx.Query(ctx, `SELECT id, body, created_at, attempts,
		CASE WHEN retry_at = '-infinity' THEN NULL ELSE retry_at END, execution_id, `+changeColumns+`
		FROM outbox ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	var evs []store.OutboxEvent
	var execIDs []int64 // each event's execution (0: a whole event), in the order of evs
	var want []int64
	for rows.Next() {
		var e store.OutboxEvent
		var retry *time.Time
		var execID *int64
		var c store.StatusChange
		if err := rows.Scan(append([]any{&e.ID, &e.Body, &e.CreatedAt, &e.Attempts, &retry, &execID}, changeDests(&c)...)...); err != nil {
			rows.Close()
			return nil, err
		}
		e.CreatedAt = e.CreatedAt.UTC()
		if retry != nil {
			e.RetryAt = retry.UTC()
		}
		id := int64(0)
		if execID != nil {
			c.StoppedAt, c.RedriveDate = utcPtr(c.StoppedAt), utcPtr(c.RedriveDate)
			e.Change = &c
			id = *execID
			want = append(want, id)
		}
		evs, execIDs = append(evs, e), append(execIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(want) == 0 {
		return evs, err
	}
	byID, err := executionsByID(ctx, tx, want)
	if err != nil {
		return nil, err
	}
	for i, id := range execIDs {
		if id != 0 {
			evs[i].Execution = byID[id] // nil if it is gone
		}
	}
	return evs, nil
}

// changeColumns are a status change's columns of the outbox (migrations 0021 and 0022), in the order
// changeDests scans them.
const changeColumns = `event_id, status, stopped_at, error, cause, redrive_count, redrive_date, redrive_reason,
	started_event_id, started_redrive_reason`

func changeDests(c *store.StatusChange) []any {
	return []any{&c.EventID, &c.Status, &c.StoppedAt, &c.Error, &c.Cause, &c.RedriveCount, &c.RedriveDate, &c.RedriveReason,
		&c.StartedEventID, &c.StartedRedriveReason}
}

// eventColumns are the columns of an execution's row that a status change's event is built
// from (events.Build, store.OutboxEvent.Execution); the rest of the row (its state, above
// all) is not read.
const eventColumns = `arn, state_machine_arn, name, input, output, started_at, version_arn, alias_arn`

// executionsByID reads the rows of executions by their ids, in one query: the columns their
// events are built from (eventColumns).
func executionsByID(ctx context.Context, tx pgx.Tx, ids []int64) (map[int64]*store.Execution, error) {
	rows, err := tx.Query(ctx, `SELECT `+eventColumns+`, id FROM executions WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[int64]*store.Execution, len(ids))
	for rows.Next() {
		var e store.Execution
		var id int64
		if err := rows.Scan(&e.Arn, &e.StateMachineArn, &e.Name, &e.Input, &e.Output, &e.StartedAt, &e.VersionArn, &e.AliasArn, &id); err != nil {
			return nil, err
		}
		e.StartedAt = e.StartedAt.UTC()
		byID[id] = &e
	}
	return byID, rows.Err()
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (s *Store) DeleteOutbox(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM outbox WHERE id = ANY($1::bigint[])`, ids)
	return err
}

func (s *Store) RetryOutbox(ctx context.Context, ids []int64, retryAt time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, retry_at = $2 WHERE id = ANY($1::bigint[])`, ids, retryAt)
	return err
}
