package jsonata

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stepwise-run/stepwise/asl/value"
)

var builtins map[string]*native

func def(name, sig string, fn func(ev *evaluator, args []any, input any) (any, error)) {
	builtins[name] = &native{name: name, sig: mustSig(sig), fn: fn}
}

func argErr(code, format string, args ...any) *Error {
	return errAt(nil, code, format, args...)
}

func num(v any) float64 { f, _ := toNum(v); return f }

func str(v any) string { s, _ := v.(string); return s }

func arrOf(v any) []any {
	if it, ok := items(v); ok {
		return it
	}
	if v == undefined {
		return nil
	}
	return []any{v}
}

func runes(s string) []rune { return []rune(s) }

func init() {
	builtins = map[string]*native{}

	// Aggregation.
	def("sum", "<a<n>:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		t := 0.0
		for _, x := range arrOf(a[0]) {
			t += num(x)
		}
		return t, nil
	})
	def("count", "<a:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return 0.0, nil
		}
		return float64(len(arrOf(a[0]))), nil
	})
	def("max", "<a<n>:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		it := arrOf(a[0])
		if len(it) == 0 {
			return undefined, nil
		}
		m := math.Inf(-1)
		for _, x := range it {
			m = math.Max(m, num(x))
		}
		return m, nil
	})
	def("min", "<a<n>:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		it := arrOf(a[0])
		if len(it) == 0 {
			return undefined, nil
		}
		m := math.Inf(1)
		for _, x := range it {
			m = math.Min(m, num(x))
		}
		return m, nil
	})
	def("average", "<a<n>:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		it := arrOf(a[0])
		if len(it) == 0 {
			return undefined, nil
		}
		t := 0.0
		for _, x := range it {
			t += num(x)
		}
		return t / float64(len(it)), nil
	})

	// Strings.
	def("string", "<x-b?:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		if s, ok := a[0].(string); ok {
			return s, nil
		}
		if isFunc(a[0]) {
			return "", nil
		}
		if f, ok := toNum(a[0]); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			return nil, argErr("D3001", "Attempting to invoke string function on Infinity or NaN")
		}
		pretty, _ := a[1].(bool)
		if err := ev.tree(a[0]); err != nil {
			return nil, err
		}
		return stringify(a[0], pretty)
	})
	def("substring", "<s-nn?:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		// As the reference: JavaScript's Array.slice, which truncates fractional positions.
		r := utf16Units(str(a[0]))
		n := float64(len(r))
		fs := num(a[1])
		if n+fs < 0 {
			fs = 0
		}
		fe := math.Inf(1)
		if a[2] != undefined {
			l := num(a[2])
			if l <= 0 {
				return "", nil
			}
			if fs >= 0 {
				fe = fs + l
			} else {
				fe = n + fs + l
			}
		}
		pos := func(x float64) int {
			x = math.Trunc(x)
			if x < 0 {
				x = math.Max(n+x, 0)
			}
			return int(math.Min(x, n))
		}
		from, to := pos(fs), pos(fe)
		if to <= from {
			return "", nil
		}
		return fromUTF16(r[from:to]), nil
	})
	def("substringBefore", "<s-s:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		s, c := str(a[0]), str(a[1])
		if i := strings.Index(s, c); i >= 0 {
			return s[:i], nil
		}
		return s, nil
	})
	def("substringAfter", "<s-s:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		s, c := str(a[0]), str(a[1])
		if i := strings.Index(s, c); i >= 0 {
			return s[i+len(c):], nil
		}
		return s, nil
	})
	def("lowercase", "<s-:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return strings.ToLower(str(a[0])), nil
	})
	def("uppercase", "<s-:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return strings.ToUpper(str(a[0])), nil
	})
	def("length", "<s-:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return float64(len(utf16Units(str(a[0])))), nil
	})
	def("trim", "<s-:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return strings.Join(strings.FieldsFunc(str(a[0]), func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' }), " "), nil
	})
	def("pad", "<s-ns?:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		s := str(a[0])
		width := int(math.Trunc(num(a[1])))
		c := " "
		if a[2] != undefined && str(a[2]) != "" {
			c = str(a[2])
		}
		n := utf8.RuneCountInString(s)
		absw := width
		if absw < 0 {
			absw = -absw
		}
		if absw <= n || c == "" {
			return s, nil
		}
		padLen := absw - n
		if err := ev.meter.Alloc(int64(padLen) * int64(len(c))); err != nil {
			return nil, err
		}
		pad := strings.Repeat(c, padLen/utf8.RuneCountInString(c)+1)
		pad = string([]rune(pad)[:padLen])
		if width > 0 {
			return s + pad, nil
		}
		return pad + s, nil
	})
	def("contains", "<s-(sf):b>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined || a[1] == undefined {
			return undefined, nil
		}
		s := str(a[0])
		if r, ok := a[1].(*regexFn); ok {
			return r.re.re.MatchString(s), nil
		}
		return strings.Contains(s, str(a[1])), nil
	})
	def("split", "<s-(sf)n?:a<s>>", func(ev *evaluator, a []any, input any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		s := str(a[0])
		limit := -1
		if a[2] != undefined {
			l := num(a[2])
			if l < 0 {
				return nil, argErr("D3020", "Third argument of split function must evaluate to a positive number")
			}
			limit = int(math.Floor(l))
		}
		if a[1] == undefined {
			// As $replace and $match: jsonata-js fails here too (its matcher is not a
			// function); read as "" it split the string into characters.
			return nil, argErr("T0410", "Argument 2 of function \"split\" does not match function signature")
		}
		var parts []string
		if r, ok := a[1].(*regexFn); ok {
			parts = r.re.re.Split(s, -1)
		} else if isFunc(a[1]) {
			ms, err := ev.customMatches("split", a[1], s, -1, input)
			if err != nil {
				return nil, err
			}
			rs, at := []rune(s), 0
			for _, m := range ms {
				start, end := min(max(m.start, at), len(rs)), min(max(m.end, m.start, at), len(rs))
				parts = append(parts, string(rs[at:start]))
				at = end
			}
			parts = append(parts, string(rs[at:]))
		} else if sep := str(a[1]); sep == "" {
			for _, c := range s {
				parts = append(parts, string(c))
			}
		} else {
			parts = strings.Split(s, sep)
		}
		out := []any{}
		for i, p := range parts {
			if limit >= 0 && i >= limit {
				break
			}
			out = append(out, p)
		}
		return out, nil
	})
	def("join", "<a<s>s?:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		sep := ""
		if a[1] != undefined {
			sep = str(a[1])
		}
		var parts []string
		for _, x := range arrOf(a[0]) {
			if err := ev.meter.Alloc(int64(len(str(x)) + len(sep))); err != nil {
				return nil, err
			}
			parts = append(parts, str(x))
		}
		return strings.Join(parts, sep), nil
	})
	def("match", "<s-f<s:o>n?:a<o>>", func(ev *evaluator, a []any, input any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		s := str(a[0])
		limit := -1
		if a[2] != undefined {
			l := num(a[2])
			if l < 0 {
				return nil, argErr("D3040", "Third argument of match function must evaluate to a positive number")
			}
			limit = int(l)
		}
		r, ok := a[1].(*regexFn)
		if !ok && isFunc(a[1]) {
			ms, err := ev.customMatches("match", a[1], s, limit, input)
			if err != nil {
				return nil, err
			}
			out := &arr{seq: true}
			for _, m := range ms {
				out.items = append(out.items, value.Obj("match", m.match, "index", float64(m.start), "groups", m.groups))
			}
			return out, nil
		}
		if !ok {
			return nil, argErr("T0410", "Argument 2 of function \"match\" does not match function signature")
		}
		out := &arr{seq: true}
		for _, loc := range r.re.re.FindAllStringSubmatchIndex(s, limit) {
			groups := []any{}
			for g := 1; g < len(loc)/2; g++ {
				if loc[2*g] >= 0 {
					groups = append(groups, s[loc[2*g]:loc[2*g+1]])
				} else {
					groups = append(groups, "")
				}
			}
			out.items = append(out.items, value.Obj("match", s[loc[0]:loc[1]], "index", float64(runeIndex(s, loc[0])), "groups", groups))
		}
		return out, nil
	})
	def("replace", "<s-(sf)(sf)n?:s>", func(ev *evaluator, a []any, input any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		s := str(a[0])
		if p, ok := a[1].(string); ok && p == "" {
			return nil, argErr("D3010", "Second argument of replace function cannot be an empty string")
		}
		if a[1] == undefined {
			// jsonata-js fails here too (its matcher is not a function); read as "" it
			// matched forever at one place, allocating without end.
			return nil, argErr("T0410", "Argument 2 of function \"replace\" does not match function signature")
		}
		limit := -1
		if a[3] != undefined {
			l := num(a[3])
			if l < 0 {
				return nil, argErr("D3011", "Fourth argument of replace function must evaluate to a positive number")
			}
			limit = int(l)
		}
		var locs [][]int
		r, isRegex := a[1].(*regexFn)
		if isRegex {
			locs = r.re.re.FindAllStringSubmatchIndex(s, limit)
		} else {
			pat := str(a[1])
			for i := 0; i <= len(s) && (limit < 0 || len(locs) < limit); {
				j := strings.Index(s[i:], pat)
				if j < 0 {
					break
				}
				locs = append(locs, []int{i + j, i + j + len(pat)})
				i += j + len(pat)
			}
		}
		var b strings.Builder
		last := 0
		for _, loc := range locs {
			if loc[1] == loc[0] {
				return nil, argErr("D1004", "Regular expression matches zero length string")
			}
			b.WriteString(s[last:loc[0]])
			switch rep := a[2].(type) {
			case string:
				// $1 and $$ mean something after a regular expression only: a string
				// pattern's replacement goes in as written, as jsonata-js puts it.
				text := rep
				if isRegex {
					text = expandReplacement(rep, s, loc)
				}
				if err := ev.meter.Alloc(int64(len(text))); err != nil {
					return nil, err
				}
				b.WriteString(text)
			default:
				groups := []any{}
				for g := 1; g < len(loc)/2; g++ {
					if loc[2*g] >= 0 {
						groups = append(groups, s[loc[2*g]:loc[2*g+1]])
					} else {
						groups = append(groups, "")
					}
				}
				m := value.Obj("match", s[loc[0]:loc[1]], "index", float64(runeIndex(s, loc[0])), "groups", groups)
				r, err := ev.apply(nil, rep, []any{m}, input)
				if err != nil {
					return nil, err
				}
				rs, ok := r.(string)
				if !ok {
					return nil, argErr("D3012", "Attempted to replace a matched string with a non-string value")
				}
				b.WriteString(rs)
			}
			last = loc[1]
		}
		b.WriteString(s[last:])
		return b.String(), nil
	})
	def("formatBase", "<n-n?:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		radix := 10
		if a[1] != undefined {
			radix = int(num(a[1]))
		}
		if radix < 2 || radix > 36 {
			return nil, argErr("D3100", "The radix of the formatBase function must be between 2 and 36.  It was given %d", radix)
		}
		return strconv.FormatInt(int64(math.Round(num(a[0]))), radix), nil
	})
	def("base64encode", "<s-:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return base64.StdEncoding.EncodeToString([]byte(str(a[0]))), nil
	})
	def("base64decode", "<s-:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		b, err := base64.StdEncoding.DecodeString(str(a[0]))
		if err != nil {
			return nil, argErr("D3001", "invalid base64 string")
		}
		return string(b), nil
	})
	def("encodeUrlComponent", "<s-:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		s := str(a[0])
		if !utf8.ValidString(s) {
			return nil, argErr("D3140", "Malformed URL passed to $encodeUrlComponent(): %s", s)
		}
		return uriEncode(s, "-_.!~*'()"), nil
	})
	def("encodeUrl", "<s-:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		s := str(a[0])
		if !utf8.ValidString(s) {
			return nil, argErr("D3140", "Malformed URL passed to $encodeUrl(): %s", s)
		}
		return uriEncode(s, "-_.!~*'();/?:@&=+$,#"), nil
	})
	def("decodeUrlComponent", "<s-:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		r, err := url.PathUnescape(str(a[0]))
		if err != nil {
			return nil, argErr("D3140", "Malformed URL passed to $decodeUrlComponent(): %s", str(a[0]))
		}
		return r, nil
	})
	def("decodeUrl", "<s-:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		r, err := url.PathUnescape(str(a[0]))
		if err != nil {
			return nil, argErr("D3140", "Malformed URL passed to $decodeUrl(): %s", str(a[0]))
		}
		return r, nil
	})

	// Numbers.
	def("number", "<(nsb)-:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		switch x := a[0].(type) {
		case undefinedType:
			return undefined, nil
		case bool:
			if x {
				return 1.0, nil
			}
			return 0.0, nil
		case string:
			f, ok := parseJSNumber(x)
			if !ok {
				return nil, argErr("D3030", "Unable to cast value to a number: %q", x)
			}
			return f, nil
		}
		return a[0], nil
	})
	def("floor", "<n-:n>", numFn(math.Floor))
	def("ceil", "<n-:n>", numFn(math.Ceil))
	def("abs", "<n-:n>", numFn(math.Abs))
	def("sqrt", "<n-:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		if num(a[0]) < 0 {
			return nil, argErr("D3060", "The sqrt function cannot be applied to a negative number: %s", show(a[0]))
		}
		return math.Sqrt(num(a[0])), nil
	})
	def("power", "<n-n:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		r := math.Pow(num(a[0]), num(a[1]))
		if math.IsInf(r, 0) || math.IsNaN(r) {
			return nil, argErr("D3061", "The power function has resulted in a value that cannot be represented as a JSON number: base=%s, exponent=%s", show(a[0]), show(a[1]))
		}
		return r, nil
	})
	def("round", "<n-n?:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		prec := 0
		if a[1] != undefined {
			prec = int(num(a[1]))
		}
		return roundHalfEven(num(a[0]), prec), nil
	})
	def("random", "<n?:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		if len(a) > 0 && a[0] != undefined {
			return seededRandom(num(a[0])), nil
		}
		return ev.env.random(), nil
	})
	def("formatNumber", "<n-so?:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		var opts map[string]any
		if m, ok := value.AsObject(a[2]); ok {
			opts = m.Map()
		}
		return formatNumberPicture(num(a[0]), str(a[1]), opts)
	})
	def("formatInteger", "<n-s:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return formatInteger(num(a[0]), str(a[1]))
	})
	def("parseInteger", "<s-s:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return parseInteger(str(a[0]), str(a[1]))
	})

	// Booleans.
	def("boolean", "<x-:b>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		b, _ := truthy(a[0])
		return b, nil
	})
	def("not", "<x-:b>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		b, _ := truthy(a[0])
		return !b, nil
	})
	def("exists", "<x:b>", func(ev *evaluator, a []any, _ any) (any, error) {
		return a[0] != undefined, nil
	})

	// Arrays.
	def("append", "<xx:a>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return a[1], nil
		}
		if a[1] == undefined {
			return a[0], nil
		}
		out := append(append([]any{}, arrOf(a[0])...), arrOf(a[1])...)
		return &arr{items: out}, nil
	})
	def("reverse", "<a:a>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		it := arrOf(a[0])
		out := make([]any, len(it))
		for i, x := range it {
			out[len(it)-1-i] = x
		}
		return out, nil
	})
	def("shuffle", "<a:a>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		it := append([]any(nil), arrOf(a[0])...)
		for i := len(it) - 1; i > 0; i-- {
			j := int(ev.env.random() * float64(i+1))
			it[i], it[j] = it[j], it[i]
		}
		return it, nil
	})
	def("distinct", "<x:x>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		it, ok := items(a[0])
		if !ok || len(it) <= 1 {
			return a[0], nil
		}
		out := &arr{}
		if in, ok := a[0].(*arr); ok && in.seq {
			out.seq = true
		}
		for _, x := range it {
			dup := false
			for _, y := range out.items {
				if deepEqual(x, y) {
					dup = true
					break
				}
			}
			if !dup {
				out.items = append(out.items, x)
			}
		}
		return out, nil
	})
	def("sort", "<af?:a>", func(ev *evaluator, a []any, input any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		it := append([]any(nil), arrOf(a[0])...)
		if len(it) <= 1 {
			return it, nil
		}
		var sortErr error
		if a[1] == undefined {
			allNum, allStr := true, true
			for _, x := range it {
				allNum = allNum && isNum(x)
				allStr = allStr && isString(x)
			}
			if !allNum && !allStr {
				return nil, argErr("D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function")
			}
			sort.SliceStable(it, func(i, j int) bool {
				if allNum {
					return num(it[i]) < num(it[j])
				}
				return value.CompareStrings(it[i].(string), it[j].(string)) < 0
			})
			return it, nil
		}
		// The comparator returns true when a should come after b.
		out, err := mergeSort(it, func(x, y any) (bool, error) {
			r, err := ev.apply(nil, a[1], []any{x, y}, input)
			if err != nil {
				return false, err
			}
			b, _ := truthy(r)
			return b, nil
		})
		if err != nil {
			return nil, err
		}
		_ = sortErr
		return out, nil
	})
	def("zip", "<a+>", func(ev *evaluator, a []any, _ any) (any, error) {
		minLen := math.MaxInt
		var lists [][]any
		for _, x := range a {
			l := arrOf(x)
			lists = append(lists, l)
			minLen = min(minLen, len(l))
		}
		if len(lists) == 0 {
			minLen = 0
		}
		out := []any{}
		for i := 0; i < minLen; i++ {
			t := make([]any, len(lists))
			for j, l := range lists {
				t[j] = l[i]
			}
			out = append(out, t)
		}
		return out, nil
	})

	// Higher-order functions.
	def("map", "<af>", func(ev *evaluator, a []any, input any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		it := arrOf(a[0])
		out := &arr{seq: true}
		for i, x := range it {
			r, err := ev.apply(nil, a[1], hofArgs(a[1], x, i, a[0]), input)
			if err != nil {
				return nil, err
			}
			if r != undefined {
				out.items = append(out.items, r)
			}
		}
		return out, nil
	})
	def("filter", "<af>", func(ev *evaluator, a []any, input any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		it := arrOf(a[0])
		out := &arr{seq: true}
		for i, x := range it {
			r, err := ev.apply(nil, a[1], hofArgs(a[1], x, i, a[0]), input)
			if err != nil {
				return nil, err
			}
			if b, _ := truthy(r); b {
				out.items = append(out.items, x)
			}
		}
		return out, nil
	})
	def("single", "<af?>", func(ev *evaluator, a []any, input any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		it := arrOf(a[0])
		found := false
		var res any = undefined
		for i, x := range it {
			keep := true
			if a[1] != undefined {
				r, err := ev.apply(nil, a[1], hofArgs(a[1], x, i, a[0]), input)
				if err != nil {
					return nil, err
				}
				keep, _ = truthy(r)
			}
			if keep {
				if found {
					return nil, argErr("D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more.")
				}
				found = true
				res = x
			}
		}
		if !found {
			return nil, argErr("D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0.")
		}
		return res, nil
	})
	def("reduce", "<afj?:j>", func(ev *evaluator, a []any, input any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		it := arrOf(a[0])
		n := arity(a[1])
		if n < 2 {
			return nil, argErr("D3050", "The second argument of reduce function must be a function with at least two arguments")
		}
		var acc any
		i := 0
		if a[2] == undefined {
			if len(it) == 0 {
				return undefined, nil
			}
			acc = it[0]
			i = 1
		} else {
			acc = a[2]
		}
		for ; i < len(it); i++ {
			args := []any{acc, it[i]}
			if n >= 3 {
				args = append(args, float64(i))
			}
			if n >= 4 {
				args = append(args, a[0])
			}
			r, err := ev.apply(nil, a[1], args, input)
			if err != nil {
				return nil, err
			}
			acc = r
		}
		return acc, nil
	})
	def("sift", "<o-f?:o>", func(ev *evaluator, a []any, input any) (any, error) {
		m, ok := value.AsObject(a[0])
		if !ok {
			return undefined, nil
		}
		out := value.NewObject(0)
		for _, mb := range m.Members() {
			args := []any{mb.Value, mb.Key, m}[:max(1, min(3, arity(a[1])))]
			r, err := ev.apply(nil, a[1], args, input)
			if err != nil {
				return nil, err
			}
			if b, _ := truthy(r); b {
				out.Set(mb.Key, mb.Value)
			}
		}
		if out.Len() == 0 {
			return undefined, nil
		}
		return out, nil
	})
	def("each", "<o-f:a>", func(ev *evaluator, a []any, input any) (any, error) {
		m, ok := value.AsObject(a[0])
		if !ok {
			return undefined, nil
		}
		out := &arr{seq: true}
		for _, mb := range m.Members() {
			args := []any{mb.Value, mb.Key, m}[:max(1, min(3, arity(a[1])))]
			r, err := ev.apply(nil, a[1], args, input)
			if err != nil {
				return nil, err
			}
			if r != undefined {
				out.items = append(out.items, r)
			}
		}
		return out, nil
	})

	// Objects.
	def("keys", "<x-:a<s>>", func(ev *evaluator, a []any, _ any) (any, error) {
		out := &arr{seq: true}
		seen := map[string]bool{}
		var add func(v any)
		add = func(v any) {
			if m, ok := value.AsObject(v); ok {
				for _, mb := range m.Members() {
					if !seen[mb.Key] {
						seen[mb.Key] = true
						out.items = append(out.items, mb.Key)
					}
				}
			}
		}
		if it, ok := items(a[0]); ok {
			for _, x := range it {
				add(x)
			}
		} else {
			add(a[0])
		}
		if len(out.items) == 0 {
			return undefined, nil
		}
		return out, nil
	})
	def("lookup", "<x-s:x>", func(ev *evaluator, a []any, _ any) (any, error) {
		return lookupField(a[0], str(a[1])), nil
	})
	def("spread", "<x-:a<o>>", func(ev *evaluator, a []any, _ any) (any, error) {
		out := &arr{seq: true}
		var add func(v any)
		add = func(v any) {
			if m, ok := value.AsObject(v); ok {
				for _, mb := range m.Members() {
					out.items = append(out.items, value.Obj(mb.Key, mb.Value))
				}
			} else if it, ok := items(v); ok {
				for _, x := range it {
					add(x)
				}
			}
		}
		if a[0] == undefined {
			return undefined, nil
		}
		if !value.IsObject(a[0]) && !isArray(a[0]) {
			return a[0], nil
		}
		add(a[0])
		return out, nil
	})
	def("merge", "<a<o>:o>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		// A key keeps the place of its first appearance and takes its last value, as in
		// JavaScript's Object.assign (docs/conformance.md).
		out := value.NewObject(0)
		for _, x := range arrOf(a[0]) {
			o, _ := value.AsObject(x)
			for _, m := range o.Members() {
				out.Set(m.Key, m.Value)
			}
		}
		return out, nil
	})
	def("type", "<x:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		switch symbol(a[0]) {
		case 'm':
			return undefined, nil
		case 'l':
			return "null", nil
		case 'n':
			return "number", nil
		case 's':
			return "string", nil
		case 'b':
			return "boolean", nil
		case 'a':
			return "array", nil
		case 'f':
			return "function", nil
		}
		return "object", nil
	})
	def("error", "<s?:x>", func(ev *evaluator, a []any, _ any) (any, error) {
		msg := "$error() function evaluated"
		if a[0] != undefined {
			msg = str(a[0])
		}
		return nil, &Error{Code: "D3137", Message: msg}
	})
	def("assert", "<bs?:x>", func(ev *evaluator, a []any, _ any) (any, error) {
		if b, _ := a[0].(bool); !b {
			msg := "$assert() statement failed"
			if a[1] != undefined {
				msg = str(a[1])
			}
			return nil, &Error{Code: "D3141", Message: msg}
		}
		return undefined, nil
	})
	def("clone", "<(oa)-:o>", func(ev *evaluator, a []any, _ any) (any, error) {
		return deepClone(a[0]), nil
	})

	// Date and time.
	def("now", "<s?s?:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		ms := ev.timeNow().UnixMilli()
		if a[0] == undefined && a[1] == undefined {
			return formatISO(ms), nil
		}
		return fromMillis(ms, a[0], a[1])
	})
	def("millis", "<:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		return float64(ev.timeNow().UnixMilli()), nil
	})
	def("fromMillis", "<n-s?s?:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return fromMillis(int64(num(a[0])), a[1], a[2])
	})
	def("toMillis", "<s-s?:n>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return toMillis(str(a[0]), a[1], ev.timeNow())
	})

	// Step Functions.
	def("partition", "<an:a>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return partition(arrOf(a[0]), num(a[1]))
	})
	def("range", "<nnn:a<n>>", func(ev *evaluator, a []any, _ any) (any, error) {
		return rangeOf(num(a[0]), num(a[1]), num(a[2]), ev.allocElems)
	})
	def("hash", "<ss:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return hashOf(str(a[0]), str(a[1]))
	})
	def("uuid", "<:s>", func(ev *evaluator, a []any, _ any) (any, error) {
		return ev.env.uuid(), nil
	})
	def("parse", "<s:j>", func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		v, err := value.DecodeString(str(a[0]))
		if err != nil {
			return nil, argErr("D3001", "Invalid argument: The value of the argument 'jsonString' must be a valid JSON string")
		}
		return jsNumbers(v), nil
	})
}

