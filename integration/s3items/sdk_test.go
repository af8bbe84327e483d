package s3items_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/integration/s3items/s3itemstest"
	"github.com/stepwise-run/stepwise/runner"
)

// memCall answers S3 calls as a model-driven client would, from an in-memory S3: Range
// requests with ContentRange, listings with time stamps as text, errors as S3.<Code>.
func memCall(mem *s3itemstest.Mem, ranges *[]string) s3items.CallFunc {
	return func(ctx context.Context, action string, p map[string]any) (map[string]any, error) {
		str := func(k string) string { s, _ := p[k].(string); return s }
		fail := func(err error) (map[string]any, error) {
			var se *s3items.Error
			if errors.As(err, &se) {
				return nil, &runner.TaskError{Name: "S3." + se.Code + "Exception", Cause: se.Message}
			}
			return nil, err
		}
		switch action {
		case "getObject":
			in := s3items.GetInput{Bucket: str("Bucket"), Key: str("Key")}
			var start, end int64
			rng := str("Range")
			*ranges = append(*ranges, rng)
			if rng != "" {
				parts := strings.SplitN(strings.TrimPrefix(rng, "bytes="), "-", 2)
				start, end = atoi(parts[0]), atoi(parts[1])
				in.Start, in.Length = start, end-start+1
			}
			o, err := mem.GetObject(ctx, in)
			if err != nil {
				return fail(err)
			}
			b, _ := io.ReadAll(o.Body)
			out := map[string]any{"Body": string(b)}
			if rng != "" {
				out["ContentRange"] = "bytes " + itoa(int(start)) + "-" + itoa(int(start)+len(b)-1) + "/" + itoa(int(o.Size))
			}
			return out, nil
		case "listObjectsV2":
			page, err := mem.ListObjectsV2(ctx, s3items.ListInput{Bucket: str("Bucket"), Prefix: str("Prefix"), ContinuationToken: str("ContinuationToken"), MaxKeys: 1})
			if err != nil {
				return fail(err)
			}
			var contents []any
			for _, c := range page.Contents {
				contents = append(contents, map[string]any{"Key": c.Key, "ETag": c.ETag, "Size": float64(c.Size),
					"LastModified": c.LastModified.Format("2006-01-02T15:04:05.000Z"), "StorageClass": "STANDARD"})
			}
			return map[string]any{"Contents": contents, "IsTruncated": page.IsTruncated, "NextContinuationToken": page.NextContinuationToken}, nil
		case "putObject":
			return map[string]any{}, mem.Put(str("Bucket"), str("Key"), []byte(str("Body")))
		}
		return nil, errors.New("unexpected action " + action)
	}
}

func atoi(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestSDKAdapter(t *testing.T) {
	mem := s3itemstest.New("b")
	mem.Put("b", "k.jsonl", []byte("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"))
	mem.Put("b", "x/1", []byte("1"))
	mem.Put("b", "x/2", []byte("22"))
	var ranges []string
	h := &s3items.Handler{S3: s3items.SDK{Call: memCall(mem, &ranges)}, ChunkSize: 10}
	got, err := readItems2(h, getObject, `{"Bucket":"b","Key":"k.jsonl"}`, `{"InputType":"JSONL"}`)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, got, `[{"a":1},{"a":2},{"a":3}]`)
	if strings.Join(ranges, " ") != "bytes=0-9 bytes=10-19 bytes=20-29" {
		t.Fatalf("ranges %v", ranges)
	}
	got, err = readItems2(h, "arn:aws:states:::s3:listObjectsV2", `{"Bucket":"b","Prefix":"x/"}`, `{}`)
	if err != nil || !strings.Contains(got, `"Key":"x/2","LastModified":`) || strings.Count(got, "Etag") != 2 {
		t.Fatalf("%s %v", got, err)
	}
	_, err = readItems2(h, getObject, `{"Bucket":"b","Key":"nope"}`, `{"InputType":"JSON"}`)
	if err == nil || !strings.Contains(err.Error(), "NoSuchKey") {
		t.Fatalf("missing key: %v", err)
	}
}

func readItems2(h *s3items.Handler, resource, params, config string) (string, error) {
	return h.RunTask(context.Background(), readerTask(resource, params, config))
}
