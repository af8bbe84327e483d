package events

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// SignatureHeader carries the webhook's signature: "sha256=" and the hex HMAC-SHA256 of the
// request body under the shared secret.
const SignatureHeader = "X-Stepwise-Signature"

// Sign returns the value of SignatureHeader for body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// MaxWebhookBatch bounds Webhook.Batch, and MaxWebhookBody the body of a request that
// carries more than one event. Requests, not events, are what cost the sender and the
// receiver: under the chain bench, the receiver spent about 110 µs of CPU an execution one
// event a request, 46 in batches of 10 and 20 in batches of up to 100, and the server's
// throughput was 0.72, 0.85 and 0.91 times what it was without events (BENCHMARKS.md, one
// host on 2026-12-06; a busier one that day gave 0.72 and 0.85 for one and 100, an idle one
// 0.72 and, with DefaultLinger, 0.90). The
// body bound keeps a batch of large events (up to about 260 KB each) to a size a receiver
// accepts; an event alone never passes it.
const (
	MaxWebhookBatch = 100
	MaxWebhookBody  = 1 << 20
)

// Webhook POSTs events (Content-Type application/json), each request signed with Secret when
// it is set; any 2xx answer accepts what the request carried.
//
// With Batch 0 or 1 each request carries one event, the body the event itself, as an
// EventBridge API destination receives it. The events offered at once go out concurrently,
// one request in flight per execution: an execution's events arrive in order, one after the
// other, while those of different executions overlap (a receiver a millisecond away takes
// about a thousand events a second one at a time). An execution whose event is refused
// sends nothing more in that offer.
//
// With Batch 2 to MaxWebhookBatch each request carries up to Batch events, oldest first, as a
// JSON array of at most MaxWebhookBody bytes (unless one event alone is larger), signed as
// one body; the requests of an offer go one after the other, and a refused one stops the
// rest.
type Webhook struct {
	URL    string
	Secret string
	Batch  int
	// Client makes the requests (nil: a client with a 10 s timeout that keeps a connection
	// for each request that may be in flight).
	Client *http.Client
}

var defaultClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// The default keeps two idle connections a host: the others of a concurrent offer would
	// be closed after each request and opened again for the next.
	t.MaxIdleConnsPerHost = DefaultChunk
	return &http.Client{Timeout: 10 * time.Second, Transport: t}
}()

func (w *Webhook) Send(ctx context.Context, evs []store.OutboxEvent, accepted []bool) error {
	if w.Batch > 1 {
		for start := 0; start < len(evs); {
			end, size := start+1, 2+len(evs[start].Body)
			for end < len(evs) && end-start < w.Batch && size+1+len(evs[end].Body) <= MaxWebhookBody {
				size += 1 + len(evs[end].Body)
				end++
			}
			body := make([]byte, 0, size)
			body = append(body, '[')
			for i, e := range evs[start:end] {
				if i > 0 {
					body = append(body, ',')
				}
				body = append(body, e.Body...)
			}
			if err := w.post(ctx, append(body, ']')); err != nil {
				return err
			}
			for i := start; i < end; i++ {
				accepted[i] = true
			}
			start = end
		}
		return nil
	}
	// One sender per execution, each sending its events in order and stopping at a refusal.
	var order []string
	byExecution := map[string][]int{}
	for i, e := range evs {
		key := executionOf(e.Body)
		if _, ok := byExecution[key]; !ok {
			order = append(order, key)
		}
		byExecution[key] = append(byExecution[key], i)
	}
	errs := make([]error, len(order))
	var wg sync.WaitGroup
	for k, key := range order {
		wg.Go(func() {
			for _, i := range byExecution[key] {
				if errs[k] = w.post(ctx, []byte(evs[i].Body)); errs[k] != nil {
					return
				}
				accepted[i] = true
			}
		})
	}
	wg.Wait()
	// One line for the log however many failed: a webhook that is down refuses them all.
	var first error
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			first = cmp.Or(first, err)
		}
	}
	if failed > 1 {
		return fmt.Errorf("%d executions' events refused, the first: %w", failed, first)
	}
	return first
}

// post sends one request body and reads the answer.
func (w *Webhook) post(ctx context.Context, body []byte) error {
	client := w.Client
	if client == nil {
		client = defaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if w.Secret != "" {
		req.Header.Set(SignatureHeader, Sign([]byte(w.Secret), body))
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s answered %s", w.URL, resp.Status)
	}
	return nil
}

// executionOf is the execution ARN of an event body as StatusChange writes it: the one
// member of "resources", which comes before "detail" and its strings. An ARN holds no quote
// or backslash, so it ends at the next quote. It is "" for a body not in that shape (all
// such events then go out one at a time, in order).
func executionOf(body string) string {
	const member = `"resources":["`
	i := strings.Index(body, member)
	if d := strings.Index(body, `"detail":`); i < 0 || d >= 0 && d < i {
		return ""
	}
	rest := body[i+len(member):]
	if j := strings.IndexByte(rest, '"'); j > 0 {
		return rest[:j]
	}
	return ""
}
