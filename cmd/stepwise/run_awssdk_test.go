package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stepwise-run/stepwise/internal/awstest"
)

// TestRunAWSSDK: `stepwise run` runs aws-sdk tasks against the endpoint the environment names,
// in the default chain's region.
func TestRunAWSSDK(t *testing.T) {
	target, err := url.Parse(awstest.Dynalite(t))
	if err != nil {
		t.Fatal(err)
	}
	// A proxy in front of dynalite notes the region requests are signed for.
	var mu sync.Mutex
	var scopes []string
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
		cred, _, _ = strings.Cut(cred, ",")
		mu.Lock()
		scopes = append(scopes, cred)
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": srv.URL, "AWS_REGION": "eu-west-3"})
	def := `{"StartAt":"Create","States":{
		"Create":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:createTable","Parameters":{
			"TableName":"runs","BillingMode":"PAY_PER_REQUEST",
			"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]},
			"ResultSelector":{"Arn.$":"$.TableDescription.TableArn"},"End":true}}}`
	path := filepath.Join(t.TempDir(), "m.asl.json")
	if err := os.WriteFile(path, []byte(def), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", path}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var res struct {
		Status string
		Output *string
		Cause  *string
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Status != "SUCCEEDED" || res.Output == nil {
		t.Fatalf("%s %v", res.Status, res.Cause)
	}
	// dynalite names tables in its own region (its AWS_REGION when it started).
	if want := `{"Arn":"arn:aws:dynamodb:us-east-1:000000000000:table/runs"}`; *res.Output != want {
		t.Errorf("output %s, want %s", *res.Output, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(scopes) != 1 || !strings.HasSuffix(scopes[0], "/eu-west-3/dynamodb/aws4_request") {
		t.Errorf("signed for %v, want the default chain's region eu-west-3", scopes)
	}
}