// jsNumbers gives parsed JSON the numbers JavaScript would: float64 ("-0" becomes 0, as AWS
// renders it).
func jsNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := toNum(x)
		if f == 0 {
			return 0.0
		}
		return f
	case []any:
		for i, e := range x {
			x[i] = jsNumbers(e)
		}
	case *value.Object:
		for _, m := range x.Members() {
			x.Set(m.Key, jsNumbers(m.Value)) // x was just parsed: nobody else holds it
		}
	}
	return v
}

func numFn(f func(float64) float64) func(ev *evaluator, a []any, _ any) (any, error) {
	return func(ev *evaluator, a []any, _ any) (any, error) {
		if a[0] == undefined {
			return undefined, nil
		}
		return f(num(a[0])), nil
	}
}

// hofArgs passes a callback as many of (value, index, array) as it takes.
func hofArgs(fn any, v any, i int, all any) []any {
	args := []any{v, float64(i), all}
	n := arity(fn)
	if _, ok := fn.(*native); ok && n == 0 {
		n = 1
	}
	if n > 3 {
		n = 3
	}
	if n < 1 {
		n = 1
	}
	return args[:n]
}

func mergeSort(a []any, after func(x, y any) (bool, error)) ([]any, error) {
	if len(a) <= 1 {
		return a, nil
	}
	mid := len(a) / 2
	l, err := mergeSort(append([]any(nil), a[:mid]...), after)
	if err != nil {
		return nil, err
	}
	r, err := mergeSort(append([]any(nil), a[mid:]...), after)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(a))
	for len(l) > 0 && len(r) > 0 {
		sw, err := after(l[0], r[0])
		if err != nil {
			return nil, err
		}
		if sw {
			out = append(out, r[0])
			r = r[1:]
		} else {
			out = append(out, l[0])
			l = l[1:]
		}
	}
	out = append(out, l...)
	return append(out, r...), nil
}

