package testsuite

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/s3items"
)

// TestS3: a file's s3: holds the objects its Distributed Maps read and the buckets they
// write to, in memory, a copy for each test, so that their ItemReader and ResultWriter run
// as in an execution without calling S3; a Map that needs one without it stops the test.
func TestS3(t *testing.T) {
	dmap := func(reader, writer string) string {
		return `{"StartAt":"Orders","States":{"Orders":{"Type":"Map","ItemReader":` + reader + `,` + writer + `
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	}
	const (
		csv    = `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"in","Key":"orders.csv"}}`
		json   = `{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"in","Key":"orders.json"}}`
		list   = `{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"in","Prefix":"o"}}`
		writer = `"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"results"}},`
		files  = "s3:\n  s3://in/orders.csv: \"id,total\\no-1,42\\no-2,7\\n\"\n  s3://in/orders.json: [{id: o-1}, {id: o-2}]\n  s3://out/: ~\n"
	)
	for _, tc := range []struct {
		name, def, head, expect, problem string
	}{
		{"CSV", dmap(csv, ""), files, `{output: [{id: o-1, total: "42"}, {id: o-2, total: "7"}]}`, ""},
		{"JSON written as YAML", dmap(json, ""), files, `{output: [{id: o-1}, {id: o-2}]}`, ""},
		{"a listing", dmap(list, ""), files, `{paths: {"$[*].Key": [orders.csv, orders.json], "$[0].Size": 22, "$[0].StorageClass": STANDARD}}`, ""},
		{"results written", dmap(csv, writer), files, `{paths: {"$.ResultWriterDetails.Bucket": out}}`, ""},
		{"no bucket to write to", dmap(csv, writer), strings.Replace(files, "s3://out/", "s3://elsewhere/", 1),
			`{error: States.ResultWriterFailed}`, ""},
		{"a missing object", dmap(strings.Replace(csv, "orders.csv", "nope.csv", 1), ""), files, `{error: States.ItemReaderFailed}`, ""},
		{"no s3:", dmap(csv, ""), "", "",
			`the ItemReader of Distributed Map "Orders" (arn:aws:states:::s3:getObject) has no mock: give the objects it reads, or the bucket it writes to, under s3:, or set unmocked: call at the top of the file to call the service`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			test := "tests:\n  - name: a\n"
			if tc.expect != "" {
				test += "    expect: " + tc.expect + "\n"
			}
			dir := writeFiles(t, map[string]string{"sm.asl.json": tc.def, "x.test.yaml": "stateMachine: sm.asl.json\n" + tc.head + test + "  - name: b\n"})
			rep := runDir(t, dir, Options{})
			if r := rep.Files[0].Tests[0]; r.Problem != tc.problem || len(r.Failures) > 0 {
				t.Errorf("problem %q, failures %v; want %q", r.Problem, r.Failures, tc.problem)
			}
		})
	}
	for _, c := range []struct{ s3, want string }{
		{"{in/orders.csv: x}", `x.test.yaml:2: s3: "in/orders.csv": want s3://BUCKET/KEY (or s3://BUCKET/ for a bucket without objects)`},
		{"{s3://in/: x}", `x.test.yaml:2: s3: s3://in/ names a bucket, without objects: give it no content (~), or name an object in it (s3://in/KEY)`},
		{"[s3://in/x]", `x.test.yaml:2: s3: want a mapping of s3://BUCKET/KEY to the objects' contents`},
	} {
		_, err := Parse("x.test.yaml", []byte("stateMachine: sm.asl.json\ns3: "+c.s3+"\ntests: [{name: t}]\n"))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %s", c.s3, err, c.want)
		}
	}
}

