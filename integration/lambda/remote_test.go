package lambda_test

import (
	"context"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/internal/awstest"
)

// TestRemoteOutlastsTheClientTimeout: a remote invocation is bounded by Lambda's own limit,
// not by the AWS client's bound on a call (60 s; 100 ms here), which a function may outrun.
func TestRemoteOutlastsTheClientTimeout(t *testing.T) {
	awstest.Isolate(t, nil)
	served := lambda.New(lambda.Options{Output: io.Discard, Functions: map[string]lambda.Spec{
		"slow": {Func: func(ctx context.Context, payload []byte) ([]byte, error) {
			select {
			case <-time.After(300 * time.Millisecond):
				return []byte(`"done"`), nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}},
	}})
	defer served.Close()
	srv := httptest.NewServer(&lambda.InvokeAPI{Runtime: served})
	defer srv.Close()
	client, err := awssdk.New(awssdk.Options{Timeout: 100 * time.Millisecond,
		Getenv: func(k string) string { return map[string]string{"LAMBDA_ENDPOINT": srv.URL}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := client.ConfiguredEndpoint(context.Background(), "lambda"); !ok || u != srv.URL {
		t.Fatalf("ConfiguredEndpoint: %q %v", u, ok)
	}
	rt := lambda.New(lambda.Options{Output: io.Discard, Remote: lambda.Remote(client)})
	defer rt.Close()
	res, err := rt.Invoke(context.Background(), &lambda.Invocation{Function: "slow", Payload: []byte(`{}`)})
	if err != nil || res.StatusCode != 200 || string(res.Payload) != `"done"` {
		t.Fatalf("a remote function running past the client's timeout: %v %+v", err, res)
	}
}
