package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Starts are written in groups: createWorkers goroutines each take a waiting
// CreateExecution, and with it every other one waiting at that moment (up to
// maxCreateGroup), and send them as one batch, which PostgreSQL runs as one transaction. A
// group costs one round trip, one commit and one WAL flush instead of one per start; under
// load that was a third of the server's CPU for a start. A start alone is written alone, as
// soon as it comes: no start waits for others to arrive.
//
// A group is all or nothing. When the server refuses it (a taken ARN aborts the
// transaction, see queueCreate), nothing of the group was written, and each of its starts
// runs again in a transaction of its own, which gives each caller its own answer. Every
// caller returns only after the transaction holding its start has committed, so an
// acknowledged start is as durable as before.
//
// Only starts are grouped: they insert new rows, which no other transaction holds, so two
// groups never wait for each other's locks (except for the same ARN started twice at once,
// and the starts of a group go in ARN order, so that this wait is never a deadlock). A
// Commit updates an execution row that leases and other steps also lock; grouping those
// could deadlock and is not done.
const (
	createWorkers  = 8
	maxCreateGroup = 32
)

var errClosed = errors.New("postgres store: closed")

// createReq is a CreateExecution waiting for a group.
type createReq struct {
	ctx   context.Context
	arn   string
	batch *pgx.Batch
	done  chan error // buffered; gets the start's outcome once
}

func (s *Store) startCreateWorkers() {
	s.creates = make(chan *createReq)
	for range createWorkers {
		s.wg.Go(s.createLoop)
	}
}

func (s *Store) createLoop() {
	for {
		var group []*createReq
		select {
		case r := <-s.creates:
			group = append(group, r)
		case <-s.closing.Done():
			return
		}
	more:
		for len(group) < maxCreateGroup {
			select {
			case r := <-s.creates:
				group = append(group, r)
			default:
				break more
			}
		}
		s.createGroup(group)
	}
}

// createGroup writes group, whose requests it answers, each once.
func (s *Store) createGroup(group []*createReq) {
	live := group[:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- err // given up before anything was sent: not written
			continue
		}
		live = append(live, r)
	}
	if len(live) == 1 {
		live[0].done <- s.create(live[0].ctx, live[0].batch)
		return
	}
	if len(live) == 0 {
		return
	}
	slices.SortFunc(live, func(a, b *createReq) int { return strings.Compare(a.arn, b.arn) })
	b := &pgx.Batch{}
	for _, r := range live {
		// Copies: pgx keeps on a queued query the statement it prepared on the connection
		// that sent it, and a start sent again alone may go on another connection.
		for _, q := range r.batch.QueuedQueries {
			b.QueuedQueries = append(b.QueuedQueries, &pgx.QueuedQuery{SQL: q.SQL, Arguments: q.Arguments})
		}
	}
	// The group's transaction is the store's, not one caller's: a caller that gives up
	// must not abort the others' starts.
	err := s.pool.SendBatch(s.closing, b).Close()
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) {
		// Committed, or the connection failed and whether it committed is unknown: each
		// caller learns that as it would have alone, rather than from a retry that could
		// find its own start and call it taken.
		for _, r := range live {
			r.done <- err
		}
		return
	}
	// The server refused the transaction, which wrote nothing: each start alone.
	for _, r := range live {
		r.done <- s.create(r.ctx, r.batch)
	}
}
