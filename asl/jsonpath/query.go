package jsonpath

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/asl/value"
)

// NotFoundError is a path that selects nothing where something was required. Message is
// Jayway's PathNotFoundException text, which AWS shows after "Invalid path '<path>' : ".
type NotFoundError struct{ Message string }

func (e *NotFoundError) Error() string { return e.Message }

// EvalError is any other failure to evaluate a path (Jayway's InvalidPathException).
type EvalError struct{ Message string }

func (e *EvalError) Error() string { return e.Message }

// The JsonProvider Jayway names in its messages. AWS's choice is not recorded; Jackson is
// the likeliest for a Java service.
const jsonProvider = "com.jayway.jsonpath.spi.json.JacksonJsonProvider"

// Query evaluates p against doc. A definite path returns the node it selects, or a
// *NotFoundError; any other path returns a []any of its matches in document order (object
// members in sorted key order, since Go maps keep no order), possibly empty.
//
// A definite path fails on a missing member, a member of a non-object or an index into a
// non-array, with Jayway's messages; an indefinite path skips misses silently, as AWS does.
//
// The walk is bounded by the default budgets of package budget; QueryWith takes a meter.
func (p *Path) Query(doc any) (any, error) {
	return p.QueryLimits(doc, budget.Limits{})
}

// QueryLimits is Query within the given limits.
func (p *Path) QueryLimits(doc any, l budget.Limits) (any, error) {
	if v, ok := p.lookup(doc); ok {
		return v, nil
	}
	return p.QueryWith(doc, budget.New(l))
}

// QueryWith is Query charging its work to m: a step per node visited, and the size of each
// match. Past m's budget it fails with a *budget.ExceededError. A filter's own paths
// ("@..a" inside "[?(...)]") are charged to the same meter.
func (p *Path) QueryWith(doc any, m *budget.Meter) (any, error) {
	if v, ok := p.lookup(doc); ok {
		return v, nil
	}
	e := evaluator{p: p, root: doc, m: m}
	err := e.walk(0, doc)
	// A filter's path that ran out of budget reads as "no match" inside the filter; the
	// meter remembers.
	if merr := m.Step(0); merr != nil {
		return nil, merr
	}
	if err != nil {
		return nil, err
	}
	var res any
	if p.defUpTo == len(p.segs) {
		if len(e.out) == 0 {
			return nil, &NotFoundError{Message: "No results for path: " + p.render(len(p.segs)) + p.fragment(len(p.segs))}
		}
		res = e.out[0]
	} else {
		res = e.out
		if len(e.out) == 0 {
			res = []any{}
		}
	}
	switch p.fn {
	case "":
		return res, nil
	case "length":
		return length(res)
	}
	return nil, &EvalError{Message: "Function with name: " + p.fn + " does not exist."}
}

// lookup is the fast path for a path of single member and index steps that all exist; when
// it reports false, the general walk runs to find the result or the error.
func (p *Path) lookup(doc any) (any, bool) {
	if !p.reference() {
		return nil, false
	}
	for i := range p.segs {
		s := &p.segs[i]
		var ok bool
		if s.kind == segName {
			doc, ok = value.Get(doc, s.names[0])
		} else {
			var a []any
			if a, ok = doc.([]any); ok {
				j := s.indexes[0]
				if j < 0 {
					j += len(a)
				}
				if ok = j >= 0 && j < len(a); ok {
					doc = a[j]
				}
			}
		}
		if !ok {
			return nil, false
		}
	}
	return doc, true
}

// length is Jayway's length() function.
func length(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		return value.FromInt(int64(len(x))), nil
	case *value.Object:
		return value.FromInt(int64(x.Len())), nil
	case map[string]any:
		return value.FromInt(int64(len(x))), nil
	case string:
		return value.FromInt(int64(len([]rune(x)))), nil
	}
	return nil, &EvalError{Message: "Aggregation function attempted to calculate value using empty array"}
}

