package jsonata

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ---- $fromMillis / $toMillis pictures: the XPath F&O date/time picture syntax
// ([Y0001]-[M01]-[D01] and friends), formatted and parsed.

var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	dayNames   = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

// dtPart is one piece of an analysed picture: a literal or a variable marker.
type dtPart struct {
	lit    string
	isLit  bool
	comp   byte   // component specifier
	pres   string // first presentation modifier (defaulted)
	mod    byte   // second presentation modifier: 'o', 't' or 0
	minW   int    // width modifier, -1 when absent or "*"
	maxW   int
	names  bool // pres is N, n or Nn
	digits int  // decimal pictures: mandatory+optional digit count
}

const maxPictureWidth = 1000

var dtDefaultPres = map[byte]string{
	'Y': "1", 'M': "1", 'D': "1", 'd': "1", 'F': "n", 'W': "1", 'X': "1", 'w': "1", 'x': "1",
	'H': "1", 'h': "1", 'P': "n", 'm': "01", 's': "01", 'f': "1", 'Z': "01:01", 'z': "01:01",
	'C': "n", 'E': "n",
}

func analyzeDatePicture(picture string) ([]dtPart, error) {
	var parts []dtPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, dtPart{lit: lit.String(), isLit: true})
			lit.Reset()
		}
	}
	for i := 0; i < len(picture); i++ {
		c := picture[i]
		if c == '[' {
			if i+1 < len(picture) && picture[i+1] == '[' {
				lit.WriteByte('[')
				i++
				continue
			}
			end := strings.IndexByte(picture[i:], ']')
			if end < 0 {
				return nil, argErr("D3135", "No matching closing bracket ']' in date/time picture string")
			}
			marker := strings.Join(strings.Fields(picture[i+1:i+end]), "")
			i += end
			if marker == "" {
				continue
			}
			flush()
			p, err := analyzeMarker(marker)
			if err != nil {
				return nil, err
			}
			parts = append(parts, p)
			continue
		}
		if c == ']' && i+1 < len(picture) && picture[i+1] == ']' {
			i++
		}
		lit.WriteByte(c)
	}
	flush()
	return parts, nil
}

func analyzeMarker(marker string) (dtPart, error) {
	p := dtPart{comp: marker[0], minW: -1, maxW: -1}
	def, ok := dtDefaultPres[p.comp]
	if !ok {
		return p, argErr("D3132", "Unknown component specifier %c in date/time picture string", p.comp)
	}
	rest := marker[1:]
	if i := strings.LastIndexByte(rest, ','); i >= 0 {
		w := rest[i+1:]
		rest = rest[:i]
		lo, hi, _ := strings.Cut(w, "-")
		// Widths are capped, so that a picture cannot make the output arbitrarily large.
		if n, err := strconv.Atoi(lo); err == nil {
			p.minW = min(n, maxPictureWidth)
		}
		if n, err := strconv.Atoi(hi); err == nil {
			p.maxW = min(n, maxPictureWidth)
		}
	}
	if len(rest) > 1 && (rest[len(rest)-1] == 'o' || rest[len(rest)-1] == 't') {
		p.mod = rest[len(rest)-1]
		rest = rest[:len(rest)-1]
	}
	if rest == "" {
		rest = def
	}
	p.pres = rest
	switch rest {
	case "N", "n", "Nn":
		switch p.comp {
		case 'M', 'x', 'F', 'P', 'C', 'E':
			p.names = true
		default:
			return p, argErr("D3133", "The date/time picture component [%c] cannot be presented as a name", p.comp)
		}
	}
	for _, r := range rest {
		if r == '#' || digitZero(r) >= 0 {
			p.digits++
		}
	}
	return p, nil
}

// isoWeekday is 1 (Monday) to 7 (Sunday).
func isoWeekday(t time.Time) int {
	d := int(t.Weekday())
	if d == 0 {
		d = 7
	}
	return d
}

// weekThursday is the Thursday of t's Monday-based week, which decides the week's month.
func weekThursday(t time.Time) time.Time {
	return t.AddDate(0, 0, 4-isoWeekday(t))
}

