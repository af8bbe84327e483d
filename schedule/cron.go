package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// cron() is parsed by hand: AWS's dialect has six fields (a year last), needs '?' in one of
// day-of-month and day-of-week, numbers days of the week 1-7 from Sunday, and has L, W and #;
// the Go cron libraries (robfig/cron and its forks) read the five- or six-field Unix or
// seconds-first forms and none of L, W or #, so they would accept and misread AWS's
// expressions.

const (
	minYear = 1970
	maxYear = 2199
)

// cronSpec is a parsed cron(): a bit per allowed value of each field.
type cronSpec struct {
	minutes, hours uint64 // bits 0-59, 0-23
	months         uint64 // bits 1-12
	years          [4]uint64
	// dom: the days of the month (bits 1-31), unless domAny ('?'), or lastDay (L), or
	// lastWeekday (LW), or nearWeekday (nW: the weekday nearest day n).
	dom         uint64
	domAny      bool
	lastDay     bool
	lastWeekday bool
	nearWeekday int
	// dow: the days of the week (bits 1-7, 1 is Sunday), unless dowAny, or lastOf (nL: the
	// last such day of the month), or nth with nthDay (n#k: the k-th such day).
	dow    uint64
	dowAny bool
	lastOf int
	nthDay int
	nth    int
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
	"JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

func parseCron(body string) (*cronSpec, error) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return nil, fmt.Errorf("want 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(f))
	}
	c := &cronSpec{}
	var err error
	if c.minutes, err = parseField(f[0], "minutes", 0, 59, nil); err != nil {
		return nil, err
	}
	if c.hours, err = parseField(f[1], "hours", 0, 23, nil); err != nil {
		return nil, err
	}
	if c.months, err = parseField(f[3], "month", 1, 12, monthNames); err != nil {
		return nil, err
	}
	if err := c.parseYears(f[5]); err != nil {
		return nil, err
	}
	if err := c.parseDom(f[2]); err != nil {
		return nil, err
	}
	if err := c.parseDow(f[4]); err != nil {
		return nil, err
	}
	if c.domAny == c.dowAny {
		return nil, errors.New("one of day-of-month and day-of-week must be '?', and only one")
	}
	return c, nil
}

func (c *cronSpec) parseYears(s string) error {
	for _, item := range strings.Split(s, ",") {
		lo, hi, step, err := parseItem(item, "year", minYear, maxYear, nil, false)
		if err != nil {
			return err
		}
		for y := lo; y <= hi; y += step {
			c.years[(y-minYear)/64] |= 1 << ((y - minYear) % 64)
		}
	}
	return nil
}

func (c *cronSpec) hasYear(y int) bool {
	if y < minYear || y > maxYear {
		return false
	}
	return c.years[(y-minYear)/64]&(1<<((y-minYear)%64)) != 0
}

func (c *cronSpec) parseDom(s string) error {
	switch {
	case s == "?":
		c.domAny = true
		return nil
	case s == "L":
		c.lastDay = true
		return nil
	case s == "LW":
		c.lastWeekday = true
		return nil
	case strings.HasSuffix(s, "W"):
		n, err := number(strings.TrimSuffix(s, "W"), 1, 31, nil)
		if err != nil {
			return fmt.Errorf("day-of-month: %w", err)
		}
		c.nearWeekday = n
		return nil
	}
	var err error
	c.dom, err = parseField(s, "day-of-month", 1, 31, nil)
	return err
}

func (c *cronSpec) parseDow(s string) error {
	switch {
	case s == "?":
		c.dowAny = true
		return nil
	case s == "L":
		// L alone is the last day of the week, Saturday, every week (AWS's "the last day of
		// the week"; Quartz reads it as 7 too); nL is the month's last day n.
		c.dow = 1 << 7
		return nil
	case strings.HasSuffix(s, "L"):
		n, err := number(strings.TrimSuffix(s, "L"), 1, 7, dayNames)
		if err != nil {
			return fmt.Errorf("day-of-week: %w", err)
		}
		c.lastOf = n
		return nil
	case strings.Contains(s, "#"):
		d, k, _ := strings.Cut(s, "#")
		n, err := number(d, 1, 7, dayNames)
		if err != nil {
			return fmt.Errorf("day-of-week: %w", err)
		}
		kn, err := number(k, 1, 5, nil)
		if err != nil {
			return fmt.Errorf("day-of-week: %w", err)
		}
		c.nthDay, c.nth = n, kn
		return nil
	}
	var err error
	c.dow, err = parseField(s, "day-of-week", 1, 7, dayNames)
	return err
}

// parseField reads a comma-separated list of *, n, a-b, */s, a/s and a-b/s.
func parseField(s, name string, min, max int, names map[string]int) (uint64, error) {
	var bits uint64
	for _, item := range strings.Split(s, ",") {
		lo, hi, step, err := parseItem(item, name, min, max, names, true)
		if err != nil {
			return 0, err
		}
		if hi < lo { // a range that wraps (FRI-MON, 22-2)
			for v := lo; v <= hi+max-min+1; v += step {
				bits |= 1 << (min + (v-min)%(max-min+1))
			}
			continue
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << v
		}
	}
	return bits, nil
}

