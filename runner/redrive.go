package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/store"
)

// AWS keeps a redrive's client token for 15 minutes, and the last 10 of an execution.
const (
	redriveTokenTTL  = 15 * time.Minute
	redriveTokensMax = 10
)

// RedriveReason returns why the stored execution cannot be redriven now, in the words of
// DescribeExecution's redriveStatusReason, or "" when it can.
func (n *Node) RedriveReason(row *store.Execution) string {
	return n.redriveFacts(row).RedriveReason(n.now())
}

func (n *Node) redriveFacts(row *store.Execution) engine.RedriveFacts {
	f := engine.RedriveFacts{
		Status: engine.Status(row.Status), StartTime: row.StartedAt, LastEventID: row.LastEventID,
		Kept: row.State != "", MaxHistoryEvents: n.opts.MaxHistoryEvents,
	}
	if row.StoppedAt != nil {
		f.StopTime = *row.StoppedAt
	}
	return f
}

// Redrive restarts a failed, timed-out or aborted execution where it stopped, as
// RedriveExecution does, and returns the redrive's date. The redrive is committed before it
// returns, and the execution then runs like any other (a restart resumes it). A client
// token seen in the execution's last redrives within 15 minutes returns that redrive's date
// and does nothing. Errors wrap engine.ErrNotRedrivable when AWS would refuse the redrive,
// store.ErrNotFound when there is no such execution.
func (n *Node) Redrive(ctx context.Context, arn, clientToken string) (time.Time, error) {
	deadline := time.Now().Add(max(3*time.Second, n.opts.LeaseTTL))
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		at, retry, err := n.redriveOnce(ctx, arn, clientToken)
		if !retry {
			return at, err
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("execution %s is busy on another node; try again", arn)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// redriveOnce tries the redrive once; retry reports a lease or version held by another
// node, which a moment may free.
func (n *Node) redriveOnce(ctx context.Context, arn, clientToken string) (at time.Time, retry bool, err error) {
	row, err := n.st.GetExecution(ctx, arn)
	if err != nil {
		return time.Time{}, false, err
	}
	now := n.now()
	ex := &engine.Execution{}
	if row.State != "" {
		if ex, err = decodeState(row.State); err != nil {
			return time.Time{}, false, err
		}
		if t, ok := redriveTokenTime(ex.RedriveTokens, clientToken, now); ok {
			return t, false, nil
		}
	}
	if reason := n.redriveFacts(row).RedriveReason(now); reason != "" {
		return time.Time{}, false, &engine.NotRedrivableError{Reason: reason}
	}
	got, err := n.st.Lease(ctx, n.owner, []string{arn}, now.Add(n.opts.LeaseTTL))
	if err != nil {
		return time.Time{}, false, err
	}
	if len(got) == 0 {
		return time.Time{}, true, nil
	}
	// The redrive runs the revision (or version) the execution ran, whatever changed since.
	sm, err := n.machineFor(ctx, row, ex.Revision)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, false, &engine.NotRedrivableError{Reason: "State machine is in DELETING status"}
	}
	if err != nil {
		return time.Time{}, false, err
	}
	in, err := n.Interpreter(sm)
	if err != nil {
		return time.Time{}, false, err
	}
	step, err := in.Redrive(ex, now)
	if err != nil {
		return time.Time{}, false, err
	}
	if clientToken != "" {
		ex.RedriveTokens = keepRedriveToken(ex.RedriveTokens, engine.RedriveToken{Token: clientToken, Time: now}, now)
	}
	l := &live{ex: ex, in: in, row: *row}
	c, tasks, err := n.commitFor(l, step, engine.Event{})
	if err == nil {
		t0 := time.Now()
		err = n.st.Commit(ctx, c)
		n.Stats.Commits.Add(1)
		n.Stats.CommitNanos.Add(int64(time.Since(t0)))
	}
	if errors.Is(err, store.ErrConflict) {
		return time.Time{}, true, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	l.row = *c.Execution
	l.row.Version++
	if !ex.Done() {
		n.mu.Lock()
		n.live[arn] = l
		n.mu.Unlock()
	}
	n.afterCommit(arn, c, tasks)
	return now, false, nil
}

// redriveTokenTime finds a client token among an execution's recent redrives.
func redriveTokenTime(tokens []engine.RedriveToken, token string, now time.Time) (time.Time, bool) {
	if token == "" {
		return time.Time{}, false
	}
	for _, t := range tokens {
		if t.Token == token && now.Sub(t.Time) < redriveTokenTTL {
			return t.Time, true
		}
	}
	return time.Time{}, false
}

// keepRedriveToken adds t to the recent tokens, dropping expired ones and the oldest beyond
// ten.
func keepRedriveToken(tokens []engine.RedriveToken, t engine.RedriveToken, now time.Time) []engine.RedriveToken {
	var out []engine.RedriveToken
	for _, o := range tokens {
		if now.Sub(o.Time) < redriveTokenTTL {
			out = append(out, o)
		}
	}
	out = append(out, t)
	if len(out) > redriveTokensMax {
		out = out[len(out)-redriveTokensMax:]
	}
	return out
}