func formatDateTime(t time.Time, picture string) (any, error) {
	parts, err := analyzeDatePicture(picture)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for _, p := range parts {
		if p.isLit {
			b.WriteString(p.lit)
			continue
		}
		s, err := formatDatePart(t, p)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

func formatDatePart(t time.Time, p dtPart) (string, error) {
	var v int64
	switch p.comp {
	case 'Y':
		v = int64(t.Year())
	case 'X':
		y, _ := t.ISOWeek()
		v = int64(y)
	case 'M':
		v = int64(t.Month())
	case 'x':
		v = int64(weekThursday(t).Month())
	case 'D':
		v = int64(t.Day())
	case 'd':
		v = int64(t.YearDay())
	case 'F':
		v = int64(isoWeekday(t))
	case 'W':
		_, w := t.ISOWeek()
		v = int64(w)
	case 'w':
		v = int64((weekThursday(t).Day()-1)/7 + 1)
	case 'H':
		v = int64(t.Hour())
	case 'h':
		v = int64(t.Hour() % 12)
		if v == 0 {
			v = 12
		}
	case 'P':
		s := "am"
		if t.Hour() >= 12 {
			s = "pm"
		}
		return caseName(s, p), nil
	case 'm':
		v = int64(t.Minute())
	case 's':
		v = int64(t.Second())
	case 'f':
		n := p.digits
		if n < 1 {
			n = 1
		}
		s := strconv.Itoa(t.Nanosecond() / 1e6)
		for len(s) < 3 {
			s = "0" + s
		}
		for len(s) < n {
			s += "0"
		}
		return s[:n], nil
	case 'Z', 'z':
		_, off := t.Zone()
		s, err := formatOffset(off, p)
		if err != nil {
			return "", err
		}
		if p.comp == 'z' {
			return "GMT" + s, nil
		}
		return s, nil
	case 'E', 'C':
		return "ISO", nil
	}
	if p.names {
		switch p.comp {
		case 'M', 'x':
			return caseName(monthNames[v-1], p), nil
		case 'F':
			return caseName(dayNames[v-1], p), nil
		}
	}
	decimal := p.digits > 0
	if decimal && (p.comp == 'Y' || p.comp == 'X') {
		w := p.digits
		if p.minW > w {
			w = p.minW
		}
		if p.maxW > 0 {
			w = p.maxW
		}
		if w >= 2 && w < 18 {
			v %= int64(math.Pow10(w))
		}
	}
	pic := p.pres
	if p.mod == 'o' {
		pic += ";o"
	}
	r, err := formatInteger(float64(v), pic)
	if err != nil {
		return "", err
	}
	s := r.(string)
	if decimal && (p.comp == 'Y' || p.comp == 'X') && p.maxW > 0 && len(s) > p.maxW {
		s = s[len(s)-p.maxW:]
	}
	if n := utf8.RuneCountInString(s); decimal && p.minW > n {
		s = strings.Repeat("0", p.minW-n) + s
	}
	return s, nil
}

func caseName(name string, p dtPart) string {
	switch p.pres {
	case "N":
		name = strings.ToUpper(name)
	case "n":
		name = strings.ToLower(name)
	}
	if p.maxW > 0 && p.maxW < len(name) {
		name = name[:p.maxW]
	}
	return name
}

func formatOffset(off int, p dtPart) (string, error) {
	if off == 0 && p.mod == 't' {
		return "Z", nil
	}
	sign := "+"
	if off < 0 {
		sign = "-"
		off = -off
	}
	h, m := off/3600, (off%3600)/60
	pic := p.pres
	pad := func(n, w int) string {
		s := strconv.Itoa(n)
		for len(s) < w {
			s = "0" + s
		}
		return s
	}
	if i := strings.IndexFunc(pic, func(r rune) bool { return digitZero(r) < 0 && r != '#' }); i >= 0 {
		return sign + pad(h, i) + pic[i:i+1] + pad(m, 2), nil
	}
	switch len(pic) {
	case 1, 2:
		s := sign + pad(h, len(pic))
		if m != 0 {
			s += ":" + pad(m, 2)
		}
		return s, nil
	case 3, 4:
		return sign + pad(h, len(pic)-2) + pad(m, 2), nil
	}
	return "", argErr("D3134", "The timezone integer format specifier cannot have more than four digits")
}

// ---- parsing

// numberWordRe matches one English number word (longest first, so that "seventeen" is not
// read as "seven").
var numberWordRe = sync.OnceValue(func() string {
	var ws []string
	ws = append(ws, smallWords...)
	ws = append(ws, ordSmall...)
	ws = append(ws, tensWords[2:]...)
	ws = append(ws, ordTens[2:]...)
	for _, s := range scaleWords {
		ws = append(ws, s.word, s.word+"th")
	}
	ws = append(ws, "and")
	sort.Slice(ws, func(i, j int) bool { return len(ws[i]) > len(ws[j]) })
	return "(?:" + strings.Join(ws, "|") + ")"
})

func datePartRegexp(p dtPart, adjacent bool) string {
	if p.names {
		if p.comp == 'P' {
			return "[aApP][mM]"
		}
		return "[a-zA-Z]+"
	}
	switch p.comp {
	case 'Z':
		return "(?:Z|[+-][0-9]{1,2}(?::?[0-9]{2})?)"
	case 'z':
		return "GMT[+-][0-9]{1,2}(?::?[0-9]{2})?"
	case 'f':
		return "[0-9]+"
	}
	switch p.pres {
	case "w", "W", "Ww":
		w := numberWordRe()
		return "(?i:" + w + "(?:[ ,-]+" + w + ")*)"
	case "i", "I":
		return "[MDCLXVImdclxvi]+"
	case "a", "A":
		return "[a-zA-Z]+"
	}
	re := "[0-9]+"
	if adjacent {
		n := p.digits
		if p.maxW > 0 {
			re = "[0-9]{1," + strconv.Itoa(p.maxW) + "}"
		} else if n > 0 {
			re = "[0-9]{" + strconv.Itoa(n) + "}"
		}
	}
	if p.mod == 'o' {
		re += "(?:st|nd|rd|th)"
	}
	return re
}

func parseDateTime(s, picture string, now time.Time) (any, error) {
	parts, err := analyzeDatePicture(picture)
	if err != nil {
		return nil, err
	}
	var re strings.Builder
	re.WriteString("^")
	var markers []dtPart
	for i, p := range parts {
		if p.isLit {
			re.WriteString(regexp.QuoteMeta(p.lit))
			continue
		}
		adjacent := i+1 < len(parts) && !parts[i+1].isLit
		re.WriteString("(" + datePartRegexp(p, adjacent) + ")")
		markers = append(markers, p)
	}
	re.WriteString("$")
	rx, err := regexp.Compile(re.String())
	if err != nil {
		return nil, argErr("D3136", "The date/time picture string %q cannot be parsed", picture)
	}
	m := rx.FindStringSubmatch(s)
	if m == nil {
		return undefined, nil
	}
	vals := map[byte]int64{}
	offset := int64(0)
	pm := -1
	for i, p := range markers {
		text := m[i+1]
		switch {
		case p.comp == 'P':
			if strings.EqualFold(text[:1], "p") {
				pm = 1
			} else {
				pm = 0
			}
			continue
		case p.comp == 'Z' || p.comp == 'z':
			offset = parseOffset(strings.TrimPrefix(text, "GMT"))
			continue
		case p.comp == 'f':
			f, _ := strconv.ParseFloat("0."+text, 64)
			vals['f'] = int64(math.Floor(f*1000 + 1e-9))
			continue
		case p.names:
			idx := -1
			names := monthNames
			if p.comp == 'F' {
				names = dayNames
			}
			for j, n := range names {
				if len(text) >= 3 && strings.HasPrefix(strings.ToLower(n), strings.ToLower(text)) {
					idx = j
					break
				}
			}
			if idx < 0 {
				return undefined, nil
			}
			vals[p.comp] = int64(idx + 1)
			continue
		case p.comp == 'E' || p.comp == 'C':
			continue
		}
		v, err := parseInteger(text, p.pres)
		if err != nil {
			return nil, err
		}
		f, ok := v.(float64)
		if !ok {
			return undefined, nil
		}
		vals[p.comp] = int64(f)
	}
	if h, ok := vals['h']; ok {
		h %= 12
		if pm == 1 {
			h += 12
		}
		vals['H'] = h
	}
	for _, c := range []byte{'X', 'W', 'x', 'w'} {
		if _, ok := vals[c]; ok {
			return nil, argErr("D3136", "The date/time picture string is not supported: it uses week-based components")
		}
	}
	order := []byte{'Y', 'M', 'D', 'H', 'm', 's', 'f'}
	if _, ok := vals['d']; ok {
		order = []byte{'Y', 'd', 'H', 'm', 's', 'f'}
	}
	first, last := -1, -1
	for i, c := range order {
		if _, ok := vals[c]; ok {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return undefined, nil
	}
	for i := first; i <= last; i++ {
		if _, ok := vals[order[i]]; !ok {
			return nil, argErr("D3136", "The date/time picture string is underspecified: a component is missing")
		}
	}
	now = now.UTC()
	current := map[byte]int64{'Y': int64(now.Year()), 'M': int64(now.Month()), 'D': int64(now.Day()), 'd': int64(now.YearDay()),
		'H': int64(now.Hour()), 'm': int64(now.Minute()), 's': int64(now.Second()), 'f': int64(now.Nanosecond() / 1e6)}
	for i, c := range order {
		if _, ok := vals[c]; ok {
			continue
		}
		if i < first {
			vals[c] = current[c]
		} else if c == 'M' || c == 'D' || c == 'd' {
			vals[c] = 1
		} else {
			vals[c] = 0
		}
	}
	var t time.Time
	if d, ok := vals['d']; ok {
		t = time.Date(int(vals['Y']), 1, 1, int(vals['H']), int(vals['m']), int(vals['s']), 0, time.UTC).AddDate(0, 0, int(d-1))
	} else {
		t = time.Date(int(vals['Y']), time.Month(vals['M']), int(vals['D']), int(vals['H']), int(vals['m']), int(vals['s']), 0, time.UTC)
	}
	return float64(t.UnixMilli() + vals['f'] - offset*60000), nil
}

// parseOffset reads "Z", "+05:30", "+0530", "-5" as minutes east of UTC.
func parseOffset(s string) int64 {
	if s == "Z" || s == "" {
		return 0
	}
	sign := int64(1)
	if s[0] == '-' {
		sign = -1
	}
	s = strings.ReplaceAll(s[1:], ":", "")
	var h, m int64
	if len(s) <= 2 {
		h, _ = strconv.ParseInt(s, 10, 64)
	} else {
		h, _ = strconv.ParseInt(s[:len(s)-2], 10, 64)
		m, _ = strconv.ParseInt(s[len(s)-2:], 10, 64)
	}
	return sign * (h*60 + m)
}
