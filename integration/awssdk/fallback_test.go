package awssdk

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
	"github.com/stepwise-run/stepwise/integration/awssdk/protocol"
)

// fakeQuery stands in for the query codec: it sends Action=<op> and reads the body as the
// output's only member, which is enough to see which protocol the client chose.
type fakeQuery struct{}

func (fakeQuery) Encode(svc *model.Service, op *model.Operation, _ map[string]any) (*protocol.Request, error) {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	return &protocol.Request{Method: "POST", Path: "/", Header: h, Body: []byte("Action=" + op.Name)}, nil
}
func (fakeQuery) Decode(_ *model.Service, _ *model.Operation, resp *protocol.Response) (any, error) {
	return map[string]any{"Body": string(resp.Body)}, nil
}
func (fakeQuery) Error(*model.Service, *protocol.Response) (string, string) { return "", "" }

// TestQueryFallback: SQS's model prefers JSON; an endpoint that answers a JSON request with
// XML (as goaws does) is spoken to in the query protocol, at once and from then on.
func TestQueryFallback(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Header.Get("Content-Type"))
		mu.Unlock()
		if strings.HasPrefix(string(body), "Action=") {
			w.Header().Set("Content-Type", "text/xml")
			_, _ = io.WriteString(w, "<ListQueuesResponse/>")
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>")
	}))
	defer srv.Close()
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_SQS": srv.URL})

	for _, tc := range []struct {
		name  string
		query protocol.Codec
	}{{"with a query codec", fakeQuery{}}, {"without one", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			c := newClient(t)
			c.codec = func(p string) protocol.Codec {
				if p == "query" {
					return tc.query
				}
				return protocol.For(p)
			}
			for i := 0; i < 2; i++ {
				res, err := c.Call(context.Background(), Call{Service: "sqs", Action: "listQueues"})
				if tc.query == nil {
					var ce *ClientError
					if !errors.As(err, &ce) || !strings.Contains(ce.Message, "speaks only the query protocol of Sqs") {
						t.Fatalf("err %v, want a ClientError saying the endpoint speaks only query", err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if res.Output.(map[string]any)["Body"] != "<ListQueuesResponse/>" {
					t.Errorf("output %v", res.Output)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			want := "application/x-amz-json-1.0 application/x-www-form-urlencoded application/x-www-form-urlencoded"
			if tc.query == nil {
				want = "application/x-amz-json-1.0"
			}
			if got := strings.Join(seen, " "); got != want {
				t.Errorf("requests %s, want %s (JSON once, then query)", got, want)
			}
		})
	}
}

// TestCallTimeout: a server that does not answer in time fails the call with the Java SDK's
// timeout message, as an SdkClientException.
func TestCallTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": srv.URL})
	c, err := New(Options{Region: "us-east-1", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Call(context.Background(), Call{Service: "dynamodb", Action: "listTables"})
	var ce *ClientError
	if !errors.As(err, &ce) {
		t.Fatalf("err %v, want a ClientError", err)
	}
	if te := ce.TaskError(); te.Name != "DynamoDb.SdkClientException" || te.Cause != "Client execution did not complete before the specified timeout configuration" {
		t.Errorf("got %s %q", te.Name, te.Cause)
	}
}

// TestCredentialsNeverShown: the secret key is in no error, whatever fails.
func TestCredentialsNeverShown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(400)
		_, _ = io.WriteString(w, `{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."}`)
	}))
	defer srv.Close()
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": srv.URL, "AWS_SESSION_TOKEN": "SESSIONTOKENSECRET"})
	c := newClient(t)
	_, err := c.Call(context.Background(), Call{Service: "dynamodb", Action: "listTables"})
	var se *ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("err %v", err)
	}
	te := se.TaskError()
	for _, s := range []string{err.Error(), te.Name, te.Cause} {
		if strings.Contains(s, "EXAMPLEKEY") || strings.Contains(s, "SESSIONTOKENSECRET") || strings.Contains(s, "AKIDEXAMPLE") {
			t.Errorf("a credential shows in %q", s)
		}
	}
	if te.Name != "DynamoDb.DynamoDbException" {
		t.Errorf("error %s", te.Name)
	}
	if got := scrub("failed: aws_secret_access_key=abc123 token: xyz AKIAABCDEFGHIJKLMNOP"); strings.Contains(got, "abc123") ||
		strings.Contains(got, "xyz") || strings.Contains(got, "AKIAABCDEFGHIJKLMNOP") {
		t.Errorf("scrub left a secret: %s", got)
	}
}
