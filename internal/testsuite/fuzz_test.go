package testsuite

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any text parses into a file or an *Error with a file name, never a panic; a
// file that parses is written back (as --update writes it) into one that parses again to the
// same tests.
func FuzzParse(f *testing.F) {
	f.Add(suite, false)
	f.Add("stateMachine: a.json\ntests:\n  - name: a\n    input: &x {a: [1, *x]}\n", false)
	f.Add(`{"stateMachine": "a.json", "tests": [{"name": "a", "input": {"x": 1e400}}]}`, true)
	f.Add("stateMachine: a.json\nfunctions: {f: bin/f, g: http://127.0.0.1:1}\nmachines: {c: c.asl.json}\n"+
		"s3: {s3://b/k.csv: \"a,b\\n1,2\", s3://b/k.json: [1], s3://o/: ~}\ntests: [{name: a}]\n", false)
	f.Add("stateMachine: a.json\nmachines: {c: {stateMachine: c.asl.json, type: EXPRESS}, d: d.asl.json}\ntests: [{name: a}]\n", false)
	for _, p := range []string{"../../examples/testing/checkout.test.yaml", "../../examples/orders/orders.test.yaml", "../../examples/hello.test.json",
		"../../examples/tutorial/parent.test.yaml"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data), filepath.Ext(p) == ".json")
		}
	}
	f.Fuzz(func(t *testing.T, text string, isJSON bool) {
		name := "x.test.yaml"
		if isJSON {
			name = "x.test.json"
		}
		file, err := Parse(name, []byte(text))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != name || e.Line < 0 {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		data, err := encodeFile(file.root, isJSON)
		if err != nil {
			return // aliases the encoder does not write back; --update reports it
		}
		again, err := Parse(name, data)
		if err != nil {
			t.Fatalf("written back, the file does not parse: %v\n%s", err, data)
		}
		if len(again.Tests) != len(file.Tests) {
			t.Fatalf("%d tests, then %d", len(file.Tests), len(again.Tests))
		}
		for i := range file.Tests {
			if a, b := file.Tests[i], again.Tests[i]; a.Name != b.Name || a.Input != b.Input {
				t.Fatalf("test %d: %q %s, then %q %s", i, a.Name, a.Input, b.Name, b.Input)
			}
		}
	})
}
