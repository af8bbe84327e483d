package awstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// EventBus answers EventBridge's PutEvents as AWS does (the AWS JSON 1.1 protocol, target
// AWSEvents.PutEvents), keeping the entries it accepts. No EventBridge emulator is packaged
// for Go or npm, so this receiver stands in: it checks each request's SigV4 signature with the
// SDK's own signer and the credentials Isolate sets, and the request's shape and PutEvents'
// limits (10 entries, 256 KB, no "aws." source, a detail that is a JSON object), and answers
// a refusal per entry as EventBridge does (FailedEntryCount, ErrorCode, ErrorMessage).
type EventBus struct {
	T testing.TB
	// Refuse, when set, is asked about each entry: true refuses it with InternalFailure.
	Refuse func(e BusEntry) bool

	mu      sync.Mutex
	entries []BusEntry
	calls   int
	refused int
}

// BusEntry is an entry as PutEvents received it.
type BusEntry struct {
	Source, DetailType, Detail, EventBusName string
	Resources                                []string
	Time                                     time.Time
	// Received is when the receiver got it.
	Received time.Time
}

// Entries returns the accepted entries, in the order they came.
func (b *EventBus) Entries() []BusEntry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]BusEntry(nil), b.entries...)
}

// Counts returns the calls made and the entries refused.
func (b *EventBus) Counts() (calls, refused int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls, b.refused
}

func (b *EventBus) fail(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"__type":%q,"message":%q}`, typ, msg)
}

func (b *EventBus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := verifySigV4(r, body, "events"); err != nil {
		b.T.Errorf("PutEvents request: %v", err)
		b.fail(w, http.StatusForbidden, "InvalidSignatureException", err.Error())
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		b.T.Errorf("not a PutEvents request: %s %s, target %q, Content-Type %q", r.Method, r.URL, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"))
		b.fail(w, http.StatusBadRequest, "UnknownOperationException", "")
		return
	}
	var req struct {
		Entries []struct {
			Source, DetailType, Detail, EventBusName string
			Resources                                []string
			Time                                     *float64
		}
	}
	if err := json.Unmarshal(body, &req); err != nil {
		b.fail(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	if n := len(req.Entries); n < 1 || n > 10 {
		b.T.Errorf("PutEvents with %d entries", n)
		b.fail(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10 (got %d)", n))
		return
	}
	size := 0
	for _, e := range req.Entries {
		size += len(e.Source) + len(e.DetailType) + len(e.Detail)
		for _, r := range e.Resources {
			size += len(r)
		}
		if e.Time != nil {
			size += 14
		}
	}
	if size > 256*1024 {
		b.T.Errorf("PutEvents of %d bytes", size)
		b.fail(w, http.StatusBadRequest, "ValidationException", "Total size of the entries in the request is over the limit.")
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	type result struct {
		EventId      string `json:",omitempty"`
		ErrorCode    string `json:",omitempty"`
		ErrorMessage string `json:",omitempty"`
	}
	var out struct {
		FailedEntryCount int
		Entries          []result
	}
	now := time.Now()
	for _, e := range req.Entries {
		var detail map[string]any
		be := BusEntry{Source: e.Source, DetailType: e.DetailType, Detail: e.Detail, EventBusName: e.EventBusName, Resources: e.Resources, Received: now}
		if e.Time != nil {
			be.Time = time.UnixMilli(int64(*e.Time * 1000)).UTC()
		}
		switch {
		case strings.HasPrefix(e.Source, "aws."):
			out.Entries = append(out.Entries, result{ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: "Not authorized for the source."})
		case e.Source == "" || e.DetailType == "" || json.Unmarshal([]byte(e.Detail), &detail) != nil:
			out.Entries = append(out.Entries, result{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter Detail is not valid. Reason: the detail must be a JSON object."})
		case b.Refuse != nil && b.Refuse(be):
			b.refused++
			out.Entries = append(out.Entries, result{ErrorCode: "InternalFailure", ErrorMessage: "Internal service error."})
		default:
			b.entries = append(b.entries, be)
			out.Entries = append(out.Entries, result{EventId: fmt.Sprintf("%08x-0000-4000-8000-%012x", len(b.entries), now.UnixNano()&0xffffffffffff)})
			continue
		}
		out.FailedEntryCount++
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

// verifySigV4 checks a request's SigV4 Authorization header for service against the
// credentials Isolate sets, by signing the same request again with the SDK's signer.
func verifySigV4(r *http.Request, body []byte, service string) error {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return fmt.Errorf("not signed with SigV4: Authorization %q", auth)
	}
	fields := map[string]string{}
	for _, f := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/") // KEY/DATE/REGION/SERVICE/aws4_request
	if len(scope) != 5 || scope[0] != "AKIDEXAMPLE" || scope[3] != service {
		return fmt.Errorf("credential scope %q: want AKIDEXAMPLE/.../%s/aws4_request", fields["Credential"], service)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date: %v", err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != hash {
		return fmt.Errorf("X-Amz-Content-Sha256 %s, body's %s", h, hash)
	}
	again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	again.ContentLength = int64(len(body))
	for _, name := range strings.Split(fields["SignedHeaders"], ";") {
		if name != "host" && name != "content-length" {
			again.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hash, service, scope[2], at); err != nil {
		return err
	}
	if got := again.Header.Get("Authorization"); got != auth {
		return fmt.Errorf("signature does not match:\n got %s\nwant %s", auth, got)
	}
	return nil
}