type evaluator struct {
	p    *Path
	root any
	out  []any
	m    *budget.Meter
}

func (e *evaluator) walk(i int, node any) error {
	if err := e.m.Step(1); err != nil {
		return err
	}
	segs := e.p.segs
	if i == len(segs) {
		if err := e.m.Alloc(budget.Element); err != nil {
			return err
		}
		e.out = append(e.out, node)
		return nil
	}
	s := &segs[i]
	// A definite path fails loudly on a miss, as Jayway does. An indefinite one skips misses
	// even before its first indefinite step: AWS returns [] for $.a.b[*] when $.a is missing
	// (recorded in the conformance corpus, base.test_json_path_array_wildcard_or_slice_*).
	strict := i <= e.p.defUpTo && e.p.defUpTo == len(segs)
	leaf := e.p.leaf(i)
	switch s.kind {
	case segName:
		m, ok := value.AsObject(node)
		if !ok {
			if !strict {
				return nil
			}
			return &NotFoundError{Message: fmt.Sprintf("Expected to find an object with property %s in path %s but found '%s'. This is not a json object according to the JsonProvider: '%s'.",
				s.text(), e.p.render(i), javaClass(node), jsonProvider)}
		}
		if leaf && len(s.names) > 1 {
			merged := value.NewObject(len(s.names))
			for _, n := range s.names {
				if v, ok := m.Get(n); ok {
					merged.Set(n, v)
				}
			}
			e.out = append(e.out, merged)
			return nil
		}
		for _, n := range s.names {
			v, ok := m.Get(n)
			if !ok {
				if strict && !leaf && len(s.names) == 1 {
					return &NotFoundError{Message: "Missing property in path " + e.p.render(i+1)}
				}
				continue
			}
			if err := e.walk(i+1, v); err != nil {
				return err
			}
		}
	case segIndex, segSlice:
		a, err := e.array(i, node, strict)
		if a == nil {
			return err
		}
		for _, j := range s.selectIndexes(len(a)) {
			if err := e.walk(i+1, a[j]); err != nil {
				return err
			}
		}
	case segWild:
		return e.each(i+1, node)
	case segScan:
		return e.scan(i+1, node)
	case segFilter:
		return e.filter(i, node, strict)
	}
	return nil
}

// array checks that an index or slice step applies to an array, as Jayway's checkArrayModel.
func (e *evaluator) array(i int, node any, strict bool) ([]any, error) {
	a, ok := node.([]any)
	switch {
	case ok:
		return a, nil
	case !strict:
		return nil, nil
	case node == nil:
		return nil, &NotFoundError{Message: "The path " + e.p.render(i) + " is null"}
	}
	return nil, &NotFoundError{Message: fmt.Sprintf("Filter: %s can only be applied to arrays. Current context is: %s", e.p.fragment(i), contextText(node))}
}

// selectIndexes returns the positions an index or slice step selects in an array of n
// elements; indexes out of range select nothing.
func (s *segment) selectIndexes(n int) []int {
	var out []int
	if s.kind == segIndex {
		for _, j := range s.indexes {
			if j < 0 {
				j += n
			}
			if j >= 0 && j < n {
				out = append(out, j)
			}
		}
		return out
	}
	sl := s.slice
	// Python's slice semantics: negative bounds count from the end, then clamp.
	lo, hi := 0, n
	if sl.step < 0 {
		lo, hi = -1, n-1
	}
	bound := func(j, def int, has bool) int {
		if !has {
			return def
		}
		if j < 0 {
			j += n
		}
		return min(max(j, lo), hi)
	}
	if sl.step > 0 {
		end := bound(sl.end, n, sl.hasEnd)
		for j := bound(sl.start, 0, sl.hasStart); j < end; j += sl.step {
			out = append(out, j)
			if sl.step >= end-j { // also keeps j+step from overflowing
				break
			}
		}
		return out
	}
	end := bound(sl.end, -1, sl.hasEnd)
	for j := bound(sl.start, n-1, sl.hasStart); j > end; j += sl.step {
		out = append(out, j)
	}
	return out
}

