package protocol

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"testing"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// TestEveryOperation runs every operation of every embedded service that speaks one of this
// file's protocols through Encode with no parameters and Decode with an empty answer: the
// models must hold nothing the codecs cannot follow. An encoding may only fail for a missing
// URI label or host label (an InvalidParameter).
func TestEveryOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("loads every model")
	}
	idx, err := model.Embedded().Index()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(idx))
	for n := range idx {
		names = append(names, n)
	}
	sort.Strings(names)
	counts := map[string]int{}
	for _, n := range names {
		svc := svcModel(t, n)
		p := svc.Metadata.Protocol
		if svc.Metadata.ServiceID == "SQS" {
			p = "query"
		}
		c := For(p)
		if c == nil || p == "json" {
			continue
		}
		for _, op := range svc.Operations {
			counts[p]++
			req, err := c.Encode(svc, op, map[string]any{})
			var ip *InvalidParameter
			if err != nil && !errors.As(err, &ip) {
				t.Errorf("%s.%s: encode: %v", n, op.Name, err)
			}
			if err == nil && req.Path == "" {
				t.Errorf("%s.%s: no path", n, op.Name)
			}
			empty := []byte{}
			if p == "query" {
				empty = []byte("<" + op.Name + "Response/>")
			}
			if p == "ec2" {
				empty = []byte("<" + op.Name + "Response/>")
			}
			if _, err := c.Decode(svc, op, &Response{Status: 200, Header: http.Header{}, Body: empty}); err != nil {
				t.Errorf("%s.%s: decode: %v", n, op.Name, err)
			}
		}
	}
	t.Logf("operations per protocol: %v", counts)
}

// sample builds a value of every member of a shape, a few levels deep.
func sample(svc *model.Service, ref *model.ShapeRef, depth int) any {
	sh := svc.Shape(ref.Shape)
	if sh.Document {
		return map[string]any{"a": []any{json1}}
	}
	switch sh.Type {
	case "structure":
		out := map[string]any{}
		if depth > 4 {
			return out
		}
		for name, m := range sh.Members {
			ms := svc.Shape(m.Shape)
			if ms.EventStream || ms.Streaming && ms.Type != "blob" {
				continue
			}
			out[StepFunctionsName(name)] = sample(svc, m, depth+1)
		}
		return out
	case "list":
		return []any{sample(svc, sh.Member, depth+1), sample(svc, sh.Member, depth+1)}
	case "map":
		return map[string]any{"k1": sample(svc, sh.Value, depth+1)}
	case "boolean":
		return true
	case "integer", "long", "byte", "short", "biginteger":
		return json1
	case "float", "double", "bigdecimal":
		return jsonHalf
	case "timestamp":
		return "2024-01-02T03:04:05Z"
	case "blob":
		return "blob"
	}
	if len(sh.Enum) > 0 {
		return sh.Enum[0]
	}
	return "s1"
}

// TestEveryOperationWithEveryMember encodes every operation with every member of its input
// set (a few levels deep): each must encode, and its body must be well-formed.
func TestEveryOperationWithEveryMember(t *testing.T) {
	if testing.Short() {
		t.Skip("loads every model")
	}
	idx, err := model.Embedded().Index()
	if err != nil {
		t.Fatal(err)
	}
	for n := range idx {
		svc := svcModel(t, n)
		p := svc.Metadata.Protocol
		if svc.Metadata.ServiceID == "SQS" {
			p = "query"
		}
		c := For(p)
		if c == nil || p == "json" {
			continue
		}
		for _, op := range svc.Operations {
			params := map[string]any{}
			if op.Input != nil {
				params = sample(svc, op.Input, 0).(map[string]any)
			}
			req, err := c.Encode(svc, op, params)
			if err != nil {
				t.Errorf("%s.%s: %v", n, op.Name, err)
				continue
			}
			switch {
			case p == "rest-json" && req.Header.Get("Content-Type") == "application/json":
				if !json.Valid(req.Body) {
					t.Errorf("%s.%s: body is not JSON: %s", n, op.Name, req.Body)
				}
			case p == "rest-xml" && req.Header.Get("Content-Type") == "application/xml":
				if _, err := parseXML(req.Body); err != nil {
					t.Errorf("%s.%s: body is not XML: %v\n%s", n, op.Name, err, req.Body)
				}
			case p == "query" || p == "ec2":
				if _, err := url.ParseQuery(string(req.Body)); err != nil {
					t.Errorf("%s.%s: body is not a form: %v", n, op.Name, err)
				}
			}
		}
	}
}

var (
	json1    = json.Number("1")
	jsonHalf = json.Number("1.5")
)
