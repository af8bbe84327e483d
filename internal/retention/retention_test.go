package retention

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// fake is a store whose purges return scripted results and take scripted time on a fake
// clock; Sleep advances the clock and records the pause.
type fake struct {
	now     time.Time
	results []result
	calls   []store.Purge
	pauses  []time.Duration
	cancel  context.CancelFunc
}

type result struct {
	n    int
	err  error
	took time.Duration
}

func (f *fake) PurgeExecutions(ctx context.Context, p store.Purge) (int, error) {
	f.calls = append(f.calls, p)
	r := f.results[0]
	f.results = f.results[1:]
	if len(f.results) == 0 {
		f.cancel()
	}
	f.now = f.now.Add(r.took)
	return r.n, r.err
}

func (f *fake) sleep(ctx context.Context, d time.Duration) error {
	f.pauses = append(f.pauses, d)
	f.now = f.now.Add(d)
	return ctx.Err()
}

func TestRun(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	tests := []struct {
		name      string
		retention time.Duration
		results   []result
		// pauses are the waits after each call (the last is the one the cancel ends).
		pauses []time.Duration
	}{
		{"backlog then caught up", 90 * 24 * time.Hour,
			[]result{{n: 10, took: 20 * ms}, {n: 10, took: 1 * ms}, {n: 3, took: 5 * ms}, {n: 0}},
			// 20ms at a 2% share: 980ms; 1ms: the 50ms floor; then the interval.
			[]time.Duration{980 * ms, 50 * ms, time.Minute, time.Minute}},
		{"another node purges", time.Hour,
			[]result{{err: store.ErrPurgeBusy}, {n: 10, took: 10 * ms}, {n: 0}},
			[]time.Duration{time.Minute, 490 * ms, time.Minute}},
		{"store fails then recovers", time.Hour,
			[]result{{err: errors.New("disk I/O error")}, {n: 1}},
			[]time.Duration{time.Minute, time.Minute}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := &fake{now: t0, results: tc.results, cancel: cancel}
			err := Run(ctx, f, Options{Retention: tc.retention, Batch: 10, Now: func() time.Time { return f.now }, Sleep: f.sleep})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run = %v, want context.Canceled", err)
			}
			// The last call's wait is cut short by the cancel: Run returns before sleeping.
			if got := f.pauses; !reflect.DeepEqual(got, tc.pauses[:len(tc.pauses)-1]) {
				t.Fatalf("pauses = %v, want %v", got, tc.pauses[:len(tc.pauses)-1])
			}
			// Each call's cutoffs follow the clock: retention back, and at least the redrive
			// window back for redrivable executions.
			now := t0
			for i, p := range f.calls {
				want := store.Purge{Before: now.Add(-tc.retention), RedrivableBefore: now.Add(-max(tc.retention, RedriveWindow)), Limit: 10}
				if p.Freeze != nil {
					t.Fatalf("call %d: a Freeze none was given", i)
				}
				if p.Before != want.Before || p.RedrivableBefore != want.RedrivableBefore || p.Limit != want.Limit {
					t.Fatalf("call %d: %+v, want %+v", i, p, want)
				}
				now = now.Add(tc.results[i].took)
				if i < len(f.pauses) {
					now = now.Add(f.pauses[i])
				}
			}
		})
	}
}

func TestCutoffs(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		retention                time.Duration
		before, redrivableBefore time.Time
	}{
		{90 * day, now.Add(-90 * day), now.Add(-90 * day)},
		{14 * day, now.Add(-14 * day), now.Add(-14 * day)},
		{7 * day, now.Add(-7 * day), now.Add(-14 * day)},
		{time.Minute, now.Add(-time.Minute), now.Add(-14 * day)},
	} {
		p := Cutoffs(now, tc.retention, 5)
		if !p.Before.Equal(tc.before) || !p.RedrivableBefore.Equal(tc.redrivableBefore) || p.Limit != 5 {
			t.Errorf("Cutoffs(%v) = %+v", tc.retention, p)
		}
	}
}

