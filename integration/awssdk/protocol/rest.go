package protocol

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// The HTTP binding that restJson1 and restXml share (botocore's BaseRestSerializer and
// BaseRestParser, Smithy's HTTP binding traits): members bound by their `location` to the
// URI, the query string, headers or the status code, an optional `payload` member that is the
// whole body, and the rest of the members in a body whose format the protocol decides.

// bodyEncoder writes the members that go in the body. root is the reference that names the
// document (the operation's input, or the structure payload member), sh its structure, vals
// the members to write by model name. It returns nil for no body.
type bodyEncoder func(svc *model.Service, root *model.ShapeRef, sh *model.Shape, vals map[string]any, path string) (body []byte, contentType string, err error)

// bodyDecoder reads a body as the structure sh, skipping members bound elsewhere.
type bodyDecoder func(svc *model.Service, root *model.ShapeRef, sh *model.Shape, body []byte) (map[string]any, error)

// encodeREST builds a request from the operation's HTTP binding.
func encodeREST(svc *model.Service, op *model.Operation, params map[string]any, enc bodyEncoder) (*Request, error) {
	path, rawQuery, _ := strings.Cut(op.HTTP.RequestURI, "?")
	req := &Request{Method: op.HTTP.Method, Query: url.Values{}, Header: http.Header{}}
	if req.Method == "" {
		req.Method = http.MethodPost
	}
	for _, kv := range strings.Split(rawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		req.Query.Add(k, v)
	}
	var sh *model.Shape
	if op.Input != nil {
		s, err := shapeOf(svc, op.Input)
		if err != nil {
			return nil, err
		}
		sh = s
	} else {
		sh = &model.Shape{Type: "structure"}
	}

	labels := map[string]string{}
	hostLabels := map[string]string{}
	body := map[string]any{}
	vals, err := structVals(sh, params, "")
	if err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(vals) {
		v, ref, key := vals[name], sh.Members[name], StepFunctionsName(name)
		msh, err := shapeOf(svc, ref)
		if err != nil {
			return nil, err
		}
		wire := ref.LocationName
		if wire == "" {
			wire = name
		}
		if ref.HostLabel {
			s, err := scalarText(ref, msh, v, key, tsISO8601)
			if err != nil {
				return nil, err
			}
			hostLabels[name] = s
		}
		switch ref.Location {
		case "uri":
			s, err := scalarText(ref, msh, v, key, tsISO8601)
			if err != nil {
				return nil, err
			}
			labels[wire] = s
		case "querystring":
			if err := encodeQueryString(svc, req.Query, ref, msh, wire, v, key); err != nil {
				return nil, err
			}
		case "header":
			s, err := headerText(svc, ref, msh, v, key)
			if err != nil {
				return nil, err
			}
			req.Header.Set(wire, s)
		case "headers":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, paramError(key, "expected an object, got %s", kind(v))
			}
			vsh, err := shapeOf(svc, msh.Value)
			if err != nil {
				return nil, err
			}
			for _, k := range sortedKeys(m) {
				s, err := scalarText(msh.Value, vsh, m[k], joinPath(key, k), tsRFC822)
				if err != nil {
					return nil, err
				}
				req.Header.Set(wire+k, s)
			}
		case "statusCode":
		default:
			body[name] = v
		}
	}

	p, err := expandURI(path, labels)
	if err != nil {
		return nil, err
	}
	req.Path = p
	if op.Endpoint != nil && op.Endpoint.HostPrefix != "" {
		hp, err := expandHost(op.Endpoint.HostPrefix, hostLabels)
		if err != nil {
			return nil, err
		}
		req.HostPrefix = hp
	}

	if sh.Payload != "" {
		pref := sh.Members[sh.Payload]
		if pref == nil {
			return nil, fmt.Errorf("model %s: payload member %q is missing", svc.Name, sh.Payload)
		}
		psh, err := shapeOf(svc, pref)
		if err != nil {
			return nil, err
		}
		pv, set := body[sh.Payload]
		delete(body, sh.Payload)
		pkey := StepFunctionsName(sh.Payload)
		switch {
		case !set:
		case psh.Type == "string":
			req.Body = parseBlob(pv) // a string as it is, anything else as JSON text
			defaultHeader(req.Header, "Content-Type", "text/plain")
		case psh.Type == "blob" && (psh.Streaming || pref.Streaming):
			// A streaming body (S3's putObject Body) goes as Step Functions sends it: as
			// text, which the SDK it uses labels text/plain; charset=UTF-8 (AWS records
			// that ContentType on every object a putObject task stored without one).
			req.Body = payloadBlob(pv)
			defaultHeader(req.Header, "Content-Type", "text/plain; charset=UTF-8")
		case psh.Type == "blob":
			req.Body = payloadBlob(pv)
			defaultHeader(req.Header, "Content-Type", "application/octet-stream")
		case psh.Type == "structure":
			obj, ok := pv.(map[string]any)
			if !ok {
				return nil, paramError(pkey, "expected an object, got %s", kind(pv))
			}
			vals, err := structVals(psh, obj, pkey)
			if err != nil {
				return nil, err
			}
			b, ct, err := enc(svc, pref, psh, vals, pkey)
			if err != nil {
				return nil, err
			}
			req.Body = b
			if ct != "" && req.Header.Get("Content-Type") == "" {
				req.Header.Set("Content-Type", ct)
			}
		default:
			return nil, paramError(pkey, "a %s payload is not supported", psh.Type)
		}
	} else {
		b, ct, err := enc(svc, op.Input, sh, body, "")
		if err != nil {
			return nil, err
		}
		req.Body = b
		if b != nil && ct != "" && req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", ct)
		}
	}
	if op.HTTPChecksumRequired && req.Header.Get("Content-MD5") == "" {
		sum := md5.Sum(req.Body)
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	}
	return req, nil
}