// TestMemS3 checks the in-memory S3 against what S3 answers: ranges, errors, and listings by
// prefix, delimiter and page.
func TestMemS3(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newMemS3(map[string]map[string][]byte{"b": {"a/1": []byte("0123456789"), "a/2": nil, "a/x/3": nil, "c": nil}, "empty": {"": nil}}, at)
	read := func(in s3items.GetInput) string {
		o, err := m.GetObject(ctx, in)
		if err != nil {
			return err.Error()
		}
		data, _ := io.ReadAll(o.Body)
		return string(data) + "/" + string(rune('0'+o.Size%10))
	}
	for _, c := range []struct {
		in   s3items.GetInput
		want string
	}{
		{s3items.GetInput{Bucket: "b", Key: "a/1"}, "0123456789/0"},
		{s3items.GetInput{Bucket: "b", Key: "a/1", Start: 2, Length: 3}, "234/0"},
		{s3items.GetInput{Bucket: "b", Key: "a/1", Start: 8, Length: 5}, "89/0"},
		{s3items.GetInput{Bucket: "b", Key: "a/1", Start: 10}, "InvalidRange: The requested range is not satisfiable"},
		{s3items.GetInput{Bucket: "b", Key: "zz"}, "NoSuchKey: The specified key does not exist."},
		{s3items.GetInput{Bucket: "nope", Key: "a"}, "NoSuchBucket: The specified bucket does not exist"},
	} {
		if got := read(c.in); got != c.want {
			t.Errorf("%+v: %q, want %q", c.in, got, c.want)
		}
	}
	keys := func(in s3items.ListInput) string {
		p, err := m.ListObjectsV2(ctx, in)
		if err != nil {
			return err.Error()
		}
		var ks []string
		for _, o := range p.Contents {
			ks = append(ks, o.Key)
		}
		return strings.Join(ks, ",") + "|" + p.NextContinuationToken
	}
	for _, c := range []struct {
		in   s3items.ListInput
		want string
	}{
		{s3items.ListInput{Bucket: "b"}, "a/1,a/2,a/x/3,c|"},
		{s3items.ListInput{Bucket: "b", Prefix: "a/"}, "a/1,a/2,a/x/3|"},
		{s3items.ListInput{Bucket: "b", Prefix: "a/", Delimiter: "/"}, "a/1,a/2|"},
		{s3items.ListInput{Bucket: "b", MaxKeys: 2}, "a/1,a/2|a/2"},
		{s3items.ListInput{Bucket: "b", MaxKeys: 2, ContinuationToken: "a/2"}, "a/x/3,c|"},
		{s3items.ListInput{Bucket: "b", StartAfter: "a/x/3"}, "c|"},
		{s3items.ListInput{Bucket: "empty"}, "|"},
		{s3items.ListInput{Bucket: "nope"}, "NoSuchBucket: The specified bucket does not exist"},
	} {
		if got := keys(c.in); got != c.want {
			t.Errorf("%+v: %q, want %q", c.in, got, c.want)
		}
	}
	if err := m.PutObject(ctx, "empty", "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if got := read(s3items.GetInput{Bucket: "empty", Key: "k"}); got != "v/1" {
		t.Errorf("after PutObject: %q", got)
	}
	var se *s3items.Error
	if err := m.PutObject(ctx, "nope", "k", nil); !errors.As(err, &se) || se.Code != "NoSuchBucket" {
		t.Errorf("PutObject to a missing bucket: %v", err)
	}
}