func parseItem(item, name string, min, max int, names map[string]int, wrap bool) (lo, hi, step int, err error) {
	step = 1
	rng, st, hasStep := strings.Cut(item, "/")
	if hasStep {
		if step, err = number(st, 1, max-min+1, nil); err != nil {
			return 0, 0, 0, fmt.Errorf("%s: step %w", name, err)
		}
	}
	switch {
	case rng == "*":
		return min, max, step, nil
	case strings.Contains(rng, "-"):
		a, b, _ := strings.Cut(rng, "-")
		if lo, err = number(a, min, max, names); err != nil {
			return 0, 0, 0, fmt.Errorf("%s: %w", name, err)
		}
		if hi, err = number(b, min, max, names); err != nil {
			return 0, 0, 0, fmt.Errorf("%s: %w", name, err)
		}
		if hi < lo && !wrap {
			return 0, 0, 0, fmt.Errorf("%s: range %s ends before it starts", name, rng)
		}
		return lo, hi, step, nil
	}
	if lo, err = number(rng, min, max, names); err != nil {
		return 0, 0, 0, fmt.Errorf("%s: %w", name, err)
	}
	if hasStep {
		return lo, max, step, nil
	}
	return lo, lo, 1, nil
}

func number(s string, min, max int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	if s == "" || len(s) > 4 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a value", s)
	}
	n, _ := strconv.Atoi(s)
	if n < min || n > max {
		return 0, fmt.Errorf("%d is out of range %d-%d", n, min, max)
	}
	return n, nil
}

// matchDay reports whether the date is one the day fields allow.
func (c *cronSpec) matchDay(y int, m time.Month, d int) bool {
	last := daysIn(y, m)
	wd := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1 // 1 is Sunday
	if !c.domAny {
		switch {
		case c.lastDay:
			return d == last
		case c.lastWeekday:
			return d == nearestWeekday(y, m, last, last)
		case c.nearWeekday > 0:
			return c.nearWeekday <= last && d == nearestWeekday(y, m, c.nearWeekday, last)
		}
		return c.dom&(1<<d) != 0
	}
	switch {
	case c.lastOf > 0:
		return wd == c.lastOf && d+7 > last
	case c.nth > 0:
		return wd == c.nthDay && (d-1)/7+1 == c.nth
	}
	return c.dow&(1<<wd) != 0
}

// nearestWeekday is the Monday-to-Friday day nearest day n of the month, never in another
// month (the 1st on a Saturday gives Monday the 3rd).
func nearestWeekday(y int, m time.Month, n, last int) int {
	switch time.Date(y, m, n, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2
		}
		return n + 1
	}
	return n
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// next is the first firing at or after from, read in loc; zero when none is left before
// the year 2200. Days are walked one by one (skipping whole months and years that cannot
// match), and in a matching day the allowed hours and minutes: a day costs a few bit tests.
func (c *cronSpec) next(from time.Time, loc *time.Location) time.Time {
	if from.Truncate(time.Minute) != from {
		from = from.Truncate(time.Minute).Add(time.Minute)
	}
	w := from.In(loc)
	y, m, d := w.Date()
	h, mi := w.Hour(), w.Minute()
	first := true
	for y <= maxYear {
		if !c.hasYear(y) {
			y, m, d, first = y+1, 1, 1, false
			continue
		}
		if c.months&(1<<m) == 0 {
			y, m, d, first = nextMonth(y, m)
			continue
		}
		if d > daysIn(y, m) {
			y, m, d, first = nextMonth(y, m)
			continue
		}
		if c.matchDay(y, m, d) {
			startH, startMi := 0, 0
			if first {
				startH, startMi = h, mi
			}
			for hh := startH; hh < 24; hh++ {
				if c.hours&(1<<hh) == 0 {
					continue
				}
				m0 := 0
				if hh == startH {
					m0 = startMi
				}
				for mm := m0; mm < 60; mm++ {
					if c.minutes&(1<<mm) == 0 {
						continue
					}
					if t, ok := resolve(y, m, d, hh, mm, loc); ok && !t.Before(from) {
						return t
					}
				}
			}
		}
		d++
		first = false
	}
	return time.Time{}
}

func nextMonth(y int, m time.Month) (int, time.Month, int, bool) {
	if m == 12 {
		return y + 1, 1, 1, false
	}
	return y, m + 1, 1, false
}

// resolve turns a wall-clock time in loc into an instant: false for a time the clocks skip
// (spring forward), the first occurrence of a time they repeat (fall back).
func resolve(y int, m time.Month, d, h, mi int, loc *time.Location) (time.Time, bool) {
	t := time.Date(y, m, d, h, mi, 0, 0, loc)
	if !sameWall(t.In(loc), y, m, d, h, mi) {
		return time.Time{}, false
	}
	for _, back := range []time.Duration{2 * time.Hour, time.Hour, 30 * time.Minute} {
		if c := t.Add(-back); sameWall(c.In(loc), y, m, d, h, mi) {
			return c, true
		}
	}
	return t, true
}

func sameWall(t time.Time, y int, m time.Month, d, h, mi int) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d && t.Hour() == h && t.Minute() == mi
}
