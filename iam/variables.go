package iam

import "strings"

// Policy variables: in a policy whose Version is 2012-10-17, ${key} in a Resource (after the
// ARN's fifth colon) or in a value of a string or ARN condition operator stands for the
// request context's value of key; ${key, 'default'} gives a value for when the key has none;
// ${*}, ${?} and ${$} stand for a literal *, ? and $. Other versions (2008-10-17, or no
// Version) read all of it as literal text.

// variablesVersion is the policy language version that substitutes policy variables.
const variablesVersion = "2012-10-17"

// patChar is one character of a pattern: wild marks * and ? written in the policy as
// wildcards; characters substituted from the request or written as ${*} and ${?} are not.
type patChar struct {
	r    rune
	wild bool
}

// wildPattern reads policy text in which * and ? are wildcards.
func wildPattern(text string) []patChar {
	out := make([]patChar, 0, len(text))
	for _, r := range text {
		out = append(out, patChar{r: r, wild: r == '*' || r == '?'})
	}
	return out
}

// appendLiteral adds text whose characters all stand for themselves.
func appendLiteral(out []patChar, text string) []patChar {
	for _, r := range text {
		out = append(out, patChar{r: r})
	}
	return out
}

// patternString is a pattern's characters as text (for operators without wildcards).
func patternString(p []patChar) string {
	var b strings.Builder
	for _, c := range p {
		b.WriteRune(c.r)
	}
	return b.String()
}

// hasVariable reports whether policy text may hold a variable.
func hasVariable(text string) bool {
	return strings.Contains(text, "${")
}

// expand substitutes the policy variables of text from rc. ok is false when a variable has
// no value (its key is absent or does not have exactly one value, and it gives no default) or
// is malformed (an empty name, a default not in single quotes): such text matches nothing.
// A "${" without a closing "}" is literal text.
func expand(text string, rc RequestContext) (p []patChar, ok bool) {
	p = make([]patChar, 0, len(text))
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			return append(p, wildPattern(text)...), true
		}
		end := strings.IndexByte(text[i+2:], '}')
		if end < 0 {
			return append(p, wildPattern(text)...), true
		}
		p = append(p, wildPattern(text[:i])...)
		value, resolved := variableValue(text[i+2:i+2+end], rc)
		if !resolved {
			return nil, false
		}
		p = appendLiteral(p, value)
		text = text[i+2+end+1:]
	}
}

// variableValue resolves the inside of one ${...}.
func variableValue(inside string, rc RequestContext) (string, bool) {
	switch inside {
	case "*", "?", "$":
		return inside, true
	}
	name, def, hasDefault := strings.Cut(inside, ",")
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, " \t'") {
		return "", false
	}
	if hasDefault {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return "", false
		}
		def = def[1 : len(def)-1]
	}
	if vs, present := rc.Get(name); present && len(vs) == 1 {
		return vs[0], true
	}
	return def, hasDefault
}

// resourcePattern reads a statement's Resource value: variables are substituted only in the
// ARN's resource part, after its fifth colon; text before it, and a value with fewer than
// five colons, is read as written.
func resourcePattern(text string, rc RequestContext) ([]patChar, bool) {
	cut := 0
	for n := 0; n < 5; n++ {
		i := strings.IndexByte(text[cut:], ':')
		if i < 0 {
			return wildPattern(text), true
		}
		cut += i + 1
	}
	rest, ok := expand(text[cut:], rc)
	if !ok {
		return nil, false
	}
	return append(wildPattern(text[:cut]), rest...), true
}

// matchPattern reports whether s matches pattern, where a wild * matches any run of
// characters (also none) and a wild ? any one character.
func matchPattern(pattern []patChar, s []rune) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p].wild && pattern[p].r == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && ((pattern[p].wild && pattern[p].r == '?') || pattern[p].r == s[i]):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p].wild && pattern[p].r == '*' {
		p++
	}
	return p == len(pattern)
}
