package bench

import "testing"

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