// each continues at step i with every member (in the object's order) or element of node.
func (e *evaluator) each(i int, node any) error {
	switch x := node.(type) {
	case *value.Object, map[string]any:
		o, _ := value.AsObject(x)
		for _, m := range o.Members() {
			if err := e.walk(i, m.Value); err != nil {
				return err
			}
		}
	case []any:
		for _, v := range x {
			if err := e.walk(i, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// scan applies step i to node and to every object and array below it, in document order.
// A filter after ".." tests the objects themselves, as Jayway's scan does.
func (e *evaluator) scan(i int, node any) error {
	if err := e.m.Step(1); err != nil {
		return err
	}
	switch node.(type) {
	case *value.Object, map[string]any:
		if e.p.segs[i].kind == segFilter {
			if !e.p.segs[i].filter.test(e.m, e.root, node) {
				break
			}
			if err := e.walk(i+1, node); err != nil {
				return err
			}
			break
		}
		if err := e.walk(i, node); err != nil {
			return err
		}
	case []any:
		if e.p.segs[i].kind != segFilter {
			if err := e.walk(i, node); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	return e.eachChild(node, func(v any) error { return e.scan(i, v) })
}

func (e *evaluator) eachChild(node any, f func(any) error) error {
	switch x := node.(type) {
	case *value.Object, map[string]any:
		o, _ := value.AsObject(x)
		for _, m := range o.Members() {
			if err := f(m.Value); err != nil {
				return err
			}
		}
	case []any:
		for _, v := range x {
			if err := f(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// filter keeps an object if it passes, or the elements of an array that pass.
func (e *evaluator) filter(i int, node any, strict bool) error {
	f := e.p.segs[i].filter
	switch x := node.(type) {
	case *value.Object, map[string]any:
		if f.test(e.m, e.root, x) {
			return e.walk(i+1, x)
		}
	case []any:
		for _, v := range x {
			if f.test(e.m, e.root, v) {
				if err := e.walk(i+1, v); err != nil {
					return err
				}
			}
		}
	default:
		if strict {
			return &EvalError{Message: fmt.Sprintf("Filter: %s can not be applied to primitives. Current context is: %s", e.p.fragment(i), contextText(node))}
		}
	}
	return nil
}

// javaClass names the Java class Jackson would decode v to, for Jayway's messages.
func javaClass(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "java.lang.Boolean"
	case string:
		return "java.lang.String"
	case []any:
		return "java.util.ArrayList"
	case *value.Object, map[string]any:
		return "java.util.LinkedHashMap"
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			if n == int64(int32(n)) {
				return "java.lang.Integer"
			}
			return "java.lang.Long"
		}
		if _, err := strconv.ParseFloat(string(x), 64); err == nil && isInteger(string(x)) {
			return "java.math.BigInteger"
		}
		return "java.lang.Double"
	}
	return fmt.Sprintf("%T", v)
}

func isInteger(s string) bool {
	for i, c := range s {
		if !(c >= '0' && c <= '9' || i == 0 && c == '-') {
			return false
		}
	}
	return true
}

// contextText renders a value as Java's toString would for Jackson's decoded Maps and Lists,
// in Jayway's messages: {a=1, b=[x, y]}.
func contextText(v any) string {
	var b strings.Builder
	writeJava(&b, v)
	return b.String()
}

func writeJava(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJava(b, e)
		}
		b.WriteByte(']')
	case *value.Object, map[string]any:
		o, _ := value.AsObject(x)
		b.WriteByte('{')
		for i, m := range o.Members() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.Key + "=")
			writeJava(b, m.Value)
		}
		b.WriteByte('}')
	default:
		b.WriteString(value.Encode(x))
	}
}
