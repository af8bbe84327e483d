package intrinsic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/internal/javamap"
)

// function is one intrinsic: its arity (max < 0: no upper bound) and its evaluation.
type function struct {
	min, max int
	eval     func(in *invocation) (any, error)
}

// invocation is one evaluation of a call, its arguments already evaluated.
type invocation struct {
	e    evaluator // a copy: a pointer would move the caller's evaluator to the heap
	call *Call
	args []any
	// argBuf holds the arguments of a call with few of them, so that the invocation and its
	// arguments are one allocation.
	argBuf [4]any
}

// errArgs reports bad arguments with AWS's plain "Invalid arguments in States.X".
var errArgs = errors.New("")

// fail reports bad arguments with a detail after the function's name.
func (in *invocation) fail(detail string) error { return in.e.invalid(in.call, detail) }

// functions are the intrinsics by name.
var functions = map[string]*function{
	"States.Format":         {1, -1, format},
	"States.StringToJson":   {1, 1, stringToJSON},
	"States.JsonToString":   {1, 1, func(in *invocation) (any, error) { return value.Encode(in.args[0]), nil }},
	"States.Array":          {0, -1, func(in *invocation) (any, error) { return in.args, nil }},
	"States.ArrayPartition": {2, 2, arrayPartition},
	"States.ArrayContains":  {2, 2, arrayContains},
	"States.ArrayRange":     {3, 3, arrayRange},
	"States.ArrayGetItem":   {2, 2, arrayGetItem},
	"States.ArrayLength":    {1, 1, arrayLength},
	"States.ArrayUnique":    {1, 1, arrayUnique},
	"States.Base64Encode":   {1, 1, base64Encode},
	"States.Base64Decode":   {1, 1, base64Decode},
	"States.Hash":           {2, 2, hashString},
	"States.JsonMerge":      {3, 3, jsonMerge},
	"States.MathRandom":     {2, 3, mathRandom},
	"States.MathAdd":        {2, 2, mathAdd},
	"States.StringSplit":    {2, 2, stringSplit},
	"States.UUID":           {0, 0, func(in *invocation) (any, error) { return in.e.rnd.UUID(), nil }},
}

// maxStringLen is the longest string Base64Encode, Base64Decode and Hash accept, counted as
// Java counts (UTF-16 code units).
const maxStringLen = 10000

// maxRange is the most items ArrayRange may produce.
const maxRange = 1000

func javaLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// limited returns the string argument i when it is no longer than maxStringLen.
func (in *invocation) limited(i int) (string, bool) {
	s, ok := in.args[i].(string)
	return s, ok && (len(s) <= maxStringLen || javaLen(s) <= maxStringLen)
}

// integer returns argument i as a 32-bit integer, truncating a fraction as Java's intValue
// does for the argument types of ArrayRange, ArrayGetItem, ArrayPartition and MathRandom.
func (in *invocation) integer(i int) (int64, bool) {
	f, ok := value.Float(in.args[i])
	if !ok || math.IsNaN(f) {
		return 0, false
	}
	f = math.Trunc(f)
	return int64(f), f >= math.MinInt32 && f <= math.MaxInt32
}

