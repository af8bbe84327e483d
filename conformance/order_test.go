package conformance

import (
	"io/fs"
	"os"
	"testing"
	"testing/fstest"
)

// awsOrderCases is the corpus in AWS's key order, built in memory by OrderCorpus from the
// corpus and the in-repo recordings (`go run ./conformance/cmd/awsorder` writes the same
// cases to a directory, for run.py --cases).
func awsOrderCases() ([]*Case, error) {
	files, _, _, err := OrderCorpus(os.DirFS("corpus"), os.DirFS("recordings"))
	if err != nil {
		return nil, err
	}
	mem := fstest.MapFS{}
	for name, data := range files {
		mem[name] = &fstest.MapFile{Data: data}
	}
	return LoadCases(mem, ".")
}

// TestAWSOrderCopy: each case OrderCorpus builds equals its corpus case as JSON (the copy only
// reorders keys), and the ordered cases are as many as the corpus's.
func TestAWSOrderCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the whole corpus and its recordings; not with -short")
	}
	files, notes, _, err := OrderCorpus(os.DirFS("corpus"), os.DirFS("recordings"))
	if err != nil {
		t.Fatal(err)
	}
	corpus, err := fs.Glob(os.DirFS("corpus"), "*/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(corpus) != len(files) || len(notes) != len(files) {
		t.Errorf("the corpus holds %d cases, OrderCorpus builds %d (%d notes)", len(corpus), len(files), len(notes))
	}
	measurable := 0
	for _, n := range notes {
		measurable += b2i(n.Measurable())
		orig, _ := os.ReadFile("corpus/" + n.File)
		a, err1 := parseJSON(string(orig))
		b, err2 := parseJSON(string(files[n.File]))
		if err1 != nil || err2 != nil || !a.equal(b) {
			t.Errorf("%s: the ordered copy is not the corpus case reordered (%v %v)", n.File, err1, err2)
		}
	}
	t.Logf("%d cases, %d with definition, input and expected payloads all in the recordings' order", len(notes), measurable)
}

func TestAdopt(t *testing.T) {
	for _, tc := range []struct {
		name, corpus, recorded, want string
		ok                           bool
	}{
		{"object takes the recording's order", `{"a":1,"b":{"c":1,"d":2}}`, `{"b":{"d":2,"c":1},"a":1}`, `{"b": {"d": 2, "c": 1}, "a": 1}`, true},
		{"from JSON text", `{"a":1,"b":2}`, `"{\"b\":2,\"a\":1}"`, `{"b": 2, "a": 1}`, true},
		{"text stays text", `"{\"a\":1,\"b\":2}"`, `{"b":2,"a":1}`, `"{\"a\":1,\"b\":2}"`, true},
		{"arrays element by element", `[{"a":1,"b":2}]`, `[{"b":2,"a":1}]`, `[{"b": 2, "a": 1}]`, true},
		{"not equal: kept", `{"a":1,"b":2}`, `{"b":3,"a":1}`, `{"a": 1, "b": 2}`, false},
		{"an integer is no float", `{"a":1,"b":2}`, `{"b":2.0,"a":1}`, `{"a": 1, "b": 2}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := parseJSON(tc.corpus)
			r, _ := parseJSON(tc.recorded)
			got, ok := adopt(c, r)
			if ok != tc.ok || dumps(got) != tc.want {
				t.Errorf("adopt = %s, %v; want %s, %v", dumps(got), ok, tc.want, tc.ok)
			}
		})
	}
}

func TestJSON5(t *testing.T) {
	in := `{
  // a comment
  "a": "x // not a comment, \" still text",
  b: [1, 2,], /* block */
  "c": {"d": true, e: null,},
}`
	got, err := parseJSON(JSON5ToJSON(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a": "x // not a comment, \" still text", "b": [1, 2], "c": {"d": true, "e": null}}`; dumps(got) != want {
		t.Errorf("got %s, want %s", dumps(got), want)
	}
}
