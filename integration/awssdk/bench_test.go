package awssdk

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/internal/awstest"
)

// BenchmarkCallDynalite measures Stepwise's own cost per call: a getItem through Call (model
// lookup, encoding, signing, decoding) against the same request sent as raw bytes by a bare
// http.Client to the same dynalite; the difference is Stepwise's overhead. It reports the
// medians.
func BenchmarkCallDynalite(b *testing.B) {
	url := awstest.Dynalite(b)
	awstest.Isolate(b, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": url})
	c, err := New(Options{Region: "us-east-1"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Call(ctx, Call{Service: "dynamodb", Action: "createTable", Params: obj(b, `{"TableName":"bench","BillingMode":"PAY_PER_REQUEST",
		"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]}`)}); err != nil {
		b.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := c.Call(ctx, Call{Service: "dynamodb", Action: "putItem", Params: obj(b, `{"TableName":"bench","Item":{"id":{"S":"k"},"v":{"S":"hello"}}}`)}); err != nil {
		b.Fatal(err)
	}
	get := Call{Service: "dynamodb", Action: "getItem", Params: obj(b, `{"TableName":"bench","Key":{"id":{"S":"k"}}}`)}
	body := []byte(`{"Key":{"id":{"S":"k"}},"TableName":"bench"}`)
	raw := func() {
		req, _ := http.NewRequest("POST", url+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
		resp, err := c.http.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	var calls, raws []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := c.Call(ctx, get); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		raw()
		calls, raws = append(calls, t1.Sub(t0)), append(raws, time.Since(t1))
	}
	b.StopTimer()
	p50 := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	pc, pr := p50(calls), p50(raws)
	b.ReportMetric(float64(pc.Microseconds()), "call-p50-µs")
	b.ReportMetric(float64(pr.Microseconds()), "raw-p50-µs")
	b.ReportMetric(float64((pc - pr).Microseconds()), "overhead-p50-µs")
}
