package asl_test

import (
	"reflect"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
)

// The cases follow test_sfn_api_variable_references's recordings: what AWS lists, and what it
// leaves out (literals, $.paths, JSONata states).
func TestVariableReferences(t *testing.T) {
	tests := []struct {
		name string
		def  string
		want map[string][]string
	}{
		{"none", `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"x.$":"$.a"},"End":true}}}`, nil},
		{"literal is no reference", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"r":"$result"},"End":true}}}`, nil},
		{"paths and templates", `{"StartAt":"P","States":{
			"P":{"Type":"Pass","InputPath":"$b","OutputPath":"$b.c[0]","Parameters":{"r.$":"$a","n":{"s.$":"States.Format('{}', $c, $.d)"}},"Next":"W"},
			"W":{"Type":"Wait","SecondsPath":"$w","Next":"F"},
			"F":{"Type":"Fail","ErrorPath":"$e","CausePath":"$$.Execution.Id"}}}`,
			map[string][]string{"P": {"a", "b", "c"}, "W": {"w"}, "F": {"e"}}},
		{"choice rules", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
			{"And":[{"Variable":"$x","StringEqualsPath":"$y"},{"Not":{"Variable":"$.z","IsPresent":true}}],"Next":"E","Assign":{"v.$":"$q"}}],
			"Default":"E"},"E":{"Type":"Succeed"}}}`,
			map[string][]string{"C": {"q", "x", "y"}}},
		{"nested map", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$list","MaxConcurrencyPath":"$mc",
			"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"MaxItemsPath":"$mi"},"Parameters":{"Bucket":"b","Key":"k"}},
			"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"q.$":"$inner"},"End":true}}},"End":true}}}`,
			map[string][]string{"M": {"list", "mc", "mi"}, "I": {"inner"}}},
		{"JSONata states are left out", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $x %}","End":true}}}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := asl.VariableReferences([]byte(tc.def)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
