package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/integration/httptask"
	"github.com/stepwise-run/stepwise/internal/awstest"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// testStateServer serves the API on a new SQLite store, its tasks run by what tasks makes of
// the store, and returns an SDK client of it; both stop with the test.
func testStateServer(t *testing.T, tasks func(store.Store) runner.TaskHandler) *sfn.Client {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := httptest.NewServer(&api.Server{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: tasks(st)})
	t.Cleanup(srv.Close)
	return sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{},
		APIOptions: []func(*middleware.Stack) error{noHostPrefix}})
}

// TestTestStateTrace tests an HTTP Task at the TRACE inspection level: the inspection data
// holds the request that went out and the response that came back. The connection's API key
// is left out unless revealSecrets is set; DEBUG shows no exchange at all.
func TestTestStateTrace(t *testing.T) {
	var gotBody string
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Answer", "42")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"created":true}`))
	}))
	defer endpoint.Close()
	const connArn = "arn:aws:events:us-east-1:123456789012:connection/api/0d1f6e2a"
	conns, err := httptask.NewConnections(map[string]httptask.Connection{connArn: {AuthorizationType: "API_KEY",
		AuthParameters: httptask.AuthParameters{ApiKeyAuthParameters: &httptask.APIKeyAuth{ApiKeyName: "X-Api-Key", ApiKeyValue: "top-secret"}}}})
	if err != nil {
		t.Fatal(err)
	}
	c := testStateServer(t, func(store.Store) runner.TaskHandler {
		return httptask.New(httptask.Options{Connections: conns, Region: "us-east-1"})
	})
	def := `{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{
		"ApiEndpoint":"` + endpoint.URL + `/orders","Method":"POST","QueryParameters":{"dry":"no"},
		"RequestBody":{"item.$":"$.item"},"Authentication":{"ConnectionArn":"` + connArn + `"}},"End":true}`
	test := func(level types.InspectionLevel, reveal bool) *types.InspectionData {
		t.Helper()
		out, err := c.TestState(context.Background(), &sfn.TestStateInput{Definition: aws.String(def),
			RoleArn: aws.String(role), Input: aws.String(`{"item":"tea"}`), InspectionLevel: level, RevealSecrets: reveal})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != types.TestExecutionStatusSucceeded {
			t.Fatalf("status %s: %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
		}
		return out.InspectionData
	}

	d := test(types.InspectionLevelTrace, false)
	if d.Request == nil || d.Response == nil {
		t.Fatalf("TRACE without the exchange: %+v", d)
	}
	rq, rs := d.Request, d.Response
	if aws.ToString(rq.Method) != "POST" || aws.ToString(rq.Url) != endpoint.URL+"/orders?dry=no" || aws.ToString(rq.Protocol) != "http" {
		t.Errorf("request %s %s %s", aws.ToString(rq.Protocol), aws.ToString(rq.Method), aws.ToString(rq.Url))
	}
	if aws.ToString(rq.Body) != gotBody || gotBody != `{"item":"tea"}` {
		t.Errorf("request body %q, the server got %q", aws.ToString(rq.Body), gotBody)
	}
	if h := aws.ToString(rq.Headers); !strings.Contains(h, "Content-Type: application/json; charset=UTF-8") || strings.Contains(h, "top-secret") || strings.Contains(h, "X-Api-Key") {
		t.Errorf("request headers %s", h)
	}
	if aws.ToString(rs.StatusCode) != "201" || aws.ToString(rs.StatusMessage) != "Created" || aws.ToString(rs.Body) != `{"created":true}` ||
		!strings.Contains(aws.ToString(rs.Headers), "X-Answer: 42") {
		t.Errorf("response %s %s %s %s", aws.ToString(rs.StatusCode), aws.ToString(rs.StatusMessage), aws.ToString(rs.Headers), aws.ToString(rs.Body))
	}

	if h := aws.ToString(test(types.InspectionLevelTrace, true).Request.Headers); !strings.Contains(h, "X-Api-Key: top-secret") {
		t.Errorf("revealSecrets: request headers %s", h)
	}
	if d := test(types.InspectionLevelDebug, false); d.Request != nil || d.Response != nil {
		t.Errorf("DEBUG shows the exchange: %+v %+v", d.Request, d.Response)
	}
}

// TestTestStateTraceAWSSDK: an aws-sdk task's exchange at TRACE, its signature hidden.
func TestTestStateTraceAWSSDK(t *testing.T) {
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": awstest.Dynalite(t)})
	client, err := awssdk.New(awssdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := testStateServer(t, func(st store.Store) runner.TaskHandler {
		return &integration.Registry{Store: st, SDK: &awssdk.Handler{Client: client}}
	})
	out, err := c.TestState(context.Background(), &sfn.TestStateInput{RoleArn: aws.String(role), InspectionLevel: types.InspectionLevelTrace,
		Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:listTables","Parameters":{"Limit":5},"End":true}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := out.InspectionData
	if out.Status != types.TestExecutionStatusSucceeded || d == nil || d.Request == nil || d.Response == nil {
		t.Fatalf("status %s, inspection %+v", out.Status, d)
	}
	h := aws.ToString(d.Request.Headers)
	if aws.ToString(d.Request.Method) != "POST" || !strings.Contains(h, "X-Amz-Target: DynamoDB_20120810.ListTables") ||
		strings.Contains(h, "Authorization") || aws.ToString(d.Request.Body) != `{"Limit":5}` {
		t.Errorf("request %s %s %s", aws.ToString(d.Request.Method), h, aws.ToString(d.Request.Body))
	}
	if aws.ToString(d.Response.StatusCode) != "200" || !strings.Contains(aws.ToString(d.Response.Body), "TableNames") {
		t.Errorf("response %s %s", aws.ToString(d.Response.StatusCode), aws.ToString(d.Response.Body))
	}
}
