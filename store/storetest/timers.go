package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

func testTimers(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.NextTimer(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("NextTimer with no timers: %v, want ErrNotFound", err)
	}
	a := create(t, s, newExecution("sm", "a"), 1, []store.Timer{
		{ID: 1, Due: at(3 * time.Second)},
		{ID: 2, Due: at(1 * time.Second)},
	}, nil)
	b := create(t, s, newExecution("sm", "b"), 1, []store.Timer{{ID: 1, Due: at(2 * time.Second)}}, nil)
	ta1 := store.Timer{ExecutionArn: a.Arn, ID: 1, Due: at(3 * time.Second)}
	ta2 := store.Timer{ExecutionArn: a.Arn, ID: 2, Due: at(1 * time.Second)}
	tb1 := store.Timer{ExecutionArn: b.Arn, ID: 1, Due: at(2 * time.Second)}

	next, err := s.NextTimer(ctx)
	if err != nil {
		t.Fatalf("NextTimer: %v", err)
	}
	checkTimers(t, "NextTimer", []store.Timer{next}, []store.Timer{ta2})
	checkTimers(t, "DueTimers(t0)", due(t, s, t0, 10), nil)
	checkTimers(t, "DueTimers(+1s)", due(t, s, at(time.Second), 10), []store.Timer{ta2})
	checkTimers(t, "DueTimers(+2s)", due(t, s, at(2*time.Second), 10), []store.Timer{ta2, tb1})
	checkTimers(t, "DueTimers(+1h)", due(t, s, at(time.Hour), 0), []store.Timer{ta2, tb1, ta1})
	checkTimers(t, "DueTimers(+1h, 2)", due(t, s, at(time.Hour), 2), []store.Timer{ta2, tb1})

	// A step fires timer 2, cancels timer 1 and sets two new ones; cancelling an unknown id
	// is no error.
	next2 := *a
	c := store.Commit{Execution: &next2, Events: events(2, 1), CancelTimers: []int64{1, 2, 99},
		NewTimers: []store.Timer{{ID: 3, Due: at(2 * time.Second)}, {ID: 4, Due: at(time.Minute)}}}
	if err := s.Commit(ctx, c); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	ta3 := store.Timer{ExecutionArn: a.Arn, ID: 3, Due: at(2 * time.Second)}
	ta4 := store.Timer{ExecutionArn: a.Arn, ID: 4, Due: at(time.Minute)}
	all := due(t, s, at(time.Hour), 0)
	if len(all) != 3 || !all[2].Due.Equal(ta4.Due) {
		t.Fatalf("after commit: %s, want b/1 and a/3 (same due, any order), then a/4", timerList(all))
	}
	next, err = s.NextTimer(ctx)
	if err != nil || !next.Due.Equal(at(2*time.Second)) {
		t.Fatalf("NextTimer = %s, %v; want one due at +2s", timerList([]store.Timer{next}), err)
	}
	checkTimers(t, "DueTimers(+2s) after commit", sortTimers(due(t, s, at(2*time.Second), 10)), sortTimers([]store.Timer{ta3, tb1}))

	// Timers of executions that are not running are not due.
	end := *get(t, s, b.Arn)
	end.Status = "SUCCEEDED"
	if err := s.Commit(ctx, store.Commit{Execution: &end, Events: events(2, 1)}); err != nil {
		t.Fatalf("Commit ending b: %v", err)
	}
	checkTimers(t, "DueTimers after b ended", due(t, s, at(time.Hour), 0), []store.Timer{ta3, ta4})
	next, err = s.NextTimer(ctx)
	if err != nil {
		t.Fatalf("NextTimer: %v", err)
	}
	checkTimers(t, "NextTimer after b ended", []store.Timer{next}, []store.Timer{ta3})
}

func due(t *testing.T, s store.Store, now time.Time, limit int) []store.Timer {
	t.Helper()
	ts, err := s.DueTimers(context.Background(), now, limit)
	if err != nil {
		t.Fatalf("DueTimers(%v, %d): %v", now, limit, err)
	}
	return ts
}

func checkTimers(t *testing.T, what string, got, want []store.Timer) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].ExecutionArn == want[i].ExecutionArn && got[i].ID == want[i].ID && got[i].Due.Equal(want[i].Due)
	}
	if !ok {
		t.Errorf("%s = %s, want %s", what, timerList(got), timerList(want))
	}
}

func sortTimers(ts []store.Timer) []store.Timer {
	out := append([]store.Timer(nil), ts...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].ExecutionArn+fmt.Sprint(out[j].ID) < out[i].ExecutionArn+fmt.Sprint(out[i].ID) {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func timerList(ts []store.Timer) string {
	s := "["
	for i, tm := range ts {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s/%d@%s", strings.TrimPrefix(tm.ExecutionArn, account), tm.ID, tm.Due.Sub(t0))
	}
	return s + "]"
}
