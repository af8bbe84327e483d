package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// checkPolicy applies IAM's checks of a policy document being put, in the order IAM applies
// them; IAM reports the first stage that fails, each with its fixed message:
//
//  1. grammar: only known elements, Version one of the two, Statement an object or a
//     non-empty array, Effect Allow or Deny in any case, string-or-array elements,
//     condition operators IAM knows ("Syntax errors in policy.");
//  2. (managed policies) Version 2012-10-17 ("Policy document must be version 2012-10-17 or
//     greater."); then no Principal in an identity policy;
//  3. the legacy parser: Effect's exact case, resource ARNs with too few parts
//     ("The policy failed legacy parsing");
//  4. unique statement IDs, then actions present, then resources present;
//  5. (trust policies) a Principal in each statement, no Resource, only STS actions;
//  6. the first malformed resource ARN, with its own message;
//  7. actions prefixed by a service ("Actions/Conditions must be prefaced by a vendor...").
//
// The messages are those IAM answers with (as recorded by moto's tests against IAM);
// AWS documents the rules themselves in the IAM JSON policy grammar and element pages
// (e.g. "In IAM, the Sid value must be unique within a JSON policy").
//
// Documents already stored are not checked again when evaluated (see Directory.policy), so
// that a file written by an older Stepwise keeps its meaning.
func checkPolicy(doc string, kind policyKind) error {
	trust := kind == kindTrust
	var top map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(doc))
	if err := dec.Decode(&top); err != nil || dec.More() {
		return errMalformed("This policy contains invalid Json")
	}
	stmts, err := checkGrammar(top, trust)
	if err != nil {
		return err
	}
	if kind == kindManaged {
		var version string
		if _ = json.Unmarshal(top["Version"], &version); version != variablesVersion {
			return errMalformed("Policy document must be version 2012-10-17 or greater.")
		}
	}
	if !trust {
		for _, s := range stmts {
			if s.has("Principal") || s.has("NotPrincipal") {
				return errMalformed("Policy document should not specify a principal.")
			}
		}
	}
	// The legacy parser; it also finds the first malformed resource, reported later.
	resourceErr := ""
	for _, s := range stmts {
		var effect string
		_ = json.Unmarshal(s["Effect"], &effect)
		if effect != "Allow" && effect != "Deny" {
			return errMalformed("The policy failed legacy parsing")
		}
	}
	for _, s := range stmts {
		for _, key := range []string{"Resource", "NotResource"} {
			list, ok := s.strings(key)
			if !ok {
				continue
			}
			sorted := append([]string(nil), list...)
			sort.Sort(sort.Reverse(sort.StringSlice(sorted)))
			for _, r := range sorted {
				if msg := resourceFormat(r); msg != "" && resourceErr == "" {
					resourceErr = msg
				}
			}
			if resourceErr != "" {
				continue
			}
			for _, r := range list {
				if r == "*" {
					continue
				}
				parts := strings.Split(r, ":")
				if (len(parts) < 6 && strings.Contains(r, "::")) || len(parts) < 3 || parts[2] == "" {
					return errMalformed("The policy failed legacy parsing")
				}
			}
		}
	}
	sids := map[string]bool{}
	for _, s := range stmts {
		var sid string
		if _ = json.Unmarshal(s["Sid"], &sid); sid == "" {
			continue
		}
		if sids[sid] {
			return errMalformed("Statement IDs (SID) in a single policy must be unique.")
		}
		sids[sid] = true
	}
	for _, s := range stmts {
		if l, ok := s.either("Action", "NotAction"); !ok || len(l) == 0 {
			return errMalformed("Policy statement must contain actions.")
		}
	}
	if !trust {
		for _, s := range stmts {
			if l, ok := s.either("Resource", "NotResource"); !ok || len(l) == 0 {
				return errMalformed("Policy statement must contain resources.")
			}
		}
	}
	if trust {
		if err := checkTrust(stmts); err != nil {
			return err
		}
	}
	if resourceErr != "" {
		return errMalformed("%s", resourceErr)
	}
	for _, s := range stmts {
		l, _ := s.either("Action", "NotAction")
		for _, a := range l {
			if msg := actionFormat(a); msg != "" {
				return errMalformed("%s", msg)
			}
		}
	}
	return nil
}

