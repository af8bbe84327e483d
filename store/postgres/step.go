package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/chunk"
)

// execID is the id of the execution of the batch's first statement ($1 its ARN), which that
// statement has just written.
const execID = `(SELECT id FROM executions WHERE arn = $1)`

// queueStep queues what a step produced besides the execution row: its events, and the
// timers and tasks it cancelled and set (cancellations first, so that a step may replace an
// id). Each is one statement over arrays, whatever the number of rows.
func queueStep(b *pgx.Batch, c store.Commit, evs []chunk.Chunk) error {
	arn := c.Execution.Arn
	queueEvents(b, arn, evs)
	if len(c.CancelTimers) > 0 {
		b.Queue(`DELETE FROM timers WHERE execution_id = `+execID+` AND id = ANY($2::bigint[])`, arn, c.CancelTimers)
	}
	if len(c.NewTimers) > 0 {
		ids, dues := make([]int64, len(c.NewTimers)), make([]time.Time, len(c.NewTimers))
		for i, t := range c.NewTimers {
			ids[i], dues[i] = t.ID, t.Due
		}
		b.Queue(`INSERT INTO timers (execution_id, id, due)
			SELECT `+execID+`, x.id, x.due FROM unnest($2::bigint[], $3::timestamptz[]) AS x (id, due)`,
			arn, ids, dues)
	}
	if len(c.CancelTasks) > 0 {
		b.Queue(`DELETE FROM tasks WHERE execution_id = `+execID+` AND id = ANY($2::bigint[])`, arn, c.CancelTasks)
	}
	if n := len(c.NewTasks); n > 0 {
		ids, tokens, resources, bodies, created := make([]int64, n), make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
		for i, t := range c.NewTasks {
			ids[i], tokens[i], resources[i], bodies[i], created[i] = t.ID, t.Token, t.Resource, t.Body, t.CreatedAt
		}
		b.Queue(`INSERT INTO tasks (execution_id, id, token, resource, body, created_at)
			SELECT `+execID+`, x.* FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
				AS x (id, token, resource, body, created_at)`,
			arn, ids, tokens, resources, bodies, created)
	}
	queueMapRuns(b, c.MapRuns)
	if len(c.Outbox) > 0 {
		// Migration 0014: the step's events to deliver, in the step's transaction.
		b.Queue(`INSERT INTO outbox (body, created_at) SELECT x, now() FROM unnest($1::text[]) WITH ORDINALITY AS u (x, n) ORDER BY n`, c.Outbox)
	}
	for _, ch := range c.StatusChanges {
		// Migrations 0021 and 0022: status changes by reference; a step has one, or two
		// that could not be joined (store.JoinStarted).
		b.Queue(`INSERT INTO outbox (body, created_at, execution_id, `+changeColumns+`)
			VALUES ('', now(), `+execID+`, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			arn, ch.EventID, ch.Status, ch.StoppedAt, ch.Error, ch.Cause, ch.RedriveCount, ch.RedriveDate, ch.RedriveReason,
			ch.StartedEventID, ch.StartedRedriveReason)
	}
	return queueChildren(b, c.Children)
}

// queueEvents adds the events of execution arn: usually one row (migration 0010), else one
// statement over arrays.
func queueEvents(b *pgx.Batch, arn string, cs []chunk.Chunk) {
	switch len(cs) {
	case 0:
		return
	case 1:
		b.Queue(`INSERT INTO event_chunks (execution_id, last_id, first_id, body) VALUES (`+execID+`, $2, $3, $4)`,
			arn, cs[0].Last, cs[0].First, cs[0].Body)
		return
	}
	lasts, firsts, bodies := make([]int64, len(cs)), make([]int64, len(cs)), make([]string, len(cs))
	for i, c := range cs {
		lasts[i], firsts[i], bodies[i] = c.Last, c.First, c.Body
	}
	b.Queue(`INSERT INTO event_chunks (execution_id, last_id, first_id, body)
		SELECT `+execID+`, x.* FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS x (last_id, first_id, body)`,
		arn, lasts, firsts, bodies)
}
