package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/stepwise-run/stepwise/store"
)

// DefaultEventBridgeSource is the Source of the entries EventBridge puts: PutEvents refuses
// the "aws." sources to callers (NotAuthorizedForSourceException), so the events cannot come
// as aws.states, and this is the nearest name that says what they are.
const DefaultEventBridgeSource = "stepwise.states"

// PutEventsAPI is the part of the EventBridge client a destination calls.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// EventBridge puts events on an event bus with PutEvents: each event becomes one entry, with
// the event's detail-type, detail (byte for byte), resources and time, and Source as its
// source; EventBridge makes the envelope (its own id, account and region). Entries go in
// batches of PutEvents' limits (10 entries, 256 KB), at most one event of an execution in a
// batch, so that an execution's events arrive in order. Entries a call refuses (its
// FailedEntryCount) are put again alone, Retries times after a short backoff, before Send
// gives them back to the Deliverer for its longer backoff.
type EventBridge struct {
	Client PutEventsAPI
	// Bus is the event bus's name or ARN ("": the default bus).
	Bus string
	// Source is the entries' source (DefaultEventBridgeSource when empty).
	Source string
	// Retries is how often refused entries are put again at once (0: 3; -1: never).
	Retries int
	// Backoff is the first wait before refused entries are put again; it doubles (0: 100 ms).
	Backoff time.Duration
}

// NewEventBridge returns a destination putting events on bus (a name or an ARN) through the
// AWS SDK for Go's EventBridge client, configured as the SDKs are: the default credential
// chain, and the endpoint of AWS_ENDPOINT_URL_EVENTBRIDGE, AWS_ENDPOINT_URL or the shared
// config file when one is set. The region is the bus ARN's, else the configuration's, else
// region.
func NewEventBridge(ctx context.Context, bus, source, region string) (*EventBridge, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	if r := busRegion(bus); r != "" {
		cfg.Region = r
	} else if cfg.Region == "" {
		cfg.Region = region
	}
	return &EventBridge{Client: eventbridge.NewFromConfig(cfg), Bus: bus, Source: source}, nil
}

// busRegion is the region of an event bus ARN, arn:PARTITION:events:REGION:ACCOUNT:event-bus/NAME
// ("" for a name).
func busRegion(bus string) string {
	parts := strings.SplitN(bus, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "events" && strings.HasPrefix(parts[5], "event-bus/") {
		return parts[3]
	}
	return ""
}

// ValidBus reports whether bus is an event bus name or ARN as PutEvents takes them.
func ValidBus(bus string) bool {
	if strings.HasPrefix(bus, "arn:") {
		return busRegion(bus) != ""
	}
	if bus == "" || len(bus) > 256 {
		return false
	}
	for _, r := range bus {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-", r)) {
			return false
		}
	}
	return true
}

// PutEvents' limits: entries per call, and their total size as EventBridge counts it.
const (
	maxEntries   = 10
	maxEntrySize = 256 * 1024
)

func (b *EventBridge) Send(ctx context.Context, evs []store.OutboxEvent, accepted []bool) error {
	source := b.Source
	if source == "" {
		source = DefaultEventBridgeSource
	}
	entries := make([]types.PutEventsRequestEntry, len(evs))
	sizes := make([]int, len(evs))
	for i, e := range evs {
		var ev struct {
			DetailType string          `json:"detail-type"`
			Time       string          `json:"time"`
			Resources  []string        `json:"resources"`
			Detail     json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal([]byte(e.Body), &ev); err != nil {
			return fmt.Errorf("event %d: %w", e.ID, err)
		}
		en := types.PutEventsRequestEntry{Source: aws.String(source), DetailType: aws.String(ev.DetailType),
			Detail: aws.String(string(ev.Detail)), Resources: ev.Resources}
		if b.Bus != "" {
			en.EventBusName = aws.String(b.Bus)
		}
		sizes[i] = len(source) + len(ev.DetailType) + len(ev.Detail)
		for _, r := range ev.Resources {
			sizes[i] += len(r)
		}
		if t, err := time.Parse(time.RFC3339, ev.Time); err == nil {
			en.Time = aws.Time(t)
			sizes[i] += 14
		}
		entries[i] = en
	}
	for start := 0; start < len(evs); {
		// A call carries at most one event of an execution: its entries are put again alone
		// when refused, and an execution's later change must not overtake an earlier one.
		end, size := start, 0
		seen := map[string]bool{}
		for end < len(evs) && end-start < maxEntries && (end == start || size+sizes[end] <= maxEntrySize) {
			key := strings.Join(entries[end].Resources, " ")
			if seen[key] {
				break
			}
			seen[key] = true
			size += sizes[end]
			end++
		}
		if err := b.put(ctx, entries, start, end, accepted); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// put puts entries[start:end], and again those refused, marking the accepted ones.
func (b *EventBridge) put(ctx context.Context, entries []types.PutEventsRequestEntry, start, end int, accepted []bool) error {
	retries, wait := b.Retries, b.Backoff
	if retries == 0 {
		retries = 3
	}
	if wait <= 0 {
		wait = 100 * time.Millisecond
	}
	pending := make([]int, 0, end-start)
	for i := start; i < end; i++ {
		pending = append(pending, i)
	}
	for attempt := 0; ; attempt++ {
		batch := make([]types.PutEventsRequestEntry, len(pending))
		for k, i := range pending {
			batch[k] = entries[i]
		}
		// A call that fails whole was already retried by the SDK (its standard retryer).
		out, err := b.Client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: batch})
		if err != nil {
			return fmt.Errorf("EventBridge PutEvents: %w", err)
		}
		if len(out.Entries) != len(batch) {
			return fmt.Errorf("EventBridge PutEvents answered %d entries for %d", len(out.Entries), len(batch))
		}
		var refused []int
		var why error
		for k, r := range out.Entries {
			if r.ErrorCode != nil || r.EventId == nil {
				refused = append(refused, pending[k])
				why = fmt.Errorf("%s: %s", aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
				continue
			}
			accepted[pending[k]] = true
		}
		if len(refused) == 0 {
			return nil
		}
		if retries < 0 || attempt >= retries {
			return fmt.Errorf("EventBridge PutEvents refused %d of %d entries (FailedEntryCount %d), the last with %w",
				len(refused), len(batch), out.FailedEntryCount, why)
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), why)
		case <-time.After(wait << attempt):
		}
		pending = refused
	}
}
