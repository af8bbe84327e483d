package testsuite

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/internal/awstest"
	"github.com/stepwise-run/stepwise/runner"
)

// s3Machine makes a bucket, writes, copies, lists, reads and deletes objects through
// aws-sdk:s3 tasks, catching the errors S3 answers, and outputs what each call gave that a
// test can rely on (not the dates or request ids).
const s3Machine = `{"StartAt":"Make","States":{
	"Make":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:createBucket","Parameters":{"Bucket":"box"},"ResultPath":null,"Next":"Again"},
	"Again":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:createBucket","Parameters":{"Bucket":"box"},
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.again","Next":"Elsewhere"}],"ResultSelector":{"Location.$":"$.Location"},"ResultPath":"$.again","Next":"Elsewhere"},
	"Elsewhere":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:createBucket","Parameters":{"Bucket":"box","CreateBucketConfiguration":{"LocationConstraint":"eu-west-1"}},
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.elsewhere","Next":"Put"}],"ResultPath":"$.elsewhere","Next":"Put"},
	"Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject",
		"Parameters":{"Bucket":"box","Key":"dir/a.json","Body":{"n":1},"ContentType":"application/json","Metadata":{"owner":"ada"}},
		"ResultSelector":{"ETag.$":"$.ETag"},"ResultPath":"$.put","Next":"PutText"},
	"PutText":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject","Parameters":{"Bucket":"box","Key":"top.txt","Body":"hello world"},"ResultPath":null,"Next":"Copy"},
	"Copy":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:copyObject","Parameters":{"Bucket":"box","Key":"dir/sub/b.json","CopySource":"box/dir/a.json"},
		"ResultSelector":{"ETag.$":"$.CopyObjectResult.ETag"},"ResultPath":"$.copy","Next":"Head"},
	"Head":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:headObject","Parameters":{"Bucket":"box","Key":"dir/sub/b.json"},
		"ResultSelector":{"ContentLength.$":"$.ContentLength","ContentType.$":"$.ContentType","Metadata.$":"$.Metadata"},"ResultPath":"$.head","Next":"Get"},
	"Get":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"box","Key":"top.txt","Range":"bytes=1-5"},
		"ResultSelector":{"Body.$":"$.Body","ContentLength.$":"$.ContentLength","ContentRange.$":"$.ContentRange"},"ResultPath":"$.get","Next":"List"},
	"List":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:listObjectsV2","Parameters":{"Bucket":"box","Prefix":"dir/","Delimiter":"/"},
		"ResultSelector":{"KeyCount.$":"$.KeyCount","Keys.$":"$.Contents[*].Key","Prefixes.$":"$.CommonPrefixes[*].Prefix"},"ResultPath":"$.list","Next":"Page"},
	"Page":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:listObjectsV2","Parameters":{"Bucket":"box","MaxKeys":2},
		"ResultSelector":{"Keys.$":"$.Contents[*].Key","IsTruncated.$":"$.IsTruncated"},"ResultPath":"$.page","Next":"ListV1"},
	"ListV1":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:listObjects","Parameters":{"Bucket":"box","Prefix":"dir/","Delimiter":"/"},
		"ResultSelector":{"Keys.$":"$.Contents[*].Key","Prefixes.$":"$.CommonPrefixes[*].Prefix","IsTruncated.$":"$.IsTruncated"},"ResultPath":"$.listV1","Next":"Delete"},
	"Delete":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:deleteObject","Parameters":{"Bucket":"box","Key":"top.txt"},"ResultPath":null,"Next":"DeleteMany"},
	"DeleteMany":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:deleteObjects","Parameters":{"Bucket":"box","Delete":{"Objects":[{"Key":"dir/sub/b.json"},{"Key":"nothing"}]}},
		"ResultSelector":{"Deleted.$":"$.Deleted[*].Key"},"ResultPath":"$.deleteMany","Next":"Left"},
	"Left":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:listObjectsV2","Parameters":{"Bucket":"box"},
		"ResultSelector":{"Keys.$":"$.Contents[*].Key"},"ResultPath":"$.left","Next":"Gone"},
	"Gone":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"box","Key":"top.txt"},
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.gone","Next":"HeadGone"}],"Next":"HeadGone"},
	"HeadGone":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:headObject","Parameters":{"Bucket":"box","Key":"top.txt"},
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.headGone","Next":"NoBucket"}],"Next":"NoBucket"},
	"NoBucket":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"nobox","Key":"x"},
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.noBucket","Next":"NotEmpty"}],"Next":"NotEmpty"},
	"NotEmpty":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:deleteBucket","Parameters":{"Bucket":"box"},
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.notEmpty","Next":"Done"}],"Next":"Done"},
	"Done":{"Type":"Pass","End":true}}}`

