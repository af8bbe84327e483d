package httptask_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/httptask"
)

// A Handler with one API-key connection runs an http:invoke task; a Registry routes such
// tasks to it (integration.Registry{HTTP: h}).
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"customer":"`+r.URL.Query().Get("id")+`","key":"`+r.Header.Get("X-Api-Key")+`"}`)
	}))
	defer api.Close()
	conns, _ := httptask.NewConnections(map[string]httptask.Connection{
		"stripe": {AuthorizationType: "API_KEY", AuthParameters: httptask.AuthParameters{
			ApiKeyAuthParameters: &httptask.APIKeyAuth{ApiKeyName: "X-Api-Key", ApiKeyValue: "sk_test"}}},
	})
	h := httptask.New(httptask.Options{Connections: conns, Region: "us-east-1"})
	out, err := h.RunTask(context.Background(), &engine.Task{ResourceType: "http", ResourceName: "invoke", Parameters: `{
		"ApiEndpoint": "` + api.URL + `/v1/customers", "Method": "GET", "QueryParameters": {"id": "cus_1"},
		"Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/stripe/81210c42-8af1-456b-9c4a-6ff02fc664ac"}}`})
	if err != nil {
		fmt.Println(err)
		return
	}
	var res struct {
		ResponseBody any
		StatusCode   int
		StatusText   string
	}
	_ = json.Unmarshal([]byte(out), &res)
	fmt.Println(res.StatusCode, res.StatusText, res.ResponseBody)
	// Output: 200 OK map[customer:cus_1 key:sk_test]
}
