package conformance

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// parseJSONStrings replaces, throughout v, each string that holds a JSON object or array with
// the parsed value: the recordings compare inputs and outputs as JSON, not as text. Scalars
// stay text, so "1" and 1 differ, as they do on AWS.
func parseJSONStrings(v jv) jv {
	switch v.k {
	case kObject:
		out := jv{k: kObject, keys: v.keys, vals: make([]jv, len(v.vals))}
		for i, x := range v.vals {
			out.vals[i] = parseJSONStrings(x)
		}
		return out
	case kArray:
		out := jv{k: kArray, arr: make([]jv, len(v.arr))}
		for i, x := range v.arr {
			out.arr[i] = parseJSONStrings(x)
		}
		return out
	case kString:
		t := strings.TrimSpace(v.s)
		if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			if x, err := parseJSON(v.s); err == nil {
				return parseJSONStrings(x)
			}
		}
	}
	return v
}

var (
	arnPrefix = regexp.MustCompile(`arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12}):`)
	mapRunTwo = regexp.MustCompile(`(mapRun:[^/"]+/)([0-9a-f-]{36}):([0-9a-f-]{36})`)
	mapRunOne = regexp.MustCompile(`(mapRun:[^/"]+/[^:/"]+):([0-9a-f-]{36})`)
)

// normaliser rewrites what Stepwise returned the way the recordings were rewritten: times,
// the role ARN, ARNs' partition, region and account, the state machine's and the execution's
// names.
type normaliser struct {
	region   string
	roleArn  string // "" when unknown
	execName string
	execTag  string
	smName   string
}

func newNormaliser(smName, execName string, execIndex int, roleArn, region string) normaliser {
	return normaliser{region: region, roleArn: roleArn, execName: execName,
		execTag: fmt.Sprintf("<ExecArnPart_%didx>", execIndex), smName: smName}
}

func (n normaliser) text(s string) string {
	if n.roleArn != "" && s == n.roleArn {
		return "snf_role_arn"
	}
	s = arnPrefix.ReplaceAllStringFunc(s, func(m string) string {
		g := arnPrefix.FindStringSubmatch(m)
		region := ""
		if g[2] != "" {
			region = "<region>"
		}
		return "arn:<partition>:" + g[1] + ":" + region + ":111111111111:"
	})
	s = mapRunTwo.ReplaceAllString(s, "${1}<MapRunArnPart0_0idx>:<MapRunArnPart1_0idx>")
	s = mapRunOne.ReplaceAllString(s, "${1}:<MapRunArnPart1_0idx>")
	if n.execName != "" {
		s = strings.ReplaceAll(s, n.execName, n.execTag)
	}
	if n.smName != "" {
		s = strings.ReplaceAll(s, n.smName, "<ArnPart_0idx>")
	}
	return s
}

// apply normalises v, the value of member key ("" for none).
func (n normaliser) apply(v jv, key string) jv {
	if key == "timestamp" {
		return jstr("timestamp")
	}
	if key == "roleArn" && v.k == kString {
		return jstr("snf_role_arn")
	}
	switch v.k {
	case kObject:
		out := jv{k: kObject, keys: v.keys, vals: make([]jv, len(v.vals))}
		for i, x := range v.vals {
			out.vals[i] = n.apply(x, v.keys[i])
		}
		return out
	case kArray:
		out := jv{k: kArray, arr: make([]jv, len(v.arr))}
		for i, x := range v.arr {
			out.arr[i] = n.apply(x, "")
		}
		return out
	case kString:
		if v.s == n.region {
			return jstr("<region>")
		}
		return jstr(n.text(v.s))
	}
	return v
}

