package api

import (
	"reflect"
	"strings"
	"testing"
)

var flatSamples = []string{
	`{}`, ` { } `, `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","input":"{\"i\":0}"}`,
	`{"name":"n","name":"m"}`, `{"name":null}`, `{"Name":"x"}`, `{"NAME":"x","name":"y"}`, `{"input":"\u00e9"}`,
	`{"input":"a\\b\/c\n\t\r\b\f\""}`, `{"input":"é✓😀"}`, "{\"input\":\"\xff\"}", "{\"input\":\"a\x01\"}",
	`{"input":1}`, `{"input":"x",}`, `{"input":"x"`, `{"input":"x"} trailing`, `{"input" : "x" , "name" : "y"}`,
	`{"other":"x"}`, `[]`, `null`, `"s"`, ``, `{"input":"x"}}`, `{"input":"\ud800"}`, `{"input":"\x"}`,
	`{"traceHeader":"t","stateMachineArn":"a#case"}`, "\n{\"name\":\"x\"}\n", `{,}`, `{"input"}`, `{"input":}`,
}

// checkFlat: whenever decodeFlat takes a request, encoding/json takes it too and reads the
// same members.
func checkFlat(t *testing.T, body string) {
	var fast startRequest
	ok := decodeFlat([]byte(body), []flatField{{name: "stateMachineArn", str: &fast.StateMachineArn}, {name: "name", ptr: &fast.Name},
		{name: "input", ptr: &fast.Input}, {name: "traceHeader", str: &fast.TraceHeader}})
	var slow startRequest
	err := decode([]byte(body), &slow)
	if !ok {
		if !reflect.DeepEqual(fast, startRequest{}) {
			t.Fatalf("%q: decodeFlat refused it but set %+v", body, fast)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: decodeFlat took it, encoding/json says %v", body, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: decodeFlat %s, encoding/json %s", body, show(fast), show(slow))
	}
	var r startRequest
	if err := r.decode([]byte(body)); err != nil || !reflect.DeepEqual(r, slow) {
		t.Fatalf("%q: startRequest.decode %s, %v", body, show(r), err)
	}
}

func show(r startRequest) string {
	p := func(s *string) string {
		if s == nil {
			return "nil"
		}
		return "&" + *s
	}
	return strings.Join([]string{r.StateMachineArn, p(r.Name), p(r.Input), r.TraceHeader}, " | ")
}

func TestDecodeFlatAsEncodingJSON(t *testing.T) {
	taken := 0
	for _, s := range flatSamples {
		checkFlat(t, s)
		var r startRequest
		if decodeFlat([]byte(s), []flatField{{name: "input", ptr: &r.Input}, {name: "name", ptr: &r.Name},
			{name: "stateMachineArn", str: &r.StateMachineArn}, {name: "traceHeader", str: &r.TraceHeader}}) {
			taken++
		}
	}
	if taken < 8 {
		t.Errorf("decodeFlat took only %d of the samples", taken)
	}
}

func FuzzDecodeFlat(f *testing.F) {
	for _, s := range flatSamples {
		f.Add(s)
	}
	f.Fuzz(checkFlat)
}

// go test -run '^$' -bench DecodeStart -benchmem ./api/
func BenchmarkDecodeStart(b *testing.B) {
	body := []byte(`{"input":"{\"i\":0}","stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:bench-express-1764650000"}`)
	b.Run("decodeFlat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r startRequest
			if err := r.decode(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r startRequest
			if err := decode(body, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
