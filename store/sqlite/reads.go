package sqlite

import (
	"context"
	"database/sql"
)

// reads are the queries the API and the runner make for every execution (DescribeExecution,
// StartExecution's state machine, the timer loop), prepared once on the readers' pool:
// database/sql prepares each on a connection the first time it runs there, and reuses it.
type reads struct {
	execution, stateMachine, timers *sql.Stmt
}

func prepareReads(ctx context.Context, db *sql.DB) (*reads, error) {
	var rd reads
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&rd.execution, `SELECT ` + execSelect + ` FROM executions WHERE arn = ?`},
		{&rd.stateMachine, `SELECT ` + smColumns + ` FROM state_machines WHERE arn = ?`},
		{&rd.timers, timerQuery},
	} {
		var err error
		if *p.dst, err = db.PrepareContext(ctx, p.q); err != nil {
			rd.close()
			return nil, err
		}
	}
	return &rd, nil
}

func (rd *reads) close() {
	for _, s := range []*sql.Stmt{rd.execution, rd.stateMachine, rd.timers} {
		if s != nil {
			s.Close()
		}
	}
}
