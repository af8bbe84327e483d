package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notify sends payload to every Listen on channel, on every node using the database
// (PostgreSQL's NOTIFY; the SQLite store has no counterpart). Notifications are wake-up
// calls, not a queue: one sent while nobody listens is lost, so a node must still poll (for
// due timers, unleased executions) and treat a notification only as a reason to look now.
// Channels are per database, not per schema. Payloads are at most 7999 bytes.
func (s *Store) Notify(ctx context.Context, channel, payload string) error {
	_, err := s.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, payload)
	return err
}

// Listen subscribes to channel on a connection of its own (outside the pool) and returns
// the payloads sent to it, in order. The channel closes when ctx ends, when the store
// closes, or when the connection fails; a listener that must go on listens again, and
// should then look for what it may have missed.
func (s *Store) Listen(ctx context.Context, channel string) (<-chan string, error) {
	if s.closing.Err() != nil {
		return nil, errors.New("postgres store: Listen after Close")
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.closing, cancel)
	out := make(chan string, 64)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(out)
		defer stop()
		defer cancel()
		defer func() {
			c, done := context.WithTimeout(context.Background(), 5*time.Second)
			defer done()
			conn.Close(c)
		}()
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				return
			}
			select {
			case out <- n.Payload:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