func roundHalfEven(x float64, prec int) float64 {
	scale := math.Pow(10, float64(prec))
	v := x * scale
	// Correct for representation error, as the reference does via toPrecision.
	if r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64); err == nil {
		v = r
	}
	r := math.RoundToEven(v)
	if math.Abs(v-math.Trunc(v)) != 0.5 {
		r = math.Round(v)
	}
	return r / scale
}

func parseJSNumber(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, false
	}
	if looseNumberRe.MatchString(t) {
		f, err := strconv.ParseFloat(t, 64)
		return f, err == nil
	}
	if strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X") {
		i, err := strconv.ParseInt(t[2:], 16, 64)
		return float64(i), err == nil
	}
	if strings.HasPrefix(t, "0b") || strings.HasPrefix(t, "0B") {
		i, err := strconv.ParseInt(t[2:], 2, 64)
		return float64(i), err == nil
	}
	if strings.HasPrefix(t, "0o") || strings.HasPrefix(t, "0O") {
		i, err := strconv.ParseInt(t[2:], 8, 64)
		return float64(i), err == nil
	}
	if strings.HasPrefix(t, "+") || strings.HasPrefix(t, ".") || strings.HasSuffix(t, ".") {
		f, err := strconv.ParseFloat(t, 64)
		return f, err == nil && !math.IsInf(f, 0)
	}
	return 0, false
}

