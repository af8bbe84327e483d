package iam

import (
	"errors"
	"testing"
)

func TestEvaluate(t *testing.T) {
	const sm = "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
	tests := []struct {
		name     string
		policies []string
		action   string
		resource string
		want     Decision
	}{
		{"no policy", nil, "states:StartExecution", sm, ImplicitDeny},
		{"exact allow", []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:StartExecution","Resource":"` + sm + `"}}`},
			"states:StartExecution", sm, Allowed},
		{"action case-insensitive", []string{`{"Statement":[{"Effect":"Allow","Action":"STATES:startexecution","Resource":"*"}]}`},
			"states:StartExecution", sm, Allowed},
		{"resource case-sensitive", []string{`{"Statement":[{"Effect":"Allow","Action":"states:*","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:Orders"}]}`},
			"states:StartExecution", sm, ImplicitDeny},
		{"action star", []string{`{"Statement":[{"Effect":"Allow","Action":"states:Describe*","Resource":"*"}]}`},
			"states:DescribeExecution", sm, Allowed},
		{"action star no match", []string{`{"Statement":[{"Effect":"Allow","Action":"states:Describe*","Resource":"*"}]}`},
			"states:StartExecution", sm, ImplicitDeny},
		{"question mark", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:order?"}]}`},
			"states:StartExecution", sm, Allowed},
		{"question mark is one character", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:orde?"}]}`},
			"states:StartExecution", sm, ImplicitDeny},
		{"resource array", []string{`{"Statement":[{"Effect":"Allow","Action":["states:StartExecution"],"Resource":["arn:aws:states:*:*:activity:x","arn:aws:states:*:*:stateMachine:*"]}]}`},
			"states:StartExecution", sm, Allowed},
		{"explicit deny wins across policies", []string{
			`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			`{"Statement":[{"Effect":"Deny","Action":"states:StartExecution","Resource":"` + sm + `"}]}`},
			"states:StartExecution", sm, ExplicitDeny},
		{"deny elsewhere does not apply", []string{
			`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"states:Delete*","Resource":"*"}]}`},
			"states:StartExecution", sm, Allowed},
		{"NotAction allows the rest", []string{`{"Statement":[{"Effect":"Allow","NotAction":"states:Delete*","Resource":"*"}]}`},
			"states:StartExecution", sm, Allowed},
		{"NotAction excludes", []string{`{"Statement":[{"Effect":"Allow","NotAction":"states:Delete*","Resource":"*"}]}`},
			"states:DeleteStateMachine", sm, ImplicitDeny},
		{"NotResource", []string{`{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"arn:aws:states:*:*:stateMachine:secret*"}]}`},
			"states:StartExecution", sm, Allowed},
		{"NotResource excludes", []string{`{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"arn:aws:states:*:*:stateMachine:ord*"}]}`},
			"states:StartExecution", sm, ImplicitDeny},
		{"deny with NotAction", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","NotAction":"states:Describe*","Resource":"*"}]}`},
			"states:StartExecution", sm, ExplicitDeny},
		{"allow whose condition key is absent does not match", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/a":"b"}}}]}`},
			"states:StartExecution", sm, ImplicitDeny},
		{"deny whose condition key is absent does not match", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`},
			"states:StartExecution", sm, Allowed},
		{"allow with an unreadable condition never matches", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"aws:EpochTime":"ten"}}}]}`},
			"states:StartExecution", sm, ImplicitDeny},
		{"deny with an unreadable condition always matches", []string{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NumericEquals":{"aws:EpochTime":"ten"}}}]}`},
			"states:StartExecution", sm, ExplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps []*Policy
			for _, doc := range tt.policies {
				p, err := ParsePolicy(doc)
				if err != nil {
					t.Fatalf("parse %s: %v", doc, err)
				}
				ps = append(ps, p)
			}
			if got := Evaluate(ps, tt.action, tt.resource, nil); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct{ name, doc, msg string }{
		{"not json", `{"Statement":`, "This policy contains invalid Json"},
		{"trailing", `{"Statement":[]} x`, "This policy contains invalid Json"},
		{"bad version", `{"Version":"2020-01-01","Statement":[]}`, "Syntax errors in policy."},
		{"no statement", `{"Version":"2012-10-17"}`, "Syntax errors in policy."},
		{"bad effect", `{"Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}`, "Syntax errors in policy."},
		{"no action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, "Policy statement must contain actions."},
		{"no resource", `{"Statement":{"Effect":"Allow","Action":"*"}}`, "Policy statement must contain resources."},
		{"principal", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, "Policy document should not specify a principal."},
		{"action and notaction", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"x:y","Resource":"*"}}`, "Syntax errors in policy."},
		{"action not string", `{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}`, "Syntax errors in policy."},
		// The cases below are IAM's answers as moto's tests record them (moto/tests/test_iam/test_iam_policies.py).
		{"unknown top-level element", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},"Extra field":"value"}`, "Syntax errors in policy."},
		{"unknown statement element", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Extra field":"value"}}`, "Syntax errors in policy."},
		{"Id not a string", `{"Version":"2012-10-17","Id":{},"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`, "Syntax errors in policy."},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, "Syntax errors in policy."},
		{"statement not an object", `{"Version":"2012-10-17","Statement":["afd"]}`, "Syntax errors in policy."},
		{"Sid not a string", `{"Version":"2012-10-17","Statement":{"Sid":[],"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`, "Syntax errors in policy."},
		{"resource and notresource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","NotResource":[]}}`, "Syntax errors in policy."},
		{"unknown condition operator", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"x":{"a":"1"}}}}`, "Syntax errors in policy."},
		{"set operator with two colons", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"ForAnyValue::StringEqualsIfExists":{"a":"asf"}}}}`, "Syntax errors in policy."},
		{"effect in the wrong case", `{"Version":"2012-10-17","Statement":{"Effect":"denY","Action":"s3:ListBucket","Resource":"*"}}`, "The policy failed legacy parsing"},
		{"resource with too few parts", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3::example_bucket"}}`, "The policy failed legacy parsing"},
		{"resource with an empty service", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws::fdsasf"}}`, "The policy failed legacy parsing"},
		{"duplicate Sid", `{"Version":"2012-10-17","Statement":[{"Sid":"sdf","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"sdf","Effect":"Allow"}]}`, "Statement IDs (SID) in a single policy must be unique."},
		{"empty action list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, "Policy statement must contain actions."},
		{"a statement without actions among others", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`, "Policy statement must contain actions."},
		{"empty resource list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":[]}}`, "Policy statement must contain resources."},
		{"resources checked before action vendors", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"invalid"}}`, "Policy statement must contain resources."},
		{"resource not an ARN", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"invalid resource"}}`, `Resource invalid resource must be in ARN format or "*".`},
		{"empty resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":""}}`, `Resource  must be in ARN format or "*".`},
		{"resource in an array", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":["adf"]}}`, `Resource adf must be in ARN format or "*".`},
		{"partition", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:bsdfdsafsad"}}`, `Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".`},
		{"partition, two parts", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:cadfsdf"}}`, `Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".`},
		{"partition, many parts", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:b:c:d:e:f:g:h"}}`, `Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".`},
		{"arn prefix missing", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"aws:s3:::example_bucket"}}`, `Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".`},
		{"vendor missing", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws"}}`, "Resource vendor must be fully qualified and cannot contain regexes."},
		{"IAM resource with a region", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:us-east-1::example_bucket"}}`, "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information."},
		{"IAM resource type", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::example_bucket"}}`, `IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`},
		{"S3 resource with a region", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::example_bucket"}}`, "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."},
		{"action without vendor", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"StartExecution","Resource":"*"}}`, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"empty NotAction", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"","Resource":"*"}}`, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"action with two colons", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:Start:Execution","Resource":"*"}}`, "Actions/Condition can contain only one colon."},
		{"vendor with a space", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"a a:ListBucket","Resource":"*"}}`, "Vendor a a is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy(tt.doc)
			var e *Error
			if !errors.As(err, &e) || e.Code != "MalformedPolicyDocument" || e.Message != tt.msg {
				t.Errorf("got %v, want MalformedPolicyDocument: %s", err, tt.msg)
			}
		})
	}
}

func TestParsePolicyAccepts(t *testing.T) {
	// Documents IAM accepts (moto's tests record these as accepted too).
	for _, doc := range []string{
		`{"Version":"2012-10-17","Id":"sdfsdfsdf","Statement":{"Effect":"Allow","NotAction":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam: asdf safdsf af ","Resource":"arn:aws:s3:::example_bucket"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":["arn:aws:s3:::example_bucket","*"]}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3-s.x:ListBucket","Resource":"arn:aws:fdsasf"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:iam:::user/example_bucket"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:ec2:us-east-1::example_bucket"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3:ListBucket","NotResource":"*"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"x":{},"y":{}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"ForAnyValue:StringEqualsIfExists":{"a":"asf"}}}}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"sdf","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:PassRole"],"Resource":["arn:aws:iam::*:role/*","arn:aws:iam::123456789012:*"]}}`,
		`{"Statement":{"Effect":"Allow","Action":"states:*","Resource":"arn:aws:states:*:*:stateMachine:*"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"logs:*","Resource":["arn:*:logs:*:*:*","arn:aws*:iam::*:role/*","arn:a?s:s3:::b"]}}`,
	} {
		if _, err := ParsePolicy(doc); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*:stateMachine:*", "arn:aws:states:r:1:stateMachine:x", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXcYb", false},
		{"?é", "xé", true},
		{"", "", true},
		{"", "a", false},
		{"*a", "*ba", true}, // a * in the text does not use up the pattern's *
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v", tt.pattern, tt.s, got)
		}
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	f.Add(`{"Statement":[{"Effect":"Deny","NotAction":["a:b"],"NotResource":"x"}]}`)
	f.Add(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:SourceIp":["1.2.*",5,true]},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"Null":{"x":"true"}}}}`)
	f.Add(`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"n":"1e3"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"},"BinaryEquals":{"b":"QUJD"},"Bogus":{"k":[]}}}}`)
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-${*}${?}${$}*","Condition":{"StringLike":{"aws:PrincipalArn":"*/${aws:username, 'x'}"},"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/${m}"}}}}`)
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","NotResource":["${aws:username","a:b:c:d:e:${}","a:b:c:d:e:${k, 'd}"],"Condition":{"StringNotEquals":{"k":"${ , ''}"}}}}`)
	rc := RequestContext{}
	rc.Set("aws:username", "a*?$")
	rc.Set("aws:PrincipalAccount", "123456789012")
	rc.Set("aws:SourceIp", "10.1.2.3")
	rc.Set("aws:CurrentTime", "2026-12-02T09:00:00Z")
	rc.Set("aws:PrincipalArn", "arn:aws:iam::123456789012:user/a")
	rc.Set("n", "12")
	rc.Set("b", "QUJD")
	rc.Set("m", "a", "b", "")
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := ParsePolicy(doc)
		if err == nil {
			p.Evaluate("states:StartExecution", "arn:aws:states:r:1:stateMachine:x", nil)
			p.Evaluate("states:StartExecution", "arn:aws:states:r:1:stateMachine:x", rc)
		}
	})
}
