package optimized_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/optimized"
)

// A Caller answers the API calls; here a stand-in for the model-driven AWS client. The task's
// result is the Java SDK's result object, with the response's headers as SdkHttpMetadata.
func Example() {
	caller := optimized.CallerFunc(func(ctx context.Context, req optimized.Request) (*optimized.Response, error) {
		h := http.Header{}
		h.Set("X-Amzn-Requestid", "req-1")
		return &optimized.Response{Output: map[string]any{"MessageId": "m-1"}, Status: 200, Header: h, RequestID: "req-1"}, nil
	})
	h := optimized.New(optimized.Options{Caller: caller})
	res := engine.ParseResource("arn:aws:states:::sqs:sendMessage")
	out, err := h.RunTask(context.Background(), &engine.Task{ResourceType: res.Type, ResourceName: res.Name,
		Parameters: `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/q","MessageBody":{"hello":"world"}}`})
	fmt.Println(out, err)
	// Output: {"MessageId":"m-1","SdkHttpMetadata":{"AllHttpHeaders":{"x-amzn-RequestId":["req-1"]},"HttpHeaders":{"x-amzn-RequestId":"req-1"},"HttpStatusCode":200},"SdkResponseMetadata":{"RequestId":"req-1"}} <nil>
}
