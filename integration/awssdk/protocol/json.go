package protocol

// The awsJson1_0 and awsJson1_1 protocols ("json" in the models): every call is a POST to "/"
// naming the operation in X-Amz-Target, the input and output are JSON documents shaped by the
// model. DynamoDB, SQS (JSON), Secrets Manager, KMS, Step Functions, EventBridge, Kinesis and
// some hundred more speak it.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

func init() { register("json", jsonCodec{}) }

type jsonCodec struct{}

// Encode implements Codec.
func (jsonCodec) Encode(svc *model.Service, op *model.Operation, params map[string]any) (*Request, error) {
	body := []byte("{}")
	if op.Input != nil {
		sh := svc.Shape(op.Input.Shape)
		if sh == nil {
			return nil, fmt.Errorf("model of %s: no shape %s", svc.Name, op.Input.Shape)
		}
		v, err := encodeJSONStruct(svc, sh, params, "")
		if err != nil {
			return nil, err
		}
		body = value.EncodeBytes(v)
	} else if len(params) > 0 {
		for k := range params {
			return nil, unsupported(k)
		}
	}
	version := svc.Metadata.JSONVersion
	if version == "" {
		version = "1.0"
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-amz-json-"+version)
	h.Set("X-Amz-Target", svc.Metadata.TargetPrefix+"."+op.Name)
	return &Request{Method: http.MethodPost, Path: "/", Header: h, Body: body, HostPrefix: hostPrefix(op, params)}, nil
}

// hostPrefix fills an operation's endpoint host prefix ("{AccountId}." -> "123456789012.").
func hostPrefix(op *model.Operation, params map[string]any) string {
	if op.Endpoint == nil {
		return ""
	}
	p := op.Endpoint.HostPrefix
	for {
		i := strings.IndexByte(p, '{')
		j := strings.IndexByte(p, '}')
		if i < 0 || j < i {
			return p
		}
		label := p[i+1 : j]
		s, _ := params[StepFunctionsName(label)].(string)
		p = p[:i] + s + p[j+1:]
	}
}

// unsupported is the error for a parameter the model does not have, worded as AWS words it.
func unsupported(path string) error {
	return &InvalidParameter{Path: path, Message: fmt.Sprintf("The field %q is not supported by Step Functions", lastSegment(path))}
}

// notString is the error for a value that is not a string where the model wants one, in
// AWS's words (as users report them: "S.$" naming an object in dynamodb:putItem, a number as
// lambda:invoke's Payload).
func notString(path string) error {
	return &InvalidParameter{Path: path, Message: fmt.Sprintf("The value for the field '%s' must be a STRING", lastSegment(path))}
}

// invalid is the error for a parameter of the wrong type, worded as AWS words it.
func invalid(path, detail string) error {
	return &InvalidParameter{Path: path, Message: fmt.Sprintf("The value of the field '%s' has an invalid format: %s", lastSegment(path), detail)}
}

func lastSegment(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// encodeJSONStruct serialises a structure's parameters, refusing keys the model lacks and
// filling idempotency tokens the parameters leave out. A null member is left out, as the Java
// SDK leaves out a member it was given null for: the service then reports it if it is required.
func encodeJSONStruct(svc *model.Service, sh *model.Shape, params map[string]any, path string) (map[string]any, error) {
	out := make(map[string]any, len(params))
	for key, v := range params {
		name, ref := Member(sh, key)
		if ref == nil {
			return nil, unsupported(join(path, key))
		}
		if v == nil {
			continue
		}
		enc, err := encodeJSONValue(svc, ref, v, join(path, key))
		if err != nil {
			return nil, err
		}
		out[wireName(name, ref)] = enc
	}
	for _, name := range sh.MemberOrder {
		ref := sh.Members[name]
		if ref.IdempotencyToken {
			if _, ok := out[wireName(name, ref)]; !ok {
				out[wireName(name, ref)] = uuid.NewString()
			}
		}
	}
	return out, nil
}

func wireName(name string, ref *model.ShapeRef) string {
	if ref.LocationName != "" {
		return ref.LocationName
	}
	return name
}

func encodeJSONValue(svc *model.Service, ref *model.ShapeRef, v any, path string) (any, error) {
	sh := svc.Shape(ref.Shape)
	if sh == nil {
		return nil, fmt.Errorf("model of %s: no shape %s", svc.Name, ref.Shape)
	}
	if ref.JSONValue {
		// A member carrying JSON as text: a state machine may give the document itself.
		if s, ok := v.(string); ok {
			return s, nil
		}
		return value.Encode(v), nil
	}
	if sh.Document {
		return v, nil
	}
	switch sh.Type {
	case "structure":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, invalid(path, "expected an object, got "+value.TypeName(v))
		}
		return encodeJSONStruct(svc, sh, m, path)
	case "list":
		l, ok := v.([]any)
		if !ok {
			return nil, invalid(path, "expected an array, got "+value.TypeName(v))
		}
		out := make([]any, len(l))
		for i, e := range l {
			if e == nil {
				continue
			}
			enc, err := encodeJSONValue(svc, sh.Member, e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = enc
		}
		return out, nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, invalid(path, "expected an object, got "+value.TypeName(v))
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			if e == nil {
				out[k] = nil
				continue
			}
			enc, err := encodeJSONValue(svc, sh.Value, e, join(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = enc
		}
		return out, nil
	case "string":
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, notString(path)
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "integer", "long":
		if _, ok := value.Int(v); ok {
			return v, nil
		}
		if value.IsNumber(v) {
			return nil, invalid(path, "expected an integer, got "+value.Encode(v))
		}
	case "float", "double":
		if value.IsNumber(v) {
			return v, nil
		}
	case "timestamp":
		t, err := parseTimestamp(v)
		if err != nil {
			return nil, invalid(path, err.Error())
		}
		switch timestampFormat(ref, sh, "unixTimestamp") {
		case "iso8601":
			return renderTimestamp(t), nil
		case "rfc822":
			return t.UTC().Format(http.TimeFormat), nil
		}
		return epochSeconds(t), nil
	case "blob":
		return base64.StdEncoding.EncodeToString(parseBlobMember(v)), nil
	default:
		return v, nil
	}
	return nil, invalid(path, "expected "+article(sh.Type)+", got "+value.TypeName(v))
}

// timestampFormat is a timestamp member's wire format: the member's trait, the shape's, or the
// protocol's default.
func timestampFormat(ref *model.ShapeRef, sh *model.Shape, def string) string {
	if ref.TimestampFormat != "" {
		return ref.TimestampFormat
	}
	if sh.TimestampFormat != "" {
		return sh.TimestampFormat
	}
	return def
}

// Decode implements Codec.
func (jsonCodec) Decode(svc *model.Service, op *model.Operation, resp *Response) (any, error) {
	if op.Output == nil {
		return map[string]any{}, nil
	}
	sh := svc.Shape(op.Output.Shape)
	if sh == nil {
		return nil, fmt.Errorf("model of %s: no shape %s", svc.Name, op.Output.Shape)
	}
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	v, err := value.DecodeMaps(body)
	if err != nil {
		return nil, fmt.Errorf("%s answered %s with a body that is not JSON: %w", svc.ClientName, op.Name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s answered %s with %s, not a JSON object", svc.ClientName, op.Name, value.TypeName(v))
	}
	return decodeJSONStruct(svc, sh, m, 0)
}

// maxDepth bounds the nesting a response may have, so that a hostile endpoint cannot exhaust
// the stack through a recursive shape (DynamoDB's AttributeValue nests).
const maxDepth = 64

// decodeJSONStruct renders a structure in Step Functions form: its members in PascalCase,
// members the model does not know dropped (as the SDK's generated types drop them).
func decodeJSONStruct(svc *model.Service, sh *model.Shape, m map[string]any, depth int) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for _, name := range sh.MemberOrder {
		ref := sh.Members[name]
		v, ok := m[wireName(name, ref)]
		if !ok || v == nil {
			continue
		}
		dec, err := decodeJSONValue(svc, ref, v, depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[StepFunctionsName(name)] = dec
	}
	return out, nil
}

func decodeJSONValue(svc *model.Service, ref *model.ShapeRef, v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxDepth)
	}
	sh := svc.Shape(ref.Shape)
	if sh == nil {
		return nil, fmt.Errorf("model of %s: no shape %s", svc.Name, ref.Shape)
	}
	if sh.Document || ref.JSONValue {
		return v, nil
	}
	switch sh.Type {
	case "structure":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("expected an object, got %s", value.TypeName(v))
		}
		return decodeJSONStruct(svc, sh, m, depth)
	case "list":
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("expected an array, got %s", value.TypeName(v))
		}
		out := make([]any, len(l))
		for i, e := range l {
			if e == nil {
				continue
			}
			d, err := decodeJSONValue(svc, sh.Member, e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = d
		}
		return out, nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("expected an object, got %s", value.TypeName(v))
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			if e == nil {
				out[k] = nil
				continue
			}
			d, err := decodeJSONValue(svc, sh.Value, e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = d
		}
		return out, nil
	case "timestamp":
		t, err := parseTimestamp(v)
		if err != nil {
			return nil, err
		}
		return renderTimestamp(t), nil
	case "blob":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("expected base64 text, got %s", value.TypeName(v))
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
		return renderBlob(b), nil
	}
	return v, nil
}

// Error implements Codec. The code is the X-Amzn-ErrorType header's or the body's __type (or
// code), without a "namespace#" prefix or a ":<url>" suffix. For a model with
// awsQueryCompatible, when that code is not an error shape of the model, the
// x-amzn-query-error header gives the code the query protocol uses instead. A declared shape
// wins because it is what the SDKs name the error after (the Java SDK's
// QueueDoesNotExistException).
func (jsonCodec) Error(svc *model.Service, resp *Response) (code, message string) {
	var body map[string]any
	if v, err := value.DecodeMaps(resp.Body); err == nil {
		body, _ = v.(map[string]any)
	}
	code = resp.Header.Get("X-Amzn-ErrorType")
	if code == "" {
		code, _ = body["__type"].(string)
	}
	if code == "" {
		code, _ = body["code"].(string)
	}
	code = SanitizeErrorCode(code)
	for _, k := range []string{"message", "Message", "errorMessage"} {
		if s, ok := body[k].(string); ok {
			message = s
			break
		}
	}
	if len(svc.Metadata.AWSQueryCompatible) > 0 && !declared(svc, code) {
		// The service's query protocol names the error (AWS.SimpleQueueService.
		// NonExistentQueue) where the JSON type is not one the model declares.
		if q := resp.Header.Get("x-amzn-query-error"); q != "" {
			if c, _, _ := strings.Cut(q, ";"); c != "" {
				code = c
			}
		}
	}
	return code, message
}

// declared tells whether the model declares an error shape of that name.
func declared(svc *model.Service, code string) bool {
	sh := svc.Shape(code)
	return sh != nil && (sh.Exception || sh.Error != nil)
}

// SanitizeErrorCode strips an error code of a "namespace#" prefix and a ":..." suffix
// ("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException:http://..." is
// ResourceNotFoundException).
func SanitizeErrorCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return strings.TrimSpace(code)
}

// epochSeconds renders a time as JSON seconds since the epoch, with milliseconds when it has
// them (as the SDKs send timestamps in the JSON protocols).
func epochSeconds(t time.Time) json.Number {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return json.Number(fmt.Sprint(ms / 1000))
	}
	return json.Number(fmt.Sprintf("%.3f", float64(ms)/1000))
}
