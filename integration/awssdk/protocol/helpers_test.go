package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// service loads an embedded model.
func svcModel(t testing.TB, name string) *model.Service {
	t.Helper()
	svc, err := model.Embedded().Service(name)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// operation finds an operation of a service.
func operation(t testing.TB, svc *model.Service, action string) *model.Operation {
	t.Helper()
	op := svc.Operation(action)
	if op == nil {
		t.Fatalf("%s has no operation %s", svc.Name, action)
	}
	return op
}

// params reads a JSON object with numbers kept as json.Number, as the engine holds them.
func paramsOf(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// send sends an encoded request to base (unsigned: the test servers do not check
// signatures) and returns the response as the codecs take it.
func send(t testing.TB, base string, req *Request) *Response {
	t.Helper()
	u := base + req.Path
	if q := req.Query.Encode(); q != "" {
		u += "?" + q
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u, bytes.NewReader(req.Body))
	if err != nil {
		t.Fatal(err)
	}
	hreq.Header = req.Header.Clone()
	if hreq.Header.Get("Authorization") == "" {
		// A placeholder the servers parse but do not verify.
		hreq.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0")
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header.Clone()
	if resp.ContentLength >= 0 && h.Get("Content-Length") == "" {
		h.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	return &Response{Status: resp.StatusCode, Header: h, Body: body}
}

// call encodes, sends and decodes one operation; a failure is returned as its code and
// message.
func call(t testing.TB, c Codec, base string, svc *model.Service, action string, p map[string]any) (out map[string]any, code, msg string, resp *Response) {
	t.Helper()
	op := operation(t, svc, action)
	req, err := c.Encode(svc, op, p)
	if err != nil {
		t.Fatalf("%s: encode: %v", action, err)
	}
	resp = send(t, base, req)
	if resp.Status >= 300 {
		code, msg = c.Error(svc, resp)
		return nil, code, msg, resp
	}
	v, err := c.Decode(svc, op, resp)
	if err != nil {
		t.Fatalf("%s: decode: %v\n%s", action, err, resp.Body)
	}
	return v.(map[string]any), "", "", resp
}

// mustCall is call that fails the test on an error response.
func mustCall(t testing.TB, c Codec, base string, svc *model.Service, action string, p map[string]any) map[string]any {
	t.Helper()
	out, code, msg, resp := call(t, c, base, svc, action, p)
	if code != "" {
		t.Fatalf("%s: %d %s: %s\n%s", action, resp.Status, code, msg, resp.Body)
	}
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonUnmarshalNumber(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}