// TestRunKeepsEverything: a retention of 0 never purges.
func TestRunKeepsEverything(t *testing.T) {
	f := &fake{}
	if err := Run(context.Background(), f, Options{}); err != nil || len(f.calls) != 0 {
		t.Fatalf("Run with retention 0 = %v after %d calls", err, len(f.calls))
	}
}

// fakeExpress is a fake that keeps Express executions' log events: its purges of them return
// scripted results (0 past the script) on the same clock.
type fakeExpress struct {
	*fake
	express []result
	before  []time.Time
	limits  []int
	// rounds are the executions' purges that each Express purge followed.
	rounds []store.Purge
}

func (f *fakeExpress) PurgeExpressLogs(ctx context.Context, before time.Time, limit int) (int, error) {
	f.before, f.limits = append(f.before, before), append(f.limits, limit)
	f.rounds = append(f.rounds, f.calls[len(f.calls)-1])
	if len(f.express) == 0 {
		return 0, nil
	}
	r := f.express[0]
	f.express = f.express[1:]
	f.now = f.now.Add(r.took)
	return r.n, r.err
}

// TestRunExpress: with a store that keeps Express log events, each round also purges a batch
// of them, cut off at the retention (never the redrive window: Express executions cannot be
// redriven); a backlog of either keeps the pace, and the pause is for the time of both.
func TestRunExpress(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	tests := []struct {
		name       string
		executions []result
		express    []result
		// pauses are the waits after each round (the last is the one the cancel ends);
		// expressCalls how many Express purges there were.
		pauses       []time.Duration
		expressCalls int
	}{
		{"Express backlog",
			[]result{{n: 0}, {n: 0}, {n: 0}},
			[]result{{n: 10, took: 20 * ms}, {n: 3, took: 5 * ms}, {n: 0}},
			[]time.Duration{980 * ms, time.Minute, time.Minute}, 3},
		{"both backlogs share the pause",
			[]result{{n: 10, took: 10 * ms}, {n: 0}},
			[]result{{n: 10, took: 10 * ms}, {n: 0}},
			// 10ms + 10ms at a 2% share.
			[]time.Duration{980 * ms, time.Minute}, 2},
		{"another node purges: no Express purge",
			[]result{{err: store.ErrPurgeBusy}, {n: 0}},
			[]result{{n: 0}},
			[]time.Duration{time.Minute, time.Minute}, 1},
		{"another node took the lock between",
			[]result{{n: 0}, {n: 0}},
			[]result{{err: store.ErrPurgeBusy}, {n: 0}},
			[]time.Duration{time.Minute, time.Minute}, 2},
		{"the Express purge fails",
			[]result{{n: 10}, {n: 0}},
			[]result{{err: errors.New("disk I/O error")}, {n: 0}},
			// The store failed: the interval, even with a backlog of executions.
			[]time.Duration{time.Minute, time.Minute}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := &fakeExpress{fake: &fake{now: t0, results: tc.executions, cancel: cancel}, express: tc.express}
			var deleted int
			err := Run(ctx, f, Options{Retention: time.Hour, Batch: 10, Now: func() time.Time { return f.now }, Sleep: f.sleep,
				OnBatch: func(n int, _ time.Duration) { deleted += n }})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run = %v, want context.Canceled", err)
			}
			if got := f.pauses; !reflect.DeepEqual(got, tc.pauses[:len(tc.pauses)-1]) {
				t.Fatalf("pauses = %v, want %v", got, tc.pauses[:len(tc.pauses)-1])
			}
			if len(f.before) != tc.expressCalls {
				t.Fatalf("%d Express purges, want %d", len(f.before), tc.expressCalls)
			}
			want := 0
			for _, r := range append(tc.executions, tc.express[:tc.expressCalls]...) {
				want += r.n
			}
			if deleted != want {
				t.Errorf("OnBatch told of %d deleted, want %d", deleted, want)
			}
			// Each Express purge has its round's cutoff (the retention back from the round's
			// start, not the redrive window's) and the batch.
			for i, before := range f.before {
				if !before.Equal(f.rounds[i].Before) || f.limits[i] != 10 {
					t.Errorf("Express purge %d: before %v, limit %d; want %v, 10", i, before, f.limits[i], f.rounds[i].Before)
				}
			}
		})
	}
}