var looseNumberRe = regexp.MustCompile(`^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

func expandReplacement(rep, s string, loc []int) string {
	var b strings.Builder
	ngroups := len(loc)/2 - 1
	for i := 0; i < len(rep); i++ {
		c := rep[i]
		if c != '$' || i+1 >= len(rep) {
			b.WriteByte(c)
			continue
		}
		nx := rep[i+1]
		if nx == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if nx < '0' || nx > '9' {
			b.WriteByte(c)
			continue
		}
		// The longest group number that exists, reading digits greedily then backing off.
		j := i + 1
		for j < len(rep) && rep[j] >= '0' && rep[j] <= '9' {
			j++
		}
		digits := rep[i+1 : j]
		for len(digits) > 1 {
			if g, _ := strconv.Atoi(digits); g <= ngroups {
				break
			}
			digits = digits[:len(digits)-1]
		}
		g, _ := strconv.Atoi(digits)
		if g == 0 {
			b.WriteString(s[loc[0]:loc[1]])
		} else if g <= ngroups && loc[2*g] >= 0 {
			b.WriteString(s[loc[2*g]:loc[2*g+1]])
		}
		i += len(digits)
	}
	return b.String()
}

func uriEncode(s, keep string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(keep, r)) {
			b.WriteRune(r)
			continue
		}
		var buf [4]byte
		n := utf8.EncodeRune(buf[:], r)
		for _, c := range buf[:n] {
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)|0x100, 16)[1:]))
		}
	}
	return b.String()
}

func utf16Units(s string) []rune {
	// Characters as JavaScript counts them would need UTF-16; runes are close enough except
	// for astral characters.
	return []rune(s)
}

func fromUTF16(r []rune) string { return string(r) }

// ---- dates

func formatISO(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func fromMillis(ms int64, picture, tz any) (any, error) {
	t := time.UnixMilli(ms).UTC()
	if tzs, ok := tz.(string); ok && tzs != "" {
		loc, err := parseTZ(tzs)
		if err != nil {
			return nil, err
		}
		t = t.In(loc)
	}
	pic, ok := picture.(string)
	if !ok {
		if tz == undefined || tz == nil {
			return formatISO(ms), nil
		}
		pic = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"
	}
	return formatDateTime(t, pic)
}

func parseTZ(s string) (*time.Location, error) {
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) <= 1 && len(digits) >= 3 && len(digits) <= 4 {
		h, err1 := strconv.Atoi(digits[:len(digits)-2])
		m, err2 := strconv.Atoi(digits[len(digits)-2:])
		if err1 == nil && err2 == nil {
			off := (h*60 + m) * 60
			if s[0] == '-' {
				off = -off
			}
			return time.FixedZone(s, off), nil
		}
	}
	return nil, argErr("D3134", "The timezone %q is not valid", s)
}

// iso8601 is the reference implementation's test of a timestamp $toMillis reads without a
// picture (datetime.js, iso8601regex); what passes it is then parsed by the layouts below.
var iso8601 = regexp.MustCompile(`^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$`)

func toMillis(s string, picture any, now time.Time) (any, error) {
	if p, ok := picture.(string); ok {
		return parseDateTime(s, p, now)
	}
	if !iso8601.MatchString(s) {
		return nil, argErr("D3110", "The timestamp %q cannot be parsed", s)
	}
	layouts := []string{
		time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05",
		"2006-01-02", "2006-01", "2006",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return float64(t.UnixMilli()), nil
		}
	}
	return nil, argErr("D3110", "The timestamp %q cannot be parsed", s)
}

// customMatch is one result of a user-defined matcher function.
type customMatch struct {
	match      string
	start, end int
	groups     []any
}

// customMatches runs a matcher function (a function of the string that returns {match, start,
// end, groups, next}, next giving the following match) as the reference does for regexes.
func (ev *evaluator) customMatches(name string, fn any, s string, limit int, input any) ([]customMatch, error) {
	bad := argErr("T1010", "The matcher function argument passed to function %q does not return the correct object structure", name)
	r, err := ev.apply(nil, fn, []any{s}, input)
	if err != nil {
		return nil, err
	}
	var out []customMatch
	for r != undefined && r != nil && (limit < 0 || len(out) < limit) {
		m, ok := value.AsObject(r)
		if !ok {
			return nil, bad
		}
		mget := func(k string) any { v, _ := m.Get(k); return v }
		match, ok1 := mget("match").(string)
		start, ok2 := toNum(mget("start"))
		end, ok3 := toNum(mget("end"))
		groups, ok4 := items(mget("groups"))
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, bad
		}
		out = append(out, customMatch{match: match, start: int(start), end: int(end), groups: append([]any{}, groups...)})
		next, ok := m.Get("next")
		if !ok || !isFunc(next) {
			break
		}
		if len(out) > len(s)+1 {
			// More matches than positions: the matcher does not advance.
			return nil, argErr("U1001", "The matcher function argument passed to function %q does not terminate", name)
		}
		if r, err = ev.apply(nil, next, nil, input); err != nil {
			return nil, err
		}
	}
	return out, nil
}
