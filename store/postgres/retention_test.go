package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/storetest"
)

var orphanQueries = []string{
	`SELECT count(*) FROM event_chunks WHERE execution_id NOT IN (SELECT id FROM executions)`,
	`SELECT count(*) FROM timers WHERE execution_id NOT IN (SELECT id FROM executions)`,
	`SELECT count(*) FROM tasks WHERE execution_id NOT IN (SELECT id FROM executions)`,
	`SELECT count(*) FROM tags WHERE resource_arn LIKE '%:execution:%' AND resource_arn NOT IN (SELECT arn FROM executions)`,
	`SELECT count(*) FROM map_runs WHERE execution_arn NOT IN (SELECT arn FROM executions)`,
	`SELECT count(*) FROM executions WHERE map_run_arn <> '' AND map_run_arn NOT IN (SELECT arn FROM map_runs)
		AND map_run_arn NOT LIKE '%:other'`,
	`SELECT count(*) FROM executions WHERE status <> 'RUNNING' AND map_run_arn = ''`,
}

// TestPurgeOneNodeAtATime: two nodes on one schema purge at the same time; while one holds
// the purge lock the other gets ErrPurgeBusy, and together they delete everything once,
// leaving no row that refers to a deleted execution.
func TestPurgeOneNodeAtATime(t *testing.T) {
	schema := freshSchema(t)
	ctx := context.Background()
	open := func() *Store {
		s, err := Open(ctx, schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	storetest.WritePurgeRows(t, a)
	far := storetest.PurgeNow.Add(time.Hour)
	p := store.Purge{Before: far, RedrivableBefore: far, Limit: 1}

	// A batch in progress on one node (its lock held by a transaction) keeps the other out.
	tx, err := a.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(purgeLock)); err != nil {
		t.Fatal(err)
	}
	if n, err := b.PurgeExecutions(ctx, p); !errors.Is(err, store.ErrPurgeBusy) || n != 0 {
		t.Fatalf("PurgeExecutions while another node purges = %d, %v; want ErrPurgeBusy", n, err)
	}
	tx.Rollback(ctx)

	var mu sync.Mutex
	total, busy := 0, 0
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b} {
		wg.Go(func() {
			for idle := 0; idle < 20; {
				n, err := s.PurgeExecutions(ctx, p)
				mu.Lock()
				switch {
				case errors.Is(err, store.ErrPurgeBusy):
					busy++
				case err != nil:
					t.Error(err)
					idle = 20
				case n == 0:
					idle++
				}
				total += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if total != 12 {
		t.Errorf("two nodes purged %d executions, want the fixture's 10 closed ones and 2 map children", total)
	}
	t.Logf("purged %d, %d batches found the other node purging", total, busy)
	for _, q := range orphanQueries {
		var n int
		if err := a.pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n != 0 {
			t.Errorf("%s = %d, want 0", q, n)
		}
	}
}

// TestPurgePlan: the purge's selection can read executions_closed in stop-date order (no
// sort, no scan of the table).
func TestPurgePlan(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	for _, cond := range []string{"", keepWaiting} {
		rows, err := tx.Query(ctx, `EXPLAIN `+fmt.Sprintf(purgeSelect, cond), time.Now(), time.Now(), 500)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, l)
		}
		rows.Close()
		p := strings.Join(plan, "\n")
		if !strings.Contains(p, "executions_closed") || strings.Contains(p, "Sort") ||
			cond != "" && !strings.Contains(p, "outbox_by_execution") {
			t.Fatalf("purge selection (%q) does not read executions_closed in order, and outbox_by_execution:\n%s", cond, p)
		}
	}
}

// TestPurgeExpressPlan: a batch of the kept Express executions' purge can read
// express_logs_last in order (no sort, no scan of the table), and a state machine's delete
// reads express_logs_machine. (Bitmap scans off: on the empty table the planner would rather
// sort the few rows it expects.)
func TestPurgeExpressPlan(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q     string
		args  []any
		index string
	}{
		{purgeExpress, []any{time.Now(), 500}, "express_logs_last"},
		{deleteExpress, []any{"arn"}, "express_logs_machine"},
	} {
		rows, err := tx.Query(ctx, `EXPLAIN `+c.q, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if p := strings.Join(plan, "\n"); !strings.Contains(p, c.index) || strings.Contains(p, "Sort") {
			t.Errorf("%s\ndoes not read %s in order:\n%s", c.q, c.index, p)
		}
	}
}
