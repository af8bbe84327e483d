package asl

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// validator collects the diagnostics of one definition.
type validator struct {
	express    bool
	topJSONata bool // the machine's effective query language is JSONata

	schema   []Diagnostic // schema-phase errors
	warnings []Diagnostic

	scopes     []*vscope           // every graph (machine, branches, item processors), in walk order
	cur        *vscope             // the graph whose states are being walked
	stateLocs  map[string][]string // state name -> the locations that define it
	labelLocs  map[string][]string // Map Label -> the locations that use it
	duplicates map[string][]string // location of a States object -> state names given twice in it
}

func newValidator(opts ValidateOptions, duplicates map[string][]string) *validator {
	return &validator{
		express:    opts.Type == "EXPRESS",
		stateLocs:  map[string][]string{},
		labelLocs:  map[string][]string{},
		duplicates: duplicates,
	}
}

func (v *validator) errorf(code, loc, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	v.schema = append(v.schema, Diagnostic{Severity: SeverityError, Code: code, Message: msg, Location: loc})
}

// fail reports a SCHEMA_VALIDATION_FAILED error.
func (v *validator) fail(loc, format string, args ...any) {
	v.errorf(CodeSchemaValidationFailed, loc, format, args...)
}

func (v *validator) warn(code, loc, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	v.warnings = append(v.warnings, Diagnostic{Severity: SeverityWarning, Code: code, Message: msg, Location: loc})
}

// field and index build locations the way AWS writes them: "/States/X/Catch[0]/Next".
func field(loc, name string) string {
	if loc == "/" {
		return "/" + name
	}
	return loc + "/" + name
}

func index(loc string, i int) string { return loc + "[" + strconv.Itoa(i) + "]" }

// --- JSON types ----------------------------------------------------------------------------

// jsonType names a value's type as Jackson's JsonNodeType does in AWS's messages.
func jsonType(x any) string {
	switch x.(type) {
	case nil:
		return "NULL"
	case bool:
		return "BOOLEAN"
	case string:
		return "STRING"
	case json.Number:
		return "NUMBER"
	case []any:
		return "ARRAY"
	case map[string]any:
		return "OBJECT"
	}
	return "MISSING"
}

// str returns o[key] as a string; when present but not a string it reports the type error.
func (v *validator) str(o map[string]any, key, loc string) (string, bool) {
	raw, ok := o[key]
	if !ok {
		return "", false
	}
	s, ok := raw.(string)
	if !ok {
		v.fail(field(loc, key), msgExpectedType, "STRING")
		return "", false
	}
	return s, true
}

// obj returns o[key] as an object; when present but not an object it reports the type error.
func (v *validator) obj(o map[string]any, key, loc string) (map[string]any, bool) {
	raw, ok := o[key]
	if !ok {
		return nil, false
	}
	m, ok := raw.(map[string]any)
	if !ok {
		v.fail(field(loc, key), msgExpectedType, "OBJECT")
		return nil, false
	}
	return m, true
}

// arr returns o[key] as an array; when present but not an array it reports the type error.
func (v *validator) arr(o map[string]any, key, loc string) ([]any, bool) {
	raw, ok := o[key]
	if !ok {
		return nil, false
	}
	a, ok := raw.([]any)
	if !ok {
		v.fail(field(loc, key), msgExpectedType, "ARRAY")
		return nil, false
	}
	return a, true
}

// boolean returns o[key] as a boolean; when present but not a boolean it reports the type error.
func (v *validator) boolean(o map[string]any, key, loc string) (bool, bool) {
	raw, ok := o[key]
	if !ok {
		return false, false
	}
	b, ok := raw.(bool)
	if !ok {
		v.fail(field(loc, key), msgExpectedType, "BOOLEAN")
		return false, false
	}
	return b, true
}

// integer reads a JSON number written without fraction or exponent. Values beyond int64 are
// clamped, which is all the range checks need.
func integer(x any) (int64, bool) {
	n, ok := x.(json.Number)
	if !ok {
		return 0, false
	}
	s := string(n)
	if strings.ContainsAny(s, ".eE") {
		return 0, false
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return i, true
	}
	if b, ok := new(big.Int).SetString(s, 10); ok {
		if b.Sign() < 0 {
			return math.MinInt64, true
		}
		return math.MaxInt64, true
	}
	return 0, false
}

// number reads any JSON number as a float64 (infinite when out of range).
func number(x any) (float64, bool) {
	n, ok := x.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		var ne *strconv.NumError
		if !(asNumError(err, &ne) && ne.Err == strconv.ErrRange) {
			return 0, false
		}
	}
	return f, true
}

func asNumError(err error, target **strconv.NumError) bool {
	ne, ok := err.(*strconv.NumError)
	if ok {
		*target = ne
	}
	return ok
}

// intRange is an inclusive integer range; a bound of nil is open.
type intRange struct{ min, max *int64 }

