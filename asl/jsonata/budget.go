package jsonata

import (
	"github.com/stepwise-run/stepwise/asl/budget"

	"github.com/stepwise-run/stepwise/asl/value"
)

// The evaluator charges its meter (package budget) where work or memory grows with the
// data rather than with the expression: every node evaluated is a step; ranges, path steps,
// constructed arrays and objects, and strings are charged their size before or as they are
// built; a native function is charged a step per element or 16 bytes of its arguments and
// the size of its result; a value about to be unfolded ($string, the final export) is
// charged node by node first, so a value that shares its parts cannot grow past the budget
// unseen.

// alloc charges n elements.
func (ev *evaluator) allocElems(n int) error {
	return ev.meter.Alloc(int64(n) * budget.Element)
}

// tree charges a value as if it were built afresh, node by node, stopping at the budget.
func (ev *evaluator) tree(v any) error {
	if err := ev.meter.Step(1); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		return ev.meter.Alloc(budget.Element + int64(len(x)))
	case *arr:
		if err := ev.meter.Alloc(budget.Element); err != nil {
			return err
		}
		for _, e := range x.items {
			if err := ev.tree(e); err != nil {
				return err
			}
		}
	case []any:
		if err := ev.meter.Alloc(budget.Element); err != nil {
			return err
		}
		for _, e := range x {
			if err := ev.tree(e); err != nil {
				return err
			}
		}
	case *value.Object:
		for _, m := range x.Members() {
			if err := ev.meter.Alloc(budget.Member + int64(len(m.Key))); err != nil {
				return err
			}
			if err := ev.tree(m.Value); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range x {
			if err := ev.meter.Alloc(budget.Member + int64(len(k))); err != nil {
				return err
			}
			if err := ev.tree(e); err != nil {
				return err
			}
		}
	default:
		return ev.meter.Alloc(budget.Element)
	}
	return nil
}

// shallow is the work (steps) and size (bytes) of a value at its top level: what a native
// function walks over, or what it returned.
func shallow(v any) (steps, bytes int64) {
	switch x := v.(type) {
	case string:
		return int64(len(x))/budget.Element + 1, int64(len(x)) + budget.Element
	case *arr:
		return int64(len(x.items)) + 1, int64(len(x.items)+1) * budget.Element
	case []any:
		return int64(len(x)) + 1, int64(len(x)+1) * budget.Element
	case *value.Object:
		return int64(x.Len()) + 1, int64(x.Len())*budget.Member + budget.Element
	case map[string]any:
		return int64(len(x)) + 1, int64(len(x))*budget.Member + budget.Element
	}
	return 1, budget.Element
}

// chargeCall charges a native call: its arguments' work before, via args, and its result's
// size after, via result.
func (ev *evaluator) chargeArgs(args []any) error {
	var steps int64
	for _, a := range args {
		s, _ := shallow(a)
		steps += s
	}
	return ev.meter.Step(steps)
}

func (ev *evaluator) chargeResult(v any) error {
	_, bytes := shallow(v)
	return ev.meter.Alloc(bytes)
}
