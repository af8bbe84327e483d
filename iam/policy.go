package iam

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Policy is a parsed identity-based policy document.
type Policy struct {
	Version    string
	Statements []Statement
}

// Statement is one statement of a policy. Exactly one of Action/NotAction and one of
// Resource/NotResource is set (Not* when the Not flag is true).
type Statement struct {
	Sid          string
	Effect       Effect
	Actions      []string
	NotAction    bool
	Resources    []string
	NotResource  bool
	HasCondition bool
	conditions   []condition
	// variables: the policy's Version substitutes policy variables (see variables.go).
	variables bool
}

// Effect is Allow or Deny.
type Effect string

const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Decision is the outcome of evaluating policies for one request.
type Decision int

const (
	// ImplicitDeny: no statement allows the request.
	ImplicitDeny Decision = iota
	// Allowed: a statement allows it and none denies it.
	Allowed
	// ExplicitDeny: a Deny statement matches.
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allowed:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// ParsePolicy parses an identity-based policy document, with IAM's MalformedPolicyDocument
// errors for what IAM refuses (see checkPolicy).
func ParsePolicy(doc string) (*Policy, error) {
	if err := checkPolicy(doc, kindInline); err != nil {
		return nil, err
	}
	return parsePolicy(doc, false)
}

// parsePolicy parses a policy; trust policies (a role's AssumeRolePolicyDocument) name a
// Principal and need no Resource.
func parsePolicy(doc string, trust bool) (*Policy, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(doc))
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, errMalformed("This policy contains invalid Json")
	}
	p := &Policy{}
	if v, ok := raw["Version"]; ok {
		if json.Unmarshal(v, &p.Version) != nil || (p.Version != "2012-10-17" && p.Version != "2008-10-17") {
			return nil, errMalformed("The policy failed legacy parsing")
		}
	}
	st, ok := raw["Statement"]
	if !ok {
		return nil, errMalformed("Syntax errors in policy.")
	}
	var list []json.RawMessage
	if t := bytes.TrimSpace(st); len(t) > 0 && t[0] == '{' {
		list = []json.RawMessage{st}
	} else if json.Unmarshal(st, &list) != nil {
		return nil, errMalformed("Syntax errors in policy.")
	}
	for _, s := range list {
		stmt, err := parseStatement(s, trust)
		if err != nil {
			return nil, err
		}
		if p.Version == variablesVersion {
			stmt.enableVariables()
		}
		p.Statements = append(p.Statements, stmt)
	}
	return p, nil
}

func parseStatement(b json.RawMessage, trust bool) (Statement, error) {
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return Statement{}, errMalformed("Syntax errors in policy.")
	}
	var s Statement
	if v, ok := raw["Sid"]; ok && json.Unmarshal(v, &s.Sid) != nil {
		return s, errMalformed("Syntax errors in policy.")
	}
	var effect string
	if json.Unmarshal(raw["Effect"], &effect) != nil || (effect != "Allow" && effect != "Deny") {
		return s, errMalformed("Syntax errors in policy.")
	}
	s.Effect = Effect(effect)
	_, hasPrincipal := raw["Principal"]
	_, hasNotPrincipal := raw["NotPrincipal"]
	if !trust && (hasPrincipal || hasNotPrincipal) {
		return s, errMalformed("Policy document should not specify a principal.")
	}
	var err error
	if s.Actions, s.NotAction, err = stringsOf(raw, "Action", "NotAction"); err != nil {
		return s, err
	}
	if s.Actions == nil {
		return s, errMalformed("Policy statement must contain actions.")
	}
	if s.Resources, s.NotResource, err = stringsOf(raw, "Resource", "NotResource"); err != nil {
		return s, err
	}
	if s.Resources == nil && !trust {
		return s, errMalformed("Policy statement must contain resources.")
	}
	if c, ok := raw["Condition"]; ok {
		s.HasCondition = true
		if s.conditions, err = parseConditions(c); err != nil {
			return s, err
		}
	}
	return s, nil
}

