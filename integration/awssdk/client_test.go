package awssdk

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/awssdk/protocol"
	"github.com/stepwise-run/stepwise/internal/awstest"
)

func isolate(t *testing.T, env map[string]string) { awstest.Isolate(t, env) }

func newClient(t *testing.T) *Client {
	t.Helper()
	c, err := New(Options{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func obj(t testing.TB, s string) map[string]any {
	t.Helper()
	v, err := value.DecodeMaps([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

func createTable(t *testing.T, c *Client, name string) {
	t.Helper()
	_, err := c.Call(context.Background(), Call{Service: "dynamodb", Action: "createTable", Params: obj(t, `{
		"TableName": "`+name+`", "BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "n", "AttributeType": "N"}],
		"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, name)
}

// waitActive waits until a table is ACTIVE (dynalite makes it so on its next tick).
func waitActive(t *testing.T, c *Client, name string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		res, err := c.Call(context.Background(), Call{Service: "dynamodb", Action: "describeTable", Params: map[string]any{"TableName": name}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Output.(map[string]any)["Table"].(map[string]any)["TableStatus"] == "ACTIVE" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("table %s did not become ACTIVE", name)
}

func TestCallDynalite(t *testing.T) {
	url := awstest.Dynalite(t)
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": url})
	c := newClient(t)
	ctx := context.Background()
	createTable(t, c, "things")

	steps := []struct{ action, params, want string }{
		{"putItem", `{"TableName":"things","Item":{"id":{"S":"a"},"n":{"N":"1"},"data":{"S":"x"},"bin":{"B":"aGk="}}}`, `{}`},
		{"getItem", `{"TableName":"things","Key":{"id":{"S":"a"},"n":{"N":"1"}}}`,
			`{"Item":{"bin":{"B":"aGk="},"data":{"S":"x"},"id":{"S":"a"},"n":{"N":"1"}}}`},
		{"updateItem", `{"TableName":"things","Key":{"id":{"S":"a"},"n":{"N":"1"}},"UpdateExpression":"set S=:r","ExpressionAttributeValues":{":r":{"S":"y"}},"ReturnValues":"UPDATED_NEW"}`,
			`{"Attributes":{"S":{"S":"y"}}}`},
		{"query", `{"TableName":"things","KeyConditionExpression":"id = :id","ExpressionAttributeValues":{":id":{"S":"a"}},"ProjectionExpression":"id, S"}`,
			`{"Count":1,"Items":[{"S":{"S":"y"},"id":{"S":"a"}}],"ScannedCount":1}`},
		{"deleteItem", `{"TableName":"things","Key":{"id":{"S":"a"},"n":{"N":"1"}},"ReturnValues":"ALL_OLD"}`,
			`{"Attributes":{"S":{"S":"y"},"bin":{"B":"aGk="},"data":{"S":"x"},"id":{"S":"a"},"n":{"N":"1"}}}`},
		{"getItem", `{"TableName":"things","Key":{"id":{"S":"a"},"n":{"N":"1"}}}`, `{}`},
	}
	for _, s := range steps {
		res, err := c.Call(ctx, Call{Service: "dynamodb", Action: s.action, Params: obj(t, s.params)})
		if err != nil {
			t.Fatalf("%s: %v", s.action, err)
		}
		if got := value.Encode(res.Output); got != s.want {
			t.Errorf("%s: got %s\nwant %s", s.action, got, s.want)
		}
		if res.Status != 200 || res.RequestID == "" {
			t.Errorf("%s: status %d, request ID %q", s.action, res.Status, res.RequestID)
		}
	}

	// A table's description carries timestamps, rendered as ISO 8601.
	res, err := c.Call(ctx, Call{Service: "dynamodb", Action: "describeTable", Params: obj(t, `{"TableName":"things"}`)})
	if err != nil {
		t.Fatal(err)
	}
	created, _ := res.Output.(map[string]any)["Table"].(map[string]any)["CreationDateTime"].(string)
	if ts, err := time.Parse(time.RFC3339Nano, created); err != nil || time.Since(ts) > time.Minute {
		t.Errorf("CreationDateTime %q, want the table's creation time in ISO 8601", created)
	}
}

func TestCallDynaliteErrors(t *testing.T) {
	url := awstest.Dynalite(t)
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": url})
	c := newClient(t)
	createTable(t, c, "tbl")
	_, err := c.Call(context.Background(), Call{Service: "dynamodb", Action: "putItem",
		Params: obj(t, `{"TableName":"tbl","Item":{"id":{"S":"a"},"n":{"N":"1"}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, action, params string
		errName, cause       string
	}{
		{"missing table", "putItem", `{"TableName":"nope","Item":{"id":{"S":"a"}}}`,
			"DynamoDb.ResourceNotFoundException", `^Requested resource not found \(Service: DynamoDb, Status Code: 400, Request ID: \S+\)$`},
		{"null item", "putItem", `{"TableName":"tbl","Item":null}`,
			"DynamoDb.DynamoDbException", `^1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null \(Service: DynamoDb, Status Code: 400, Request ID: \S+\)$`},
		{"failed condition", "putItem", `{"TableName":"tbl","Item":{"id":{"S":"a"},"n":{"N":"1"}},"ConditionExpression":"attribute_not_exists(id)"}`,
			"DynamoDb.ConditionalCheckFailedException", `^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: \S+\)$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Call(context.Background(), Call{Service: "dynamodb", Action: tt.action, Params: obj(t, tt.params)})
			var se *ServiceError
			if !errors.As(err, &se) {
				t.Fatalf("err %v, want a ServiceError", err)
			}
			te := se.TaskError()
			if te.Name != tt.errName || !matches(tt.cause, te.Cause) {
				t.Errorf("got %s %q\nwant %s %s", te.Name, te.Cause, tt.errName, tt.cause)
			}
		})
	}
}

func TestCallUnreachable(t *testing.T) {
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": awstest.ClosedPort(t)})
	c := newClient(t)
	_, err := c.Call(context.Background(), Call{Service: "dynamodb", Action: "listTables"})
	var ce *ClientError
	if !errors.As(err, &ce) {
		t.Fatalf("err %v, want a ClientError", err)
	}
	te := ce.TaskError()
	if te.Name != "DynamoDb.SdkClientException" || !strings.HasPrefix(te.Cause, "Unable to execute HTTP request: ") {
		t.Errorf("got %s %q", te.Name, te.Cause)
	}
}

func TestCallInvalidParameter(t *testing.T) {
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": awstest.ClosedPort(t)})
	c := newClient(t)
	_, err := c.Call(context.Background(), Call{Service: "dynamodb", Action: "getItem", Params: obj(t, `{"TableName":"t","Keys":{}}`)})
	var ip *protocol.InvalidParameter
	if !errors.As(err, &ip) || ip.Path != "Keys" {
		t.Fatalf("err %v, want an InvalidParameter for Keys (nothing sent)", err)
	}
}

func matches(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// TestCallCarriesTrace: a call made for a traced execution (its trace context in ctx) sends
// the X-Ray trace header AWS services continue a trace from; an untraced one sends none.
func TestCallCarriesTrace(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("X-Amzn-Trace-Id"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{"TableNames":[]}`))
	}))
	defer srv.Close()
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": srv.URL})
	c := newClient(t)
	tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	sid, _ := trace.SpanIDFromHex("53995c3f42cd8ad8")
	traced := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true}))
	for _, ctx := range []context.Context{traced, context.Background()} {
		if _, err := c.Call(ctx, Call{Service: "dynamodb", Action: "listTables", Params: map[string]any{}}); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"; len(got) != 2 || got[0] != want || got[1] != "" {
		t.Errorf("X-Amzn-Trace-Id headers %q, want %q then none", got, want)
	}
}