func atLeast(n int64) intRange    { return intRange{min: &n} }
func between(a, b int64) intRange { return intRange{min: &a, max: &b} }

// intField checks an integer field. In JSONata states it may also be a "{% %}" expression, which
// is checked as such.
func (v *validator) intField(o map[string]any, key, loc string, r intRange, c *jctx) {
	raw, ok := o[key]
	if !ok {
		return
	}
	at := field(loc, key)
	if s, isStr := raw.(string); isStr && c != nil {
		if _, isExpr := jsonataBody(s); isExpr {
			v.jsonataString(s, at, c)
			return
		}
	}
	i, ok := integer(raw)
	if !ok {
		v.fail(at, msgExpectedInteger)
		return
	}
	if r.min != nil && i < *r.min {
		v.fail(at, msgMinimum, strconv.FormatInt(*r.min, 10))
	} else if r.max != nil && i > *r.max {
		v.fail(at, msgMaximum, strconv.FormatInt(*r.max, 10))
	}
}

// numberField checks a number field with inclusive bounds given as text.
func (v *validator) numberField(o map[string]any, key, loc string, min, max string, c *jctx) {
	raw, ok := o[key]
	if !ok {
		return
	}
	at := field(loc, key)
	if s, isStr := raw.(string); isStr && c != nil {
		if _, isExpr := jsonataBody(s); isExpr {
			v.jsonataString(s, at, c)
			return
		}
	}
	f, ok := number(raw)
	if !ok {
		v.fail(at, msgExpectedNumber)
		return
	}
	if min != "" {
		if m, _ := strconv.ParseFloat(min, 64); f < m {
			v.fail(at, msgMinimum, min)
			return
		}
	}
	if max != "" {
		if m, _ := strconv.ParseFloat(max, 64); f > m {
			v.fail(at, msgMaximum, max)
		}
	}
}

// --- field sets ----------------------------------------------------------------------------

type fieldSet map[string]bool

func setOf(names ...string) fieldSet {
	s := fieldSet{}
	for _, n := range names {
		s[n] = true
	}
	return s
}

// keysInHashOrder returns an object's keys in the order a java.util.HashMap holding them
// iterates. AWS's validator walks fields and lists field names in that order (measured:
// "These fields are required: [States, StartAt]", the Wait fields "[SecondsPath, Seconds,
// TimestampPath, Timestamp]", and "TimeoutSeconds, Catch, Retry" reported in that order).
func keysInHashOrder(o map[string]any) []string {
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys) // stands in for insertion order within a bucket
	return javaHashOrder(keys)
}

// javaHashOrder orders names as a java.util.HashMap (default capacity 16, load factor 0.75)
// iterates them after inserting them in the given order.
func javaHashOrder(names []string) []string {
	capacity := 16
	for len(names) > capacity*3/4 {
		capacity *= 2
	}
	type entry struct {
		name   string
		bucket int
		seq    int
	}
	es := make([]entry, len(names))
	for i, n := range names {
		h := javaStringHash(n)
		h ^= h >> 16
		es[i] = entry{n, int(h & uint32(capacity-1)), i}
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].bucket < es[j].bucket })
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.name
	}
	return out
}

// javaStringHash is java.lang.String.hashCode, as an unsigned value.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + uint32(u)
	}
	return h
}

// hashList renders names as AWS lists them in messages: comma-separated, in HashSet order.
func hashList(names ...string) string { return strings.Join(javaHashOrder(names), ", ") }

// required reports the missing fields among names, in one "These fields are required" message.
func (v *validator) required(o map[string]any, loc string, names ...string) bool {
	var missing []string
	for _, n := range names {
		if _, ok := o[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		v.fail(loc, msgRequired, hashList(missing...))
		return false
	}
	return true
}

// exclusive reports when more than one of names is present, or (when need is set) none is.
// It returns how many are present.
func (v *validator) exclusive(o map[string]any, loc string, need bool, names ...string) int {
	n := 0
	for _, name := range names {
		if _, ok := o[name]; ok {
			n++
		}
	}
	switch {
	case n > 1:
		v.fail(loc, msgOnlyOne, hashList(names...))
	case n == 0 && need:
		v.fail(loc, msgExactlyOne, hashList(names...))
	}
	return n
}

// pair reports a field given both literally and as its "...Path" form, at the literal field.
func (v *validator) pair(o map[string]any, loc, name string) {
	_, a := o[name]
	_, b := o[name+"Path"]
	if a && b {
		v.fail(field(loc, name), msgOnlyOne, name+", "+name+"Path")
	}
}

// enum checks a string field against its allowed values (listed as AWS lists them).
func (v *validator) enum(o map[string]any, key, loc string, allowed ...string) (string, bool) {
	s, ok := v.str(o, key, loc)
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if s == a {
			return s, true
		}
	}
	v.fail(field(loc, key), msgEnum, strings.Join(allowed, ", "))
	return s, false
}
