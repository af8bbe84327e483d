package iam

import "testing"

// TestExpand substitutes policy variables from a request context: present, absent, with a
// default, the special characters, and malformed variables.
func TestExpand(t *testing.T) {
	rc := RequestContext{}
	rc.Set("aws:username", "ana")
	rc.Set("aws:userid", "AIDAEXAMPLE")
	rc.Set("star", "a*b?")
	rc.Set("empty", "")
	rc.Set("multi", "x", "y")
	tests := []struct {
		text string
		want string // "" with ok false: no value
		ok   bool
	}{
		{"plain", "plain", true},
		{"${aws:username}", "ana", true},
		{"home/${aws:username}/*", "home/ana/*", true},
		{"${AWS:UserName}", "ana", true},
		{"${aws:username}-${aws:userid}", "ana-AIDAEXAMPLE", true},
		{"${aws:PrincipalTag/team}", "", false},
		{"x/${aws:PrincipalTag/team}/y", "", false},
		{"${aws:PrincipalTag/team, 'none'}", "none", true},
		{"${aws:PrincipalTag/team,'none'}", "none", true},
		{"${aws:PrincipalTag/team, ''}", "", true},
		{"${aws:username, 'none'}", "ana", true},
		{"${empty}", "", true},
		{"${multi}", "", false},
		{"${multi, 'd'}", "d", true},
		{"${*}${?}${$}", "*?$", true},
		{"a${$}{aws:username}", "a${aws:username}", true},
		{"${}", "", false},
		{"${ , 'd'}", "", false},
		{"${aws:PrincipalTag/team, none}", "", false},
		{"${aws:PrincipalTag/team, 'none}", "", false},
		{"${aws:username", "${aws:username", true},
		{"$aws:username", "$aws:username", true},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p, ok := expand(tt.text, rc)
			if ok != tt.ok || patternString(p) != tt.want {
				t.Errorf("expand(%q) = %q, %v; want %q, %v", tt.text, patternString(p), ok, tt.want, tt.ok)
			}
		})
	}
}

// TestExpandWildcards: * and ? written in the policy stay wildcards; substituted ones, and
// ${*} and ${?}, match only themselves.
func TestExpandWildcards(t *testing.T) {
	rc := RequestContext{}
	rc.Set("star", "a*")
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"${star}", "a*", true},
		{"${star}", "abc", false},
		{"${star}*", "a*xyz", true},
		{"x${*}", "x*", true},
		{"x${*}", "xy", false},
		{"x${?}", "x?", true},
		{"x${?}", "xy", false},
		{"x?", "xy", true},
		{"${missing, '*'}", "anything", false},
		{"${missing, '*'}", "*", true},
	}
	for _, tt := range tests {
		p, ok := expand(tt.pattern, rc)
		if !ok {
			t.Fatalf("expand(%q): no value", tt.pattern)
		}
		if got := matchPattern(p, []rune(tt.s)); got != tt.want {
			t.Errorf("%q against %q = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// TestPolicyVariables evaluates policies with variables in Resource, NotResource and
// conditions, for a user and for a role (which has no aws:username).
func TestPolicyVariables(t *testing.T) {
	const own = "arn:aws:states:us-east-1:123456789012:stateMachine:ana-orders"
	const other = "arn:aws:states:us-east-1:123456789012:stateMachine:bob-orders"
	user := RequestContext{}
	user.Set("aws:username", "ana")
	user.Set("aws:PrincipalArn", "arn:aws:iam::123456789012:user/ana")
	user.Set("aws:PrincipalAccount", "123456789012")
	role := RequestContext{}
	role.Set("aws:PrincipalArn", "arn:aws:iam::123456789012:role/worker")
	starUser := RequestContext{}
	starUser.Set("aws:username", "*")
	own2012 := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}}`
	tests := []struct {
		name     string
		doc      string
		resource string
		rc       RequestContext
		want     Decision
	}{
		{"own prefix", own2012, own, user, Allowed},
		{"someone else's", own2012, other, user, ImplicitDeny},
		{"a role has no username", own2012, own, role, ImplicitDeny},
		{"no request context", own2012, own, nil, ImplicitDeny},
		{"substituted * is no wildcard", own2012, own, starUser, ImplicitDeny},
		{"substituted * matches itself", own2012, "arn:aws:states:us-east-1:123456789012:stateMachine:*-x", starUser, Allowed},
		{"2008-10-17 is literal", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}}`,
			own, user, ImplicitDeny},
		{"2008-10-17 matches the literal text", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}}`,
			"arn:aws:states:us-east-1:123456789012:stateMachine:${aws:username}-x", user, Allowed},
		{"no Version is literal", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}}`,
			own, user, ImplicitDeny},
		{"default for a role", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:states:*:*:stateMachine:${aws:username, 'shared'}-*"}}`,
			"arn:aws:states:us-east-1:123456789012:stateMachine:shared-x", role, Allowed},
		{"not before the fifth colon", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:states:*:${aws:PrincipalAccount}:stateMachine:*"}}`,
			own, user, ImplicitDeny},
		{"resource without five colons is literal", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:${aws:username}"}}`,
			"ana", user, ImplicitDeny},
		{"deny on own prefix", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}]}`,
			own, user, ExplicitDeny},
		{"deny whose variable has no value does not match", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}]}`,
			own, role, Allowed},
		{"NotResource own", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}}`,
			own, user, ImplicitDeny},
		{"NotResource other", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}}`,
			other, user, Allowed},
		{"allow NotResource without value does not match", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}}`,
			other, role, ImplicitDeny},
		{"deny NotResource without value excludes nothing", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","NotResource":"arn:aws:states:*:*:stateMachine:${aws:username}-*"}]}`,
			other, role, ExplicitDeny},
		{"special character in a resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:states:*:*:stateMachine:a${?}"}}`,
			"arn:aws:states:us-east-1:123456789012:stateMachine:ab", user, ImplicitDeny},
		{"StringEquals on a variable", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"}}}}`,
			own, user, Allowed},
		{"StringLike on a variable", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"*:user/${aws:username}"}}}}`,
			own, user, Allowed},
		{"StringLike on a variable, other", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"*:user/b${aws:username}"}}}}`,
			own, user, ImplicitDeny},
		{"StringEqualsIgnoreCase on a variable", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"aws:PrincipalArn":"ARN:AWS:IAM::${aws:PrincipalAccount}:USER/${aws:username}"}}}}`,
			own, user, Allowed},
		{"ArnEquals on a variable", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"}}}}`,
			own, user, Allowed},
		{"condition variable without value: positive operator false", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"*/${aws:username}"}}}}`,
			own, role, ImplicitDeny},
		{"condition variable without value: negated operator true", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/${aws:username}"}}}}`,
			own, role, Allowed},
		{"condition with 2008-10-17 is literal", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"*:user/${aws:username}"}}}}`,
			own, user, ImplicitDeny},
		{"no variables in numeric operators", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"n":"${n}"}}}}`,
			own, func() RequestContext { rc := RequestContext{}; rc.Set("n", "1"); return rc }(), ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicy(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Evaluate("states:StartExecution", tt.resource, tt.rc); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
