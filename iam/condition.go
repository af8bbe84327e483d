package iam

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// RequestContext is what a request offers a policy's Condition: condition keys and their
// values. Keys are compared case-insensitively (Get and Set fold them); a key that is absent
// is not in the map. Most keys have one value; multivalued keys have several.
type RequestContext map[string][]string

// Set gives key its values (replacing any).
func (rc RequestContext) Set(key string, values ...string) {
	rc[strings.ToLower(key)] = values
}

// Get returns a key's values and whether the key is present.
func (rc RequestContext) Get(key string) ([]string, bool) {
	v, ok := rc[strings.ToLower(key)]
	return v, ok
}

// condition is one operator/key pair of a statement's Condition block with its values.
type condition struct {
	op       string // the operator without prefix or IfExists, e.g. "StringLike"
	set      setOp
	ifExists bool
	key      string // lower-cased
	values   []string
	// broken marks a condition Stepwise cannot evaluate: an unknown operator, or a value its
	// operator cannot read (a number that is not one, a CIDR that is not one). It fails
	// closed: see Statement.conditionsHold.
	broken bool
	// variables: a value holds a policy variable to substitute (a string or ARN operator in a
	// policy whose Version allows them; see Statement.enableVariables).
	variables bool
	// parsed forms of values, by the operator's type
	nums  []float64
	times []time.Time
	nets  []netip.Prefix
	bins  [][]byte
}

type setOp int

const (
	setNone setOp = iota
	setForAllValues
	setForAnyValue
)

// opKind is the type an operator compares; negated operators name their positive form.
type opInfo struct {
	kind    string // string, stringfold, like, numeric, date, bool, binary, ip, arn, null
	cmp     string // for numeric and date: eq, lt, le, gt, ge
	negated bool
}

var operators = map[string]opInfo{
	"StringEquals":              {kind: "string"},
	"StringNotEquals":           {kind: "string", negated: true},
	"StringEqualsIgnoreCase":    {kind: "stringfold"},
	"StringNotEqualsIgnoreCase": {kind: "stringfold", negated: true},
	"StringLike":                {kind: "like"},
	"StringNotLike":             {kind: "like", negated: true},
	"NumericEquals":             {kind: "numeric", cmp: "eq"},
	"NumericNotEquals":          {kind: "numeric", cmp: "eq", negated: true},
	"NumericLessThan":           {kind: "numeric", cmp: "lt"},
	"NumericLessThanEquals":     {kind: "numeric", cmp: "le"},
	"NumericGreaterThan":        {kind: "numeric", cmp: "gt"},
	"NumericGreaterThanEquals":  {kind: "numeric", cmp: "ge"},
	"DateEquals":                {kind: "date", cmp: "eq"},
	"DateNotEquals":             {kind: "date", cmp: "eq", negated: true},
	"DateLessThan":              {kind: "date", cmp: "lt"},
	"DateLessThanEquals":        {kind: "date", cmp: "le"},
	"DateGreaterThan":           {kind: "date", cmp: "gt"},
	"DateGreaterThanEquals":     {kind: "date", cmp: "ge"},
	"Bool":                      {kind: "bool"},
	"BinaryEquals":              {kind: "binary"},
	"IpAddress":                 {kind: "ip"},
	"NotIpAddress":              {kind: "ip", negated: true},
	"ArnEquals":                 {kind: "arn"},
	"ArnLike":                   {kind: "arn"},
	"ArnNotEquals":              {kind: "arn", negated: true},
	"ArnNotLike":                {kind: "arn", negated: true},
	"Null":                      {kind: "null"},
}

// parseConditions reads a statement's Condition element: an object of operators, each an
// object of condition keys, each a string, number or boolean or an array of them. A
// malformed element is IAM's "Syntax errors in policy."; an operator Stepwise does not know
// is kept (broken) and fails closed when evaluated.
func parseConditions(b json.RawMessage) ([]condition, error) {
	var ops map[string]json.RawMessage
	if json.Unmarshal(b, &ops) != nil || ops == nil {
		return nil, errMalformed("Syntax errors in policy.")
	}
	var out []condition
	for name, block := range ops {
		var keys map[string]json.RawMessage
		if json.Unmarshal(block, &keys) != nil || keys == nil {
			return nil, errMalformed("Syntax errors in policy.")
		}
		for key, raw := range keys {
			values, ok := conditionValues(raw)
			if !ok {
				return nil, errMalformed("Syntax errors in policy.")
			}
			out = append(out, newCondition(name, key, values))
		}
	}
	return out, nil
}

// conditionValues reads one key's value(s): a string, number or boolean, or an array of them.
func conditionValues(raw json.RawMessage) ([]string, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] == '[' {
		var items []json.RawMessage
		if json.Unmarshal(t, &items) != nil {
			return nil, false
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			v, ok := scalar(it)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	}
	v, ok := scalar(t)
	if !ok {
		return nil, false
	}
	return []string{v}, true
}

func scalar(raw json.RawMessage) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// newCondition splits an operator's name into set prefix, operator and IfExists, and reads
// the values as the operator's type.
func newCondition(name, key string, values []string) condition {
	c := condition{key: strings.ToLower(key), values: values}
	op := name
	if rest, ok := strings.CutPrefix(op, "ForAllValues:"); ok {
		c.set, op = setForAllValues, rest
	} else if rest, ok := strings.CutPrefix(op, "ForAnyValue:"); ok {
		c.set, op = setForAnyValue, rest
	}
	if rest, ok := strings.CutSuffix(op, "IfExists"); ok && rest != "Null" {
		c.ifExists, op = true, rest
	}
	c.op = op
	info, known := operators[op]
	if !known || len(values) == 0 {
		c.broken = true
		return c
	}
	for _, v := range values {
		switch info.kind {
		case "numeric":
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				c.broken = true
			}
			c.nums = append(c.nums, n)
		case "date":
			t, ok := parseDate(v)
			if !ok {
				c.broken = true
			}
			c.times = append(c.times, t)
		case "ip":
			p, ok := parseCIDR(v)
			if !ok {
				c.broken = true
			}
			c.nets = append(c.nets, p)
		case "binary":
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				c.broken = true
			}
			c.bins = append(c.bins, b)
		case "bool", "null":
			if lv := strings.ToLower(v); lv != "true" && lv != "false" {
				c.broken = true
			}
		}
	}
	return c
}

