package api

import (
	"testing"
	"time"
)

func TestBilledMillis(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int64
	}{
		{0, 100}, {time.Millisecond, 100}, {100 * time.Millisecond, 100}, {101 * time.Millisecond, 200},
		{17800 * time.Millisecond, 17800}, {17801 * time.Millisecond, 17900},
	} {
		if got := billedMillis(c.d); got != c.want {
			t.Errorf("billedMillis(%v) = %d, want %d", c.d, got, c.want)
		}
	}
}