// defaultHeader sets a header the parameters did not set: the media type of a blob or string
// payload, as the SDKs send it (application/octet-stream, text/plain).
func defaultHeader(h http.Header, k, v string) {
	if h.Get(k) == "" {
		h.Set(k, v)
	}
}

// structVals resolves an object's Step Functions keys to the members of sh. A null member is
// left out; an idempotency token the object leaves out is filled with a fresh UUID, as the
// SDKs fill it.
func structVals(sh *model.Shape, obj map[string]any, path string) (map[string]any, error) {
	vals := make(map[string]any, len(obj))
	for k, v := range obj {
		name, ref := Member(sh, k)
		if ref == nil {
			return nil, paramError(path, "The field %s is not supported by Step Functions", k)
		}
		if v != nil {
			vals[name] = v
		}
	}
	for name, ref := range sh.Members {
		if _, ok := vals[name]; !ok && ref.IdempotencyToken {
			vals[name] = uuid.NewString()
		}
	}
	return vals, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// encodeQueryString adds a querystring member: a scalar, a list (the key repeated) or a map
// (each entry its own key, the member's name unused, as the SDKs do).
func encodeQueryString(svc *model.Service, q url.Values, ref *model.ShapeRef, sh *model.Shape, wire string, v any, path string) error {
	switch sh.Type {
	case "list":
		list, ok := v.([]any)
		if !ok {
			return paramError(path, "expected an array, got %s", kind(v))
		}
		esh, err := shapeOf(svc, sh.Member)
		if err != nil {
			return err
		}
		for i, e := range list {
			s, err := scalarText(sh.Member, esh, e, fmt.Sprintf("%s[%d]", path, i), tsISO8601)
			if err != nil {
				return err
			}
			q.Add(wire, s)
		}
		return nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return paramError(path, "expected an object, got %s", kind(v))
		}
		vsh, err := shapeOf(svc, sh.Value)
		if err != nil {
			return err
		}
		for _, k := range sortedKeys(m) {
			if q.Has(k) {
				continue // a member bound to the same key wins, as in the SDKs
			}
			if vsh.Type == "list" {
				if err := encodeQueryString(svc, q, sh.Value, vsh, k, m[k], joinPath(path, k)); err != nil {
					return err
				}
				continue
			}
			s, err := scalarText(sh.Value, vsh, m[k], joinPath(path, k), tsISO8601)
			if err != nil {
				return err
			}
			q.Add(k, s)
		}
		return nil
	}
	s, err := scalarText(ref, sh, v, path, tsISO8601)
	if err != nil {
		return err
	}
	q.Set(wire, s)
	return nil
}

