package retention

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// RedriveWindow is how long after it closed a failed, timed-out or aborted execution can be
// redriven on AWS ("within 14 days of close"): the purge keeps it that long.
const RedriveWindow = 14 * 24 * time.Hour

// Default is AWS's retention of closed executions.
const Default = 90 * 24 * time.Hour

// Purger is the store method the loop needs.
type Purger interface {
	PurgeExecutions(ctx context.Context, p store.Purge) (int, error)
}

// Options configure Run; zero values take the defaults.
type Options struct {
	// Retention is how long a closed execution is kept after it stopped; 0 keeps everything
	// (Run returns at once).
	Retention time.Duration
	// Batch is how many executions one transaction deletes, Distributed Map children
	// included (500).
	Batch int
	// Share is the most of the store's time the purge may take while it has a backlog (0.02):
	// after a batch that took d, it pauses d*(1-Share)/Share, and at least MinPause.
	Share    float64
	MinPause time.Duration // 50ms
	// Interval is how long it waits once nothing is left to delete, or when another node
	// purges or the store failed (1 minute).
	Interval time.Duration
	// Now and Sleep are the clock (time.Now, and a timer that ctx ends); tests pass fakes.
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
	// OnBatch, when set, is told of every batch that deleted something (for metrics and the
	// bench).
	OnBatch func(n int, took time.Duration)
}

func (o *Options) defaults() {
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Share <= 0 || o.Share > 1 {
		o.Share = 0.02
	}
	if o.MinPause <= 0 {
		o.MinPause = 50 * time.Millisecond
	}
	if o.Interval <= 0 {
		o.Interval = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Cutoffs are what a purge at now deletes with a retention r: executions that stopped
// before now-r, redrivable ones only when they also stopped more than RedriveWindow ago.
func Cutoffs(now time.Time, r time.Duration, batch int) store.Purge {
	return store.Purge{Before: now.Add(-r), RedrivableBefore: now.Add(-max(r, RedriveWindow)), Limit: batch}
}

// Run purges until ctx ends; it returns ctx's error (nil at once when Retention is 0).
func Run(ctx context.Context, st Purger, o Options) error {
	if o.Retention <= 0 {
		return nil
	}
	o.defaults()
	swept := 0
	for {
		start := o.Now()
		n, err := st.PurgeExecutions(ctx, Cutoffs(start, o.Retention, o.Batch))
		took := o.Now().Sub(start)
		if n > 0 && o.OnBatch != nil {
			o.OnBatch(n, took)
		}
		wait := o.Interval
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, store.ErrPurgeBusy):
			// Another node purges; it will take over the backlog.
		case err != nil:
			o.Logger.Error("retention: purge", "err", err)
		case n >= o.Batch:
			swept += n
			wait = max(o.MinPause, time.Duration(float64(took)*(1-o.Share)/o.Share))
		default:
			swept += n
			if swept > 0 {
				o.Logger.Info("retention: purged closed executions", "executions", swept, "retention", o.Retention.String())
			}
			swept = 0
		}
		if err := o.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}
