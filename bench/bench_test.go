package bench

import (
	"encoding/json"
	"testing"
)

func TestSpread(t *testing.T) {
	for _, tc := range []struct {
		xs          []float64
		lo, med, hi float64
	}{
		{[]float64{3}, 3, 3, 3},
		{[]float64{5, 1, 3}, 1, 3, 5},
		{[]float64{4, 2, 1, 3}, 1, 2, 4},
	} {
		if lo, med, hi := spread(tc.xs); lo != tc.lo || med != tc.med || hi != tc.hi {
			t.Errorf("spread of %v = %v %v %v, want %v %v %v", tc.xs, lo, med, hi, tc.lo, tc.med, tc.hi)
		}
	}
}

// TestPadInput: the padded input is the scenario's object with "pad" first, of the length
// asked for; inputs that are not objects, or have a "pad", are refused.
func TestPadInput(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{`{"i":0}`, 20, `{"pad":"xxxx","i":0}`},
		{`{}`, 12, `{"pad":"xx"}`},
		{`{"i":0}`, 3, `{"pad":"","i":0}`},
	} {
		got, err := PadInput(tc.in, tc.n)
		if err != nil || got != tc.want {
			t.Errorf("PadInput(%s, %d) = %s, %v; want %s", tc.in, tc.n, got, err, tc.want)
		}
		if tc.n >= len(tc.want) && len(got) != tc.n {
			t.Errorf("PadInput(%s, %d) is %d bytes long", tc.in, tc.n, len(got))
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(got), &v); err != nil {
			t.Errorf("PadInput(%s, %d) = %s: %v", tc.in, tc.n, got, err)
		}
	}
	for _, in := range []string{`[1]`, `"x"`, `{"pad":1}`} {
		if got, err := PadInput(in, 100); err == nil {
			t.Errorf("PadInput(%s) = %s, want an error", in, got)
		}
	}
	if got, _ := PadInput(`{"i":0}`, 65536); len(got) != 65536 {
		t.Errorf("PadInput to 64 KiB: %d bytes", len(got))
	}
}
