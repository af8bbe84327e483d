package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestNext(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, expr, tz, from string
		want                 []string // successive firings, RFC 3339 in UTC; "" for none
	}{
		{"every minute", "cron(* * * * ? *)", "", "2026-01-01T10:00:30Z", []string{"2026-01-01T10:01:00Z", "2026-01-01T10:02:00Z"}},
		{"at from exact minute", "cron(0/15 * * * ? *)", "", "2026-01-01T10:15:00Z", []string{"2026-01-01T10:15:00Z", "2026-01-01T10:30:00Z", "2026-01-01T10:45:00Z", "2026-01-01T11:00:00Z"}},
		{"8 am on the 1st", "cron(0 8 1 * ? *)", "", "2026-01-15T00:00:00Z", []string{"2026-02-01T08:00:00Z", "2026-03-01T08:00:00Z"}},
		{"weekdays 10:15", "cron(15 10 ? * MON-FRI *)", "", "2026-01-02T11:00:00Z", []string{"2026-01-05T10:15:00Z", "2026-01-06T10:15:00Z"}},
		{"numbered weekdays", "cron(0 18 ? * 2-6 *)", "", "2026-01-03T00:00:00Z", []string{"2026-01-05T18:00:00Z"}},
		{"wrapping weekdays", "cron(0 0 ? * FRI-MON *)", "", "2026-01-06T00:00:00Z", []string{"2026-01-09T00:00:00Z", "2026-01-10T00:00:00Z", "2026-01-11T00:00:00Z", "2026-01-12T00:00:00Z", "2026-01-16T00:00:00Z"}},
		{"last day", "cron(0 0 L * ? *)", "", "2028-02-01T00:00:00Z", []string{"2028-02-29T00:00:00Z", "2028-03-31T00:00:00Z"}},
		{"last weekday", "cron(0 0 LW * ? *)", "", "2026-05-01T00:00:00Z", []string{"2026-05-29T00:00:00Z", "2026-06-30T00:00:00Z"}},
		{"nearest weekday to 1st on Saturday", "cron(0 0 1W * ? *)", "", "2026-08-01T00:00:00Z", []string{"2026-08-03T00:00:00Z"}},
		{"nearest weekday to 15th on Sunday", "cron(0 0 15W * ? *)", "", "2026-03-01T00:00:00Z", []string{"2026-03-16T00:00:00Z"}},
		{"last Friday", "cron(0 12 ? * 6L *)", "", "2026-01-01T00:00:00Z", []string{"2026-01-30T12:00:00Z", "2026-02-27T12:00:00Z"}},
		// L alone in day-of-week is its last day, Saturday: every Saturday, not the month's last.
		{"L alone is Saturday", "cron(0 0 ? * L *)", "", "2026-01-01T00:00:00Z", []string{"2026-01-03T00:00:00Z", "2026-01-10T00:00:00Z"}},
		{"second Tuesday", "cron(0 9 ? * 3#2 *)", "", "2026-01-01T00:00:00Z", []string{"2026-01-13T09:00:00Z", "2026-02-10T09:00:00Z"}},
		{"years", "cron(0 0 1 JAN ? 2027,2029)", "", "2026-06-01T00:00:00Z", []string{"2027-01-01T00:00:00Z", "2029-01-01T00:00:00Z", ""}},
		{"31st skips short months", "cron(0 0 31 * ? *)", "", "2026-04-01T00:00:00Z", []string{"2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z"}},
		{"Feb 30 never", "cron(0 0 30 2 ? *)", "", "2026-01-01T00:00:00Z", []string{""}},
		{"time zone", "cron(0 9 * * ? *)", "Europe/Paris", "2026-01-10T00:00:00Z", []string{"2026-01-10T08:00:00Z"}},
		// America/New_York moves from 02:00 EST to 03:00 EDT on 2026-03-08: 02:30 does not
		// exist that day and is skipped.
		{"spring forward skips", "cron(30 2 * * ? *)", "America/New_York", "2026-03-07T00:00:00Z", []string{"2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z"}},
		{"spring forward hourly", "cron(0 * * * ? *)", "America/New_York", "2026-03-08T06:00:00Z", []string{"2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"}},
		// On 2026-11-01 01:00-01:59 happens twice (EDT, then EST): it fires once, at the first.
		{"fall back once", "cron(30 1 * * ? *)", "America/New_York", "2026-10-31T12:00:00Z", []string{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
		{"fall back every 30 min", "cron(0/30 * * * ? *)", "America/New_York", "2026-11-01T04:30:00Z", []string{"2026-11-01T04:30:00Z", "2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z"}},
		{"Lord Howe half hour", "cron(15 2 * * ? *)", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", []string{"2026-10-04T15:15:00Z"}},
		{"at", "at(2026-05-01T12:00:00)", "Asia/Tokyo", "2026-01-01T00:00:00Z", []string{"2026-05-01T03:00:00Z", ""}},
		{"at past", "at(2025-05-01T12:00:00)", "", "2026-01-01T00:00:00Z", []string{""}},
		{"rate", "rate(5 minutes)", "", "2026-01-01T00:07:00Z", []string{"2026-01-01T00:10:00Z", "2026-01-01T00:15:00Z"}},
		{"rate days are 24 hours", "rate(1 day)", "America/New_York", "2026-03-07T12:00:00Z", []string{"2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z"}},
	}
	anchor := utc("2026-01-01T00:00:00Z")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse(tc.expr, tc.tz)
			if err != nil {
				t.Fatal(err)
			}
			from := utc(tc.from)
			for i, w := range tc.want {
				got := e.Next(from, anchor)
				if w == "" {
					if !got.IsZero() {
						t.Fatalf("firing %d: got %v, want none", i, got.UTC())
					}
					return
				}
				if !got.Equal(utc(w)) {
					t.Fatalf("firing %d: got %v, want %v", i, got.UTC().Format(time.RFC3339), w)
				}
				from = got.Add(time.Nanosecond)
			}
		})
	}
}

