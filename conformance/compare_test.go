package conformance

import (
	"math"
	"testing"
)

func mustParse(t *testing.T, s string) jv {
	t.Helper()
	v, err := parseJSON(s)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

func TestMatchText(t *testing.T) {
	for _, tc := range []struct {
		want, got string
		ok        bool
	}{
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"id <uuid:1>", "id 0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"id <uuid:1>", "id not-a-uuid", false},
		{"<uuid:1> <uuid:1>", "0f8fad5b-d9cb-469f-a165-70867728950e 0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"<uuid:1> <uuid:1>", "0f8fad5b-d9cb-469f-a165-70867728950e 1f8fad5b-d9cb-469f-a165-70867728950e", false},
		{"<uuid:1> <uuid:2>", "0f8fad5b-d9cb-469f-a165-70867728950e 1f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"generated-uuid", "0F8FAD5B-D9CB-469F-A165-70867728950E", true},
		{"at date", "at 2024-03-22T21:37:11.123Z", true},
		{"at date", "at 2024-03-22T21:37:11+01:00", true},
		{"at date", "at yesterday", false},
		{"update", "upd2024-03-22T21:37:11Z", false}, // "date" inside a word is text
		{"date-x", "2024-03-22T21:37:11Z-x", false},  // and before '-'
		{"start-time", "2024-03-22T21:37:11Z", true},
		{"in: <json-input:1>!", "in: {\"a\":\n1}!", true},
		{"<request_id>", "abc-123", true},
		{"<request_id>", "abc 123", false},
	} {
		if got := matchText(tc.want, tc.got, map[string]string{}); got != tc.ok {
			t.Errorf("matchText(%q, %q) = %v, want %v", tc.want, tc.got, got, tc.ok)
		}
	}
}

// A numbered UUID binds across the values of one case.
func TestMatchTextBindsAcrossValues(t *testing.T) {
	binds := map[string]string{}
	if !matchText("<uuid:1>", "0f8fad5b-d9cb-469f-a165-70867728950e", binds) {
		t.Fatal("first use does not match")
	}
	if matchText("x <uuid:1>", "x 1f8fad5b-d9cb-469f-a165-70867728950e", binds) {
		t.Fatal("a second UUID matched a placeholder bound to the first")
	}
}

func TestFirstDiff(t *testing.T) {
	for _, tc := range []struct {
		name, path, want, got string
		same                  bool
	}{
		{"equal objects in other key order", "$", `{"a":1,"b":[true,null]}`, `{"b":[true,null],"a":1}`, true},
		{"int is not float", "$", `1`, `1.0`, false},
		{"floats by value", "$", `1.50`, `1.5`, true},
		{"big ints exactly", "$", `123456789012345678901`, `123456789012345678902`, false},
		{"bool is not int", "$", `1`, `true`, false},
		{"missing key", "$", `{"a":1}`, `{}`, false},
		{"extra key", "$", `{}`, `{"a":1}`, false},
		{"list length", "$", `[1]`, `[1,2]`, false},
		{"random number", "$", `"RandomNumberGenerated"`, `42.5`, true},
		{"random number is a number", "$", `"RandomNumberGenerated"`, `"42"`, false},
		{"map run arn", "$", `"map_run_arn"`, `"arn:aws:states:us-east-1:1:mapRun:m/x:y"`, true},
		{"unfixed event id", "$.history[3].id", `[0]`, `7`, true},
		{"unfixed id elsewhere is a list", "$.x", `[0]`, `7`, false},
		{"unfixed id takes any previous id", "$", `{"id":[0],"previousEventId":0,"type":"T"}`, `{"id":5,"previousEventId":4,"type":"T"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := firstDiff(mustParse(t, tc.want), mustParse(t, tc.got), tc.path, map[string]string{})
			if (d == "") != tc.same {
				t.Errorf("firstDiff(%s, %s) = %q, want same=%v", tc.want, tc.got, d, tc.same)
			}
		})
	}
}

func TestOrderDiff(t *testing.T) {
	for _, tc := range []struct {
		want, got string
		same      bool
	}{
		{`{"b":1,"a":2}`, `{"b":1,"a":2}`, true},
		{`{"b":1,"a":2}`, `{"a":2,"b":1}`, false},
		{`[{"x":{"b":1,"a":2}}]`, `[{"x":{"a":2,"b":1}}]`, false},
		{`{"b":1,"a":2}`, `{"a":2,"c":1}`, true}, // other keys: not an order difference
	} {
		if d := orderDiff(mustParse(t, tc.want), mustParse(t, tc.got), "$"); (d == "") != tc.same {
			t.Errorf("orderDiff(%s, %s) = %q, want same=%v", tc.want, tc.got, d, tc.same)
		}
	}
}

func TestParseJSONStrings(t *testing.T) {
	v := parseJSONStrings(mustParse(t, `{"output":"{\"b\":1,\"a\":[2]}","n":"1","bad":"{x"}`))
	out, _ := v.get("output")
	if out.k != kObject || out.keys[0] != "b" {
		t.Errorf("output not parsed in order: %+v", out)
	}
	if n, _ := v.get("n"); n.k != kString {
		t.Errorf("a scalar's text was parsed: %+v", n)
	}
	if bad, _ := v.get("bad"); bad.k != kString {
		t.Errorf("text that is not JSON changed: %+v", bad)
	}
}

func TestNormaliser(t *testing.T) {
	n := newNormaliser("sm1", "exec1", 0, "arn:aws:iam::123456789012:role/r", "us-east-1")
	got := n.apply(mustParse(t, `{"timestamp":1.5,"roleArn":"x","arn":"arn:aws:states:us-east-1:123456789012:execution:sm1:exec1","region":"us-east-1","role":"arn:aws:iam::123456789012:role/r","run":"arn:aws:states:us-east-1:123456789012:mapRun:sm1/m:0f8fad5b-d9cb-469f-a165-70867728950e"}`), "")
	want := mustParse(t, `{"timestamp":"timestamp","roleArn":"snf_role_arn","arn":"arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>","region":"<region>","role":"snf_role_arn","run":"arn:<partition>:states:<region>:111111111111:mapRun:<ArnPart_0idx>/m:<MapRunArnPart1_0idx>"}`)
	if d := firstDiff(want, got, "$", map[string]string{}); d != "" {
		t.Error(d)
	}
}

func TestDumpsAsPython(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":[1,2.0,"é"],"b":null}`, `{"a": [1, 2.0, "\u00e9"], "b": null}`},
		{`"😀"`, `"\ud83d\ude00"`},
		{`[1e16, 1e-5, 0.0001, 123.456, -0.5, 1E2]`, `[1e+16, 1e-05, 0.0001, 123.456, -0.5, 100.0]`},
	} {
		if got := dumps(mustParse(t, tc.in)); got != tc.want {
			t.Errorf("dumps(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := pyFloat(math.Inf(1)); got != "Infinity" {
		t.Errorf("pyFloat(+Inf) = %s", got)
	}
}

func TestParseJSONRejects(t *testing.T) {
	for _, s := range []string{``, `{`, `[1,]`, `01`, `1.`, `"\x"`, `{"a" 1}`, `1 2`, "\"\x01\""} {
		if _, err := parseJSON(s); err == nil {
			t.Errorf("parseJSON(%q) accepted", s)
		}
	}
}