// TestExpectS3: expect.s3 checks the objects a Distributed Map's ResultWriter wrote into
// s3: (* in a key for the map run's id), each object containing the value given (as
// outputContains), or only there (~); each way of missing is a failure at its line.
func TestExpectS3(t *testing.T) {
	def := `{"StartAt":"Orders","States":{"Orders":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},"Parameters":{"Bucket":"in","Key":"orders.csv"}},
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"results"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	const files = "s3:\n  s3://in/orders.csv: \"id,total\\no-1,42\\no-2,7\\n\"\n  s3://out/: ~\n  s3://empty/: ~\n"
	for _, tc := range []struct {
		name, expect, failure string
	}{
		{"the results", `{"s3://out/results/*/SUCCEEDED_0.json": [{Status: SUCCEEDED, Output: "{\"id\":\"o-1\",\"total\":\"42\"}"}, {Input: "{\"id\":\"o-2\",\"total\":\"7\"}"}]}`, ""},
		{"the manifest", `{"s3://out/results/*/manifest.json": {DestinationBucket: out, ResultFiles: {FAILED: [], PENDING: []}}}`, ""},
		{"there", `{"s3://out/results/*/manifest.json": ~}`, ""},
		{"a text object", `{"s3://in/orders.csv": "id,total\no-1,42\no-2,7\n"}`, ""},
		{"a different result", `{"s3://out/results/*/SUCCEEDED_0.json": [{Status: FAILED}, {}]}`,
			`s3://out/results/*/SUCCEEDED_0.json: s3://out/results/6b58ad98-bcd0-4a72-a8d7-0b8ff2e948f1/SUCCEEDED_0.json: $[0].Status: want "FAILED", got "SUCCEEDED"`},
		{"no such object", `{"s3://out/results/*/FAILED_0.json": ~}`,
			`s3://out/results/*/FAILED_0.json: no object; the bucket out holds results/6b58ad98-bcd0-4a72-a8d7-0b8ff2e948f1/SUCCEEDED_0.json, results/6b58ad98-bcd0-4a72-a8d7-0b8ff2e948f1/manifest.json`},
		{"an empty bucket", `{"s3://empty/x": ~}`, `s3://empty/x: no object; the bucket empty is empty`},
		{"no such bucket", `{"s3://nope/x": ~}`, `s3://nope/x: s3: has no bucket nope`},
		{"several match", `{"s3://out/results/*/*": ~}`, `s3://out/results/*/*: 2 objects match: results/6b58ad98-bcd0-4a72-a8d7-0b8ff2e948f1/SUCCEEDED_0.json, results/6b58ad98-bcd0-4a72-a8d7-0b8ff2e948f1/manifest.json; name one`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"sm.asl.json": def,
				"x.test.yaml": "stateMachine: sm.asl.json\n" + files + "tests:\n  - name: a\n    expect:\n      s3: " + tc.expect + "\n"})
			rep := runDir(t, dir, Options{})
			r := rep.Files[0].Tests[0]
			var got []string
			for _, f := range r.Failures {
				got = append(got, f.What+": "+f.Message)
				if f.Line != 9 {
					t.Errorf("failure at line %d, want 9 (the expectation's)", f.Line)
				}
			}
			if r.Problem != "" || strings.Join(got, "\n") != tc.failure {
				t.Errorf("problem %q, failures:\n%s\nwant:\n%s", r.Problem, strings.Join(got, "\n"), tc.failure)
			}
		})
	}
	dir := writeFiles(t, map[string]string{"sm.asl.json": `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
		"x.test.yaml": "stateMachine: sm.asl.json\ntests:\n  - name: a\n    expect: {s3: {\"s3://out/x\": ~}}\n"})
	rep, err := Run(context.Background(), []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Files[0].Tests[0].Failures; len(f) != 1 || f[0].Message != "the file has no s3:, so no object is kept where a test can see it" {
		t.Errorf("without s3:: %+v", f)
	}
	for _, c := range []struct{ s3, want string }{
		{"{out/x: ~}", `x.test.yaml:2: test "t": expect.s3: "out/x": want s3://BUCKET/KEY, where * in KEY stands for any characters but /`},
		{"{s3://out/: ~}", `x.test.yaml:2: test "t": expect.s3: "s3://out/": want s3://BUCKET/KEY, where * in KEY stands for any characters but /`},
		{`{"s3://out/[x": ~}`, `x.test.yaml:2: test "t": expect.s3: "s3://out/[x": the key is not a pattern: syntax error in pattern`},
		{"[s3://out/x]", `x.test.yaml:2: test "t": expect.s3: want a mapping of s3://BUCKET/KEY to what the object contains (~: only that it is there)`},
	} {
		_, err := Parse("x.test.yaml", []byte("stateMachine: sm.asl.json\ntests: [{name: t, expect: {s3: "+c.s3+"}}]\n"))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %s", c.s3, err, c.want)
		}
	}
}
