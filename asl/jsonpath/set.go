package jsonpath

import (
	"fmt"
	"slices"

	"github.com/stepwise-run/stepwise/asl/value"
)

// Set returns a copy of doc with the node at p replaced by v, as ResultPath places a result
// into a state's input. "$" replaces the whole document; a missing member on the way is
// created as an object. A member step into a value that is not an object, or an index step
// outside an array, fails. doc is never modified: only the objects and arrays along the
// path are copied; the rest is shared.
func (p *Path) Set(doc, v any) (any, error) {
	if !p.reference() {
		return nil, &EvalError{Message: fmt.Sprintf("%s is not a reference path", p.text)}
	}
	out, ok := set(doc, true, p.segs, v)
	if !ok {
		return nil, &EvalError{Message: fmt.Sprintf("Unable to apply ReferencePath %s to input %s", p.text, value.Encode(doc))}
	}
	return out, nil
}

// set replaces the node at segs below node; present is false where node is a member that
// does not exist yet.
func set(node any, present bool, segs []segment, v any) (any, bool) {
	if len(segs) == 0 {
		return v, true
	}
	s := &segs[0]
	if s.kind == segIndex {
		a, ok := node.([]any)
		if !ok {
			return nil, false
		}
		j := s.indexes[0]
		if j < 0 {
			j += len(a)
		}
		if j < 0 || j >= len(a) {
			return nil, false
		}
		child, ok := set(a[j], true, segs[1:], v)
		if !ok {
			return nil, false
		}
		out := slices.Clone(a)
		out[j] = child
		return out, true
	}
	m, ok := value.AsObject(node)
	if !ok && present {
		return nil, false
	}
	name := s.names[0]
	old, has := m.Get(name)
	child, ok := set(old, has, segs[1:], v)
	if !ok {
		return nil, false
	}
	// An existing key keeps its place and a new one goes last, as on AWS.
	return m.With(name, child), true
}
