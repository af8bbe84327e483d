package optimized

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// httpCaller is a minimal real Caller for the tests: it speaks awsJson (POST / with
// X-Amz-Target) and the POST operations of restJson to one endpoint, naming members as the
// service's model names them, as an AWS SDK does. It stands in for the model-driven client
// until that is merged; any Caller can take its place in these tests.
type httpCaller struct {
	endpoint string
	client   *http.Client
}

func (c *httpCaller) Call(ctx context.Context, req Request) (*Response, error) {
	svc, err := model.Embedded().Service(req.Service)
	if err != nil {
		return nil, err
	}
	op := svc.Operation(req.Action)
	if op == nil {
		return nil, fmt.Errorf("%s has no action %s", req.Service, req.Action)
	}
	var body any = map[string]any{}
	if op.Input != nil {
		body = convert(svc, op.Input, req.Params, true)
	}
	hr, err := http.NewRequestWithContext(ctx, "POST", c.endpoint, nil)
	if err != nil {
		return nil, err
	}
	var payload []byte
	switch svc.Metadata.Protocol {
	case "json":
		hr.Header.Set("X-Amz-Target", svc.Metadata.TargetPrefix+"."+op.Name)
		hr.Header.Set("Content-Type", "application/x-amz-json-"+svc.Metadata.JSONVersion)
		payload = value.EncodeBytes(body)
	case "rest-json":
		path, payloadBlob := restPath(svc, op, body.(map[string]any), hr.Header)
		hr.URL.Path = strings.TrimSuffix(hr.URL.Path, "/") + path
		if payloadBlob != nil {
			payload = payloadBlob
		} else {
			hr.Header.Set("Content-Type", "application/json")
			payload = value.EncodeBytes(body)
		}
	default:
		return nil, fmt.Errorf("the test caller does not speak %s", svc.Metadata.Protocol)
	}
	hr.Body = io.NopCloser(bytes.NewReader(payload))
	hr.ContentLength = int64(len(payload))
	resp, err := c.client.Do(hr)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && ctx.Err() == nil {
			return nil, &ConnectionError{Host: hr.URL.Hostname(), Reason: "Connection refused", Err: err}
		}
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	id := resp.Header.Get("X-Amzn-Requestid")
	if resp.StatusCode >= 300 {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, &ServiceError{Code: "UnknownError", Message: string(raw), Status: resp.StatusCode, RequestID: id}
		}
		code := e.Type[strings.LastIndex(e.Type, "#")+1:]
		exc := ""
		if sh := svc.Shape(code); sh != nil && sh.Exception {
			exc = code
		}
		return nil, &ServiceError{Code: code, Message: e.Message, Status: resp.StatusCode, RequestID: id, Exception: exc}
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, RequestID: id}
	if op.Output != nil {
		if sh := svc.Shape(op.Output.Shape); sh != nil && sh.Payload != "" {
			// A blob payload (bedrock's InvokeModel): the body is the member, headers the rest.
			m := map[string]any{upper(sh.Payload): string(raw)}
			for name, ref := range sh.Members {
				if ref.Location == "header" && resp.Header.Get(ref.LocationName) != "" {
					m[upper(name)] = resp.Header.Get(ref.LocationName)
				}
			}
			out.Output = m
			return out, nil
		}
		v, err := value.DecodeMaps(raw)
		if err != nil {
			return nil, err
		}
		out.Output = convert(svc, op.Output, v, false)
	}
	return out, nil
}

// restPath fills a restJson operation's URI from the members bound to it, moves header
// members to headers, and returns a blob payload if the input has one.
func restPath(svc *model.Service, op *model.Operation, body map[string]any, h http.Header) (string, []byte) {
	path := op.HTTP.RequestURI
	sh := svc.Shape(op.Input.Shape)
	var blob []byte
	for name, ref := range sh.Members {
		v, ok := body[name]
		if !ok {
			continue
		}
		switch ref.Location {
		case "uri":
			path = strings.Replace(path, "{"+ref.LocationName+"}", url.PathEscape(fmt.Sprint(v)), 1)
			delete(body, name)
		case "header":
			h.Set(ref.LocationName, fmt.Sprint(v))
			delete(body, name)
		}
		if name == sh.Payload {
			blob = []byte(fmt.Sprint(v))
			delete(body, name)
		}
	}
	return path, blob
}

// convert renames members between PascalCase (a task's) and the model's names (the wire's).
func convert(svc *model.Service, ref *model.ShapeRef, v any, toWire bool) any {
	sh := svc.Shape(ref.Shape)
	if sh == nil {
		return v
	}
	switch sh.Type {
	case "structure":
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			name, mref := k, (*model.ShapeRef)(nil)
			for n, r := range sh.Members {
				if n == k || upper(n) == k {
					name, mref = n, r
				}
			}
			if mref == nil {
				out[k] = e
				continue
			}
			if !toWire {
				name = upper(name)
			}
			out[name] = convert(svc, mref, e, toWire)
		}
		return out
	case "list":
		l, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = convert(svc, sh.Member, e, toWire)
		}
		return out
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = convert(svc, sh.Value, e, toWire)
		}
		return out
	}
	return v
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
