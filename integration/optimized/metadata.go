package optimized

import (
	"net/http"
	"sort"

	"github.com/stepwise-run/stepwise/asl/value"
)

// withMetadata is a result as the Java SDK v1 hands it to Step Functions: the output's
// members plus SdkHttpMetadata and SdkResponseMetadata, built from the response's headers.
func withMetadata(svc, action string, resp *Response) map[string]any {
	out := map[string]any{}
	if m, ok := resp.Output.(map[string]any); ok {
		for k, v := range m {
			out[k] = v
		}
	}
	all, single := headerMaps(svc, action, resp.Header)
	out["SdkHttpMetadata"] = map[string]any{
		"AllHttpHeaders": all,
		"HttpHeaders":    single,
		"HttpStatusCode": value.FromInt(int64(resp.Status)),
	}
	id := resp.RequestID
	if id == "" {
		id = resp.Header.Get("X-Amzn-Requestid")
	}
	out["SdkResponseMetadata"] = map[string]any{"RequestId": id}
	return out
}

// headerMaps renders headers as the Java SDK v1 keeps them: every value of each header
// (AllHttpHeaders), and one value per header, the last one received (HttpHeaders).
func headerMaps(svc, action string, h http.Header) (all, single map[string]any) {
	all, single = map[string]any{}, map[string]any{}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := h[k]
		if len(vs) == 0 {
			continue
		}
		name := wireName(svc, action, k)
		list := make([]any, len(vs))
		for i, v := range vs {
			list[i] = v
		}
		all[name] = list
		single[name] = vs[len(vs)-1]
	}
	return all, single
}

// spellings are headers as AWS spells them on the wire, keyed by Go's canonical form, which
// is how net/http hands them over. The Java SDK keeps the wire spelling, and so do the
// recorded results.
var spellings = map[string]string{
	"X-Amzn-Requestid":               "x-amzn-RequestId",
	"X-Amz-Crc32":                    "x-amz-crc32",
	"X-Amz-Apigw-Id":                 "x-amz-apigw-id",
	"X-Amzn-Errortype":               "x-amzn-ErrorType",
	"X-Amzn-Remapped-Content-Length": "x-amzn-Remapped-Content-Length",
	"X-Amz-Request-Id":               "x-amz-request-id",
	"X-Amz-Id-2":                     "x-amz-id-2",
}

// wireName is a header's name as the service spelt it. A key that is not in canonical form
// came from a caller that kept the wire spelling: it stays. The recordings show per-service
// quirks: SQS and SNS answer "connection" where DynamoDB answers "Connection", and DynamoDB's
// GetItem answers "x-amzn-requestid" where its other APIs answer "x-amzn-RequestId".
func wireName(svc, action, key string) string {
	if http.CanonicalHeaderKey(key) != key {
		return key
	}
	switch {
	case key == "Connection" && (svc == "sqs" || svc == "sns"):
		return "connection"
	case key == "X-Amzn-Requestid" && svc == "dynamodb" && action == "getItem":
		return "x-amzn-requestid"
	}
	if s, ok := spellings[key]; ok {
		return s
	}
	return key
}
