package replay

import "testing"

// TestMatcher: placeholders match values of their kind, numbered ones the same value
// throughout a test, and nothing else matches loosely.
func TestMatcher(t *testing.T) {
	tests := []struct {
		name      string
		want, got string // JSON
		ok        bool
	}{
		{"equal", `{"a":1}`, `{"a":1.0}`, true},
		{"other value", `{"a":1}`, `{"a":2}`, false},
		{"missing member", `{"a":1,"b":2}`, `{"a":1}`, false},
		{"extra member", `{"a":1}`, `{"a":1,"b":2}`, false},
		{"datetime is a number", `{"d":"datetime"}`, `{"d":1733400000.123}`, true},
		{"datetime is not text", `{"d":"datetime"}`, `{"d":"yesterday"}`, false},
		{"the word itself, as a replacement wrote it", `{"d":"timestamp"}`, `{"d":"timestamp"}`, true},
		{"arn placeholders", `"arn:<partition>:states:<region>:111111111111:stateMachine:<ArnPart_0idx>"`,
			`"arn:aws:states:us-east-1:123456789012:stateMachine:sm-1"`, true},
		{"account is twelve digits", `"arn:aws:iam::111111111111:role/r"`, `"arn:aws:iam::1234:role/r"`, false},
		{"numbered placeholder binds", `["<uuid:1>","<uuid:1>"]`, `["a","a"]`, true},
		{"numbered placeholder differs", `["<uuid:1>","<uuid:1>"]`, `["a","b"]`, false},
		{"status compared", `{"ResponseMetadata":{"HTTPHeaders":{},"HTTPStatusCode":400}}`, `{"ResponseMetadata":{"HTTPStatusCode":200}}`, false},
		{"status alone compared", `{"ResponseMetadata":{"HTTPHeaders":{},"HTTPStatusCode":200}}`, `{"ResponseMetadata":{"HTTPStatusCode":200}}`, true},
		{"not a placeholder", `"a <b c> d"`, `"a x d"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := decode([]byte(tc.want))
			g, _ := decode([]byte(tc.got))
			d := (&matcher{binds: map[string]string{}}).diff(w, g, "$")
			if (d == "") != tc.ok {
				t.Errorf("diff %q, want match %v", d, tc.ok)
			}
		})
	}
}
