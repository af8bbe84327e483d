package jsonata

import (
	"errors"
	"regexp"
	"strings"
)

// signature is a function signature such as "<s-nn?:s>", validated as the reference
// implementation does: the arguments' type letters are matched against a regular expression
// built from the parameters.
type signature struct {
	params []sigParam
	re     *regexp.Regexp
}

type sigParam struct {
	typ       string // "a", "n", "(ns)", ...
	optional  bool
	subtype   string // for a<...>
	context   bool   // "-": the context is used when the argument is missing
	contextRe *regexp.Regexp
}

var typeRegex = map[byte]string{
	'b': "b", 'n': "n", 's': "s", 'l': "l", 'o': "o", 'f': "f",
	'a': "asnblfom", 'x': "asnblfom", 'j': "asnblom", 'u': "snblm",
}

func parseSignature(s string) (*signature, error) {
	if len(s) < 2 || s[0] != '<' {
		return nil, errors.New("invalid signature")
	}
	s = s[1:]
	if i := strings.LastIndexByte(s, '>'); i >= 0 {
		s = s[:i]
	}
	// Drop the return type.
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			depth++
		case '>':
			depth--
		case ':':
			if depth == 0 {
				s = s[:i]
				i = len(s)
			}
		}
	}
	sig := &signature{}
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 's', 'n', 'b', 'l', 'o', 'a', 'f', 'x', 'j', 'u':
			p := sigParam{typ: string(c)}
			chars := typeRegex[c]
			if c == 'a' || c == 'f' {
				if i+1 < len(s) && s[i+1] == '<' {
					end := matchingAngle(s, i+1)
					if end < 0 {
						return nil, errors.New("invalid signature")
					}
					p.subtype = s[i+2 : end]
					i = end
				}
			}
			sig.params = append(sig.params, p)
			sig.params[len(sig.params)-1].contextRe = regexp.MustCompile("^[" + strings.ReplaceAll(chars, "m", "") + "m]$")
			re.WriteString("([" + chars + "m]")
		case '(':
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				return nil, errors.New("invalid signature")
			}
			choice := s[i+1 : i+end]
			var chars strings.Builder
			for j := 0; j < len(choice); j++ {
				chars.WriteString(typeRegex[choice[j]])
			}
			p := sigParam{typ: "(" + choice + ")"}
			p.contextRe = regexp.MustCompile("^[" + chars.String() + "m]$")
			sig.params = append(sig.params, p)
			re.WriteString("([" + chars.String() + "m]")
			i += end
		case '?', '+':
			if len(sig.params) == 0 {
				return nil, errors.New("invalid signature")
			}
			re.WriteByte(c)
			continue
		case '-':
			if len(sig.params) == 0 {
				return nil, errors.New("invalid signature")
			}
			sig.params[len(sig.params)-1].context = true
			re.WriteByte('?')
			continue
		default:
			return nil, errors.New("invalid signature: unknown type " + string(c))
		}
		// Close the group after any modifiers that follow.
		j := i + 1
		for j < len(s) && (s[j] == '?' || s[j] == '+' || s[j] == '-') {
			switch s[j] {
			case '-':
				sig.params[len(sig.params)-1].context = true
				re.WriteByte('?')
			default:
				if s[j] == '?' {
					sig.params[len(sig.params)-1].optional = true
				}
				re.WriteByte(s[j])
			}
			j++
		}
		re.WriteString(")")
		i = j - 1
	}
	re.WriteString("$")
	r, err := regexp.Compile(re.String())
	if err != nil {
		return nil, err
	}
	sig.re = r
	return sig, nil
}

func matchingAngle(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '<':
			depth++
		case '>':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func mustSig(s string) *signature {
	sig, err := parseSignature(s)
	if err != nil {
		panic(s + ": " + err.Error())
	}
	return sig
}

var arraySubtypeName = map[string]string{"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings"}

// validate checks the arguments and returns them with the context inserted and 'a'
// parameters boxed into arrays.
func (sig *signature) validate(name string, args []any, context any) ([]any, error) {
	var supplied strings.Builder
	for _, a := range args {
		supplied.WriteByte(symbol(a))
	}
	m := sig.re.FindStringSubmatch(supplied.String())
	if m == nil {
		// Find the first argument that does not fit.
		bad := 1
		for i := 1; i <= len(args); i++ {
			prefix := supplied.String()[:i]
			ok := false
			for j := 0; j <= len(sig.params); j++ {
				_ = j
			}
			partial := regexp.MustCompile(strings.TrimSuffix(sig.re.String(), "$"))
			if loc := partial.FindStringIndex(prefix); loc != nil && loc[1] == len(prefix) {
				ok = true
			}
			if !ok {
				bad = i
				break
			}
			bad = i + 1
		}
		return nil, &Error{Code: "T0410", Message: "Argument " + itoa(bad) + " of function " + quoteName(name) + " does not match function signature"}
	}
	out := make([]any, 0, len(sig.params))
	ai := 0
	for pi, p := range sig.params {
		match := m[pi+1]
		if match == "" {
			if p.context {
				if s, ok := context.(*arr); ok && s.outerWrapper && len(s.items) > 0 {
					context = s.items[0]
				}
				if !p.contextRe.MatchString(string(symbol(context))) {
					return nil, &Error{Code: "T0411", Message: "Context value is not a compatible type with argument " + itoa(ai+1) + " of function " + quoteName(name)}
				}
				out = append(out, context)
			} else {
				if ai < len(args) {
					out = append(out, args[ai])
				} else {
					out = append(out, undefined)
				}
				ai++
			}
			continue
		}
		for k := 0; k < len(match); k++ {
			single := match[k]
			var arg any = undefined // an empty optional match above consumed an argument, as the reference does
			if ai < len(args) {
				arg = args[ai]
			}
			if p.typ == "a" {
				if single == 'm' {
					arg = undefined
				} else {
					ok := true
					if p.subtype != "" {
						if single != 'a' && string(single) != p.subtype {
							ok = false
						} else if single == 'a' {
							it, _ := items(arg)
							if len(it) > 0 {
								t := symbol(it[0])
								if t != p.subtype[0] {
									ok = false
								} else {
									for _, e := range it {
										if symbol(e) != t {
											ok = false
										}
									}
								}
							}
						}
					}
					if !ok {
						return nil, &Error{Code: "T0412", Message: "Argument " + itoa(ai+1) + " of function " + quoteName(name) + " must be an array of " + arraySubtypeName[p.subtype]}
					}
					if single != 'a' {
						arg = &arr{items: []any{arg}}
					}
				}
			}
			out = append(out, arg)
			ai++
		}
	}
	return out, nil
}

func quoteName(s string) string { return "\"" + s + "\"" }

func itoa(i int) string {
	return formatNumberJS(float64(i))
}
