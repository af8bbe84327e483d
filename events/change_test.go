package events_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stepwise-run/stepwise/events"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/internal/pgtest"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/postgres"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// collect is a Destination that keeps the bodies it is sent.
type collect struct{ bodies []string }

func (d *collect) Send(_ context.Context, evs []store.OutboxEvent, accepted []bool) error {
	for i, e := range evs {
		d.bodies = append(d.bodies, e.Body)
		accepted[i] = true
	}
	return nil
}

// TestChangesByReference: status changes kept by reference are delivered exactly as the
// events built whole at their commits, even when the execution's row changed before the
// delivery (it failed, was redriven and succeeded, all before the first delivery); the
// retention purge keeps an execution whose change waits, or, given store.Purge.Freeze,
// rewrites the change whole and deletes the execution; a change whose execution is gone (a
// store changed by hand) is dropped, not sent, and does not hold up the rest.
func TestChangesByReference(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "s.db")
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		testChangesByReference(t, st, func(arn string) {
			db, err := sql.Open("sqlite", path)
			if err == nil {
				_, err = db.Exec(`DELETE FROM executions WHERE arn = ?`, arn)
				db.Close()
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("postgres", func(t *testing.T) {
		pgtest.Connect(t).Close(context.Background()) // skips, saying so, when no server answers
		dsn := pgtest.FreshSchema(t)
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		testChangesByReference(t, st, func(arn string) {
			conn, err := pgx.Connect(context.Background(), dsn)
			if err == nil {
				_, err = conn.Exec(context.Background(), `DELETE FROM executions WHERE arn = $1`, arn)
				conn.Close(context.Background())
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}

var eventID = regexp.MustCompile(`^\{"version":"0","id":"[^"]*"`)

func testChangesByReference(t *testing.T, st store.Store, removeByHand func(arn string)) {
	ctx := context.Background()
	const region, account = "us-east-1", "123456789012"
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	row := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:sm:e", Name: "e",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
		Status:          "RUNNING", Input: `{"in":"<\"quoted\">"}`, StartedAt: at, State: "{}"}
	var want []string
	next := int64(1)
	commit := func(reason string, create bool) {
		t.Helper()
		ch, ok := events.Change(row, reason)
		if !ok {
			t.Fatalf("%s: not kept by reference", row.Status)
		}
		// The event built whole at the commit, with the change's id.
		whole := events.StatusChange(row, region, account, reason)
		want = append(want, eventID.ReplaceAllString(whole, `{"version":"0","id":"`+ch.EventID+`"`))
		c := store.Commit{Execution: row, Events: []history.Event{{ID: next, Type: "Step", Timestamp: history.Time{Time: at}}},
			StatusChanges: []store.StatusChange{ch}}
		next++
		var err error
		if create {
			err = st.CreateExecution(ctx, c)
		} else {
			err = st.Commit(ctx, c)
		}
		if err != nil {
			t.Fatal(err)
		}
		stored, err := st.GetExecution(ctx, row.Arn)
		if err != nil {
			t.Fatal(err)
		}
		row = stored
	}
	commit("", true)
	stop, redrive, end := at.Add(time.Second), at.Add(time.Minute), at.Add(2*time.Minute)
	row.Status, row.StoppedAt, row.Error, row.Cause = "FAILED", &stop, ptr("Oops"), ptr(`it "broke" <here>`)
	commit("", false)
	row.Status, row.StoppedAt, row.Error, row.Cause, row.RedriveCount, row.RedriveDate = "RUNNING", nil, nil, nil, 1, &redrive
	commit("Execution is RUNNING and cannot be redriven", false)
	row.Status, row.StoppedAt, row.Output = "SUCCEEDED", &end, ptr(`{"out":[1,2]}`)
	commit("Execution is SUCCEEDED and cannot be redriven", false)

	// Three more executions, each started and ended in one commit: two that the retention
	// purge deletes with their changes still waiting (rewritten whole), one of them with its
	// two changes in one row (store.JoinStarted), and one more joined, which stops after the
	// cutoff and is delivered by reference; then a fourth, removed by hand with its change
	// waiting.
	later := end.Add(24 * time.Hour)
	var purged, gone *store.Execution
	for _, name := range []string{"purged", "gone", "joined"} {
		stopped := stop
		if name == "joined" {
			stopped = end
		}
		e := &store.Execution{Arn: row.Arn + "-" + name, Name: name, StateMachineArn: row.StateMachineArn, Status: "SUCCEEDED",
			Input: "{}", Output: ptr(`{"done":true}`), StartedAt: at, StoppedAt: &stopped, State: "{}"}
		// Started and ended in one step: two changes in one commit, RUNNING first.
		started := *e
		started.Status, started.StoppedAt, started.Output = "RUNNING", nil, nil
		var changes []store.StatusChange
		for _, r := range []*store.Execution{&started, e} {
			reason := "Execution is " + r.Status + " and cannot be redriven"
			ch, _ := events.Change(r, reason)
			changes = append(changes, ch)
			whole := events.StatusChange(r, region, account, reason)
			want = append(want, eventID.ReplaceAllString(whole, `{"version":"0","id":"`+ch.EventID+`"`))
		}
		if name != "gone" {
			if changes = store.JoinStarted(changes); len(changes) != 1 {
				t.Fatalf("JoinStarted kept %d changes, want 1", len(changes))
			}
		}
		if err := st.CreateExecution(ctx, store.Commit{Execution: e, Events: []history.Event{{ID: 1, Type: "Step", Timestamp: history.Time{Time: at}}},
			StatusChanges: changes}); err != nil {
			t.Fatal(err)
		}
		if name == "purged" {
			purged = e
		} else {
			gone = e
		}
	}
	p, ok := st.(interface {
		PurgeExecutions(context.Context, store.Purge) (int, error)
	})
	if !ok {
		t.Fatalf("%T purges nothing", st)
	}
	// Without Freeze, the purge keeps every execution whose change waits.
	if n, err := p.PurgeExecutions(ctx, store.Purge{Before: later, RedrivableBefore: later, Limit: 100}); err != nil || n != 0 {
		t.Fatalf("PurgeExecutions with changes waiting: %d, %v; want 0 deleted", n, err)
	}
	// With it, the executions it deletes leave their changes whole (only those that stopped
	// before the cutoff go: not the first, which stopped later).
	freeze := func(c *store.StatusChange, r *store.Execution) string { return events.Build(c, r, region, account) }
	cutoff := stop.Add(time.Second)
	if n, err := p.PurgeExecutions(ctx, store.Purge{Before: cutoff, RedrivableBefore: cutoff, Limit: 100, Freeze: freeze}); err != nil || n != 2 {
		t.Fatalf("PurgeExecutions with Freeze: %d, %v; want 2 deleted", n, err)
	}
	if _, err := st.GetExecution(ctx, purged.Arn); err == nil {
		t.Fatalf("%s not purged", purged.Arn)
	}
	// The third, its change waiting by reference for a row that is then removed by hand.
	ch, _ := events.Change(gone, "")
	gone.Arn += "-again"
	if err := st.CreateExecution(ctx, store.Commit{Execution: gone, Events: []history.Event{{ID: 1, Type: "Step", Timestamp: history.Time{Time: at}}},
		StatusChanges: []store.StatusChange{ch}}); err != nil {
		t.Fatal(err)
	}
	removeByHand(gone.Arn)

	dst := &collect{}
	d := events.New(events.Options{Outbox: st.(store.Outbox), Destinations: []events.Destination{dst}, Region: region, Account: account})
	for d.Once(ctx) {
	}
	if len(dst.bodies) != len(want) {
		t.Fatalf("delivered %d events, want %d:\n%q", len(dst.bodies), len(want), dst.bodies)
	}
	for i := range want {
		if dst.bodies[i] != want[i] {
			t.Errorf("event %d:\n got %s\nwant %s", i, dst.bodies[i], want[i])
		}
	}
	if left, err := st.(store.Outbox).HeadOutbox(ctx, 10); err != nil || len(left) != 0 {
		t.Errorf("outbox after delivery: %d events, %v; want none (the one of the execution gone dropped)", len(left), err)
	}
	// Delivered, the executions can go.
	if n, err := p.PurgeExecutions(ctx, store.Purge{Before: later, RedrivableBefore: later, Limit: 100}); err != nil || n != 2 {
		t.Errorf("PurgeExecutions once delivered: %d, %v; want 2", n, err)
	}
}

func ptr(s string) *string { return &s }
