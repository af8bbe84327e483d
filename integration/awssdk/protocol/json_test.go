package protocol

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

func service(t testing.TB, name string) *model.Service {
	t.Helper()
	svc, err := model.Embedded().Service(name)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func params(t testing.TB, s string) map[string]any {
	t.Helper()
	v, err := value.DecodeMaps([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

func TestJSONEncode(t *testing.T) {
	tests := []struct {
		name, service, op, params string
		target, contentType, body string
	}{
		{"putItem", "dynamodb", "PutItem", `{"TableName":"t","Item":{"id":{"S":"1"},"n":{"N":"2"}}}`,
			"DynamoDB_20120810.PutItem", "application/x-amz-json-1.0", `{"Item":{"id":{"S":"1"},"n":{"N":"2"}},"TableName":"t"}`},
		{"null member left out", "dynamodb", "PutItem", `{"TableName":"t","Item":null}`,
			"DynamoDB_20120810.PutItem", "application/x-amz-json-1.0", `{"TableName":"t"}`},
		{"blob given as base64 kept", "dynamodb", "PutItem", `{"TableName":"t","Item":{"b":{"B":"aGk="}}}`,
			"DynamoDB_20120810.PutItem", "application/x-amz-json-1.0", `{"Item":{"b":{"B":"aGk="}},"TableName":"t"}`},
		{"blob given as text encoded", "dynamodb", "PutItem", `{"TableName":"t","Item":{"b":{"B":"hi!"}}}`,
			"DynamoDB_20120810.PutItem", "application/x-amz-json-1.0", `{"Item":{"b":{"B":"aGkh"}},"TableName":"t"}`},
		{"json 1.1", "secretsmanager", "ListSecrets", `{"MaxResults":5}`,
			"secretsmanager.ListSecrets", "application/x-amz-json-1.1", `{"MaxResults":5}`},
		{"timestamp as epoch seconds", "cloudwatch", "GetMetricData", `{"StartTime":"2024-01-02T03:04:05Z","EndTime":"2024-01-02T03:04:05.5Z","MetricDataQueries":[]}`,
			"GraniteServiceVersion20100801.GetMetricData", "application/x-amz-json-1.0", `{"EndTime":1704164645.500,"MetricDataQueries":[],"StartTime":1704164645}`},
		{"no parameters", "sfn", "ListActivities", `{}`, "AWSStepFunctions.ListActivities", "application/x-amz-json-1.0", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := service(t, tt.service)
			if svc.Protocol(Supported) != "json" {
				t.Skipf("%s speaks %s", tt.service, svc.Protocol(Supported))
			}
			req, err := jsonCodec{}.Encode(svc, svc.Operation(tt.op), params(t, tt.params))
			if err != nil {
				t.Fatal(err)
			}
			if req.Method != "POST" || req.Path != "/" {
				t.Errorf("%s %s, want POST /", req.Method, req.Path)
			}
			if got := req.Header.Get("X-Amz-Target"); got != tt.target {
				t.Errorf("X-Amz-Target %q, want %q", got, tt.target)
			}
			if got := req.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if string(req.Body) != tt.body {
				t.Errorf("body %s, want %s", req.Body, tt.body)
			}
		})
	}
}

func TestJSONEncodeTimestamp(t *testing.T) {
	// Kinesis speaks json; GetShardIterator's Timestamp is a unixTimestamp.
	svc := service(t, "kinesis")
	req, err := jsonCodec{}.Encode(svc, svc.Operation("GetShardIterator"), params(t,
		`{"StreamName":"s","ShardId":"1","ShardIteratorType":"AT_TIMESTAMP","Timestamp":"2024-01-02T03:04:05.250Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(req.Body), `"Timestamp":1704164645.250`) {
		t.Errorf("body %s, want the timestamp in epoch seconds", req.Body)
	}
}

func TestJSONEncodeIdempotencyToken(t *testing.T) {
	svc := service(t, "secretsmanager")
	req, err := jsonCodec{}.Encode(svc, svc.Operation("CreateSecret"), params(t, `{"Name":"n"}`))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.Unmarshal(req.Body, &body)
	if tok, _ := body["ClientRequestToken"].(string); len(tok) != 36 {
		t.Errorf("ClientRequestToken %v, want a generated UUID", body["ClientRequestToken"])
	}
	req, _ = jsonCodec{}.Encode(svc, svc.Operation("CreateSecret"), params(t, `{"Name":"n","ClientRequestToken":"mine"}`))
	if !strings.Contains(string(req.Body), `"ClientRequestToken":"mine"`) {
		t.Errorf("body %s: a given token must be kept", req.Body)
	}
}

func TestJSONEncodeInvalid(t *testing.T) {
	tests := []struct{ name, op, params, path, msg string }{
		{"unknown field", "PutItem", `{"TableName":"t","Bogus":1}`, "Bogus", `The field "Bogus" is not supported by Step Functions`},
		{"unknown nested field", "PutItem", `{"TableName":"t","Item":{"a":{"X":"1"}}}`, "Item.a.X", `The field "X" is not supported`},
		// AWS's words, as users report them for dynamodb:putItem ("S.$" naming an object) and
		// lambda:invoke (a number as Payload).
		{"not a string", "PutItem", `{"TableName":5}`, "TableName", "The value for the field 'TableName' must be a STRING"},
		{"object for a string", "PutItem", `{"TableName":"t","Item":{"a":{"S":{"b":1}}}}`, "Item.a.S", "The value for the field 'S' must be a STRING"},
		{"wrong type", "PutItem", `{"TableName":"t","Item":{"a":{"BOOL":"yes"}}}`, "Item.a.BOOL", "The value of the field 'BOOL' has an invalid format: expected a boolean, got string"},
		{"not an integer", "Scan", `{"TableName":"t","Limit":1.5}`, "Limit", "expected an integer"},
		{"not a list", "Query", `{"TableName":"t","AttributesToGet":"a"}`, "AttributesToGet", "expected an array"},
	}
	svc := service(t, "dynamodb")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jsonCodec{}.Encode(svc, svc.Operation(tt.op), params(t, tt.params))
			var ip *InvalidParameter
			if !errors.As(err, &ip) {
				t.Fatalf("err %v, want an InvalidParameter", err)
			}
			if ip.Path != tt.path || !strings.Contains(ip.Message, tt.msg) {
				t.Errorf("got %q at %q, want %q at %q", ip.Message, ip.Path, tt.msg, tt.path)
			}
		})
	}
}

func TestJSONDecode(t *testing.T) {
	tests := []struct{ name, service, op, body, want string }{
		{"getItem", "dynamodb", "GetItem", `{"Item":{"id":{"S":"1"},"b":{"B":"aGk="},"l":{"L":[{"N":"1"}]}}}`,
			`{"Item":{"b":{"B":"aGk="},"id":{"S":"1"},"l":{"L":[{"N":"1"}]}}}`},
		{"empty body", "dynamodb", "PutItem", ``, `{}`},
		{"empty object", "dynamodb", "PutItem", `{}`, `{}`},
		{"timestamps as ISO 8601", "dynamodb", "DescribeTable",
			`{"Table":{"TableName":"t","CreationDateTime":1.7041646455E9,"TableStatus":"ACTIVE"}}`,
			`{"Table":{"CreationDateTime":"2024-01-02T03:04:05.500Z","TableName":"t","TableStatus":"ACTIVE"}}`},
		// 1765021215.752 has no exact float64: read as a float it is .752000093 s. The Java SDK
		// reads epoch seconds as a decimal, to the millisecond (DateUtils.parseUnixTimestampInstant).
		{"epoch seconds to the millisecond", "dynamodb", "DescribeTable",
			`{"Table":{"TableName":"t","CreationDateTime":1.765021215752E9,
				"BillingModeSummary":{"LastUpdateToPayPerRequestDateTime":1765021215.7529}}}`,
			`{"Table":{"BillingModeSummary":{"LastUpdateToPayPerRequestDateTime":"2025-12-06T11:40:15.752Z"},"CreationDateTime":"2025-12-06T11:40:15.752Z","TableName":"t"}}`},
		{"camelCase members to PascalCase, unknown dropped", "sfn", "StartExecution",
			`{"executionArn":"arn","startDate":1704164645,"extra":1}`, `{"ExecutionArn":"arn","StartDate":"2024-01-02T03:04:05Z"}`},
		{"list of structures", "secretsmanager", "ListSecrets", `{"SecretList":[{"Name":"a","LastChangedDate":0}]}`,
			`{"SecretList":[{"LastChangedDate":"1970-01-01T00:00:00Z","Name":"a"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := service(t, tt.service)
			got, err := jsonCodec{}.Decode(svc, svc.Operation(tt.op), &Response{Status: 200, Body: []byte(tt.body)})
			if err != nil {
				t.Fatal(err)
			}
			if s := value.Encode(got); s != tt.want {
				t.Errorf("got %s\nwant %s", s, tt.want)
			}
		})
	}
}

func TestJSONError(t *testing.T) {
	tests := []struct {
		name, service string
		header        http.Header
		body          string
		code, msg     string
	}{
		{"namespaced __type", "dynamodb", nil, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`,
			"ResourceNotFoundException", "Requested resource not found"},
		{"Message", "secretsmanager", nil, `{"__type":"ValidationException","Message":"Invalid name."}`, "ValidationException", "Invalid name."},
		{"header wins, url suffix", "dynamodb", http.Header{"X-Amzn-Errortype": {"ThrottlingException:http://internal.amazon.com/"}}, `{"__type":"x"}`,
			"ThrottlingException", ""},
		{"query-compatible, declared type kept", "sqs", http.Header{"X-Amzn-Query-Error": {"AWS.SimpleQueueService.NonExistentQueue;Sender"}},
			`{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`,
			"QueueDoesNotExist", "The specified queue does not exist."},
		{"query-compatible, undeclared type", "sqs", http.Header{"X-Amzn-Query-Error": {"AWS.SimpleQueueService.NonExistentQueue;Sender"}},
			`{"__type":"com.amazonaws.sqs#Other","message":"m"}`, "AWS.SimpleQueueService.NonExistentQueue", "m"},
		{"query header ignored elsewhere", "dynamodb", http.Header{"X-Amzn-Query-Error": {"Other;Sender"}}, `{"__type":"A#B"}`, "B", ""},
		{"not JSON", "dynamodb", nil, `<html>`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			code, msg := jsonCodec{}.Error(service(t, tt.service), &Response{Status: 400, Header: h, Body: []byte(tt.body)})
			if code != tt.code || msg != tt.msg {
				t.Errorf("got %q %q, want %q %q", code, msg, tt.code, tt.msg)
			}
		})
	}
}

func TestRenderTimestamp(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-02T03:04:05Z":           "2024-01-02T03:04:05Z",
		"2024-01-02T04:04:05.1+01:00":    "2024-01-02T03:04:05.100Z",
		"2024-01-02T03:04:05.123456Z":    "2024-01-02T03:04:05.123456Z",
		"2024-01-02T03:04:05.123456789Z": "2024-01-02T03:04:05.123456789Z",
	} {
		tm, err := time.Parse(time.RFC3339Nano, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := renderTimestamp(tm); got != want {
			t.Errorf("renderTimestamp(%s) = %s, want %s", in, got, want)
		}
	}
}

// FuzzJSONDecode feeds the decoder arbitrary bodies for a recursive output shape: it must
// return a result or an error, never panic, and a result must be valid JSON.
func FuzzJSONDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"Item":{"a":{"M":{"b":{"L":[{"S":"x"},{"B":"aGk="}]}}}}}`, `{"Item":{"a":{"B":"!!"}}}`,
		`[1]`, `null`, `{"Item":{"a":{"N":5}}}`, `{"ConsumedCapacity":{"CapacityUnits":"x"}}`, strings.Repeat(`{"M":{"a":`, 80)} {
		f.Add([]byte(s))
	}
	svc := service(f, "dynamodb")
	op := svc.Operation("GetItem")
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := jsonCodec{}.Decode(svc, op, &Response{Status: 200, Body: body})
		if err != nil {
			return
		}
		if _, err := value.DecodeMaps([]byte(value.Encode(v))); err != nil {
			t.Fatalf("result is not JSON: %v", err)
		}
		jsonCodec{}.Error(svc, &Response{Status: 400, Header: http.Header{}, Body: body})
	})
}
