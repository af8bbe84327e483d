package replay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/stepwise-run/stepwise/asl/value"
)

// The recordings' normalisation replaced values AWS does not fix by placeholders. A whole
// string may be one of these words, each standing for any value of its kind.
var kinds = map[string]func(any) bool{
	"date":                  isTime,
	"datetime":              isTime,
	"timestamp":             isTime,
	"start-time":            isTime,
	"entered-time":          isTime,
	"creation-date":         isTime,
	"start-date":            isTime,
	"stop-date":             isTime,
	"snf_role_arn":          isRole,
	"sfn_role_arn":          isRole,
	"generated-uuid":        func(v any) bool { s, _ := v.(string); return uuidRE.MatchString(s) },
	"RandomNumberGenerated": value.IsNumber,
	"map_run_arn":           func(v any) bool { s, _ := v.(string); return strings.Contains(s, ":mapRun:") },
}

var (
	uuidRE        = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	epochMillisRE = regexp.MustCompile(`^\d{13}$`)
	timeRE        = regexp.MustCompile(`^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$`)
)

// isTime: the AWS JSON protocol sends a timestamp as epoch seconds; a payload holds ISO text,
// an execution log event epoch milliseconds as a string ("event_timestamp":"1733430000123"),
// an HTTP header a date as HTTP writes it, alone or as the one value of a header's list
// (SdkHttpMetadata.AllHttpHeaders.Date).
func isTime(v any) bool {
	if value.IsNumber(v) {
		return true
	}
	if list, ok := v.([]any); ok && len(list) == 1 {
		v = list[0]
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	if _, err := http.ParseTime(s); err == nil {
		return true
	}
	return timeRE.MatchString(s) || epochMillisRE.MatchString(s)
}

func isRole(v any) bool {
	s, ok := v.(string)
	return ok && strings.HasPrefix(s, "arn:") && strings.Contains(s, ":role/")
}

// matcher compares recorded values with Stepwise's. Numbered placeholders (<uuid:1>,
// <ArnPart_0idx>, <resource:2>, ...) bind to the first value they match, and must match the
// same value everywhere else in the same test.
type matcher struct {
	binds map[string]string
	// ignore names members a recording cannot have (see addedMembers).
	ignore map[string]bool
	// unverified names members the recorded test itself does not verify (file.unverified),
	// as "member" or "parent.member": neither their presence nor their content is compared.
	unverified map[string]bool
}

// diff returns where got first differs from want, or "".
func (m *matcher) diff(want, got any, path string) string {
	if s, ok := want.(string); ok {
		if k, ok := kinds[s]; ok {
			// The word itself is what a test's own replacement (replay.replace, replaceMember)
			// wrote where the recording's normaliser wrote it too.
			if k(got) || got == s {
				return ""
			}
			return fmt.Sprintf("%s: expected a %q, got %s", path, s, brief(got))
		}
		if g, ok := got.(string); ok && m.text(s, g) {
			return ""
		}
		// A header's list of one value that the recording replaced whole by a placeholder
		// ("Date": "<date>").
		if l, ok := got.([]any); ok && len(l) == 1 && strings.HasPrefix(s, "<") && closing(s, 0) == len(s)-1 {
			if g, ok := l[0].(string); ok && m.text(s, g) {
				return ""
			}
		}
		return fmt.Sprintf("%s: expected %s, got %s", path, brief(want), brief(got))
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: expected an object, got %s", path, brief(got))
		}
		for _, k := range sortedKeys(w, g) {
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case k == "ResponseMetadata":
				if d := m.diff(status(wv), status(gv), path+".ResponseMetadata.HTTPStatusCode"); d != "" {
					return d
				}
			case m.unverified[k] || m.unverified[lastMember(path)+"."+k]:
			case inW && inG && wv == any(k) && k != "":
				// The normalisation replaced the value by the member's name
				// ("x-amzn-RequestId": "x-amzn-RequestId", "RequestId": "RequestId"): any
				// value stands for it.
			case !inG:
				return fmt.Sprintf("%s.%s: missing (expected %s)", path, k, brief(wv))
			case !inW && m.ignore[k]:
			case !inW:
				return fmt.Sprintf("%s.%s: unexpected %s", path, k, brief(gv))
			default:
				if d := m.diff(wv, gv, path+"."+k); d != "" {
					return d
				}
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: expected an array, got %s", path, brief(got))
		}
		for i := 0; i < len(w) && i < len(g); i++ {
			if d := m.diff(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		if len(w) != len(g) {
			return fmt.Sprintf("%s: expected %d items, got %d", path, len(w), len(g))
		}
		return ""
	}
	if value.Equal(want, got) {
		return ""
	}
	return fmt.Sprintf("%s: expected %s, got %s", path, brief(want), brief(got))
}

// lastMember is the name of the member path ends with ("a.b[2].c" -> "c").
func lastMember(path string) string {
	return path[strings.LastIndexAny(path, ".]")+1:]
}

func status(v any) any {
	m, _ := v.(map[string]any)
	return m["HTTPStatusCode"]
}

func sortedKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]any{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func brief(v any) string {
	s := value.Encode(v)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// text matches a recorded string holding placeholders against Stepwise's. Each <...> token
// (tokens nest: <<task_token>:1>) matches a non-empty run of text, the account 111111111111 any
// twelve digits.
func (m *matcher) text(want, got string) bool {
	if want == got {
		return true
	}
	p := compiled(want)
	if p == nil {
		return false
	}
	sub := p.re.FindStringSubmatch(got)
	if sub == nil {
		return false
	}
	local := map[string]string{}
	for i, name := range p.names {
		v := sub[i+1]
		if prev, ok := local[name]; ok && prev != v {
			return false
		}
		if prev, ok := m.binds[name]; ok && prev != v && !loose[name] {
			return false
		}
		local[name] = v
	}
	for k, v := range local {
		if _, ok := m.binds[k]; !ok {
			m.binds[k] = v
		}
	}
	return true
}

// loose placeholders stand for a kind, not one value: the recordings use them for values that
// differ within a test (two regions cannot, but two request ids can).
var loose = map[string]bool{"<request_id>": true}

type pattern struct {
	re    *regexp.Regexp
	names []string
}

var patterns sync.Map // string -> *pattern (nil when the text has no placeholder)

func compiled(want string) *pattern {
	if p, ok := patterns.Load(want); ok {
		return p.(*pattern)
	}
	var b strings.Builder
	var names []string
	b.WriteString("^")
	rest, any := want, false
	for rest != "" {
		i := strings.IndexByte(rest, '<')
		j := strings.Index(rest, "111111111111")
		switch {
		case j >= 0 && (i < 0 || j < i):
			b.WriteString(regexp.QuoteMeta(rest[:j]) + `\d{12}`)
			rest, any = rest[j+12:], true
		case i >= 0:
			end := closing(rest, i)
			if end < 0 {
				b.WriteString(regexp.QuoteMeta(rest))
				rest = ""
				continue
			}
			b.WriteString(regexp.QuoteMeta(rest[:i]) + "(.+?)")
			names = append(names, rest[i:end+1])
			rest, any = rest[end+1:], true
		default:
			b.WriteString(regexp.QuoteMeta(rest))
			rest = ""
		}
	}
	b.WriteString("$")
	var p *pattern
	if any {
		p = &pattern{re: regexp.MustCompile("(?s)" + b.String()), names: names}
	}
	patterns.Store(want, p)
	return p
}

// closing finds the '>' that closes the '<' at i, or -1.
func closing(s string, i int) int {
	depth := 0
	for k := i; k < len(s); k++ {
		switch s[k] {
		case '<':
			depth++
		case '>':
			depth--
			if depth == 0 {
				if k == i+1 {
					return -1
				}
				return k
			}
		case ' ', '"', '\n':
			return -1 // not a placeholder: placeholders hold no blanks
		}
	}
	return -1
}

// parseJSONStrings parses the strings that hold a JSON object or array, as the recordings'
// normalisation did (definitions, inputs and outputs are compared as JSON).
func parseJSONStrings(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = parseJSONStrings(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = parseJSONStrings(e)
		}
		return out
	case string:
		t := strings.TrimSpace(x)
		if t != "" && (t[0] == '{' || t[0] == '[') {
			if p, err := value.DecodeMaps([]byte(t)); err == nil {
				return parseJSONStrings(p)
			}
		}
	}
	return v
}

// decode parses JSON with numbers kept as json.Number.
func decode(data []byte) (any, error) {
	v, err := value.DecodeMaps(data)
	if err != nil {
		return nil, err
	}
	return v, nil
}

var _ = json.Number("")