// TestS3Tasks: in a file with s3:, aws-sdk:s3 tasks are answered by the in-memory S3 (with
// or without unmocked: call), and what they give is what the same tasks give against
// gofakes3, a real S3 server, in the parts both servers give (the in-memory S3 answers the
// recorded ServerSideEncryption and checksums too; gofakes3 does not).
func TestS3Tasks(t *testing.T) {
	tasks := sdkTasks(t)
	output := func(head string) map[string]any {
		t.Helper()
		return outputOf(t, map[string]string{"sm.asl.json": s3Machine, "x.test.yaml": "stateMachine: sm.asl.json\n" + head + "tests:\n  - name: a\n"}, tasks)
	}
	mem := output("s3:\n  s3://other/: ~\n")
	t.Setenv("AWS_ENDPOINT_URL_S3", awstest.S3(t))
	fake := output("unmocked: call\n")
	for _, k := range []string{"put", "copy", "head", "get", "list", "page", "listV1", "deleteMany", "left"} {
		a, _ := json.Marshal(mem[k])
		b, _ := json.Marshal(fake[k])
		if string(a) != string(b) {
			t.Errorf("%s: in memory %s, gofakes3 %s", k, a, b)
		}
	}
	for _, k := range []string{"gone", "headGone", "noBucket", "notEmpty"} {
		a, _ := mem[k].(map[string]any)
		b, _ := fake[k].(map[string]any)
		if a == nil || b == nil || a["Error"] != b["Error"] {
			t.Errorf("%s: in memory %v, gofakes3 %v", k, mem[k], fake[k])
		}
	}
	// The text was put as its JSON text, "hello world" with its quotes: 13 bytes.
	if want := `{"Body":"hello","ContentLength":5,"ContentRange":"bytes 1-5/13"}`; jsonText(mem["get"]) != want {
		t.Errorf("get: %s, want %s", jsonText(mem["get"]), want)
	}
	// gofakes3 answers BucketAlreadyExists to its owner; S3 answers 200 in us-east-1 and
	// BucketAlreadyOwnedByYou elsewhere.
	if want := `{"Location":"/box"}`; jsonText(mem["again"]) != want {
		t.Errorf("a bucket made again in us-east-1: %s, want %s", jsonText(mem["again"]), want)
	}
	if e, _ := mem["elsewhere"].(map[string]any); e == nil || e["Error"] != "S3.BucketAlreadyOwnedByYouException" {
		t.Errorf("a bucket made again in eu-west-1: %v", mem["elsewhere"])
	}
}

// sdkTasks runs a test's unmocked tasks through the aws-sdk integration, whose S3 calls the
// file's s3: answers (InProcess), with no AWS configuration of the machine's.
func sdkTasks(t *testing.T) func() (runner.TaskHandler, error) {
	awstest.Isolate(t, nil)
	client, err := awssdk.New(awssdk.Options{InProcess: InProcess})
	if err != nil {
		t.Fatal(err)
	}
	return func() (runner.TaskHandler, error) { return &awssdk.Handler{Client: client, ClientRegion: true}, nil }
}

// outputOf runs a file's one test, which must run to its end, and returns its output.
func outputOf(t *testing.T, files map[string]string, tasks func() (runner.TaskHandler, error)) map[string]any {
	t.Helper()
	r := runDir(t, writeFiles(t, files), Options{Tasks: tasks}).Files[0].Tests[0]
	if r.Problem != "" || len(r.Failures) > 0 || r.Outcome == nil {
		t.Fatalf("problem %q, failures %v", r.Problem, r.Failures)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.Outcome.Output), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// FuzzByteRange: a Range header read as a range of an object is within the object, and not
// empty, or it is refused.
func FuzzByteRange(f *testing.F) {
	for _, s := range []string{"bytes=0-0", "bytes=1-5", "bytes=-3", "bytes=4-", "bytes=9-2", "bytes=0-1,3-4", "items=0-1", "bytes=-0"} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, s string, size int64) {
		if size < 0 || size > 1<<40 {
			return
		}
		start, end, ok := byteRange(s, size)
		if ok && !(0 <= start && start < end && end <= size) {
			t.Fatalf("byteRange(%q, %d) = [%d, %d)", s, size, start, end)
		}
	})
}