// headerText renders a header member: timestamps as HTTP dates, lists comma-separated, a
// JSON value as base64 of its text.
func headerText(svc *model.Service, ref *model.ShapeRef, sh *model.Shape, v any, path string) (string, error) {
	if sh.Type == "list" {
		list, ok := v.([]any)
		if !ok {
			return "", paramError(path, "expected an array, got %s", kind(v))
		}
		esh, err := shapeOf(svc, sh.Member)
		if err != nil {
			return "", err
		}
		parts := make([]string, len(list))
		for i, e := range list {
			s, err := scalarText(sh.Member, esh, e, fmt.Sprintf("%s[%d]", path, i), tsRFC822)
			if err != nil {
				return "", err
			}
			if strings.ContainsAny(s, ",\"") {
				s = strconv.Quote(s)
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	if ref.JSONValue {
		return renderBlob(parseBlobMember(v)), nil
	}
	return scalarText(ref, sh, v, path, tsRFC822)
}

// expandURI fills a request URI's {Label} and greedy {Label+} parts.
func expandURI(tmpl string, labels map[string]string) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("bad request URI %q", tmpl)
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		greedy := strings.HasSuffix(name, "+")
		name = strings.TrimSuffix(name, "+")
		v, ok := labels[name]
		if !ok || v == "" {
			return "", paramError(StepFunctionsName(name), "is required")
		}
		if greedy {
			segs := strings.Split(v, "/")
			for k, s := range segs {
				segs[k] = escapeLabel(s)
			}
			b.WriteString(strings.Join(segs, "/"))
		} else {
			b.WriteString(escapeLabel(v))
		}
		tmpl = tmpl[i+j+1:]
	}
	return b.String(), nil
}

// escapeLabel percent-encodes everything but RFC 3986's unreserved characters, as SigV4's
// canonical URI expects.
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// expandHost fills an endpoint host prefix's {Label}s; a label must be a valid host label.
func expandHost(tmpl string, labels map[string]string) (string, error) {
	out := tmpl
	for name, v := range labels {
		if !validHostLabel(v) {
			return "", paramError(StepFunctionsName(name), "%q cannot be part of a host name", v)
		}
		out = strings.ReplaceAll(out, "{"+name+"}", v)
	}
	if strings.Contains(out, "{") {
		return "", paramError("", "host prefix %s has a missing label", tmpl)
	}
	return out, nil
}

func validHostLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// decodeREST reads a response by the operation's output binding.
func decodeREST(svc *model.Service, op *model.Operation, resp *Response, dec bodyDecoder) (map[string]any, error) {
	out := map[string]any{}
	if op.Output == nil {
		return out, nil
	}
	sh, err := shapeOf(svc, op.Output)
	if err != nil {
		return nil, err
	}
	for _, name := range members(sh) {
		ref := sh.Members[name]
		msh, err := shapeOf(svc, ref)
		if err != nil {
			return nil, err
		}
		wire := ref.LocationName
		if wire == "" {
			wire = name
		}
		key := StepFunctionsName(name)
		switch ref.Location {
		case "header":
			vals := resp.Header.Values(wire)
			if len(vals) == 0 {
				continue
			}
			v, err := headerValue(svc, ref, msh, strings.Join(vals, ","))
			if err != nil {
				// A header that does not parse as the model says is left out rather
				// than failing the whole call: the rest of the answer is still good.
				continue
			}
			out[key] = v
		case "headers":
			prefix := strings.ToLower(wire)
			m := map[string]any{}
			for k, vs := range resp.Header {
				lk := strings.ToLower(k)
				if strings.HasPrefix(lk, prefix) && len(vs) > 0 {
					m[lk[len(prefix):]] = vs[0]
				}
			}
			out[key] = m
		case "statusCode":
			out[key] = json.Number(strconv.Itoa(resp.Status))
		}
	}
	if sh.Payload != "" {
		pref := sh.Members[sh.Payload]
		if pref == nil {
			return nil, fmt.Errorf("model %s: payload member %q is missing", svc.Name, sh.Payload)
		}
		psh, err := shapeOf(svc, pref)
		if err != nil {
			return nil, err
		}
		key := StepFunctionsName(sh.Payload)
		switch psh.Type {
		case "blob":
			out[key] = renderText(resp.Body)
		case "string":
			out[key] = string(resp.Body)
		case "structure":
			if len(resp.Body) > 0 {
				v, err := dec(svc, pref, psh, resp.Body)
				if err != nil {
					return nil, err
				}
				out[key] = v
			}
		}
		return out, nil
	}
	if len(resp.Body) == 0 {
		return out, nil
	}
	body, err := dec(svc, op.Output, sh, resp.Body)
	if err != nil {
		return nil, err
	}
	for k, v := range body {
		out[k] = v
	}
	return out, nil
}

// headerValue reads a header member.
func headerValue(svc *model.Service, ref *model.ShapeRef, sh *model.Shape, s string) (any, error) {
	if sh.Type == "list" {
		esh, err := shapeOf(svc, sh.Member)
		if err != nil {
			return nil, err
		}
		var list []any
		for _, part := range splitHeaderList(s, esh.Type == "timestamp") {
			v, err := textScalar(sh.Member, esh, part, tsRFC822)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	}
	if ref.JSONValue {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, err
		}
		var v any
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		return v, nil
	}
	if sh.Type == "string" {
		return s, nil
	}
	return textScalar(ref, sh, strings.TrimSpace(s), tsRFC822)
}

// splitHeaderList splits a comma-separated header, honouring quoted strings; HTTP dates
// contain a comma of their own, so a list of timestamps splits on every second comma.
func splitHeaderList(s string, dates bool) []string {
	var parts []string
	if dates {
		fields := strings.Split(s, ",")
		for i := 0; i+1 < len(fields); i += 2 {
			parts = append(parts, strings.TrimSpace(fields[i]+","+fields[i+1]))
		}
		return parts
	}
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\\' && quoted && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == ',' && !quoted:
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}