// stringsOf reads a string-or-array element, or its Not form; both is an error.
func stringsOf(raw map[string]json.RawMessage, name, notName string) ([]string, bool, error) {
	v, has := raw[name]
	nv, hasNot := raw[notName]
	if has && hasNot {
		return nil, false, errMalformed("Syntax errors in policy.")
	}
	if hasNot {
		v = nv
	}
	if !has && !hasNot {
		return nil, false, nil
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}, hasNot, nil
	}
	var many []string
	if json.Unmarshal(v, &many) != nil || len(many) == 0 {
		return nil, false, errMalformed("Syntax errors in policy.")
	}
	return many, hasNot, nil
}

// Evaluate decides one request against one policy; rc holds the request's condition keys
// (nil: none).
func (p *Policy) Evaluate(action, resource string, rc RequestContext) Decision {
	d := ImplicitDeny
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.matches(action, resource, rc) {
			continue
		}
		if s.Effect == Deny {
			return ExplicitDeny
		}
		d = Allowed
	}
	return d
}

// Evaluate decides one request against every policy that applies to the principal: an
// explicit deny anywhere wins, then an allow anywhere, else the implicit deny.
func Evaluate(policies []*Policy, action, resource string, rc RequestContext) Decision {
	d := ImplicitDeny
	for _, p := range policies {
		switch p.Evaluate(action, resource, rc) {
		case ExplicitDeny:
			return ExplicitDeny
		case Allowed:
			d = Allowed
		}
	}
	return d
}

func (s *Statement) matches(action, resource string, rc RequestContext) bool {
	return s.matchAction(action) && s.matchResource(resource, rc) && s.conditionsHold(rc)
}

// enableVariables marks a statement of a policy whose Version substitutes policy variables,
// and its conditions whose operator takes them (string and ARN operators).
func (s *Statement) enableVariables() {
	s.variables = true
	for i := range s.conditions {
		c := &s.conditions[i]
		switch operators[c.op].kind {
		case "string", "stringfold", "like", "arn":
			for _, v := range c.values {
				if hasVariable(v) {
					c.variables = true
				}
			}
		}
	}
}

// conditionsHold reports whether every condition of the statement holds (AND across
// operators and keys; values are ORed within each, see condition.holds). A condition
// Stepwise cannot evaluate (an unknown operator, a value its operator cannot read) fails
// closed: it never lets an Allow match and always lets a Deny match.
func (s *Statement) conditionsHold(rc RequestContext) bool {
	for i := range s.conditions {
		c := &s.conditions[i]
		if c.broken {
			if s.Effect == Allow {
				return false
			}
			continue
		}
		if !c.holds(rc) {
			return false
		}
	}
	return true
}

func (s *Statement) matchAction(action string) bool {
	action = strings.ToLower(action)
	any := false
	for _, a := range s.Actions {
		if Match(strings.ToLower(a), action) {
			any = true
			break
		}
	}
	return any != s.NotAction
}

// matchResource matches the request's resource against Resource (or NotResource). A value
// whose policy variable has no value matches no resource; in NotResource it then excludes
// nothing, except that an Allow statement does not match at all (AWS says only that such a
// statement may be invalid; Stepwise fails closed).
func (s *Statement) matchResource(resource string, rc RequestContext) bool {
	if s.Resources == nil { // a trust policy
		return true
	}
	any, unresolved := false, false
	for _, r := range s.Resources {
		if s.variables && hasVariable(r) {
			p, ok := resourcePattern(r, rc)
			if !ok {
				unresolved = true
				continue
			}
			if matchPattern(p, []rune(resource)) {
				any = true
				break
			}
			continue
		}
		if Match(r, resource) {
			any = true
			break
		}
	}
	if s.NotResource && !any && unresolved && s.Effect == Allow {
		return false
	}
	return any != s.NotResource
}

// Match reports whether s matches pattern, where * matches any run of characters (also
// none) and ? any one character. It compares characters as they are (callers fold case).
func Match(patternText, text string) bool {
	return matchPattern(wildPattern(patternText), []rune(text))
}
