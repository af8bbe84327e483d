package postgres

import (
	"context"
	"testing"

	"github.com/stepwise-run/stepwise/store"
)

// BenchmarkListExecutions1M reads the first page of ListExecutions over 1,000,000 stored
// executions (10 state machines, a fifth of them running), as the API does: unfiltered, by
// state machine, and by state machine and status.
func BenchmarkListExecutions1M(b *testing.B) {
	s := openFresh(b)
	ctx := context.Background()
	_, err := s.pool.Exec(ctx, `INSERT INTO executions (arn, state_machine_arn, name, status, input, started_at, parent_arn, state, version, last_event_id)
		SELECT 'arn:aws:states:us-east-1:123456789012:execution:sm' || (i % 10) || ':e' || i,
			'arn:aws:states:us-east-1:123456789012:stateMachine:sm' || (i % 10), 'e' || i,
			CASE WHEN i % 5 = 0 THEN 'RUNNING' ELSE 'SUCCEEDED' END, '{}', now(), '', '', 1, 3
		FROM generate_series(1, 1000000) AS i`)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE executions`); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		f    store.ExecutionFilter
	}{
		{"all", store.ExecutionFilter{}},
		{"machine", store.ExecutionFilter{StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm3"}},
		{"machine+status", store.ExecutionFilter{StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm5", Status: "RUNNING"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				es, _, err := s.ListExecutions(ctx, bc.f, store.Page{Limit: 100})
				if err != nil || len(es) != 100 {
					b.Fatalf("%d executions, %v", len(es), err)
				}
			}
		})
	}
}
