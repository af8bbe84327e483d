package jsonata

import (
	"testing"
	"time"
)

func TestDatePictures(t *testing.T) {
	tm := time.UnixMilli(1521801216617).UTC()
	for pic, want := range map[string]string{
		"[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]": "2018-03-23T10:33:36.617Z",
		"[FNn], [D1o] [MNn,3-3] [Y]":                            "Friday, 23rd Mar 2018",
		"[Dwo] of [MNn], [Yw]":                                  "twenty-third of March, two thousand and eighteen",
		"[h]:[m01] [PN]":                                        "10:33 AM",
		"[X0001]-W[W01]-[F1]":                                   "2018-W12-5",
	} {
		got, err := formatDateTime(tm, pic)
		if err != nil || got != want {
			t.Errorf("format %q = %v, %v; want %q", pic, got, err, want)
		}
		// Everything the pictures above print parses back, except week dates.
		if pic == "[X0001]-W[W01]-[F1]" || pic == "[h]:[m01] [PN]" {
			continue
		}
		ms, err := parseDateTime(want, pic, tm)
		if err != nil {
			t.Errorf("parse %q with %q: %v", want, pic, err)
			continue
		}
		day := tm.Truncate(24 * time.Hour).UnixMilli()
		if f := int64(ms.(float64)); f != tm.UnixMilli() && f != day {
			t.Errorf("parse %q with %q = %d", want, pic, f)
		}
	}
}

func FuzzDatePicture(f *testing.F) {
	for _, s := range []string{"[Y0001]-[M01]-[D01]", "[Y,2]", "[D1o] [MNn,*-3] [Yw]", "[Z010101t]", "[h]:[m] [P]", "[f1]", "[xNn] [w]", "[Y9,999,*]"} {
		f.Add(s, "2018-03-23")
	}
	now := time.UnixMilli(1521801216617).UTC()
	f.Fuzz(func(t *testing.T, picture, s string) {
		_, _ = formatDateTime(now, picture)
		_, _ = parseDateTime(s, picture, now)
	})
}