// checkTrust is what IAM requires of a role's trust policy: each statement names who may
// assume the role, about no resource, and allows or denies only STS's actions.
func checkTrust(stmts []rawStatement) error {
	for _, s := range stmts {
		if !s.has("Principal") && !s.has("NotPrincipal") {
			return errMalformed("Missing required field Principal")
		}
		if s.has("Resource") {
			return errMalformed("Has prohibited field Resource")
		}
		l, _ := s.strings("Action")
		for _, a := range l {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "sts:") {
				return errMalformed("AssumeRole policy may only specify STS AssumeRole actions.")
			}
		}
	}
	return nil
}

// policyKind is what a document is put as: IAM checks each kind a little differently.
type policyKind int

const (
	kindInline  policyKind = iota // PutRolePolicy, PutUserPolicy
	kindManaged                   // CreatePolicy
	kindTrust                     // CreateRole's AssumeRolePolicyDocument
)

// rawStatement is one statement's elements, as written.
type rawStatement map[string]json.RawMessage

func (s rawStatement) has(k string) bool { _, ok := s[k]; return ok }

// strings reads a string-or-array element (checked by checkGrammar).
func (s rawStatement) strings(k string) ([]string, bool) {
	v, ok := s[k]
	if !ok {
		return nil, false
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}, true
	}
	var many []string
	_ = json.Unmarshal(v, &many)
	return many, true
}

func (s rawStatement) either(k, notK string) ([]string, bool) {
	if l, ok := s.strings(k); ok {
		return l, true
	}
	return s.strings(notK)
}

var (
	topElements       = map[string]bool{"Version": true, "Id": true, "Statement": true}
	statementElements = map[string]bool{"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true,
		"Action": true, "NotAction": true, "Resource": true, "NotResource": true, "Condition": true}
)

