package jsonata

import (
	"regexp"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/asl/value"
)

// jsRegex is a JSONata (JavaScript) regular expression compiled for Go's RE2.
type jsRegex struct {
	re     *regexp.Regexp
	source string
}

func compileRegex(pattern, flags string) (*jsRegex, error) {
	prefix := ""
	for _, f := range flags {
		switch f {
		case 'i':
			prefix += "i"
		case 'm':
			prefix += "m"
		case 's':
			prefix += "s"
		}
	}
	src := pattern
	if prefix != "" {
		src = "(?" + prefix + ")" + pattern
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	return &jsRegex{re: re, source: pattern}, nil
}

// runeIndex converts a byte offset of s to a character offset.
func runeIndex(s string, b int) int { return utf8.RuneCountInString(s[:b]) }

// matchObject is what calling a regex returns: the first match at or after byte offset from.
func (r *jsRegex) matchObject(s string, from int) any {
	if from > len(s) {
		return undefined
	}
	loc := r.re.FindStringSubmatchIndex(s[from:])
	if loc == nil {
		return undefined
	}
	for i := range loc {
		if loc[i] >= 0 {
			loc[i] += from
		}
	}
	groups := []any{}
	for g := 1; g < len(loc)/2; g++ {
		if loc[2*g] >= 0 {
			groups = append(groups, s[loc[2*g]:loc[2*g+1]])
		} else {
			groups = append(groups, "")
		}
	}
	next := loc[1]
	if loc[1] == loc[0] {
		next++
	}
	return value.Obj(
		"match", s[loc[0]:loc[1]],
		"start", float64(runeIndex(s, loc[0])),
		"end", float64(runeIndex(s, loc[1])),
		"groups", groups,
		"next", &native{name: "next", fn: func(ev *evaluator, args []any, input any) (any, error) {
			return r.matchObject(s, next), nil
		}},
	)
}
