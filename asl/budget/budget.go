package budget

import (
	"fmt"
	"math"
)

// Limits are the budgets of one evaluation. A zero field means its default; a negative one
// means no limit.
type Limits struct {
	// Steps bounds the work of one evaluation.
	Steps int64
	// Memory bounds the bytes of intermediate values one evaluation builds, in total.
	Memory int64
}

// The defaults sit far above what a legitimate expression needs within the 256 KiB payload
// limit (sorting or mapping over the largest array a payload can hold takes a few million
// steps and a few tens of MiB) and far below what hurts a server (about a second of a core,
// and a fraction of a GiB).
const (
	DefaultSteps  = 20_000_000
	DefaultMemory = 128 << 20
)

// Resolved returns the limits with zero fields replaced by the defaults and negative ones
// by "no limit".
func (l Limits) Resolved() Limits {
	return Limits{Steps: resolve(l.Steps, DefaultSteps), Memory: resolve(l.Memory, DefaultMemory)}
}

func resolve(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return math.MaxInt64
	}
	return v
}

// Sizes, in bytes, that values are charged.
const (
	Element = 16 // an element of an array, or a scalar
	Member  = 32 // a member of an object
)

// Meter counts one evaluation's steps and memory. The zero Meter has no budget at all; use
// New. A Meter is not safe for concurrent use: each evaluation has its own.
type Meter struct {
	steps, memory       int64
	maxSteps, maxMemory int64
}

// New returns a meter with the given limits (resolved).
func New(l Limits) *Meter {
	l = l.Resolved()
	return &Meter{maxSteps: l.Steps, maxMemory: l.Memory}
}

// Reset starts the meter afresh with the given limits (resolved), for a new evaluation.
func (m *Meter) Reset(l Limits) {
	l = l.Resolved()
	*m = Meter{maxSteps: l.Steps, maxMemory: l.Memory}
}

// Step charges n steps.
func (m *Meter) Step(n int64) error {
	if m == nil {
		return nil
	}
	m.steps += n
	if m.steps > m.maxSteps {
		return &ExceededError{Budget: "step", Limit: m.maxSteps}
	}
	return nil
}

// Alloc charges n bytes of memory.
func (m *Meter) Alloc(n int64) error {
	if m == nil {
		return nil
	}
	m.memory += n
	if m.memory > m.maxMemory || m.memory < 0 {
		return &ExceededError{Budget: "memory", Limit: m.maxMemory}
	}
	return nil
}

// Used reports the steps and bytes charged so far.
func (m *Meter) Used() (steps, memory int64) { return m.steps, m.memory }

// ExceededError is an evaluation stopped by its budget. Budget is "step" or "memory".
type ExceededError struct {
	Budget string
	Limit  int64
}

func (e *ExceededError) Error() string {
	if e.Budget == "memory" {
		return fmt.Sprintf("The evaluation exceeded its memory budget (%d bytes of intermediate values).", e.Limit)
	}
	return fmt.Sprintf("The evaluation exceeded its step budget (%d steps).", e.Limit)
}

// Tree charges a value as if it were built afresh: a step and its size for each node. It
// stops at the first node past the budget, so a value that shares its parts (a DAG whose
// unfolding is exponential) costs no more than the budget to measure.
func (m *Meter) Tree(v any) error {
	if m == nil {
		return nil
	}
	if err := m.Step(1); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		return m.Alloc(Element + int64(len(x)))
	case []any:
		if err := m.Alloc(Element); err != nil {
			return err
		}
		for _, e := range x {
			if err := m.Tree(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range x {
			if err := m.Alloc(Member + int64(len(k))); err != nil {
				return err
			}
			if err := m.Tree(e); err != nil {
				return err
			}
		}
	default:
		return m.Alloc(Element)
	}
	return nil
}
