package asl_test

import (
	"testing"

	"github.com/stepwise-run/stepwise/asl"
)

// TestAcceptsWhatAWSAccepts: constructs found in published, deployed state machines that AWS
// accepts at CreateStateMachine (docs/conformance.md, "Accepted as AWS accepts them"), and
// their neighbours that it still refuses.
func TestAcceptsWhatAWSAccepts(t *testing.T) {
	pass := func(params string) string {
		return `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":` + params + `,"End":true}}}`
	}
	tests := []struct {
		name string
		def  string
		ok   bool
	}{
		{"filter compared with an unquoted word", pass(`{"t.$":"$[?(@.TargetLanguageCode==es)].TranslatedText"}`), true},
		{"filter compared with an unquoted word and spaces", pass(`{"t.$":"$.xs[?(@.code == en-GB)].text"}`), true},
		{"filter compared with true", pass(`{"t.$":"$.xs[?(@.on == true)]"}`), true},
		{"filter with an operator and nothing after it", pass(`{"t.$":"$.xs[?(@.on == )]"}`), false},
		{"path with a trailing space", pass(`{"n.$":"$$.Execution.Name "}`), true},
		{"input path with a trailing space", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a ","End":true}}}`, true},
		{"path with a space inside a name", pass(`{"n.$":"$.a b"}`), false},
		{"path ending in a function AWS's paths lack", pass(`{"Jobs.$":"$.Jobs.sum()"}`), true},
		{"reference path ending in a function", `{"StartAt":"P","States":{"P":{"Type":"Pass","ResultPath":"$.Jobs.sum()","End":true}}}`, false},
		{"aws-sdk integration with region and account", sdkTask("arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject"), true},
		{"optimized .sync integration with region and account", sdkTask("arn:aws:states:us-east-1:123456789012:athena:startQueryExecution.sync"), true},
		{"unknown integration with region and account", sdkTask("arn:aws:states:us-east-1:123456789012:athena:noSuchApi"), false},
		{"integration with a region and no account", sdkTask("arn:aws:states:us-east-1::athena:startQueryExecution"), false},
		{"Lambda ARN with empty region and account", sdkTask("arn:aws:lambda:::function:f"), true},
		{"Lambda ARN with a region and no account", sdkTask("arn:aws:lambda:us-east-1::function:f"), false},
		{"Lambda ARN with placeholder region and account", sdkTask("arn:aws:lambda:your-region:your-account-id:function:yourHelloWorldFunction"), true},
		{"Lambda ARN with a blank in its account", sdkTask("arn:aws:lambda:us-east-1:your account:function:f"), false},
		{"activity with region and account", sdkTask("arn:aws:states:us-east-1:123456789012:activity:a"), true},
		{"activity without region and account", sdkTask("arn:aws:states:::activity:a"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diags := asl.Validate([]byte(tc.def), asl.ValidateOptions{})
			var errs []asl.Diagnostic
			for _, d := range diags {
				if d.Severity == "ERROR" {
					errs = append(errs, d)
				}
			}
			if tc.ok && len(errs) > 0 {
				t.Fatalf("refused: %+v", errs)
			}
			if !tc.ok && len(errs) == 0 {
				t.Fatal("accepted")
			}
		})
	}
}

// TestJSONSyntaxMessage: an invalid JSON text is worded as Jackson words it, as AWS answers
// StartExecution (test_sfn_api test_invalid_start_execution_input).
func TestJSONSyntaxMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1}`, ""},
		{"not some json", "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"},
		{"{'not': 'json'", "Unexpected character (''' (code 39)): was expecting double-quote to start field name"},
		{`{"a" 1}`, "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value"},
		{`[1 2]`, "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries"},
		{`{"a":1 "b":2}`, "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries"},
		{`{"a":`, "Unexpected end-of-input"},
	}
	for _, tc := range tests {
		if got := asl.JSONSyntaxMessage(tc.in); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}
