package protocol

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/internal/awstest"
)

// TestS3AgainstGofakes3 runs the rest-xml codec against gofakes3: every request is encoded
// from the S3 model, sent as is, and its answer decoded.
func TestS3AgainstGofakes3(t *testing.T) {
	base := awstest.S3(t)
	svc := svcModel(t, "s3")
	c := For("rest-xml")

	mustCall(t, c, base, svc, "createBucket", paramsOf(t, `{"Bucket":"bucket-name"}`))

	// PutObject bodies as the recordings send them: a Body is stored as its JSON text, a
	// string with its quotes (the recorded ETags are those MD5s); the ETag is the MD5 of what
	// was stored.
	puts := []struct {
		name, body, stored string
	}{
		{"str", `"text data"`, `"text data"`},
		{"empty_str", `""`, `""`},
		{"dict", `{"Dict":"Value"}`, `{"Dict":"Value"}`},
		{"list", `["List","Data"]`, `["List","Data"]`},
		{"bool", `false`, "false"},
		{"num", `0`, "0"},
	}
	for _, p := range puts {
		t.Run("putObject/"+p.name, func(t *testing.T) {
			key := "file-key-" + p.name
			out := mustCall(t, c, base, svc, "putObject", paramsOf(t, fmt.Sprintf(`{"Bucket":"bucket-name","Key":%q,"Body":%s}`, key, p.body)))
			sum := md5.Sum([]byte(p.stored))
			if want := `"` + hex.EncodeToString(sum[:]) + `"`; out["ETag"] != want {
				t.Errorf("ETag = %v, want %s (output %s)", out["ETag"], want, jsonText(out))
			}
			got := mustCall(t, c, base, svc, "getObject", paramsOf(t, fmt.Sprintf(`{"Bucket":"bucket-name","Key":%q}`, key)))
			if got["Body"] != p.stored {
				t.Errorf("Body = %q, want %q", got["Body"], p.stored)
			}
			// Stored with the media type Step Functions sends a Body with (services/
			// test_aws_sdk_task_service's get-s3-object answers).
			if got["ContentType"] != "text/plain; charset=UTF-8" {
				t.Errorf("ContentType = %v, want text/plain; charset=UTF-8", got["ContentType"])
			}
			if got["ContentLength"] == nil || got["ContentLength"].(interface{ String() string }).String() != fmt.Sprint(len(p.stored)) {
				t.Errorf("ContentLength = %v, want %d", got["ContentLength"], len(p.stored))
			}
			if _, ok := got["Metadata"].(map[string]any); !ok {
				t.Errorf("Metadata = %v, want an object", got["Metadata"])
			}
			if s, ok := got["LastModified"].(string); !ok || !strings.HasSuffix(s, "Z") {
				t.Errorf("LastModified = %v, want an ISO 8601 UTC time", got["LastModified"])
			}
		})
	}

	t.Run("binary and metadata", func(t *testing.T) {
		mustCall(t, c, base, svc, "putObject", paramsOf(t, `{"Bucket":"bucket-name","Key":"dir/bin ary+key","Body":{"binary":"data"},"ContentType":"application/octet-stream","Metadata":{"color":"blue","shape":"round"}}`))
		got := mustCall(t, c, base, svc, "getObject", paramsOf(t, `{"Bucket":"bucket-name","Key":"dir/bin ary+key"}`))
		if got["Body"] != `{"binary":"data"}` || got["ContentType"] != "application/octet-stream" {
			t.Errorf("getObject = %s", jsonText(got))
		}
		meta := got["Metadata"].(map[string]any)
		if meta["color"] != "blue" || meta["shape"] != "round" || len(meta) != 2 {
			t.Errorf("Metadata = %v", meta)
		}
		head := mustCall(t, c, base, svc, "headObject", paramsOf(t, `{"Bucket":"bucket-name","Key":"dir/bin ary+key"}`))
		if head["ETag"] != got["ETag"] || head["Body"] != nil || fmt.Sprint(head["ContentLength"]) != "17" {
			t.Errorf("headObject = %s", jsonText(head))
		}
		// An object that is not UTF-8 (put by another client) reads as text, each stray byte
		// replaced by U+FFFD as the AWS SDK for Java decodes it.
		req := &Request{Method: "PUT", Path: "/bucket-name/raw", Header: http.Header{}, Body: []byte("\x00\xff\xfebin")}
		if resp := send(t, base, req); resp.Status != 200 {
			t.Fatalf("raw put: %d %s", resp.Status, resp.Body)
		}
		got = mustCall(t, c, base, svc, "getObject", paramsOf(t, `{"Bucket":"bucket-name","Key":"raw"}`))
		if got["Body"] != "\x00\uFFFD\uFFFDbin" {
			t.Errorf("binary Body = %q", got["Body"])
		}
	})

	t.Run("listObjectsV2", func(t *testing.T) {
		mustCall(t, c, base, svc, "createBucket", paramsOf(t, `{"Bucket":"list-bucket"}`))
		for i := 0; i < 5; i++ {
			mustCall(t, c, base, svc, "putObject", paramsOf(t, fmt.Sprintf(`{"Bucket":"list-bucket","Key":"p/%d.txt","Body":"%d"}`, i, i)))
		}
		mustCall(t, c, base, svc, "putObject", paramsOf(t, `{"Bucket":"list-bucket","Key":"other","Body":"x"}`))
		var keys []string
		var token any
		pages := 0
		for {
			p := paramsOf(t, `{"Bucket":"list-bucket","Prefix":"p/","MaxKeys":2}`)
			if token != nil {
				p["ContinuationToken"] = token
			}
			out := mustCall(t, c, base, svc, "listObjectsV2", p)
			pages++
			if fmt.Sprint(out["MaxKeys"]) != "2" || out["Prefix"] != "p/" || out["Name"] != "list-bucket" {
				t.Fatalf("page %d = %s", pages, jsonText(out))
			}
			for _, o := range out["Contents"].([]any) {
				obj := o.(map[string]any)
				keys = append(keys, obj["Key"].(string))
				if fmt.Sprint(obj["Size"]) != "3" { // "0": the JSON text of the string
					t.Errorf("%v: Size = %v", obj["Key"], obj["Size"])
				}
			}
			if out["IsTruncated"] != true {
				break
			}
			token = out["NextContinuationToken"]
			if pages > 5 {
				t.Fatal("no end to the pages")
			}
		}
		if want := "p/0.txt p/1.txt p/2.txt p/3.txt p/4.txt"; strings.Join(keys, " ") != want || pages != 3 {
			t.Errorf("keys = %v in %d pages, want %s in 3", keys, pages, want)
		}
	})

	t.Run("deleteObjects", func(t *testing.T) {
		mustCall(t, c, base, svc, "createBucket", paramsOf(t, `{"Bucket":"del-bucket"}`))
		for _, k := range []string{"a", "b", "c"} {
			mustCall(t, c, base, svc, "putObject", paramsOf(t, `{"Bucket":"del-bucket","Key":"`+k+`","Body":"x"}`))
		}
		out := mustCall(t, c, base, svc, "deleteObjects", paramsOf(t, `{"Bucket":"del-bucket","Delete":{"Objects":[{"Key":"a"},{"Key":"b"}]}}`))
		deleted, _ := out["Deleted"].([]any)
		if len(deleted) != 2 {
			t.Errorf("deleteObjects = %s", jsonText(out))
		}
		left := mustCall(t, c, base, svc, "listObjectsV2", paramsOf(t, `{"Bucket":"del-bucket"}`))
		if contents, _ := left["Contents"].([]any); len(contents) != 1 || contents[0].(map[string]any)["Key"] != "c" {
			t.Errorf("after deleteObjects: %s", jsonText(left))
		}
	})

	t.Run("deleteObject", func(t *testing.T) {
		mustCall(t, c, base, svc, "deleteObject", paramsOf(t, `{"Bucket":"bucket-name","Key":"file-key-str"}`))
		_, code, _, resp := call(t, c, base, svc, "getObject", paramsOf(t, `{"Bucket":"bucket-name","Key":"file-key-str"}`))
		if code != "NoSuchKey" || resp.Status != 404 {
			t.Errorf("after delete: %d %s", resp.Status, code)
		}
	})

	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			action, params, code, msg string
			status                    int
		}{
			// Recorded against AWS (error_handling/test_aws_sdk): S3.NoSuchKeyException with
			// "The specified key does not exist.", S3.NoSuchBucketException with "The
			// specified bucket does not exist". gofakes3 writes the bucket's message as AWS
			// does, and none for the key.
			{"getObject", `{"Bucket":"bucket-name","Key":"missing"}`, "NoSuchKey", "", 404},
			{"listObjects", `{"Bucket":"no-such-bucket"}`, "NoSuchBucket", "The specified bucket does not exist", 404},
			{"listObjectsV2", `{"Bucket":"no-such-bucket"}`, "NoSuchBucket", "The specified bucket does not exist", 404},
			{"headObject", `{"Bucket":"bucket-name","Key":"missing"}`, "NotFound", "", 404},
		}
		for _, tt := range tests {
			_, code, msg, resp := call(t, c, base, svc, tt.action, paramsOf(t, tt.params))
			if code != tt.code || resp.Status != tt.status || (tt.msg != "" && msg != tt.msg) {
				t.Errorf("%s: %d %q %q, want %d %q %q\n%s", tt.action, resp.Status, code, msg, tt.status, tt.code, tt.msg, resp.Body)
			}
		}
		if got := S3ErrorCode(operation(t, svc, "headObject"), "NotFound"); got != "NoSuchKey" {
			t.Errorf("S3ErrorCode(HeadObject, NotFound) = %s", got)
		}
	})
}
