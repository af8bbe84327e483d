// Package cloudwatch is the execution logs' sink to CloudWatch Logs (execlog.Sink), through
// the aws-sdk integrations' client.
package cloudwatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/internal/ids"
)

// Caller makes an AWS API call (awssdk.Client.Call).
type Caller interface {
	Call(ctx context.Context, call awssdk.Call) (*awssdk.Result, error)
}

// Sink sends log events to the CloudWatch Logs log group of each state machine's
// destination with PutLogEvents, in batches: Write queues them and returns, a background
// loop sends what has queued every FlushEvery (or sooner, at maxBatch events). The log
// stream, created at the first write to a group, is named stepwise/<date>/<node id>.
// Events of a state machine without a destination, and events past a full queue, are
// dropped and counted in the node's log.
type Sink struct {
	calls  Caller
	log    *slog.Logger
	stream string
	flush  time.Duration
	now    func() time.Time

	mu      sync.Mutex
	queue   map[string][]logEvent // by log group ARN
	queued  int
	dropped int
	created map[string]bool
	wake    chan struct{}
	done    chan struct{}
}

type logEvent struct {
	at  int64 // epoch milliseconds
	msg string
}

// maxQueued bounds the events waiting to be sent; maxBatch and maxBatchBytes are
// PutLogEvents' bounds on a call: 10,000 events and 1,048,576 bytes, each event counting its
// message's bytes and eventOverhead (a call past either fails whole).
const (
	maxQueued     = 100_000
	maxBatch      = 10_000
	maxBatchBytes = 1_048_576
	eventOverhead = 26
)

// New returns a sink calling calls; Run sends what it queues.
func New(calls Caller, log *slog.Logger, flushEvery time.Duration) *Sink {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if flushEvery <= 0 {
		flushEvery = time.Second
	}
	return &Sink{calls: calls, log: log, flush: flushEvery, now: time.Now,
		stream: "stepwise/" + time.Now().UTC().Format("2006/01/02") + "/" + ids.UUID(),
		queue:  map[string][]logEvent{}, created: map[string]bool{},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (s *Sink) Write(group string, lines []byte) error {
	if group == "" {
		return errors.New("the state machine's loggingConfiguration has no cloudWatchLogsLogGroup destination")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A call's events must be in chronological order, or it fails whole: the clock is read
	// under the lock, and an event is never queued as earlier than the one before it (the
	// clock may step back).
	now := s.now().UnixMilli()
	if q := s.queue[group]; len(q) > 0 {
		now = max(now, q[len(q)-1].at)
	}
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n')
		if i < 0 {
			i = len(lines)
		}
		line := lines[:i]
		lines = lines[min(i+1, len(lines)):]
		if s.queued >= maxQueued {
			s.dropped++
			continue
		}
		s.queue[group] = append(s.queue[group], logEvent{at: now, msg: string(line)})
		s.queued++
	}
	if s.queued >= maxBatch {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// Run sends the queued events until ctx ends, then sends what is left and returns.
func (s *Sink) Run(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.flush)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-s.wake:
		}
		// A send is not cut short when ctx ends (the node stops): the events it carries and
		// the last ones are sent, within a bound.
		stopping := ctx.Err() != nil
		send, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		s.send(send)
		cancel()
		if stopping {
			return
		}
	}
}

// Done is closed when Run has returned.
func (s *Sink) Done() <-chan struct{} { return s.done }

// send puts the queued events, a batch per log group.
func (s *Sink) send(ctx context.Context) {
	s.mu.Lock()
	queue, dropped := s.queue, s.dropped
	s.queue, s.queued, s.dropped = map[string][]logEvent{}, 0, 0
	s.mu.Unlock()
	if dropped > 0 {
		s.log.Warn("execution logs dropped: the CloudWatch Logs queue was full", "events", dropped)
	}
	for group, evs := range queue {
		for len(evs) > 0 {
			n := batchLen(evs)
			if err := s.put(ctx, group, evs[:n]); err != nil {
				s.log.Error("execution logs: PutLogEvents", "logGroup", group, "events", n, "err", err)
			}
			evs = evs[n:]
		}
	}
}

// batchLen is how many of evs the next PutLogEvents call carries: as many as its bounds
// allow, and at least one.
func batchLen(evs []logEvent) int {
	n, size := 0, 0
	for n < len(evs) && n < maxBatch {
		size += len(evs[n].msg) + eventOverhead
		if n > 0 && size > maxBatchBytes {
			break
		}
		n++
	}
	return max(n, 1)
}

func (s *Sink) put(ctx context.Context, groupArn string, evs []logEvent) error {
	name, region, err := logGroup(groupArn)
	if err != nil {
		return err
	}
	if !s.created[groupArn] {
		_, err := s.calls.Call(ctx, awssdk.Call{Service: "cloudwatchlogs", Action: "createLogStream", Region: region,
			Params: map[string]any{"LogGroupName": name, "LogStreamName": s.stream}})
		var se *awssdk.ServiceError
		if err != nil && !(errors.As(err, &se) && se.Code == "ResourceAlreadyExistsException") {
			return err
		}
		s.created[groupArn] = true
	}
	list := make([]any, len(evs))
	for i, e := range evs {
		list[i] = map[string]any{"Timestamp": e.at, "Message": e.msg}
	}
	_, err = s.calls.Call(ctx, awssdk.Call{Service: "cloudwatchlogs", Action: "putLogEvents", Region: region,
		Params: map[string]any{"LogGroupName": name, "LogStreamName": s.stream, "LogEvents": list}})
	return err
}

// logGroup reads a log group's name and region out of its ARN,
// arn:aws:logs:REGION:ACCOUNT:log-group:NAME:* (the trailing :* optional).
func logGroup(arn string) (name, region string, err error) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) < 7 || parts[2] != "logs" || parts[5] != "log-group" {
		return "", "", fmt.Errorf("not a log group ARN: %q", arn)
	}
	return strings.TrimSuffix(parts[6], ":*"), parts[3], nil
}
