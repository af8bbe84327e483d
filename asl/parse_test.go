package asl_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
)

// conformanceDefinitions returns the definitions of the AWS conformance corpus, which AWS
// accepted (conformance/corpus).
func conformanceDefinitions(t testing.TB) map[string][]byte {
	t.Helper()
	files, _ := filepath.Glob("../conformance/corpus/*/*.json")
	if len(files) == 0 {
		t.Fatal("the conformance corpus (conformance/corpus) is missing")
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Definition json.RawMessage `json:"definition"`
		}
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = c.Definition
	}
	return out
}

// TestParseAcceptsWhatAWSAccepted parses every definition AWS ran in the conformance corpus.
func TestParseAcceptsWhatAWSAccepted(t *testing.T) {
	for name, def := range conformanceDefinitions(t) {
		if _, err := asl.Parse(def, asl.ValidateOptions{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzParse: no definition, however broken, makes Parse panic.
func FuzzParse(f *testing.F) {
	for _, def := range []string{
		`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
		`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}`,
		`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input %}","End":true}}}`,
		`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","IsPresent":true},"Next":"C"}]}}}`,
	} {
		f.Add([]byte(def))
	}
	f.Fuzz(func(t *testing.T, def []byte) {
		_, _ = asl.Parse(def, asl.ValidateOptions{})
	})
}
