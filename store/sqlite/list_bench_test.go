package sqlite

import (
	"context"
	"testing"

	"github.com/stepwise-run/stepwise/store"
)

// BenchmarkListExecutions1M reads the first page of ListExecutions over 1,000,000 stored
// executions (10 state machines, a fifth of them running), as the API does: unfiltered, by
// state machine, and by state machine and status.
func BenchmarkListExecutions1M(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	_, err := s.w.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
		INSERT INTO executions (arn, state_machine_arn, name, status, input, started_at, parent_arn, state, version, last_event_id)
		SELECT 'arn:aws:states:us-east-1:123456789012:execution:sm' || (i % 10) || ':e' || i,
			'arn:aws:states:us-east-1:123456789012:stateMachine:sm' || (i % 10), 'e' || i,
			CASE WHEN i % 5 = 0 THEN 'RUNNING' ELSE 'SUCCEEDED' END, '{}', i, '', '', 1, 3 FROM n`)
	if err != nil {
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
