package runner

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/store"
)

// Activity tasks are not run by a node: they wait in the store until a worker takes one
// with GetActivityTask. A poller waits in memory, never holding a database connection: it
// looks at the store when it arrives, whenever this node commits a task for its activity,
// and once a second (another node may have scheduled one).

// activityWaiters are the pollers of this node waiting for tasks, by activity ARN.
type activityWaiters struct {
	mu sync.Mutex
	ch map[string]chan struct{}
}

// wait returns a channel closed when a task of the activity is next committed here.
func (w *activityWaiters) wait(arn string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch == nil {
		w.ch = map[string]chan struct{}{}
	}
	ch := w.ch[arn]
	if ch == nil {
		ch = make(chan struct{})
		w.ch[arn] = ch
	}
	return ch
}

func (w *activityWaiters) notify(arn string) {
	w.mu.Lock()
	ch := w.ch[arn]
	delete(w.ch, arn)
	w.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

// activityTasksCommitted wakes the pollers of the activities a durable commit scheduled
// tasks on.
func (n *Node) activityTasksCommitted(tasks []store.Task) {
	for _, t := range tasks {
		if engine.ParseResource(t.Resource).Kind == "activity" {
			n.activities.notify(t.Resource)
		}
	}
}

// activityExists is the engine's lookup of an activity about to be scheduled. A store
// error counts as existing: the task then waits for a worker rather than failing the
// execution on a passing fault.
func (n *Node) activityExists(arn string) bool {
	_, err := n.st.GetActivity(n.ctx, arn)
	return !errors.Is(err, store.ErrNotFound)
}

// TakeActivityTask waits up to NodeOptions.ActivityPoll (AWS: 60 seconds) for a task of the
// activity, hands it to the worker and records ActivityStarted with its name, which starts
// the task's heartbeat and timeout clocks. It returns nil when no task came in time or ctx
// ended (the caller went away).
func (n *Node) TakeActivityTask(ctx context.Context, activityArn, workerName string) (*store.Task, error) {
	deadline := time.NewTimer(n.opts.ActivityPoll)
	defer deadline.Stop()
	for {
		// Listen before looking, so that a task committed in between is not missed.
		woken := n.activities.wait(activityArn)
		t, err := n.st.ClaimActivityTask(ctx, activityArn, n.now())
		switch {
		case err == nil:
			ev := engine.Event{Kind: engine.TaskStarted, WorkerName: workerName}
			if err := n.Answer(ctx, t.Token, ev); err != nil {
				// The task is the worker's all the same: its answer still finds it by token.
				n.log.Error("record activity started", "execution", t.ExecutionArn, "activity", activityArn, "err", err)
			}
			return t, nil
		case !errors.Is(err, store.ErrNotFound):
			if ctx.Err() != nil {
				return nil, nil
			}
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-deadline.C:
			return nil, nil
		case <-woken:
		case <-time.After(time.Second):
		}
	}
}
