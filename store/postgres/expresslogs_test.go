package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
)

// TestExpressLogsOverlapDelete: a DeleteStateMachine whose transaction overlaps one of
// AddExpressLogs leaves no kept execution of the state machine, whichever of the two takes
// the state machine's row first.
func TestExpressLogsOverlapDelete(t *testing.T) {
	ctx := context.Background()
	s := openFresh(t)
	create := func(name string) string {
		t.Helper()
		sm := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:" + name, Name: name,
			Type: "EXPRESS", Definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
			RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "rev-1", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := s.CreateStateMachine(ctx, sm); err != nil {
			t.Fatal(err)
		}
		return sm.Arn
	}
	kept := func(sm string) int {
		t.Helper()
		var n int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM express_logs WHERE state_machine_arn = $1`, sm).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// settle gives the other transaction's statement time to reach the lock it waits for.
	const settle = 200 * time.Millisecond
	for _, tc := range []struct {
		name string
		// first runs the statements of the transaction that takes the state machine's row
		// first, left uncommitted; then runs the other side, alone, as the store does.
		first func(sm string, tx pgx.Tx) error
		then  func(sm string) error
	}{
		{"keeper first",
			func(sm string, tx pgx.Tx) error {
				now := time.Now()
				_, err := tx.Exec(ctx, addExpress, sm+":x:1", sm, now, now, 1, "ExecutionStarted", `{"id":"1"}`+"\n", store.MaxExpressLogBytes)
				return err
			},
			func(sm string) error { return s.DeleteStateMachine(ctx, sm) }},
		{"delete first",
			func(sm string, tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `DELETE FROM state_machines WHERE arn = $1`, sm); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, deleteExpress, sm)
				return err
			},
			func(sm string) error {
				return s.AddExpressLogs(ctx, []store.ExpressLogEvent{{StateMachineArn: sm, ExecutionArn: sm + ":x:1", ID: 1,
					Type: "ExecutionStarted", Timestamp: time.Now(), Line: `{"id":"1"}`}}, 100)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sm := create(strings.ReplaceAll(tc.name, " ", ""))
			tx, err := s.pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			if err := tc.first(sm, tx); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- tc.then(sm) }()
			time.Sleep(settle)
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("the other side: %v", err)
			}
			if n := kept(sm); n != 0 {
				t.Errorf("%d executions kept of a state machine deleted, want none", n)
			}
		})
	}
}

// BenchmarkAddExpressLogs: the keeper's write of 32 Express executions of one state machine,
// four log events each, as one batch.
func BenchmarkAddExpressLogs(b *testing.B) {
	ctx := context.Background()
	s := openFresh(b)
	sm := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench", Name: "bench", Type: "EXPRESS",
		Definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, RoleArn: "arn:aws:iam::123456789012:role/r",
		Status: "ACTIVE", RevisionID: "rev-1", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := s.CreateStateMachine(ctx, sm); err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		var evs []store.ExpressLogEvent
		for range 32 {
			n++
			arn := fmt.Sprintf("%s:x:%d", sm.Arn, n)
			for id := range 4 {
				evs = append(evs, store.ExpressLogEvent{StateMachineArn: sm.Arn, ExecutionArn: arn, ID: int64(id + 1),
					Type: "PassStateEntered", Timestamp: time.Now(), Line: `{"id":"1","type":"PassStateEntered"}`})
			}
		}
		if err := s.AddExpressLogs(ctx, evs, 1000); err != nil {
			b.Fatal(err)
		}
	}
}
