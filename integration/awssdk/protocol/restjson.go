package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// restJSON speaks restJson1 (Lambda, API Gateway, Batch, Glacier, EKS, ...): the HTTP
// binding of rest.go with a JSON object for the members left to the body.
type restJSON struct{}

func init() { register("rest-json", restJSON{}) }

func (restJSON) Encode(svc *model.Service, op *model.Operation, params map[string]any) (*Request, error) {
	return encodeREST(svc, op, params, restJSONBody)
}

func (restJSON) Decode(svc *model.Service, op *model.Operation, resp *Response) (any, error) {
	return decodeREST(svc, op, resp, func(svc *model.Service, root *model.ShapeRef, sh *model.Shape, body []byte) (map[string]any, error) {
		var doc any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("reading JSON: %w", err)
		}
		obj, ok := doc.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("reading JSON: the body is not an object")
		}
		v, err := restJSONRead(svc, root, sh, obj, 0)
		if err != nil {
			return nil, err
		}
		return v.(map[string]any), nil
	})
}

// Error reads the code from X-Amzn-ErrorType, else the body's __type or code, without the
// namespace (aws.protocoltests#FooError is FooError) or what follows a colon; the message
// from message or Message.
func (restJSON) Error(svc *model.Service, resp *Response) (string, string) {
	var body map[string]any
	_ = json.Unmarshal(resp.Body, &body)
	code := resp.Header.Get("X-Amzn-Errortype")
	for _, k := range []string{"__type", "code", "Code"} {
		if code != "" {
			break
		}
		code, _ = body[k].(string)
	}
	code = cleanErrorCode(code)
	if code == "" {
		code = statusCode(resp.Status)
	}
	var msg string
	for _, k := range []string{"message", "Message", "errorMessage"} {
		if m, ok := body[k].(string); ok {
			msg = m
			break
		}
	}
	return code, msg
}

func cleanErrorCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return strings.TrimSpace(code)
}

// restJSONBody writes the body members as a JSON object: always an object when the input
// has members for the body, even none set, as the AWS SDKs send {}.
//
// The value conversion repeats awsJson's (json.go) with this codec's error wording;
// folding the two into one is left to do.
func restJSONBody(svc *model.Service, root *model.ShapeRef, sh *model.Shape, vals map[string]any, path string) ([]byte, string, error) {
	hasBody := false
	for _, ref := range sh.Members {
		if ref.Location == "" {
			hasBody = true
			break
		}
	}
	if !hasBody {
		return nil, "", nil
	}
	obj := map[string]any{}
	for _, m := range members(sh) {
		v, ok := vals[m]
		if !ok {
			continue
		}
		ref := sh.Members[m]
		jv, err := restJSONValue(svc, ref, v, joinPath(path, StepFunctionsName(m)))
		if err != nil {
			return nil, "", err
		}
		obj[jsonName(m, ref)] = jv
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, "", err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), "application/json", nil
}

func jsonName(member string, ref *model.ShapeRef) string {
	if ref.LocationName != "" {
		return ref.LocationName
	}
	return member
}

// restJSONValue converts a parameter to the JSON the service expects: timestamps as epoch
// seconds, blobs as base64, structures keyed by the model's names.
func restJSONValue(svc *model.Service, ref *model.ShapeRef, v any, path string) (any, error) {
	sh, err := shapeOf(svc, ref)
	if err != nil {
		return nil, err
	}
	if sh.Document {
		return v, nil
	}
	switch sh.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, paramError(path, "expected an object, got %s", kind(v))
		}
		vals, err := structVals(sh, obj, path)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(vals))
		for m, mv := range vals {
			jv, err := restJSONValue(svc, sh.Members[m], mv, joinPath(path, StepFunctionsName(m)))
			if err != nil {
				return nil, err
			}
			out[jsonName(m, sh.Members[m])] = jv
		}
		return out, nil
	case "list":
		list, ok := v.([]any)
		if !ok {
			return nil, paramError(path, "expected an array, got %s", kind(v))
		}
		out := make([]any, len(list))
		for i, e := range list {
			if e == nil {
				continue
			}
			if out[i], err = restJSONValue(svc, sh.Member, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, paramError(path, "expected an object, got %s", kind(v))
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			if e == nil {
				continue
			}
			if out[k], err = restJSONValue(svc, sh.Value, e, joinPath(path, k)); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "timestamp":
		t, err := paramTime(v, path)
		if err != nil {
			return nil, err
		}
		s := formatTime(t, tsFormat(ref, sh, tsUnix))
		if tsFormat(ref, sh, tsUnix) == tsUnix {
			return json.Number(s), nil
		}
		return s, nil
	case "blob":
		return renderBlob(parseBlobMember(v)), nil
	case "string":
		if _, ok := v.(string); !ok && ref.JSONValue {
			return string(parseBlob(v)), nil
		}
	}
	s, err := scalarText(ref, sh, v, path, tsUnix)
	if err != nil {
		return nil, err
	}
	switch sh.Type {
	case "boolean":
		return v, nil
	case "string":
		return s, nil
	}
	return json.Number(s), nil
}

// restJSONRead renders a JSON response value by its shape, keys in PascalCase.
func restJSONRead(svc *model.Service, ref *model.ShapeRef, sh *model.Shape, v any, depth int) (any, error) {
	if depth > maxXMLDepth {
		return nil, fmt.Errorf("value nested deeper than %d", maxXMLDepth)
	}
	if v == nil || sh.Document {
		return v, nil
	}
	switch sh.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: expected an object", ref.Shape)
		}
		out := map[string]any{}
		for _, m := range members(sh) {
			mref := sh.Members[m]
			if mref.Location != "" {
				continue
			}
			mv, ok := obj[jsonName(m, mref)]
			if !ok || mv == nil {
				continue
			}
			msh, err := shapeOf(svc, mref)
			if err != nil {
				return nil, err
			}
			if out[StepFunctionsName(m)], err = restJSONRead(svc, mref, msh, mv, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "list":
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: expected an array", ref.Shape)
		}
		esh, err := shapeOf(svc, sh.Member)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(list))
		for i, e := range list {
			if out[i], err = restJSONRead(svc, sh.Member, esh, e, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: expected an object", ref.Shape)
		}
		vsh, err := shapeOf(svc, sh.Value)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			if out[k], err = restJSONRead(svc, sh.Value, vsh, e, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "timestamp":
		switch t := v.(type) {
		case json.Number:
			tt, err := epochText(string(t))
			if err != nil {
				return nil, err
			}
			return renderTimestamp(tt), nil
		case string:
			tt, err := parseTime(t, tsFormat(ref, sh, tsUnix))
			if err != nil {
				return nil, err
			}
			return renderTimestamp(tt), nil
		}
		return nil, fmt.Errorf("%s: expected a timestamp", ref.Shape)
	case "blob":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: expected base64", ref.Shape)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, err
		}
		return renderBlob(b), nil
	case "string":
		if ref.JSONValue {
			if s, ok := v.(string); ok {
				var jv any
				d := json.NewDecoder(strings.NewReader(s))
				d.UseNumber()
				if d.Decode(&jv) == nil {
					return jv, nil
				}
			}
		}
	case "integer", "long", "float", "double":
		if s, ok := v.(string); ok { // NaN, Infinity
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				return s, nil
			}
		}
	}
	return v, nil
}