// Values AWS does not fix (random numbers, UUIDs, clock times, map run ids, the request id)
// were recorded as placeholders; each matches any value of its kind, and a numbered one
// (<uuid:1>) the same value wherever it appears in a case.
const (
	uuidPattern = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`
	timePattern = `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)`
)

// placeholder is one placeholder found in a recorded string.
type placeholder struct {
	start, end int
	pattern    string // what it matches, as a regular expression
	uuid       string // the number of a <uuid:N>, "" for others
}

var numberedUUID = regexp.MustCompile(`^<uuid:(\d+)>`)
var jsonInput = regexp.MustCompile(`^<json-input:\d+>`)

// placeholders finds, left to right, the placeholders in s. The clock words (date,
// start-time, entered-time) count only as whole words: not after or before a letter, digit,
// '_' or '-' (Go's regexp has no look-around, hence the scan).
func placeholders(s string) []placeholder {
	var out []placeholder
	for i := 0; i < len(s); {
		rest := s[i:]
		var p *placeholder
		switch {
		case numberedUUID.MatchString(rest):
			m := numberedUUID.FindStringSubmatch(rest)
			p = &placeholder{start: i, end: i + len(m[0]), pattern: uuidPattern, uuid: m[1]}
		case strings.HasPrefix(rest, "generated-uuid"):
			p = &placeholder{start: i, end: i + len("generated-uuid"), pattern: uuidPattern}
		case jsonInput.MatchString(rest):
			p = &placeholder{start: i, end: i + len(jsonInput.FindString(rest)), pattern: `.*`}
		case strings.HasPrefix(rest, "<request_id>"):
			p = &placeholder{start: i, end: i + len("<request_id>"), pattern: `[0-9A-Za-z-]+`}
		case i == 0 || !wordByte(s[i-1]):
			for _, w := range []string{"date", "start-time", "entered-time"} {
				if strings.HasPrefix(rest, w) && (i+len(w) == len(s) || !wordByte(s[i+len(w)])) {
					p = &placeholder{start: i, end: i + len(w), pattern: timePattern}
					break
				}
			}
		}
		if p == nil {
			i++
			continue
		}
		out = append(out, *p)
		i = p.end
	}
	return out
}

func wordByte(c byte) bool {
	return c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// matchText says whether got matches want, whose placeholders match any value of their kind;
// binds holds what each numbered UUID stood for so far in the case.
func matchText(want, got string, binds map[string]string) bool {
	if want == got {
		return true
	}
	ps := placeholders(want)
	if len(ps) == 0 {
		return false
	}
	var rx strings.Builder
	rx.WriteString(`\A(?s:`)
	pos := 0
	var names []string
	for _, p := range ps {
		rx.WriteString(regexp.QuoteMeta(want[pos:p.start]))
		pos = p.end
		if p.uuid != "" {
			names = append(names, "u"+p.uuid)
			fmt.Fprintf(&rx, "(%s)", p.pattern)
		} else {
			fmt.Fprintf(&rx, "(?:%s)", p.pattern)
		}
	}
	rx.WriteString(regexp.QuoteMeta(want[pos:]))
	rx.WriteString(`)\z`)
	re, err := regexp.Compile(rx.String())
	if err != nil {
		return false
	}
	m := re.FindStringSubmatch(got)
	if m == nil {
		return false
	}
	for i, name := range names {
		if prev, ok := binds[name]; ok {
			if prev != m[i+1] {
				return false
			}
		} else {
			binds[name] = m[i+1]
		}
	}
	return true
}

// wholeValue are placeholders that stand for a whole value of a kind other than text.
func wholeValue(want string, got jv) bool {
	switch want {
	case "RandomNumberGenerated":
		return got.isNumber()
	case "map_run_arn":
		return got.k == kString && strings.Contains(got.s, ":mapRun:")
	}
	return false
}

// isZero is Python's x == 0: true for 0, 0.0 and false.
func (v jv) isZero() bool {
	switch v.k {
	case kInt:
		return v.i.Sign() == 0
	case kFloat:
		return v.f == 0
	case kBool:
		return !v.b
	}
	return false
}

// kindName names a value's kind in a difference message.
func (v jv) kindName() string {
	return [...]string{"null", "bool", "int", "float", "string", "array", "object"}[v.k]
}

// firstDiff returns where got first differs from want ("" when it matches), walking objects'
// keys in sorted order (the order numbered UUIDs are bound in).
func firstDiff(want, got jv, path string, binds map[string]string) string {
	if want.k == kString && wholeValue(want.s, got) {
		return ""
	}
	// An event id AWS does not fix (parallel branches) was recorded as [0]: any integer.
	if want.k == kArray && len(want.arr) == 1 && want.arr[0].isZero() && strings.HasSuffix(path, ".id") && (got.k == kInt || got.k == kBool) {
		return ""
	}
	// And so its previous event's id.
	if want.k == kObject && got.k == kObject {
		if id, ok := want.get("id"); ok && id.k == kArray {
			if prev, ok := got.get("previousEventId"); ok {
				want = want.set("previousEventId", prev)
			}
		}
	}
	if want.k != got.k {
		return fmt.Sprintf("%s: expected %s got %s", path, compact(want, 200), compact(got, 200))
	}
	switch want.k {
	case kObject:
		keys := append([]string(nil), want.keys...)
		for _, k := range got.keys {
			if indexOf(want.keys, k) < 0 {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			x, inWant := want.get(k)
			y, inGot := got.get(k)
			if !inGot {
				return fmt.Sprintf("%s.%s: missing (expected %s)", path, k, compact(x, 150))
			}
			if !inWant {
				return fmt.Sprintf("%s.%s: unexpected %s", path, k, compact(y, 150))
			}
			if d := firstDiff(x, y, path+"."+k, binds); d != "" {
				return d
			}
		}
		return ""
	case kArray:
		for i := 0; i < len(want.arr) && i < len(got.arr); i++ {
			if d := firstDiff(want.arr[i], got.arr[i], fmt.Sprintf("%s[%d]", path, i), binds); d != "" {
				return d
			}
		}
		if len(want.arr) != len(got.arr) {
			return fmt.Sprintf("%s: expected %d items, got %d", path, len(want.arr), len(got.arr))
		}
		return ""
	case kString:
		if matchText(want.s, got.s, binds) {
			return ""
		}
	}
	if want.equal(got) {
		return ""
	}
	return fmt.Sprintf("%s: expected %s got %s", path, compact(want, 200), compact(got, 200))
}

// orderDiff returns the first object whose keys AWS wrote in another order ("" for none).
func orderDiff(want, got jv, path string) string {
	if want.k == kObject && got.k == kObject {
		if sameKeySet(want.keys, got.keys) && !sameOrder(want.keys, got.keys) {
			return fmt.Sprintf("%s: keys %s in AWS, %s here", path, first8(want.keys), first8(got.keys))
		}
		for i, k := range want.keys {
			if y, ok := got.get(k); ok {
				if d := orderDiff(want.vals[i], y, path+"."+k); d != "" {
					return d
				}
			}
		}
	}
	if want.k == kArray && got.k == kArray {
		for i := 0; i < len(want.arr) && i < len(got.arr); i++ {
			if d := orderDiff(want.arr[i], got.arr[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	}
	return ""
}

// payloadOrderDiff is orderDiff over the JSON documents events carry: inputs, outputs and
// assigned variables.
func payloadOrderDiff(want, got jv) string {
	for i := 0; i < len(want.arr) && i < len(got.arr); i++ {
		x, y := want.arr[i], got.arr[i]
		if x.k != kObject {
			continue
		}
		for j, k := range x.keys {
			dx := x.vals[j]
			dy, _ := y.get(k)
			if !strings.HasSuffix(k, "EventDetails") || dx.k != kObject || dy.k != kObject {
				continue
			}
			for _, f := range []string{"output", "input", "assignedVariables"} {
				fx, ok1 := dx.get(f)
				fy, ok2 := dy.get(f)
				if ok1 && ok2 {
					if d := orderDiff(fx, fy, fmt.Sprintf("$.history[%d].%s.%s", i, k, f)); d != "" {
						return d
					}
				}
			}
		}
	}
	return ""
}

func sameKeySet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, k := range a {
		if indexOf(b, k) < 0 {
			return false
		}
	}
	return true
}

func sameOrder(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func first8(keys []string) string {
	if len(keys) > 8 {
		keys = keys[:8]
	}
	return fmt.Sprintf("%q", keys)
}
