package iam

import (
	"errors"
	"testing"
)

// TestConditions evaluates one Allow statement whose Condition is cond against a request
// context, per operator: a match, a mismatch, and a missing key.
func TestConditions(t *testing.T) {
	ctx := func(kv ...string) RequestContext {
		rc := RequestContext{}
		for i := 0; i < len(kv); i += 2 {
			rc.Set(kv[i], kv[i+1])
		}
		return rc
	}
	multi := func(key string, vs ...string) RequestContext {
		rc := RequestContext{}
		rc.Set(key, vs...)
		return rc
	}
	none := RequestContext{}
	tests := []struct {
		name string
		cond string
		rc   RequestContext
		want bool
	}{
		// Strings.
		{"StringEquals", `{"StringEquals":{"k":"abc"}}`, ctx("k", "abc"), true},
		{"StringEquals is case-sensitive", `{"StringEquals":{"k":"abc"}}`, ctx("k", "ABC"), false},
		{"StringEquals missing key", `{"StringEquals":{"k":"abc"}}`, none, false},
		{"StringEquals values are ORed", `{"StringEquals":{"k":["x","abc"]}}`, ctx("k", "abc"), true},
		{"StringEquals number value", `{"StringEquals":{"k":5}}`, ctx("k", "5"), true},
		{"keys are case-insensitive", `{"StringEquals":{"AWS:UserName":"bob"}}`, ctx("aws:username", "bob"), true},
		{"StringNotEquals", `{"StringNotEquals":{"k":"abc"}}`, ctx("k", "abd"), true},
		{"StringNotEquals equal", `{"StringNotEquals":{"k":"abc"}}`, ctx("k", "abc"), false},
		{"StringNotEquals values are NORed", `{"StringNotEquals":{"k":["x","abc"]}}`, ctx("k", "abc"), false},
		{"StringNotEquals missing key is true", `{"StringNotEquals":{"k":"abc"}}`, none, true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"k":"abc"}}`, ctx("k", "ABC"), true},
		{"StringEqualsIgnoreCase differs", `{"StringEqualsIgnoreCase":{"k":"abc"}}`, ctx("k", "abd"), false},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"k":"abc"}}`, ctx("k", "ABC"), false},
		{"StringNotEqualsIgnoreCase differs", `{"StringNotEqualsIgnoreCase":{"k":"abc"}}`, ctx("k", "x"), true},
		{"StringLike star", `{"StringLike":{"k":"https://api.example.com/*"}}`, ctx("k", "https://api.example.com/v1/x"), true},
		{"StringLike question mark", `{"StringLike":{"k":"a?c"}}`, ctx("k", "abc"), true},
		{"StringLike no match", `{"StringLike":{"k":"https://api.example.com/*"}}`, ctx("k", "https://evil.example/x"), false},
		{"StringLike case-sensitive", `{"StringLike":{"k":"A*"}}`, ctx("k", "abc"), false},
		{"StringLike missing key", `{"StringLike":{"k":"*"}}`, none, false},
		{"StringNotLike", `{"StringNotLike":{"k":"a*"}}`, ctx("k", "bcd"), true},
		{"StringNotLike matching", `{"StringNotLike":{"k":"a*"}}`, ctx("k", "abc"), false},
		{"StringNotLike missing key is true", `{"StringNotLike":{"k":"a*"}}`, none, true},

		// Numbers.
		{"NumericEquals", `{"NumericEquals":{"n":"10"}}`, ctx("n", "10.0"), true},
		{"NumericEquals JSON number", `{"NumericEquals":{"n":10}}`, ctx("n", "10"), true},
		{"NumericEquals differs", `{"NumericEquals":{"n":"10"}}`, ctx("n", "11"), false},
		{"NumericEquals request not a number", `{"NumericEquals":{"n":"10"}}`, ctx("n", "ten"), false},
		{"NumericNotEquals", `{"NumericNotEquals":{"n":"10"}}`, ctx("n", "11"), true},
		{"NumericNotEquals equal", `{"NumericNotEquals":{"n":"10"}}`, ctx("n", "10"), false},
		{"NumericLessThan", `{"NumericLessThan":{"n":"10"}}`, ctx("n", "9"), true},
		{"NumericLessThan equal", `{"NumericLessThan":{"n":"10"}}`, ctx("n", "10"), false},
		{"NumericLessThanEquals", `{"NumericLessThanEquals":{"n":"10"}}`, ctx("n", "10"), true},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"n":"10"}}`, ctx("n", "10.5"), true},
		{"NumericGreaterThan equal", `{"NumericGreaterThan":{"n":"10"}}`, ctx("n", "10"), false},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"n":"10"}}`, ctx("n", "10"), true},
		{"NumericGreaterThanEquals less", `{"NumericGreaterThanEquals":{"n":"10"}}`, ctx("n", "-3"), false},
		{"NumericLessThan missing key", `{"NumericLessThan":{"n":"10"}}`, none, false},

		// Dates.
		{"DateLessThan ISO", `{"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2026-12-02T09:00:00Z"), true},
		{"DateLessThan later", `{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2026-12-02T09:00:00Z"), false},
		{"DateLessThan date only", `{"DateLessThan":{"aws:CurrentTime":"2027-01-01"}}`, ctx("aws:CurrentTime", "2026-12-02T09:00:00Z"), true},
		{"DateLessThan epoch policy value", `{"DateLessThan":{"aws:CurrentTime":1800000000}}`, ctx("aws:CurrentTime", "2026-12-02T09:00:00Z"), true},
		{"DateGreaterThan epoch request", `{"DateGreaterThan":{"aws:EpochTime":"2026-01-01T00:00:00Z"}}`, ctx("aws:EpochTime", "1796202000"), true},
		{"DateEquals zones", `{"DateEquals":{"d":"2026-12-02T10:00:00+01:00"}}`, ctx("d", "2026-12-02T09:00:00Z"), true},
		{"DateNotEquals", `{"DateNotEquals":{"d":"2026-12-02T09:00:00Z"}}`, ctx("d", "2026-12-02T09:00:01Z"), true},
		{"DateNotEquals equal", `{"DateNotEquals":{"d":"2026-12-02T09:00:00Z"}}`, ctx("d", "2026-12-02T09:00:00Z"), false},
		{"DateLessThanEquals", `{"DateLessThanEquals":{"d":"2026-12-02T09:00:00Z"}}`, ctx("d", "2026-12-02T09:00:00Z"), true},
		{"DateGreaterThanEquals", `{"DateGreaterThanEquals":{"d":"2026-12-02T09:00:00Z"}}`, ctx("d", "2026-12-02T08:59:59Z"), false},
		{"DateGreaterThan missing key", `{"DateGreaterThan":{"d":"2000-01-01"}}`, none, false},

		// Bool, binary.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "true"), true},
		{"Bool JSON true", `{"Bool":{"aws:SecureTransport":true}}`, ctx("aws:SecureTransport", "true"), true},
		{"Bool false", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "false"), false},
		{"Bool missing key", `{"Bool":{"aws:SecureTransport":"false"}}`, none, false},
		{"BinaryEquals", `{"BinaryEquals":{"b":"QmluYXJ5"}}`, ctx("b", "QmluYXJ5"), true},
		{"BinaryEquals differs", `{"BinaryEquals":{"b":"QmluYXJ5"}}`, ctx("b", "QUJD"), false},

		// Addresses.
		{"IpAddress in CIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "203.0.113.7"), true},
		{"IpAddress outside CIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "198.51.100.7"), false},
		{"IpAddress single address", `{"IpAddress":{"aws:SourceIp":"127.0.0.1"}}`, ctx("aws:SourceIp", "127.0.0.1"), true},
		{"IpAddress IPv6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, ctx("aws:SourceIp", "2001:db8::1"), true},
		{"IpAddress list", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}}`, ctx("aws:SourceIp", "10.9.9.9"), true},
		{"IpAddress missing key", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, none, false},
		{"NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "198.51.100.7"), true},
		{"NotIpAddress inside", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "203.0.113.7"), false},
		{"NotIpAddress missing key is true", `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, none, true},

		// ARNs.
		{"ArnEquals", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/bob"}}`, ctx("aws:PrincipalArn", "arn:aws:iam::123456789012:user/bob"), true},
		{"ArnLike wildcard per component", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`, ctx("aws:PrincipalArn", "arn:aws:iam::123456789012:user/bob"), true},
		{"ArnLike star stays in its component", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*"}}`, ctx("aws:PrincipalArn", "arn:aws:iam::123456789012:user/bob"), false},
		{"ArnLike resource with colons", `{"ArnLike":{"s":"arn:aws:states:*:*:stateMachine:*"}}`, ctx("s", "arn:aws:states:us-east-1:1:stateMachine:m"), true},
		{"ArnLike other account", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:*"}}`, ctx("aws:PrincipalArn", "arn:aws:iam::123456789012:user/bob"), false},
		{"ArnLike not an ARN", `{"ArnLike":{"k":"arn:aws:iam::*:*"}}`, ctx("k", "bob"), false},
		{"ArnNotEquals", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/bob"}}`, ctx("aws:PrincipalArn", "arn:aws:iam::123456789012:user/eve"), true},
		{"ArnNotLike", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/b*"}}`, ctx("aws:PrincipalArn", "arn:aws:iam::123456789012:user/bob"), false},
		{"ArnNotLike missing key is true", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/b*"}}`, none, true},

		// Null and IfExists.
		{"Null true, key absent", `{"Null":{"k":"true"}}`, none, true},
		{"Null true, key present", `{"Null":{"k":"true"}}`, ctx("k", "v"), false},
		{"Null false, key present", `{"Null":{"k":"false"}}`, ctx("k", "v"), true},
		{"Null false, key absent", `{"Null":{"k":false}}`, none, false},
		{"IfExists missing key is true", `{"StringEqualsIfExists":{"k":"abc"}}`, none, true},
		{"IfExists present key is compared", `{"StringEqualsIfExists":{"k":"abc"}}`, ctx("k", "x"), false},
		{"IfExists present key matching", `{"StringEqualsIfExists":{"k":"abc"}}`, ctx("k", "abc"), true},
		{"BoolIfExists missing", `{"BoolIfExists":{"aws:SecureTransport":"true"}}`, none, true},
		{"IpAddressIfExists present outside", `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx("aws:SourceIp", "11.0.0.1"), false},
		{"NotIpAddressIfExists missing", `{"NotIpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, none, true},

		// Set operators.
		{"ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, multi("aws:TagKeys", "a", "b"), true},
		{"ForAllValues one outside", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, multi("aws:TagKeys", "a", "z"), false},
		{"ForAllValues missing key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, none, true},
		{"ForAllValues empty set is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, multi("aws:TagKeys"), true},
		{"ForAllValues StringNotLike", `{"ForAllValues:StringNotLike":{"aws:TagKeys":["x*"]}}`, multi("aws:TagKeys", "a", "b"), true},
		{"ForAllValues StringNotLike one matches", `{"ForAllValues:StringNotLike":{"aws:TagKeys":["x*"]}}`, multi("aws:TagKeys", "a", "xb"), false},
		{"ForAnyValue one inside", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, multi("aws:TagKeys", "z", "a"), true},
		{"ForAnyValue none inside", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, multi("aws:TagKeys", "y", "z"), false},
		{"ForAnyValue missing key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, none, false},
		{"ForAnyValue StringNotEquals", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}}`, multi("aws:TagKeys", "a", "b"), true},
		{"ForAnyValue StringNotEquals all equal", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}}`, multi("aws:TagKeys", "a"), false},
		{"ForAnyValue IfExists missing", `{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*"]}}`, none, true},
		{"ForAnyValue StringLike", `{"ForAnyValue:StringLike":{"aws:TagKeys":["a*"]}}`, multi("aws:TagKeys", "x", "ab"), true},

		// Several operators and keys: AND.
		{"two keys both hold", `{"StringEquals":{"a":"1","b":"2"}}`, ctx("a", "1", "b", "2"), true},
		{"two keys one fails", `{"StringEquals":{"a":"1","b":"2"}}`, ctx("a", "1", "b", "3"), false},
		{"two operators both hold", `{"StringEquals":{"a":"1"},"StringLike":{"b":"x*"}}`, ctx("a", "1", "b", "xy"), true},
		{"two operators one fails", `{"StringEquals":{"a":"1"},"StringLike":{"b":"x*"}}`, ctx("a", "1", "b", "yx"), false},
		{"two operators one key missing", `{"StringEquals":{"a":"1"},"StringLike":{"b":"x*"}}`, ctx("a", "1"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + tt.cond + `}}`
			p, err := ParsePolicy(doc)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			want := ImplicitDeny
			if tt.want {
				want = Allowed
			}
			if got := p.Evaluate("states:StartExecution", "arn:aws:states:us-east-1:1:stateMachine:m", tt.rc); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
			// The same condition on a Deny next to an allow-all decides the opposite way.
			deny := `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":` + tt.cond + `}]}`
			p, err = ParsePolicy(deny)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			want = Allowed
			if tt.want {
				want = ExplicitDeny
			}
			if got := p.Evaluate("states:StartExecution", "arn:aws:states:us-east-1:1:stateMachine:m", tt.rc); got != want {
				t.Errorf("as a Deny: got %v, want %v", got, want)
			}
		})
	}
}

// TestConditionsFailClosed: a condition Stepwise cannot evaluate never lets an Allow match
// and always lets a Deny match, whatever the request; the statement's other conditions still
// count.
// TestConditionsFailClosed evaluates documents as stored: IAM refuses some of them today
// (unknown operators), but a file written by an older Stepwise may hold them.
func TestConditionsFailClosed(t *testing.T) {
	rc := RequestContext{}
	rc.Set("k", "v")
	for _, cond := range []string{
		`{"StringEqualsSometimes":{"k":"v"}}`,
		`{"stringequals":{"k":"v"}}`,
		`{"NullIfExists":{"k":"true"}}`,
		`{"NumericEquals":{"k":"ten"}}`,
		`{"DateEquals":{"k":"yesterday"}}`,
		`{"IpAddress":{"k":"10.0.0.0/33"}}`,
		`{"Bool":{"k":"yes"}}`,
		`{"Null":{"k":"maybe"}}`,
		`{"BinaryEquals":{"k":"not base64!"}}`,
		`{"StringEquals":{"k":[]}}`,
		`{"ForSomeValues:StringEquals":{"k":"v"}}`,
	} {
		t.Run(cond, func(t *testing.T) {
			allow, err := parsePolicy(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+cond+`}}`, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := allow.Evaluate("a:b", "r", rc); got != ImplicitDeny {
				t.Errorf("Allow: got %v", got)
			}
			deny, err := parsePolicy(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":`+cond+`}]}`, false)
			if err != nil {
				t.Fatal(err)
			}
			if got := deny.Evaluate("a:b", "r", rc); got != ExplicitDeny {
				t.Errorf("Deny: got %v", got)
			}
		})
	}
	// The Deny's other conditions still decide: an unknown operator next to a false one.
	deny, err := parsePolicy(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bogus":{"k":"v"},"StringEquals":{"k":"other"}}}]}`, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := deny.Evaluate("a:b", "r", rc); got != Allowed {
		t.Errorf("Deny with a false known condition: got %v", got)
	}
}

func TestParseConditionErrors(t *testing.T) {
	for _, cond := range []string{
		`"StringEquals"`,
		`[]`,
		`null`,
		`{"StringEquals":"k"}`,
		`{"StringEquals":["k"]}`,
		`{"StringEquals":{"k":{"a":"b"}}}`,
		`{"StringEquals":{"k":null}}`,
		`{"StringEquals":{"k":[["a"]]}}`,
		`{"StringEquals":{"k":[null]}}`,
	} {
		t.Run(cond, func(t *testing.T) {
			_, err := ParsePolicy(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + cond + `}}`)
			var e *Error
			if !errors.As(err, &e) || e.Code != "MalformedPolicyDocument" || e.Message != "Syntax errors in policy." {
				t.Errorf("got %v, want MalformedPolicyDocument: Syntax errors in policy.", err)
			}
		})
	}
}
