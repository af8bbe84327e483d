package s3items_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/s3items"
	"github.com/stepwise-run/stepwise/integration/s3items/s3itemstest"
	"github.com/stepwise-run/stepwise/runner"
)

// readItems runs an ItemReader task over mem, reading in chunks of a few bytes so that every
// parser meets items split across ranged reads.
func readItems(t *testing.T, mem *s3itemstest.Mem, resource, params, config string, chunk int64) (string, error) {
	t.Helper()
	h := &s3items.Handler{S3: mem, ChunkSize: chunk}
	task := readerTask(resource, params, config)
	if !h.Handles(task) {
		t.Fatal("the handler does not take an ItemReader task")
	}
	return h.RunTask(context.Background(), task)
}

func readerTask(resource, params, config string) *engine.Task {
	return &engine.Task{ID: 1, Kind: engine.TaskItemReader, Resource: resource, Parameters: params, Config: config}
}

func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

const getObject = "arn:aws:states:::s3:getObject"

func TestReaders(t *testing.T) {
	tests := []struct {
		name, body, config, want, err string
	}{
		// CSV
		{name: "csv first row", body: "a,b\n1,2\n3,4\n", config: `{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"}`,
			want: `[{"a":"1","b":"2"},{"a":"3","b":"4"}]`},
		{name: "csv values are strings", body: "n,t,z\n1,true,null\n", config: `{"InputType":"CSV"}`,
			want: `[{"n":"1","t":"true","z":"null"}]`},
		{name: "csv quoting", body: "a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n\"multi\nline\",2\n", config: `{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"}`,
			want: `[{"a":"x,y","b":"he said \"hi\""},{"a":"multi\nline","b":"2"}]`},
		{name: "csv crlf and blank lines", body: "a,b\r\n\r\n1,2\r\n\n3,4", config: `{"InputType":"CSV"}`,
			want: `[{"a":"1","b":"2"},{"a":"3","b":"4"}]`},
		{name: "csv empty values and spaces", body: "a,b,c\n,,\n   ,x,\n", config: `{"InputType":"CSV"}`,
			want: `[{"a":"","b":"","c":""},{"a":"   ","b":"x","c":""}]`},
		{name: "csv given headers", body: "1,2\n3,4\n", config: `{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["x","y"]}`,
			want: `[{"x":"1","y":"2"},{"x":"3","y":"4"}]`},
		{name: "csv given headers, extra fields dropped", body: "1,2,3\n", config: `{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["x"]}`,
			want: `[{"x":"1"}]`},
		{name: "csv first row, extra fields dropped", body: "H1,\n1,2,3\n", config: `{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"}`,
			want: `[{"H1":"1","":"2"}]`},
		{name: "csv missing fields are empty", body: "a,b,c\n1\n", config: `{"InputType":"CSV"}`,
			want: `[{"a":"1","b":"","c":""}]`},
		{name: "csv duplicate given headers", body: "1,2\n", config: `{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["x","x"]}`,
			err: "CSV headers cannot contain duplicates."},
		{name: "csv duplicate first row headers", body: "x,x\n1,2\n", config: `{"InputType":"CSV"}`,
			err: "CSV headers cannot contain duplicates."},
		{name: "csv pipe", body: "a|b\n1|2,3\n", config: `{"InputType":"CSV","CSVDelimiter":"PIPE"}`, want: `[{"a":"1","b":"2,3"}]`},
		{name: "csv semicolon", body: "a;b\n1;2\n", config: `{"InputType":"CSV","CSVDelimiter":"SEMICOLON"}`, want: `[{"a":"1","b":"2"}]`},
		{name: "csv tab", body: "a\tb\n1\t2 3\n", config: `{"InputType":"CSV","CSVDelimiter":"TAB"}`, want: `[{"a":"1","b":"2 3"}]`},
		{name: "csv space", body: "a b\n1 2\n", config: `{"InputType":"CSV","CSVDelimiter":"SPACE"}`, want: `[{"a":"1","b":"2"}]`},
		{name: "csv unknown delimiter", body: "a\n", config: `{"InputType":"CSV","CSVDelimiter":"COLON"}`, err: "CSVDelimiter COLON"},
		{name: "csv bad quote", body: "a,b\n\"x,1\n", config: `{"InputType":"CSV"}`, err: "not valid CSV"},
		{name: "csv max items", body: "a\n1\n2\n3\n", config: `{"InputType":"CSV","MaxItems":2}`, want: `[{"a":"1"},{"a":"2"}]`},
		{name: "csv max items 0 reads all", body: "a\n1\n2\n", config: `{"InputType":"CSV","MaxItems":0}`, want: `[{"a":"1"},{"a":"2"}]`},
		{name: "csv header row above 10 KiB", body: strings.Repeat("h", 6000) + "," + strings.Repeat("i", 6000) + "\n1,2\n", config: `{"InputType":"CSV"}`,
			err: "more than the 10240 AWS reads"},
		{name: "csv headers only", body: "a,b\n", config: `{"InputType":"CSV"}`, want: `[]`},
		// JSON
		{name: "json array", body: ` [ {"a": 1}, [2, 3], "s", null, 1.50 ] `, config: `{"InputType":"JSON"}`, want: `[{"a":1},[2,3],"s",null,1.50]`},
		{name: "json object", body: `{"a": [1]}`, config: `{"InputType":"JSON"}`, err: "Attempting to map over non-iterable node."},
		{name: "json scalar", body: `3`, config: `{"InputType":"JSON"}`, err: "Attempting to map over non-iterable node."},
		{name: "json invalid", body: `[1, }`, config: `{"InputType":"JSON"}`, err: "not valid JSON"},
		{name: "json truncated", body: `[1, 2`, config: `{"InputType":"JSON"}`, err: "not valid JSON"},
		{name: "json max items", body: `[1,2,3]`, config: `{"InputType":"JSON","MaxItems":2}`, want: `[1,2]`},
		{name: "json items pointer", body: `{"data":{"items":[{"x":1},{"x":2}]}}`, config: `{"InputType":"JSON","ItemsPointer":"/data/items"}`, want: `[{"x":1},{"x":2}]`},
		{name: "json items pointer to nothing", body: `{"data":{}}`, config: `{"InputType":"JSON","ItemsPointer":"/data/items"}`, err: "names nothing"},
		{name: "json items pointer to an object", body: `{"data":{}}`, config: `{"InputType":"JSON","ItemsPointer":"/data"}`, err: "non-iterable"},
		// JSONL
		{name: "jsonl", body: "{\"a\":1}\n\n[1]\r\n\"s\"\n7", config: `{"InputType":"JSONL"}`, want: `[{"a":1},[1],"s",7]`},
		{name: "jsonl invalid line", body: "{\"a\":1}\n{oops}\n", config: `{"InputType":"JSONL"}`, err: "line 2 of the JSONL object is not valid JSON"},
		{name: "jsonl max items", body: "1\n2\n3\n", config: `{"InputType":"JSONL","MaxItems":1}`, want: `[1]`},
		{name: "empty object", body: "", config: `{"InputType":"JSONL"}`, want: `[]`},
		// Config
		{name: "no input type", body: "[]", config: `{}`, err: "must give an InputType"},
		{name: "parquet", body: "[]", config: `{"InputType":"PARQUET"}`, err: "does not read the InputType PARQUET"},
	}
	for _, tt := range tests {
		for _, chunk := range []int64{3, 0} {
			t.Run(tt.name, func(t *testing.T) {
				mem := s3itemstest.New("b")
				if err := mem.Put("b", "k", []byte(tt.body)); err != nil {
					t.Fatal(err)
				}
				got, err := readItems(t, mem, getObject, `{"Bucket":"b","Key":"k"}`, tt.config, chunk)
				if tt.err != "" {
					var te *runner.TaskError
					if !errors.As(err, &te) || te.Name != "States.ItemReaderFailed" || !strings.Contains(te.Cause, tt.err) {
						t.Fatalf("err %v, want States.ItemReaderFailed with %q", err, tt.err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				jsonEqual(t, got, tt.want)
			})
		}
	}
}

// A reader stops asking S3 for ranges once it has MaxItems items.
func TestReaderStopsAtMaxItems(t *testing.T) {
	mem := s3itemstest.New("b")
	var body bytes.Buffer
	body.WriteString("n\n")
	for i := 0; i < 10000; i++ {
		body.WriteString("12345678\n")
	}
	if err := mem.Put("b", "k", body.Bytes()); err != nil {
		t.Fatal(err)
	}
	got, err := readItems(t, mem, getObject, `{"Bucket":"b","Key":"k"}`, `{"InputType":"CSV","MaxItems":3}`, 1024)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, got, `[{"n":"12345678"},{"n":"12345678"},{"n":"12345678"}]`)
	if mem.Gets > 1 {
		t.Fatalf("%d ranged reads for 3 items of a 90 KB object", mem.Gets)
	}
}

func TestReaderS3Errors(t *testing.T) {
	mem := s3itemstest.New("b")
	tests := []struct{ name, resource, params, config, cause string }{
		{name: "missing key", resource: getObject, params: `{"Bucket":"b","Key":"nope"}`, config: `{"InputType":"JSON"}`, cause: "NoSuchKey"},
		{name: "missing bucket", resource: getObject, params: `{"Bucket":"nope","Key":"k"}`, config: `{"InputType":"JSON"}`, cause: "NoSuchBucket"},
		{name: "list missing bucket", resource: "arn:aws:states:::s3:listObjectsV2", params: `{"Bucket":"nope"}`, cause: "NoSuchBucket"},
		{name: "no key", resource: getObject, params: `{"Bucket":"b"}`, config: `{"InputType":"JSON"}`, cause: "must give a Key"},
		{name: "no bucket", resource: getObject, params: `{"Key":"k"}`, config: `{"InputType":"JSON"}`, cause: "must give a Bucket"},
		{name: "other action", resource: "arn:aws:states:::s3:headObject", params: `{"Bucket":"b"}`, cause: "cannot read items from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readItems(t, mem, tt.resource, tt.params, tt.config, 0)
			var te *runner.TaskError
			if !errors.As(err, &te) || te.Name != "States.ItemReaderFailed" || !strings.Contains(te.Cause, tt.cause) {
				t.Fatalf("err %v, want States.ItemReaderFailed with %q", err, tt.cause)
			}
		})
	}
}

func TestListObjectsV2(t *testing.T) {
	mem := s3itemstest.New("b")
	for _, k := range []string{"p/a.txt", "p/b.txt", "p/c.txt", "q/d.txt"} {
		if err := mem.Put("b", k, []byte("hello world!")); err != nil {
			t.Fatal(err)
		}
	}
	list := func(params, config string) []map[string]any {
		t.Helper()
		got, err := readItems(t, mem, "arn:aws:states:::s3:listObjectsV2", params, config, 0)
		if err != nil {
			t.Fatal(err)
		}
		var items []map[string]any
		if err := json.Unmarshal([]byte(got), &items); err != nil {
			t.Fatal(err)
		}
		return items
	}
	items := list(`{"Bucket":"b","Prefix":"p/"}`, `{}`)
	if len(items) != 3 {
		t.Fatalf("%d items: %v", len(items), items)
	}
	for i, it := range items {
		if it["Key"] != []string{"p/a.txt", "p/b.txt", "p/c.txt"}[i] || it["Size"] != 12.0 || it["StorageClass"] != "STANDARD" {
			t.Fatalf("item %d: %v", i, it)
		}
		if etag, _ := it["Etag"].(string); !strings.HasPrefix(etag, `"`) || len(etag) != 34 {
			t.Fatalf("Etag %v", it["Etag"])
		}
		if lm, _ := it["LastModified"].(float64); time.Since(time.Unix(int64(lm), 0)) > time.Minute {
			t.Fatalf("LastModified %v", it["LastModified"])
		}
		if len(it) != 5 {
			t.Fatalf("fields %v", it)
		}
	}
	if got := list(`{"Bucket":"b"}`, `{"MaxItems":2}`); len(got) != 2 || got[1]["Key"] != "p/b.txt" {
		t.Fatalf("MaxItems 2: %v", got)
	}
	// Pages of one key each: the reader follows the continuation tokens.
	if got := list(`{"Bucket":"b","MaxKeys":1}`, `{}`); len(got) != 4 || got[3]["Key"] != "q/d.txt" {
		t.Fatalf("paged: %v", got)
	}
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestManifest(t *testing.T) {
	mem := s3itemstest.New("src", "inv")
	manifest := `{"sourceBucket":"src","destinationBucket":"arn:aws:s3:::inv","version":"2016-11-30","fileFormat":"CSV",
		"fileSchema":"Bucket, Key, Size, LastModifiedDate",
		"files":[{"key":"inv/data/1.csv.gz","size":10,"MD5checksum":"x"},{"key":"inv/data/2.csv","size":10,"MD5checksum":"y"}]}`
	mem.Put("inv", "inv/manifest.json", []byte(manifest))
	mem.Put("inv", "inv/data/1.csv.gz", gz(t, "\"src\",\"a.txt\",\"12\",\"2024-01-01T00:00:00.000Z\"\n\"src\",\"b.txt\",\"3\",\"2024-01-02T00:00:00.000Z\"\n"))
	mem.Put("inv", "inv/data/2.csv", []byte("\"src\",\"c.txt\",\"0\",\"2024-01-03T00:00:00.000Z\"\n"))
	got, err := readItems(t, mem, getObject, `{"Bucket":"inv","Key":"inv/manifest.json"}`, `{"InputType":"MANIFEST"}`, 7)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, got, `[{"Bucket":"src","Key":"a.txt","Size":"12","LastModifiedDate":"2024-01-01T00:00:00.000Z"},
		{"Bucket":"src","Key":"b.txt","Size":"3","LastModifiedDate":"2024-01-02T00:00:00.000Z"},
		{"Bucket":"src","Key":"c.txt","Size":"0","LastModifiedDate":"2024-01-03T00:00:00.000Z"}]`)
	got, err = readItems(t, mem, getObject, `{"Bucket":"inv","Key":"inv/manifest.json"}`, `{"InputType":"MANIFEST","MaxItems":2}`, 0)
	if err != nil || strings.Count(got, "Bucket") != 2 {
		t.Fatalf("MaxItems 2: %s %v", got, err)
	}
	// A data file that is missing fails the read with S3's error.
	mem.Put("inv", "bad.json", []byte(`{"destinationBucket":"arn:aws:s3:::inv","fileFormat":"CSV","fileSchema":"Bucket, Key","files":[{"key":"gone.csv.gz"}]}`))
	if _, err = readItems(t, mem, getObject, `{"Bucket":"inv","Key":"bad.json"}`, `{"InputType":"MANIFEST"}`, 0); err == nil || !strings.Contains(err.Error(), "NoSuchKey") {
		t.Fatalf("missing data file: %v", err)
	}
	mem.Put("inv", "orc.json", []byte(`{"fileFormat":"ORC","fileSchema":"x","files":[]}`))
	if _, err = readItems(t, mem, getObject, `{"Bucket":"inv","Key":"orc.json"}`, `{"InputType":"MANIFEST"}`, 0); err == nil || !strings.Contains(err.Error(), "ORC") {
		t.Fatalf("ORC: %v", err)
	}
}
