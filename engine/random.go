package engine

import (
	"fmt"
	"time"

	"github.com/stepwise-run/stepwise/asl/jsonata"
)

// draw returns the execution's next pseudo-random number. The sequence depends only on the
// execution's seed and how many numbers it drew before, so a replay draws the same ones.
func (x *run) draw() uint64 {
	x.ex.Draws++
	z := uint64(x.ex.Seed) + uint64(x.ex.Draws)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a number in [0, 1).
func (x *run) float() float64 { return float64(x.draw()>>11) / (1 << 53) }

// uuid returns a version 4 UUID drawn from the execution's sequence.
func (x *run) uuid() string {
	a, b := x.draw(), x.draw()
	a = (a &^ (0xf << 12)) | (4 << 12)   // version 4
	b = (b &^ (0x3 << 62)) | (0x2 << 62) // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// rng adapts the execution's sequence to the intrinsic functions.
type rng struct{ x *run }

func (r rng) UUID() string { return r.x.uuid() }
func (r rng) Intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.x.draw() % uint64(n))
}

func (x *run) random() rng { return rng{x} }

func (x *run) jsonataEnv() jsonata.Env {
	now := x.now
	return jsonata.Env{
		Now:    func() time.Time { return now },
		Random: x.float,
		UUID:   x.uuid,
		Limits: x.in.cfg.EvalLimits,
		Spent:  &x.spent,
	}
}