// TestS3TagsAndBuckets: the in-memory S3 lists its buckets and keeps objects' tags, as S3
// does: given with PutObject (x-amz-tagging) or PutObjectTagging, counted by GetObject,
// copied by CopyObject or replaced there, deleted; refused past S3's bounds; NoSuchKey for an
// object that is not there. (gofakes3 has no tagging to compare with.)
func TestS3TagsAndBuckets(t *testing.T) {
	tasks := sdkTasks(t)
	task := func(name, action, params, selector, next string) string {
		sel := ""
		if selector != "" {
			sel = `"ResultSelector":` + selector + `,`
		}
		return `"` + name + `":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:` + action + `","Parameters":` + params + `,` + sel +
			`"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.` + name + `","Next":"` + next + `"}],"ResultPath":"$.` + name + `","Next":"` + next + `"}`
	}
	tags := `{"Tags.$":"$.TagSet"}`
	eleven := `[` + strings.TrimSuffix(strings.Repeat(`{"Key":"k","Value":"v"},`, 11), ",") + `]`
	def := `{"StartAt":"put","States":{` + strings.Join([]string{
		task("put", "putObject", `{"Bucket":"box","Key":"a.txt","Body":"x","Tagging":"a=1&b=two%20words"}`, `{}`, "tagsPut"),
		task("tagsPut", "getObjectTagging", `{"Bucket":"box","Key":"a.txt"}`, tags, "count"),
		task("count", "getObject", `{"Bucket":"box","Key":"a.txt"}`, `{"TagCount.$":"$.TagCount"}`, "retag"),
		task("retag", "putObjectTagging", `{"Bucket":"box","Key":"a.txt","Tagging":{"TagSet":[{"Key":"c","Value":"3"}]}}`, `{}`, "tagsRetag"),
		task("tagsRetag", "getObjectTagging", `{"Bucket":"box","Key":"a.txt"}`, tags, "copy"),
		task("copy", "copyObject", `{"Bucket":"box","Key":"b.txt","CopySource":"box/a.txt"}`, `{}`, "tagsCopy"),
		task("tagsCopy", "getObjectTagging", `{"Bucket":"box","Key":"b.txt"}`, tags, "replace"),
		task("replace", "copyObject", `{"Bucket":"box","Key":"c.txt","CopySource":"box/a.txt","TaggingDirective":"REPLACE","Tagging":"d=4"}`, `{}`, "tagsReplace"),
		task("tagsReplace", "getObjectTagging", `{"Bucket":"box","Key":"c.txt"}`, tags, "untag"),
		task("untag", "deleteObjectTagging", `{"Bucket":"box","Key":"a.txt"}`, `{}`, "tagsUntag"),
		task("tagsUntag", "getObjectTagging", `{"Bucket":"box","Key":"a.txt"}`, tags, "missing"),
		task("missing", "putObjectTagging", `{"Bucket":"box","Key":"nope","Tagging":{"TagSet":[]}}`, `{}`, "tooMany"),
		task("tooMany", "putObjectTagging", `{"Bucket":"box","Key":"a.txt","Tagging":{"TagSet":`+eleven+`}}`, `{}`, "buckets"),
		task("buckets", "listBuckets", `{}`, `{"Names.$":"$.Buckets[*].Name"}`, "Done"),
		`"Done":{"Type":"Pass","End":true}`,
	}, ",") + `}}`
	out := outputOf(t, map[string]string{"sm.asl.json": def, "x.test.yaml": "stateMachine: sm.asl.json\ns3:\n  s3://box/: ~\n  s3://other/old.txt: old\ntests:\n  - name: a\n"}, tasks)
	for k, want := range map[string]string{
		"tagsPut":     `{"Tags":[{"Key":"a","Value":"1"},{"Key":"b","Value":"two words"}]}`,
		"count":       `{"TagCount":2}`,
		"tagsRetag":   `{"Tags":[{"Key":"c","Value":"3"}]}`,
		"tagsCopy":    `{"Tags":[{"Key":"c","Value":"3"}]}`,
		"tagsReplace": `{"Tags":[{"Key":"d","Value":"4"}]}`,
		"tagsUntag":   `{"Tags":[]}`,
		"buckets":     `{"Names":["box","other"]}`,
	} {
		if got := jsonText(out[k]); got != want {
			t.Errorf("%s: %s, want %s", k, got, want)
		}
	}
	for k, want := range map[string]string{"missing": "S3.NoSuchKeyException", "tooMany": "S3.S3Exception"} {
		if e, _ := out[k].(map[string]any); e == nil || e["Error"] != want {
			t.Errorf("%s: %v, want the error %s", k, out[k], want)
		}
	}
}