func stringToJSON(in *invocation) (any, error) {
	s, ok := in.args[0].(string)
	if !ok {
		return nil, errArgs
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := value.DecodeString(s)
	if err != nil {
		return nil, errArgs
	}
	if n, ok := v.(json.Number); ok && n == "-0" {
		v = json.Number("0") // Jackson reads -0 as the integer 0
	}
	return v, nil
}

func arrayPartition(in *invocation) (any, error) {
	arr, ok := in.args[0].([]any)
	size, ok2 := in.integer(1)
	if !ok || !ok2 || size <= 0 {
		return nil, errArgs
	}
	out := make([]any, 0, (int64(len(arr))+size-1)/size)
	for len(arr) > 0 {
		n := min(int64(len(arr)), size)
		out = append(out, arr[:n:n])
		arr = arr[n:]
	}
	return out, nil
}

func arrayContains(in *invocation) (any, error) {
	arr, ok := in.args[0].([]any)
	if !ok {
		return nil, errArgs
	}
	for _, v := range arr {
		if value.Equal(v, in.args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func arrayRange(in *invocation) (any, error) {
	first, ok1 := in.integer(0)
	last, ok2 := in.integer(1)
	step, ok3 := in.integer(2)
	if !ok1 || !ok2 || !ok3 || step == 0 {
		return nil, errArgs
	}
	var n int64
	switch {
	case step > 0 && first <= last:
		n = (last-first)/step + 1
	case step < 0 && first >= last:
		n = (first-last)/-step + 1
	}
	if n > maxRange {
		return nil, errArgs
	}
	out := make([]any, n)
	for i := range out {
		out[i] = value.FromInt(first + int64(i)*step)
	}
	return out, nil
}

func arrayGetItem(in *invocation) (any, error) {
	arr, ok := in.args[0].([]any)
	i, ok2 := in.integer(1)
	if !ok || !ok2 || i < 0 || i >= int64(len(arr)) {
		return nil, errArgs
	}
	return arr[i], nil
}

func arrayLength(in *invocation) (any, error) {
	arr, ok := in.args[0].([]any)
	if !ok {
		return nil, errArgs
	}
	return value.FromInt(int64(len(arr))), nil
}

func arrayUnique(in *invocation) (any, error) {
	arr, ok := in.args[0].([]any)
	if !ok {
		return nil, errArgs
	}
	seen := make(map[string]bool, len(arr))
	out := make([]any, 0, len(arr))
	var b strings.Builder
	for _, v := range arr {
		b.Reset()
		writeKey(&b, v)
		if k := b.String(); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// writeKey writes a text that two values share exactly when value.Equal holds for them:
// compact JSON with sorted keys and numbers in one canonical form.
func writeKey(b *strings.Builder, v any) {
	switch x := v.(type) {
	case []any:
		b.WriteByte('[')
		for _, e := range x {
			writeKey(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case *value.Object, map[string]any:
		o, _ := value.AsObject(x)
		b.WriteByte('{')
		for _, k := range slices.Sorted(maps.Keys(o.Map())) {
			b.WriteString(value.Encode(k))
			b.WriteByte(':')
			e, _ := o.Get(k)
			writeKey(b, e)
			b.WriteByte(',')
		}
		b.WriteByte('}')
	default:
		if f, ok := value.Float(v); ok {
			b.WriteString(string(value.FromFloat(f)))
			return
		}
		b.WriteString(value.Encode(v))
	}
}

func base64Encode(in *invocation) (any, error) {
	s, ok := in.limited(0)
	if !ok {
		return nil, errArgs
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(in *invocation) (any, error) {
	s, ok := in.limited(0)
	if !ok {
		return nil, errArgs
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errArgs
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil // as Java's new String(bytes, UTF_8)
	}
	return string(b), nil
}

var hashes = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func hashString(in *invocation) (any, error) {
	s, ok := in.limited(0)
	alg, ok2 := in.args[1].(string)
	if !ok || !ok2 {
		return nil, errArgs
	}
	newHash := hashes[alg]
	if newHash == nil {
		return nil, errArgs
	}
	h := newHash()
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jsonMerge(in *invocation) (any, error) {
	a, ok1 := value.AsObject(in.args[0])
	b, ok2 := value.AsObject(in.args[1])
	deep, ok3 := in.args[2].(bool)
	if !ok1 || !ok2 || !ok3 || deep {
		return nil, errArgs
	}
	// AWS lists the merged keys as a java.util.HashMap of them iterates them:
	// test_json_merge merges {a,b,d} and {a,c,d} into {a,b,c,d}, and
	// test_json_merge_escaped_argument {constant_in_literal} and {constant_input_field} into
	// {constant_input_field, constant_in_literal}, neither input's order nor a sorted one
	// (docs/conformance.md, "Key order").
	var keys []string
	vals := make(map[string]any, a.Len()+b.Len())
	for _, o := range []*value.Object{a, b} {
		for _, x := range o.Members() {
			if _, ok := vals[x.Key]; !ok {
				keys = append(keys, x.Key)
			}
			vals[x.Key] = x.Value
		}
	}
	out := value.NewObject(len(keys))
	for _, i := range javamap.Order(keys) {
		out.Set(keys[i], vals[keys[i]])
	}
	return out, nil
}

// mathRandom returns an integer in [start, end). With a seed the result depends only on the
// seed and the bounds; AWS documents nothing more, so the generator is ours.
func mathRandom(in *invocation) (any, error) {
	start, ok1 := in.integer(0)
	end, ok2 := in.integer(1)
	if !ok1 || !ok2 || start >= end {
		return nil, errArgs
	}
	n := end - start
	if len(in.args) == 3 {
		seed, ok := in.integer(2)
		if !ok {
			return nil, errArgs
		}
		r := rand.New(rand.NewPCG(uint64(seed), 0x5374657077697365)) // "Stepwise"
		return value.FromInt(start + r.Int64N(n)), nil
	}
	return value.FromInt(start + int64(in.e.rnd.Intn(int(n)))), nil
}

// mathAdd adds two numbers rounded as Java's Math.round does (half up), within the 32-bit
// range AWS documents.
func mathAdd(in *invocation) (any, error) {
	var sum int64
	for _, a := range in.args {
		f, ok := value.Float(a)
		if !ok {
			return nil, errArgs
		}
		r := math.Floor(f + 0.5)
		if r < math.MinInt32 || r > math.MaxInt32 {
			return nil, errArgs
		}
		sum += int64(r)
	}
	if sum < math.MinInt32 || sum > math.MaxInt32 {
		return nil, errArgs
	}
	return value.FromInt(sum), nil
}

// stringSplit splits on every character of the delimiter string and drops empty parts.
func stringSplit(in *invocation) (any, error) {
	s, ok1 := in.args[0].(string)
	delims, ok2 := in.args[1].(string)
	if !ok1 || !ok2 {
		return nil, errArgs
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) })
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}
