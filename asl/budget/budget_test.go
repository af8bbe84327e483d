package budget

import (
	"errors"
	"testing"
)

func TestMeter(t *testing.T) {
	shared := []any{"abcdefgh", 1.0}
	for range 40 {
		shared = []any{shared, shared} // 2^40 leaves unfolded, 80 nodes stored
	}
	tests := []struct {
		name   string
		limits Limits
		run    func(m *Meter) error
		want   string // "", "step", "memory" or "any"
	}{
		{"steps within", Limits{Steps: 10}, func(m *Meter) error { return m.Step(10) }, ""},
		{"steps past", Limits{Steps: 10}, func(m *Meter) error { return m.Step(11) }, "step"},
		{"memory past", Limits{Memory: 100}, func(m *Meter) error { return m.Alloc(101) }, "memory"},
		{"memory overflow", Limits{Memory: -1}, func(m *Meter) error {
			_ = m.Alloc(1 << 62)
			return m.Alloc(1 << 62)
		}, "memory"},
		{"no limit", Limits{Steps: -1}, func(m *Meter) error { return m.Step(1 << 60) }, ""},
		{"default steps", Limits{}, func(m *Meter) error { return m.Step(DefaultSteps + 1) }, "step"},
		{"tree of shared parts", Limits{}, func(m *Meter) error { return m.Tree(shared) }, "any"},
		{"tree within", Limits{}, func(m *Meter) error {
			return m.Tree(map[string]any{"a": []any{"x", 1.0, nil}})
		}, ""},
		{"sticky", Limits{Steps: 1}, func(m *Meter) error {
			_ = m.Step(2)
			return m.Step(0)
		}, "step"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(New(tt.limits))
			var be *ExceededError
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tt.want != "" && (!errors.As(err, &be) || tt.want != "any" && be.Budget != tt.want):
				t.Fatalf("err = %v, want the %s budget", err, tt.want)
			}
		})
	}
	var m *Meter
	if m.Step(1<<62) != nil || m.Alloc(1<<62) != nil || m.Tree(shared) != nil {
		t.Error("a nil meter charged")
	}
}
