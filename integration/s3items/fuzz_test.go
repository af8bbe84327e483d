package s3items_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stepwise-run/stepwise/integration/s3items/s3itemstest"
	"github.com/stepwise-run/stepwise/runner"
)

// fuzzRead reads body with config in small and whole chunks: both must agree, and a success
// must be a JSON array.
func fuzzRead(t *testing.T, body []byte, config string) {
	mem := s3itemstest.New("b")
	if err := mem.Put("b", "k", body); err != nil {
		t.Fatal(err)
	}
	var outs [2]string
	var errs [2]error
	for i, chunk := range []int64{5, 0} {
		outs[i], errs[i] = readItems(t, mem, getObject, `{"Bucket":"b","Key":"k"}`, config, chunk)
		if errs[i] != nil {
			var te *runner.TaskError
			if !errors.As(errs[i], &te) || te.Name != "States.ItemReaderFailed" {
				t.Fatalf("error %v is not States.ItemReaderFailed", errs[i])
			}
			continue
		}
		var items []any
		if err := json.Unmarshal([]byte(outs[i]), &items); err != nil {
			t.Fatalf("output %q is not a JSON array: %v", outs[i], err)
		}
	}
	if outs[0] != outs[1] || (errs[0] == nil) != (errs[1] == nil) {
		t.Fatalf("chunked read %q %v differs from whole read %q %v", outs[0], errs[0], outs[1], errs[1])
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a\n\"x\"\"y\"\n", "a,a\n", "\n\n", "a;b\r\n1;2", "\"unterminated", "h\n\"multi\nline\"\n"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, semicolon bool) {
		cfg := `{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"}`
		if semicolon {
			cfg = `{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["x","y"],"CSVDelimiter":"SEMICOLON"}`
		}
		fuzzRead(t, body, cfg)
	})
}

func FuzzJSONL(f *testing.F) {
	for _, s := range []string{"1\n2\n", "{\"a\":[1]}\r\n\n\"s\"", "{", "[1]\n[", "\xff\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzRead(t, body, `{"InputType":"JSONL"}`)
	})
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{"[1,2]", "{}", "[", "[{\"a\":1},\"x\"]", " [ ] "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzRead(t, body, `{"InputType":"JSON","MaxItems":3}`)
	})
}