// parseDate reads a date condition value: ISO 8601 (a date, or a date and time with or
// without seconds, fraction and zone; UTC without a zone) or epoch seconds.
func parseDate(s string) (time.Time, bool) {
	if n, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "-:T") {
		sec := int64(n)
		return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC(), true
	}
	for _, layout := range []string{
		time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02T15:04",
		"2006-01-02", "20060102T150405Z", "2006-01-02T15:04:05.999999999",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseCIDR reads an IpAddress value: a CIDR block, or one address (its own /32 or /128).
func parseCIDR(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// holds reports whether a condition is true in a request context. broken conditions are
// the caller's to handle.
func (c *condition) holds(rc RequestContext) bool {
	info := operators[c.op]
	got, present := rc[c.key]
	if info.kind == "null" {
		// Null tests presence: "true" holds when the key is absent, "false" when present.
		for _, v := range c.values {
			if strings.EqualFold(v, "true") != present {
				return true
			}
		}
		return false
	}
	switch c.set {
	case setForAllValues:
		// True for a missing key or an empty set of values, else every value must pass.
		for _, g := range got {
			if !c.valuePasses(info, g, rc) {
				return false
			}
		}
		return true
	case setForAnyValue:
		if !present || len(got) == 0 {
			return c.ifExists
		}
		for _, g := range got {
			if c.valuePasses(info, g, rc) {
				return true
			}
		}
		return false
	}
	if !present || len(got) == 0 {
		// An absent key matches nothing: a positive operator is false, a negated one true,
		// and ...IfExists is true either way.
		return c.ifExists || info.negated
	}
	matched := false
	for _, g := range got {
		if c.matchesAny(info, g, rc) {
			matched = true
			break
		}
	}
	return matched != info.negated
}

// valuePasses is one request value against the operator: for a positive operator it must
// match one of the policy's values (OR), for a negated one none of them (NOR).
func (c *condition) valuePasses(info opInfo, v string, rc RequestContext) bool {
	return c.matchesAny(info, v, rc) != info.negated
}

// matchesAny reports whether a request value matches any of the policy's values under the
// operator's positive form.
func (c *condition) matchesAny(info opInfo, v string, rc RequestContext) bool {
	if c.variables {
		return c.matchesAnyExpanded(info, v, rc)
	}
	switch info.kind {
	case "numeric":
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		for _, p := range c.nums {
			if compare(cmp.Compare(n, p), info.cmp) {
				return true
			}
		}
		return false
	case "date":
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, p := range c.times {
			if compare(t.Compare(p), info.cmp) {
				return true
			}
		}
		return false
	case "ip":
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range c.nets {
			if p.Contains(a) {
				return true
			}
		}
		return false
	case "binary":
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return false
		}
		for _, p := range c.bins {
			if bytes.Equal(b, p) {
				return true
			}
		}
		return false
	}
	for _, p := range c.values {
		var ok bool
		switch info.kind {
		case "string":
			ok = v == p
		case "stringfold":
			ok = strings.EqualFold(v, p)
		case "like":
			ok = Match(p, v)
		case "bool":
			ok = strings.EqualFold(v, p)
		case "arn":
			ok = matchArn(p, v)
		}
		if ok {
			return true
		}
	}
	return false
}

// matchesAnyExpanded is matchesAny for string and ARN operators whose values hold policy
// variables: each value is substituted from rc first, and a value with a variable that has
// no value matches nothing. Substituted text is literal: its * and ? are no wildcards.
func (c *condition) matchesAnyExpanded(info opInfo, v string, rc RequestContext) bool {
	for _, text := range c.values {
		p, ok := expand(text, rc)
		if !ok {
			continue
		}
		var match bool
		switch info.kind {
		case "string":
			match = v == patternString(p)
		case "stringfold":
			match = strings.EqualFold(v, patternString(p))
		case "like":
			match = matchPattern(p, []rune(v))
		case "arn":
			match = matchArnPattern(p, v)
		}
		if match {
			return true
		}
	}
	return false
}

// compare reports whether a three-way comparison of request value to policy value
// satisfies cmp.
func compare(c int, cmp string) bool {
	switch cmp {
	case "eq":
		return c == 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	}
	return false
}

// matchArn matches an ARN against a pattern component by component (the six colon-separated
// parts; the last may hold colons), each with * and ? wildcards, case-sensitively.
func matchArn(pattern, arn string) bool {
	return matchArnPattern(wildPattern(pattern), arn)
}

// matchArnPattern is matchArn for a pattern whose characters may be literal * and ?.
func matchArnPattern(pattern []patChar, arn string) bool {
	var pp [][]patChar
	start := 0
	for i, c := range pattern {
		if len(pp) < 5 && c.r == ':' {
			pp = append(pp, pattern[start:i])
			start = i + 1
		}
	}
	pp = append(pp, pattern[start:])
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return false
	}
	for i := range pp {
		if !matchPattern(pp[i], []rune(ap[i])) {
			return false
		}
	}
	return true
}