func TestNextIn(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 3, 0, 0, time.UTC)
	end := time.Date(2026, 1, 1, 0, 20, 0, 0, time.UTC)
	w := Window{Start: start, End: end}
	e, _ := Parse("rate(10 minutes)", "")
	if got := e.NextIn(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}, w); !got.Equal(start) {
		t.Errorf("rate starts at StartDate: got %v", got)
	}
	if got := e.NextIn(start.Add(time.Second), time.Time{}, w); !got.Equal(start.Add(10 * time.Minute)) {
		t.Errorf("got %v", got)
	}
	if got := e.NextIn(start.Add(11*time.Minute), time.Time{}, w); !got.IsZero() {
		t.Errorf("past EndDate: got %v", got)
	}
	at, _ := Parse("at(2030-01-01T00:00:00)", "")
	if got := at.NextIn(start, start, w); got.Year() != 2030 {
		t.Errorf("at() ignores the window: got %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ expr, tz, want string }{
		{"cron(* * * * * *)", "", "one of day-of-month and day-of-week must be '?'"},
		{"cron(* * ? * ? *)", "", "one of day-of-month and day-of-week"},
		{"cron(* * * *)", "", "want 6 fields"},
		{"cron(60 * * * ? *)", "", "minutes: 60 is out of range 0-59"},
		{"cron(0 24 * * ? *)", "", "hours: 24 is out of range"},
		{"cron(0 0 32 * ? *)", "", "day-of-month: 32 is out of range"},
		{"cron(0 0 ? 13 * *)", "", "month: 13"},
		{"cron(0 0 ? * 8 *)", "", "day-of-week: 8"},
		{"cron(0 0 ? * 2#6 *)", "", "day-of-week: 6 is out of range 1-5"},
		{"cron(0 0 1 * ? 2300)", "", "year: 2300"},
		{"cron(0 0 1 * ? 2030-2020)", "", "ends before it starts"},
		{"cron(0/0 0 1 * ? *)", "", "step"},
		{"cron(a 0 1 * ? *)", "", `"a" is not a value`},
		{"rate(0 minutes)", "", "Invalid Schedule Expression rate(0 minutes)."},
		{"rate(5 weeks)", "", "Invalid Schedule Expression"},
		{"rate(-5 minutes)", "", "Invalid Schedule Expression"},
		{"rate(5minutes)", "", "Invalid Schedule Expression"},
		{"at(2026-13-01T00:00:00)", "", "Invalid Schedule Expression"},
		{"at(2026-01-01 00:00:00)", "", "Invalid Schedule Expression"},
		{"every(5 minutes)", "", "Invalid Schedule Expression"},
		{"cron(* * * * ? *", "", "Invalid Schedule Expression"},
		{"rate(5 minutes)", "Mars/Olympus", "Invalid time zone Mars/Olympus."},
		{"rate(5 minutes)", "../../etc/passwd", "Invalid time zone"},
	}
	for _, tc := range tests {
		t.Run(tc.expr+tc.tz, func(t *testing.T) {
			_, err := Parse(tc.expr, tc.tz)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if !strings.Contains(e.Message, tc.want) {
				t.Fatalf("got %q, want it to contain %q", e.Message, tc.want)
			}
		})
	}
}

// FuzzParse checks that no expression makes Parse or Next panic or loop, and that Next
// never goes backwards.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"cron(0 8 1 * ? *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(0 0 L * ? *)",
		"cron(0 0 LW * ? *)", "cron(0 0 15W * ? *)", "cron(0 0 ? * 6L *)", "cron(0 0 ? * 3#2 2026-2030)",
		"rate(5 minutes)", "rate(1 day)", "at(2026-01-01T00:00:00)", "cron(59 23 31 DEC ? 2199)"} {
		f.Add(s, "America/New_York")
	}
	from := time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr, tz string) {
		e, err := Parse(expr, tz)
		if err != nil {
			return
		}
		t1 := e.Next(from, from)
		if !t1.IsZero() && t1.Before(from) {
			t.Fatalf("%s: Next(%v) = %v, before", expr, from, t1)
		}
		if !t1.IsZero() {
			if t2 := e.Next(t1.Add(time.Nanosecond), from); !t2.IsZero() && !t2.After(t1) {
				t.Fatalf("%s: %v then %v", expr, t1, t2)
			}
		}
	})
}