// checkGrammar is the first stage of checkPolicy: IAM's "Syntax errors in policy.".
func checkGrammar(top map[string]json.RawMessage, trust bool) ([]rawStatement, error) {
	syntax := errMalformed("Syntax errors in policy.")
	for k := range top {
		if !topElements[k] {
			return nil, syntax
		}
	}
	if v, ok := top["Version"]; ok {
		var version string
		if json.Unmarshal(v, &version) != nil || (version != "2012-10-17" && version != "2008-10-17") {
			return nil, syntax
		}
	}
	if v, ok := top["Id"]; ok {
		var id string
		if json.Unmarshal(v, &id) != nil {
			return nil, syntax
		}
	}
	st, ok := top["Statement"]
	if !ok {
		return nil, syntax
	}
	var list []json.RawMessage
	if t := bytes.TrimSpace(st); len(t) > 0 && t[0] == '{' {
		list = []json.RawMessage{st}
	} else if json.Unmarshal(st, &list) != nil || len(list) == 0 {
		return nil, syntax
	}
	var out []rawStatement
	for _, raw := range list {
		var s rawStatement
		if json.Unmarshal(raw, &s) != nil || s == nil {
			return nil, syntax
		}
		for k := range s {
			if !statementElements[k] {
				return nil, syntax
			}
		}
		if s.has("Action") && s.has("NotAction") || s.has("Resource") && s.has("NotResource") {
			return nil, syntax
		}
		var effect string
		if json.Unmarshal(s["Effect"], &effect) != nil || (!strings.EqualFold(effect, "Allow") && !strings.EqualFold(effect, "Deny")) {
			return nil, syntax
		}
		if v, ok := s["Sid"]; ok {
			var sid string
			if json.Unmarshal(v, &sid) != nil {
				return nil, syntax
			}
		}
		for _, k := range []string{"Action", "NotAction", "Resource", "NotResource"} {
			if v, ok := s[k]; ok && !stringOrArray(v) {
				return nil, syntax
			}
		}
		if c, ok := s["Condition"]; ok {
			if _, err := parseConditions(c); err != nil {
				return nil, err
			}
			if !knownOperators(c) {
				return nil, syntax
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// stringOrArray reports whether v is a string or an array of strings (perhaps empty).
func stringOrArray(v json.RawMessage) bool {
	var one string
	if json.Unmarshal(v, &one) == nil {
		return true
	}
	var many []string
	return json.Unmarshal(v, &many) == nil && many != nil
}

// knownOperators reports whether every operator of a Condition element (already parsed) is
// one IAM knows, once a ForAllValues: or ForAnyValue: prefix and an IfExists suffix are set
// aside; IAM lets an unknown operator with no keys pass.
func knownOperators(c json.RawMessage) bool {
	var ops map[string]map[string]json.RawMessage
	_ = json.Unmarshal(c, &ops)
	for name, keys := range ops {
		op := name
		if rest, ok := strings.CutPrefix(op, "ForAllValues:"); ok {
			op = rest
		} else if rest, ok := strings.CutPrefix(op, "ForAnyValue:"); ok {
			op = rest
		}
		op = strings.TrimSuffix(op, "IfExists")
		if _, known := operators[op]; !known && len(keys) > 0 {
			return false
		}
	}
	return true
}

// resourceFormat is IAM's complaint about a Resource or NotResource value, "" if none.
func resourceFormat(r string) string {
	if r == "*" {
		return ""
	}
	_, rest, ok := strings.Cut(r, ":")
	if !ok {
		return fmt.Sprintf("Resource %s must be in ARN format or \"*\".", r)
	}
	partition, rest, ok := strings.Cut(rest, ":")
	if !Match(partition, "aws") { // a wildcard that may stand for aws is accepted: arn:*:logs:...
		// IAM names the resource as it read it, with * for the parts missing.
		parts := strings.Split(rest, ":")
		arn := []string{"*", "*", "*", "*"}
		if parts[0] != "" || len(parts) > 1 {
			arn[0] = parts[0]
		}
		for i := 1; i < 3 && i < len(parts); i++ {
			arn[i] = parts[i]
		}
		if len(parts) > 3 {
			arn[3] = strings.Join(parts[3:], ":")
		}
		return fmt.Sprintf("Partition \"%s\" is not valid for resource \"arn:%s:%s:%s:%s:%s\".", partition, partition, arn[0], arn[1], arn[2], arn[3])
	}
	if !ok {
		return "Resource vendor must be fully qualified and cannot contain regexes."
	}
	service, rest, _ := strings.Cut(rest, ":")
	switch service {
	case "iam":
		if !strings.HasPrefix(rest, ":") {
			return fmt.Sprintf("IAM resource %s cannot contain region information.", r)
		}
		_, rest, _ = strings.Cut(rest, ":")
		_, path, _ := strings.Cut(rest, ":")
		if first, _, _ := strings.Cut(path, "/"); strings.ContainsAny(first, "*?") {
			return "" // a wildcard may stand for any of the types
		}
		for _, p := range iamResourceTypes {
			if strings.HasPrefix(path, p) {
				return ""
			}
		}
		return "IAM resource path must either be \"*\" or start with " + strings.Join(iamResourceTypes, ", ") + "."
	case "s3":
		if !strings.HasPrefix(rest, ":") {
			return fmt.Sprintf("Resource %s can not contain region information.", r)
		}
	}
	return ""
}

var iamResourceTypes = []string{"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
	"server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/"}

// actionFormat is IAM's complaint about an Action or NotAction value, "" if none.
func actionFormat(a string) string {
	parts := strings.Split(a, ":")
	switch {
	case len(parts) == 1 && parts[0] != "*":
		return "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	case len(parts) > 2:
		return "Actions/Condition can contain only one colon."
	}
	if v := parts[0]; v != "*" {
		for _, c := range v {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
				return fmt.Sprintf("Vendor %s is not valid", v)
			}
		}
	}
	return ""
}
