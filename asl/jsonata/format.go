package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ---- $formatNumber: the XPath F&O 3.1 decimal-format picture.

func formatNumberPicture(value float64, picture string, opts map[string]any) (any, error) {
	props := map[string]string{
		"decimal-separator": ".", "grouping-separator": ",", "exponent-separator": "e", "minus-sign": "-",
		"infinity": "Infinity", "NaN": "NaN", "percent": "%", "per-mille": "‰", "zero-digit": "0",
		"digit": "#", "pattern-separator": ";",
	}
	for k, v := range opts {
		if s, ok := v.(string); ok {
			props[k] = s
		}
	}
	first := func(k string) rune { r, _ := utf8.DecodeRuneInString(props[k]); return r }
	zero := first("zero-digit")
	decSep, grpSep, expSep, digit := first("decimal-separator"), first("grouping-separator"), first("exponent-separator"), first("digit")
	percent, permille := props["percent"], props["per-mille"]
	isDigit := func(r rune) bool { return r >= zero && r <= zero+9 }
	isActive := func(r rune) bool { return isDigit(r) || r == decSep || r == grpSep || r == digit }

	subs := strings.Split(picture, props["pattern-separator"])
	if len(subs) > 2 {
		return nil, argErr("D3080", "The picture string must not contain more than one instance of the 'pattern-separator' character")
	}
	type part struct {
		prefix, suffix, mantissa, exponent string
		intPart, fracPart                  []rune
		hasDec                             bool
	}
	parse := func(sub string) (part, error) {
		var p part
		rs := []rune(sub)
		start, end := -1, -1
		for i, r := range rs {
			if isActive(r) {
				if start < 0 {
					start = i
				}
				end = i + 1
			}
		}
		if start < 0 {
			return p, argErr("D3086", "A sub-picture must contain at least one active character")
		}
		switch {
		case strings.Count(sub, percent) > 1:
			return p, argErr("D3082", "A sub-picture must not contain more than one instance of the 'percent' character")
		case strings.Count(sub, permille) > 1:
			return p, argErr("D3083", "A sub-picture must not contain more than one instance of the 'per-mille' character")
		case strings.Contains(sub, percent) && strings.Contains(sub, permille):
			return p, argErr("D3084", "A sub-picture must not contain both a 'percent' and a 'per-mille' character")
		}
		p.prefix = string(rs[:start])
		p.suffix = string(rs[end:])
		body := rs[start:end]
		mant := body
		for i, r := range body {
			if r == expSep && i > 0 {
				mant = body[:i]
				p.exponent = string(body[i+1:])
				break
			}
		}
		p.mantissa = string(mant)
		mantDigits := false
		for _, r := range mant {
			if isDigit(r) || r == digit {
				mantDigits = true
			}
		}
		if !mantDigits {
			return p, argErr("D3085", "The mantissa part of a sub-picture must contain at least one digit character")
		}
		for _, r := range mant {
			if !isActive(r) {
				return p, argErr("D3086", "A sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character")
			}
		}
		if strings.Count(p.mantissa, string(decSep)) > 1 {
			return p, argErr("D3081", "The sub-picture must not contain more than one instance of the 'decimal-separator' character")
		}
		if i := strings.IndexRune(p.mantissa, decSep); i >= 0 {
			p.hasDec = true
			p.intPart = []rune(p.mantissa[:i])
			p.fracPart = []rune(p.mantissa[i+len(string(decSep)):])
		} else {
			p.intPart = []rune(p.mantissa)
		}
		if strings.Contains(p.mantissa, string(grpSep)+string(decSep)) || strings.Contains(p.mantissa, string(decSep)+string(grpSep)) {
			return p, argErr("D3087", "A sub-picture must not contain a grouping-separator character that appears adjacent to a decimal-separator character")
		}
		seenMandatory := false
		for _, r := range p.intPart {
			if isDigit(r) {
				seenMandatory = true
			} else if r == digit && seenMandatory {
				return p, argErr("D3090", "The integer part of a sub-picture must not contain a member of the decimal digit family that is followed by an instance of the optional digit character")
			}
		}
		seenOptional := false
		for _, r := range p.fracPart {
			if r == digit {
				seenOptional = true
			} else if isDigit(r) && seenOptional {
				return p, argErr("D3091", "The fractional part of a sub-picture must not contain an instance of the optional digit character that is followed by a member of the decimal digit family")
			}
		}
		if p.exponent != "" || len(mant) < len(body) {
			if strings.Contains(sub, percent) || strings.Contains(sub, permille) {
				return p, argErr("D3092", "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'")
			}
			ok := p.exponent != ""
			for _, r := range p.exponent {
				if !isDigit(r) {
					ok = false
				}
			}
			if !ok {
				return p, argErr("D3093", "The exponent part of a sub-picture must consist solely of one or more members of the decimal digit family")
			}
		}
		if strings.Contains(p.mantissa, string(grpSep)+string(grpSep)) {
			return p, argErr("D3089", "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character")
		}
		if len(p.intPart) > 0 && p.intPart[len(p.intPart)-1] == grpSep {
			return p, argErr("D3088", "The integer part of the sub-picture must not end with a 'grouping-separator' character")
		}
		return p, nil
	}
	pos, err := parse(subs[0])
	if err != nil {
		return nil, err
	}
	sub := pos
	if value < 0 && len(subs) == 2 {
		if sub, err = parse(subs[1]); err != nil {
			return nil, err
		}
	}
	abs := math.Abs(value)
	if strings.Contains(sub.prefix+sub.suffix, percent) {
		abs *= 100
	} else if strings.Contains(sub.prefix+sub.suffix, permille) {
		abs *= 1000
	}
	// Sizes.
	minInt, maxInt := 0, 0
	var groups []int
	for i, r := range sub.intPart {
		if isDigit(r) {
			minInt++
		}
		if isDigit(r) || r == digit {
			maxInt++
		}
		if r == grpSep {
			n := 0
			for _, x := range sub.intPart[i+1:] {
				if isDigit(x) || x == digit {
					n++
				}
			}
			groups = append(groups, n)
		}
	}
	minFrac, maxFrac := 0, 0
	var fracGroups []int
	for i, r := range sub.fracPart {
		if isDigit(r) {
			minFrac++
		}
		if isDigit(r) || r == digit {
			maxFrac++
		}
		if r == grpSep {
			n := 0
			for _, x := range sub.fracPart[:i] {
				if isDigit(x) || x == digit {
					n++
				}
			}
			fracGroups = append(fracGroups, n)
		}
	}
	regular := 0
	if len(groups) > 0 {
		g := groups[0]
		for _, x := range groups {
			g = gcd(g, x)
		}
		ok := true
		for i := 1; i <= len(groups); i++ {
			found := false
			for _, x := range groups {
				if x == i*g {
					found = true
				}
			}
			if !found {
				ok = false
			}
		}
		if ok {
			regular = g
		}
	}
	minExp := len([]rune(sub.exponent))
	hasExp := sub.exponent != ""
	if minInt == 0 && maxFrac == 0 {
		if hasExp {
			minFrac, maxFrac = 1, 1
		} else {
			minInt = 1
		}
	}
	if minInt == 0 && minFrac == 0 {
		minFrac = 1
	}
	exp := 0
	if hasExp && abs != 0 {
		// Scale so that the mantissa has minInt digits before the point.
		scale := minInt
		e := int(math.Floor(math.Log10(abs))) + 1
		exp = e - scale
		abs = abs / math.Pow(10, float64(exp))
		if r := roundHalfEven(abs, maxFrac); r >= math.Pow(10, float64(scale)) {
			abs /= 10
			exp++
		}
	}
	r := roundHalfEven(abs, maxFrac)
	text := strconv.FormatFloat(r, 'f', maxFrac, 64)
	ip, fp, _ := strings.Cut(text, ".")
	if ip == "0" && minInt == 0 && !(hasExp && strings.ContainsRune(string(sub.intPart), digit)) {
		ip = ""
	}
	for len(ip) < minInt {
		ip = "0" + ip
	}
	fp = strings.TrimRight(fp, "0")
	for len(fp) < minFrac {
		fp += "0"
	}
	// Grouping.
	if len(groups) > 0 {
		var b []rune
		digits := []rune(ip)
		for i := range digits {
			fromRight := len(digits) - i
			b = append(b, digits[i])
			if fromRight-1 > 0 {
				sep := false
				if regular > 0 {
					sep = (fromRight-1)%regular == 0
				} else {
					for _, g := range groups {
						if g == fromRight-1 {
							sep = true
						}
					}
				}
				if sep {
					b = append(b, grpSep)
				}
			}
		}
		ip = string(b)
	}
	if len(fracGroups) > 0 {
		var b []rune
		for i, d := range []rune(fp) {
			for _, g := range fracGroups {
				if g == i && i > 0 {
					b = append(b, grpSep)
				}
			}
			b = append(b, d)
		}
		fp = string(b)
	}
	res := ip
	if fp != "" || (sub.hasDec && false) {
		res += string(decSep) + fp
	}
	if hasExp {
		es := strconv.Itoa(int(math.Abs(float64(exp))))
		for len(es) < minExp {
			es = "0" + es
		}
		if exp < 0 {
			es = props["minus-sign"] + es
		}
		res += string(expSep) + es
	}
	// Translate digits into the family.
	if zero != '0' {
		var b strings.Builder
		for _, c := range res {
			if c >= '0' && c <= '9' {
				b.WriteRune(zero + (c - '0'))
			} else {
				b.WriteRune(c)
			}
		}
		res = b.String()
	}
	res = sub.prefix + res + sub.suffix
	if value < 0 && len(subs) == 1 {
		res = props["minus-sign"] + res
	}
	return res, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ---- $formatInteger / $parseInteger: the XPath F&O integer picture (decimal, words, roman,
// letters, ordinals).

var (
	smallWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tensWords  = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	ordSmall   = []string{"zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"}
	ordTens    = []string{"", "", "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth", "eightieth", "ninetieth"}
	scaleWords = []struct {
		v    int64
		word string
	}{{1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}, {1000, "thousand"}, {100, "hundred"}}
)

func numberWords(n int64, ordinal bool) string { return numberWordsF(float64(n), ordinal) }

// numberWordsF spells n in English words; beyond the trillions the scale words repeat
// ("ten billion trillion trillion trillion"), as the reference does.
func numberWordsF(n float64, ordinal bool) string {
	switch {
	case n < 20:
		if ordinal {
			return ordSmall[int(n)]
		}
		return smallWords[int(n)]
	case n < 100:
		t, u := int(n)/10, int(n)%10
		if u == 0 {
			if ordinal {
				return ordTens[t]
			}
			return tensWords[t]
		}
		return tensWords[t] + "-" + numberWordsF(float64(u), ordinal)
	}
	for _, s := range scaleWords {
		sv := float64(s.v)
		if n >= sv {
			hi := math.Floor(n / sv)
			lo := n - hi*sv
			if lo < 0 {
				lo = 0
			}
			head := numberWordsF(hi, false) + " " + s.word
			if lo == 0 {
				if ordinal {
					return head + "th"
				}
				return head
			}
			sep := ", "
			if lo < 100 {
				sep = " and "
			}
			return head + sep + numberWordsF(lo, ordinal)
		}
	}
	return ""
}

func wordsValue(s string) (float64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	lookup := map[string]int64{}
	for i, w := range smallWords {
		lookup[w] = int64(i)
	}
	for i, w := range ordSmall {
		lookup[w] = int64(i)
	}
	for i, w := range tensWords {
		if w != "" {
			lookup[w] = int64(i * 10)
		}
	}
	for i, w := range ordTens {
		if w != "" {
			lookup[w] = int64(i * 10)
		}
	}
	// A scale word multiplies everything read since the last larger scale word.
	type scaled struct{ scale, value float64 }
	var stack []scaled
	var current float64
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == ',' }) {
		if tok == "and" {
			continue
		}
		tok = strings.TrimSuffix(tok, "th")
		if v, ok := lookup[tok]; ok {
			current += float64(v)
			continue
		}
		if v, ok := lookup[tok+"th"]; ok {
			current += float64(v)
			continue
		}
		found := false
		for _, sc := range scaleWords {
			if tok == sc.word {
				found = true
				sv := float64(sc.v)
				v := current
				for len(stack) > 0 && stack[len(stack)-1].scale <= sv {
					v += stack[len(stack)-1].value
					stack = stack[:len(stack)-1]
				}
				if v == 0 {
					v = 1
				}
				stack = append(stack, scaled{sv, v * sv})
				current = 0
			}
		}
		if !found {
			return 0, false
		}
	}
	total := current
	for _, x := range stack {
		total += x.value
	}
	return total, true
}

