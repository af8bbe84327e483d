package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on a machine without a zoneinfo database
)

// Kind is the type of a schedule expression.
type Kind int

const (
	At   Kind = iota // at(yyyy-mm-ddThh:mm:ss): one firing
	Rate             // rate(n unit): every n minutes, hours or days from the start
	Cron             // cron(min hour day-of-month month day-of-week year)
)

// Expr is a parsed schedule expression, bound to its time zone. Parse it once; Next is
// called for every firing.
type Expr struct {
	Kind Kind
	// Source is the expression as written.
	Source string
	// at is the one firing of an at() expression.
	at time.Time
	// every is a rate() expression's period.
	every time.Duration
	cron  *cronSpec
	loc   *time.Location
}

// Error is an expression or time zone that Scheduler refuses; Message is worded as AWS's
// ValidationException.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func invalid(expr string) error {
	return &Error{Message: "Invalid Schedule Expression " + expr + "."}
}

// MaxExpressionLength and MaxTimezoneLength are the API's limits on the two strings.
const (
	MaxExpressionLength = 256
	MaxTimezoneLength   = 50
)

// Location resolves a ScheduleExpressionTimezone: an IANA zone name, UTC when empty.
func Location(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	if len(tz) > MaxTimezoneLength || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") || tz == "Local" {
		return nil, &Error{Message: "Invalid time zone " + tz + "."}
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, &Error{Message: "Invalid time zone " + tz + "."}
	}
	return loc, nil
}

// Parse parses a schedule expression in the time zone tz ("" is UTC).
func Parse(expr, tz string) (*Expr, error) {
	loc, err := Location(tz)
	if err != nil {
		return nil, err
	}
	if len(expr) > MaxExpressionLength {
		return nil, invalid(expr)
	}
	name, body, ok := strings.Cut(expr, "(")
	if !ok || !strings.HasSuffix(body, ")") {
		return nil, invalid(expr)
	}
	body = strings.TrimSuffix(body, ")")
	e := &Expr{Source: expr, loc: loc}
	switch name {
	case "at":
		t, err := time.ParseInLocation("2006-01-02T15:04:05", body, loc)
		if err != nil {
			return nil, invalid(expr)
		}
		e.Kind, e.at = At, t
	case "rate":
		fields := strings.Fields(body)
		if len(fields) != 2 {
			return nil, invalid(expr)
		}
		n, err := strconv.Atoi(fields[0])
		if err != nil || n <= 0 || fields[0][0] == '+' {
			return nil, invalid(expr)
		}
		var unit time.Duration
		switch fields[1] {
		case "minute", "minutes":
			unit = time.Minute
		case "hour", "hours":
			unit = time.Hour
		case "day", "days":
			unit = 24 * time.Hour
		default:
			return nil, invalid(expr)
		}
		// A period past a century fires never in practice; bounding it keeps the
		// arithmetic far from overflow.
		if n > 100*366*24*60 || time.Duration(n)*unit > 100*366*24*time.Hour {
			return nil, invalid(expr)
		}
		e.Kind, e.every = Rate, time.Duration(n)*unit
	case "cron":
		c, err := parseCron(body)
		if err != nil {
			return nil, &Error{Message: fmt.Sprintf("Invalid Schedule Expression %s: %s.", expr, err)}
		}
		e.Kind, e.cron = Cron, c
	default:
		return nil, invalid(expr)
	}
	return e, nil
}

// Location is the time zone the expression is read in.
func (e *Expr) Location() *time.Location { return e.loc }

// OneTime reports whether the expression fires once (at()).
func (e *Expr) OneTime() bool { return e.Kind == At }

// Next returns the first firing at or after from, or the zero time when there is none.
// anchor is where a rate() expression counts from (the schedule's StartDate, else when it
// was created or last updated); the other kinds ignore it.
func (e *Expr) Next(from, anchor time.Time) time.Time {
	switch e.Kind {
	case At:
		if e.at.Before(from) {
			return time.Time{}
		}
		return e.at
	case Rate:
		if !from.After(anchor) {
			return anchor
		}
		k := (from.Sub(anchor) + e.every - 1) / e.every
		return anchor.Add(k * e.every)
	default:
		return e.cron.next(from, e.loc)
	}
}

// Window is a schedule's firing bounds: no firing before Start or after End (zero: none).
// They do not apply to at() expressions.
type Window struct {
	Start, End time.Time
}

// NextIn is Next within w: the first firing at or after from that w allows, or zero.
func (e *Expr) NextIn(from, anchor time.Time, w Window) time.Time {
	if e.Kind == At {
		return e.Next(from, anchor)
	}
	if !w.Start.IsZero() {
		if from.Before(w.Start) {
			from = w.Start
		}
		if e.Kind == Rate {
			anchor = w.Start
		}
	}
	t := e.Next(from, anchor)
	if t.IsZero() || (!w.End.IsZero() && t.After(w.End)) {
		return time.Time{}
	}
	return t
}
