package asl_test

import (
	"os"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/conformance"
)

// conformanceDefinitions returns the definitions of the AWS conformance corpus, which AWS
// accepted (conformance/corpus), by case.
func conformanceDefinitions(t testing.TB) map[string][]byte {
	t.Helper()
	cases, err := conformance.LoadCases(os.DirFS(".."), "conformance/corpus")
	if err != nil || len(cases) == 0 {
		t.Fatalf("the conformance corpus (conformance/corpus) is missing or unreadable (%v)", err)
	}
	out := map[string][]byte{}
	for _, c := range cases {
		out[c.ID] = []byte(c.Definition())
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

// TestVariableNames: AWS's "Passing data between states with variables" names variables as
// Unicode identifiers (an ID_Start character, then ID_Continue characters). A name that
// validates in Assign is one that paths and intrinsic arguments can read.
func TestVariableNames(t *testing.T) {
	tests := []struct {
		name  string
		valid bool
	}{
		{"x", true},
		{"é", true},
		{"x1", true},
		{"x\u0301", true},       // a combining mark (Mn)
		{"a\u203f\u0661", true}, // a connector (Pc) and an Arabic-Indic digit (Nd)
		{"x\u00b7", true},       // MIDDLE DOT, Other_ID_Continue
		{"\u2118x", true},       // SCRIPT CAPITAL P, Other_ID_Start
		{"1x", false},
		{"x-y", false},
		{"x$", false},
		{"\u0301x", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"` + tc.name + `":1},"Next":"B"},
				"B":{"Type":"Pass","Parameters":{"a.$":"$` + tc.name + `","b.$":"States.Array($` + tc.name + `)"},"End":true}}}`
			var errs []asl.Diagnostic
			for _, d := range asl.Validate([]byte(def), asl.ValidateOptions{}) {
				if d.Severity == asl.SeverityError {
					errs = append(errs, d)
				}
			}
			_, err := asl.Parse([]byte(def), asl.ValidateOptions{})
			if tc.valid && (len(errs) > 0 || err != nil) {
				t.Errorf("refused: Validate %+v, Parse %v", errs, err)
			}
			if !tc.valid && (len(errs) == 0 || err == nil) {
				t.Errorf("accepted: Validate %+v, Parse %v", errs, err)
			}
			if got := asl.IsValidVariableName(tc.name); got != tc.valid {
				t.Errorf("IsValidVariableName = %v, want %v", got, tc.valid)
			}
		})
	}
}