var romanTable = []struct {
	v int64
	s string
}{{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}}

func roman(n int64) string {
	var b strings.Builder
	for _, r := range romanTable {
		for n >= r.v {
			b.WriteString(r.s)
			n -= r.v
		}
	}
	return b.String()
}

func romanValue(s string) (int64, bool) {
	s = strings.ToLower(s)
	var total int64
	for len(s) > 0 {
		ok := false
		for _, r := range romanTable {
			if strings.HasPrefix(s, r.s) {
				total += r.v
				s = s[len(r.s):]
				ok = true
				break
			}
		}
		if !ok {
			return 0, false
		}
	}
	return total, true
}

func letters(n int64, base rune) string {
	var out []rune
	for n > 0 {
		n--
		out = append([]rune{base + rune(n%26)}, out...)
		n /= 26
	}
	return string(out)
}

func ordinalSuffix(n int64) string {
	if n%100 >= 11 && n%100 <= 13 {
		return "th"
	}
	switch n % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

// splitModifier separates a picture's primary token from a ";o"-style modifier.
func splitModifier(picture string) (string, bool) {
	ordinal := false
	if i := strings.LastIndexByte(picture, ';'); i > 0 {
		mod := picture[i+1:]
		picture = picture[:i]
		ordinal = strings.HasPrefix(mod, "o")
	}
	return picture, ordinal
}

func formatInteger(v float64, picture string) (any, error) {
	n := int64(math.Floor(v))
	prim, ordinal := splitModifier(picture)
	neg := v < 0
	if neg {
		n = -n
	}
	fabs := math.Abs(math.Floor(v))
	var s string
	switch prim {
	case "w":
		s = numberWordsF(fabs, ordinal)
	case "W":
		s = strings.ToUpper(numberWordsF(fabs, ordinal))
	case "Ww":
		words := strings.Fields(numberWordsF(fabs, ordinal))
		for i, w := range words {
			if w != "and" {
				parts := strings.Split(w, "-")
				for j, p := range parts {
					parts[j] = strings.ToUpper(p[:1]) + p[1:]
				}
				words[i] = strings.Join(parts, "-")
			}
		}
		s = strings.Join(words, " ")
	case "i":
		s = roman(n)
	case "I":
		s = strings.ToUpper(roman(n))
	case "a":
		s = letters(n, 'a')
	case "A":
		s = letters(n, 'A')
	default:
		res, err := formatDecimalPicture(n, prim)
		if err != nil {
			return nil, err
		}
		s = res
		if ordinal {
			s += ordinalSuffix(n)
		}
	}
	if neg {
		s = "-" + s
	}
	return s, nil
}

// formatDecimalPicture formats with a decimal-digit pattern such as "000", "#,##0" or "①".
func formatDecimalPicture(n int64, pic string) (string, error) {
	rs := []rune(pic)
	var zero rune = -1
	for _, r := range rs {
		if z := digitZero(r); z >= 0 {
			zero = z
			break
		}
	}
	if zero < 0 {
		if len(rs) > 0 && rs[0] >= 0x2460 && rs[0] <= 0x2473 { // circled digits
			return string(rune(0x2460 + n - 1)), nil
		}
		return "", argErr("D3130", "Formatting or parsing an integer as a sequence starting with %q is not supported by this implementation", pic)
	}
	for _, r := range rs {
		if z := digitZero(r); z >= 0 && z != zero {
			return "", argErr("D3131", "In a decimal digit pattern, all digits must be from the same decimal group")
		}
	}
	minDigits := 0
	var seps []struct {
		pos int
		r   rune
	}
	digitsSeen := 0
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i]
		if digitZero(r) >= 0 {
			minDigits++
			digitsSeen++
		} else if r == '#' {
			digitsSeen++
		} else {
			seps = append(seps, struct {
				pos int
				r   rune
			}{digitsSeen, r})
		}
	}
	ds := strconv.FormatInt(n, 10)
	for len(ds) < minDigits {
		ds = "0" + ds
	}
	// Regular grouping repeats when the separators are evenly spaced.
	regular := 0
	if len(seps) > 0 {
		g := seps[0].pos
		ok := g > 0
		for i, s := range seps {
			if s.pos != g*(i+1) || s.r != seps[0].r {
				ok = false
			}
		}
		if ok {
			regular = g
		}
	}
	var out []rune
	d := []rune(ds)
	for i := len(d) - 1; i >= 0; i-- {
		fromRight := len(d) - 1 - i
		if fromRight > 0 {
			if regular > 0 && fromRight%regular == 0 {
				out = append([]rune{seps[0].r}, out...)
			} else if regular == 0 {
				for _, s := range seps {
					if s.pos == fromRight {
						out = append([]rune{s.r}, out...)
					}
				}
			}
		}
		out = append([]rune{zero + (d[i] - '0')}, out...)
	}
	return string(out), nil
}

// digitZero returns the zero of the Unicode decimal digit family of r, or -1.
func digitZero(r rune) rune {
	families := []rune{'0', 0x660, 0x6f0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xe50, 0xed0, 0xf20, 0x1040, 0xff10, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6}
	for _, z := range families {
		if r >= z && r <= z+9 {
			return z
		}
	}
	return -1
}

func parseInteger(s, picture string) (any, error) {
	prim, ordinal := splitModifier(picture)
	switch prim {
	case "w", "W", "Ww":
		v, ok := wordsValue(s)
		if !ok {
			return undefined, nil
		}
		return v, nil
	case "i", "I":
		v, ok := romanValue(s)
		if !ok {
			return undefined, nil
		}
		return float64(v), nil
	case "a", "A":
		var v int64
		for _, r := range strings.ToLower(s) {
			v = v*26 + int64(r-'a'+1)
		}
		return float64(v), nil
	}
	if _, err := formatDecimalPicture(0, prim); err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, r := range s {
		if z := digitZero(r); z >= 0 {
			b.WriteRune('0' + (r - z))
		}
	}
	_ = ordinal
	v, err := strconv.ParseInt(b.String(), 10, 64)
	if err != nil {
		return undefined, nil
	}
	return float64(v), nil
}
