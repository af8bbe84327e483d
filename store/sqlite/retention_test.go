package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/storetest"
)

// TestPurgeLeavesNothing: once a purge has deleted executions, no row of any table refers to
// an execution that is gone.
func TestPurgeLeavesNothing(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	storetest.WritePurgeRows(t, s)
	far := storetest.PurgeNow.Add(time.Hour)
	for {
		n, err := s.PurgeExecutions(ctx, store.Purge{Before: far, RedrivableBefore: far, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	for _, q := range orphanQueries {
		var n int
		if err := s.r.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n != 0 {
			t.Errorf("%s = %d, want 0", q, n)
		}
	}
	var left int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM executions WHERE status <> 'RUNNING' AND map_run_arn = ''`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("closed executions left: %d %v", left, err)
	}
}

// orphanQueries count the rows that refer to no execution.
var orphanQueries = []string{
	`SELECT count(*) FROM event_chunks WHERE execution_id NOT IN (SELECT id FROM executions)`,
	`SELECT count(*) FROM timers WHERE execution_id NOT IN (SELECT id FROM executions)`,
	`SELECT count(*) FROM tasks WHERE execution_id NOT IN (SELECT id FROM executions)`,
	`SELECT count(*) FROM tags WHERE resource_arn LIKE '%:execution:%' AND resource_arn NOT IN (SELECT arn FROM executions)`,
	`SELECT count(*) FROM map_runs WHERE execution_arn NOT IN (SELECT arn FROM executions)`,
	`SELECT count(*) FROM executions WHERE map_run_arn <> '' AND map_run_arn NOT IN (SELECT arn FROM map_runs)
		AND map_run_arn NOT LIKE '%:other'`,
}

// TestPurgePlans: every statement of a purge reads an index, never the whole table, so that
// a batch costs the same however many rows the tables hold.
func TestPurgePlans(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	qs := append([]string{fmt.Sprintf(purgeSelect, ""), fmt.Sprintf(purgeSelect, keepWaiting), waitingChanges,
		`SELECT arn FROM map_runs WHERE execution_arn = ?`, purgeChildren}, purgeDeletes...)
	qs = append(qs, purgeExpress, deleteExpress) // kept Express executions: by age, by state machine
	for _, q := range qs {
		rows, err := s.r.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, 1, "x", 3)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN ") && !strings.Contains(d, "USING") {
				t.Errorf("%s\nscans a table: %s", q, p)
			}
		}
		if strings.Contains(q, "ORDER BY stopped_at") && !strings.Contains(p, "executions_closed") ||
			strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s\ndoes not read executions_closed in order: %s", q, p)
		}
		t.Logf("%s\n  %s", strings.Join(strings.Fields(q), " "), p)
	}
}
