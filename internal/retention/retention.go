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

// ExpressPurger is the method of a store that keeps Express executions' log events
// (store.ExpressLogs): when the Purger has it, Run purges those too, by their last event.
type ExpressPurger interface {
	PurgeExpressLogs(ctx context.Context, before time.Time, limit int) (int, error)
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
	// OnBatch, when set, is told of every round that deleted something: the executions and
	// kept Express executions deleted, and the time taken (for metrics and the bench).
	OnBatch func(n int, took time.Duration)
	// Freeze is store.Purge.Freeze: how the status changes still waiting for executions
	// being deleted are rewritten whole (nil: such executions are kept until delivered).
	Freeze func(*store.StatusChange, *store.Execution) string
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

// Run purges until ctx ends; it returns ctx's error (nil at once when Retention is 0). Each
// round deletes a batch of closed executions and, when st is an ExpressPurger, a batch of
// kept Express executions whose last event is past the retention (Express executions cannot
// be redriven); the pause after a round is for the time of both.
func Run(ctx context.Context, st Purger, o Options) error {
	if o.Retention <= 0 {
		return nil
	}
	o.defaults()
	xp, _ := st.(ExpressPurger)
	swept, sweptExpress := 0, 0
	for {
		start := o.Now()
		p := Cutoffs(start, o.Retention, o.Batch)
		p.Freeze = o.Freeze
		n, err := st.PurgeExecutions(ctx, p)
		busy := errors.Is(err, store.ErrPurgeBusy)
		failed := err != nil && !busy
		if failed && ctx.Err() == nil {
			o.Logger.Error("retention: purge", "err", err)
		}
		nx := 0
		if xp != nil && !busy { // busy: another node purges both
			nx, err = xp.PurgeExpressLogs(ctx, p.Before, o.Batch)
			busy = errors.Is(err, store.ErrPurgeBusy)
			if err != nil && !busy {
				failed = true
				if ctx.Err() == nil {
					o.Logger.Error("retention: purge of kept Express executions", "err", err)
				}
			}
		}
		took := o.Now().Sub(start)
		if n+nx > 0 && o.OnBatch != nil {
			o.OnBatch(n+nx, took)
		}
		swept, sweptExpress = swept+n, sweptExpress+nx
		wait := o.Interval
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case busy || failed:
			// Another node purges (it will take over the backlog), or the store failed.
		case n >= o.Batch || nx >= o.Batch:
			wait = max(o.MinPause, time.Duration(float64(took)*(1-o.Share)/o.Share))
		default:
			if swept > 0 || sweptExpress > 0 {
				o.Logger.Info("retention: purged closed executions", "executions", swept, "express", sweptExpress,
					"retention", o.Retention.String())
			}
			swept, sweptExpress = 0, 0
		}
		if err := o.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}
