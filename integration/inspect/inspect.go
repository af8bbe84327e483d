// Package inspect lets an integration show the HTTP exchange behind a task to whoever asked
// for it: TestState at the TRACE inspection level returns the request and the response of an
// HTTP Task (and of any other integration that records its exchange) as
// inspectionData.request and inspectionData.response, as AWS does.
//
// The caller puts a Recorder in the task's context; an integration calls Record after its
// request got an answer. Without a Recorder, Record costs a context lookup and nothing else.
package inspect

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Exchange is one HTTP request and its response.
type Exchange struct {
	Method         string
	URL            string
	RequestHeader  http.Header
	RequestBody    []byte
	Status         int
	StatusText     string
	ResponseHeader http.Header
	ResponseBody   []byte
	// Secret names the request headers that hold credentials the integration added (an
	// EventBridge connection's authorization): they are shown only when secrets are revealed.
	Secret []string
}

// Recorder keeps the exchanges recorded in a context.
type Recorder struct {
	mu        sync.Mutex
	exchanges []Exchange
}

type key struct{}

// WithRecorder returns a context whose integrations record their exchanges in the Recorder.
func WithRecorder(ctx context.Context) (context.Context, *Recorder) {
	r := &Recorder{}
	return context.WithValue(ctx, key{}, r), r
}

// Record keeps an exchange if the context has a Recorder. The request and response headers
// are copied: the caller may reuse them.
func Record(ctx context.Context, x Exchange) {
	r, _ := ctx.Value(key{}).(*Recorder)
	if r == nil {
		return
	}
	x.RequestHeader = x.RequestHeader.Clone()
	x.ResponseHeader = x.ResponseHeader.Clone()
	r.mu.Lock()
	r.exchanges = append(r.exchanges, x)
	r.mu.Unlock()
}

// Recording tells whether a context records exchanges: an integration may skip copying a
// body it would otherwise not keep.
func Recording(ctx context.Context) bool {
	_, ok := ctx.Value(key{}).(*Recorder)
	return ok
}

// Last is the last exchange recorded (false for a nil Recorder) (the one whose answer the task used: an OAuth retry or
// a job's polling records more than one).
func (r *Recorder) Last() (Exchange, bool) {
	if r == nil {
		return Exchange{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.exchanges) == 0 {
		return Exchange{}, false
	}
	return r.exchanges[len(r.exchanges)-1], true
}

// Request renders the request as TestState's InspectionDataRequest: protocol, method, url,
// headers and body, all text. Secret headers are left out unless reveal is set.
func (x Exchange) Request(reveal bool) map[string]any {
	h := x.RequestHeader
	if !reveal && len(x.Secret) > 0 {
		h = h.Clone()
		for _, k := range x.Secret {
			h.Del(k)
		}
	}
	return map[string]any{
		"protocol": protocol(x.URL),
		"method":   x.Method,
		"url":      x.URL,
		"headers":  headers(h),
		"body":     string(x.RequestBody),
	}
}

// Response renders the response as TestState's InspectionDataResponse.
func (x Exchange) Response() map[string]any {
	return map[string]any{
		"protocol":      protocol(x.URL),
		"statusCode":    strconv.Itoa(x.Status),
		"statusMessage": x.StatusText,
		"headers":       headers(x.ResponseHeader),
		"body":          string(x.ResponseBody),
	}
}

func protocol(url string) string {
	if strings.HasPrefix(url, "http://") {
		return "http"
	}
	return "https"
}

// headers renders headers as one text, "[Name: value, Name: value]", sorted by name. The
// API gives headers as a string; AWS does not document its layout, and this one reads as
// Java renders a list of header entries.
func headers(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var parts []string
	for _, k := range names {
		for _, v := range h[k] {
			parts = append(parts, k+": "+v)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
