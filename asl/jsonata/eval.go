package jsonata

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"time"

	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/asl/value"
)

func reflectPointer(m map[string]any) uintptr { return reflect.ValueOf(m).Pointer() }

// maxDepth bounds the evaluator's recursion (JSONata's U1001).
const maxDepth = 2000

// maxTailCalls bounds the tail calls of one evaluation: a tail-recursive loop runs in constant
// stack, so without it a non-terminating one would hang the state forever (the reference's
// test suite expects U1001 from its time limit).
const maxTailCalls = 1_000_000

// evaluator holds the state of one evaluation.
type evaluator struct {
	env       Env
	vars      map[string]any
	root      any
	depth     int
	tailCalls int
	now       time.Time
	nowOK     bool
	// meter bounds the evaluation's work and memory (a value: one allocation less).
	meter budget.Meter
}

// frame is a scope of variables bound inside the expression.
type frame struct {
	name   string
	value  any
	parent *frame
	many   map[string]any
}

func (f *frame) bind(name string, v any) *frame {
	return &frame{name: name, value: v, parent: f}
}

func (ev *evaluator) lookup(f *frame, name string) any {
	for ; f != nil; f = f.parent {
		if f.many != nil {
			if v, ok := f.many[name]; ok {
				return v
			}
			continue
		}
		if f.name == name {
			return f.value
		}
	}
	if v, ok := ev.vars[name]; ok {
		return v
	}
	if fn, ok := builtins[name]; ok {
		return fn
	}
	return undefined
}

func (ev *evaluator) timeNow() time.Time {
	if !ev.nowOK {
		ev.now = ev.env.now()
		ev.nowOK = true
	}
	return ev.now
}

// ownExpr is the evaluator in this package.
type ownExpr struct {
	root *node
	// fast is set for a plain "$var.name.name" path: evaluated by map lookups alone.
	fastVar   string
	fastNames []string
	fast      bool
}

func compileOwn(expr string) (backend, error) {
	n, err := parseExpr(expr)
	if err != nil {
		return nil, err
	}
	o := ownExpr{root: n}
	o.fastVar, o.fastNames, o.fast = simplePath(n)
	return o, nil
}

// simplePath recognises "$var.a.b" with no predicates, bindings or grouping.
func simplePath(n *node) (string, []string, bool) {
	if n.typ != "path" || n.group != nil || n.keepSingletonArray || n.tuple || len(n.predicate) > 0 || n.keepArray {
		return "", nil, false
	}
	first := n.steps[0]
	if first.typ != "variable" || first.value == "" || first.value == "$" {
		return "", nil, false
	}
	var names []string
	for i, st := range n.steps {
		if len(st.stages) > 0 || len(st.predicate) > 0 || st.group != nil || st.keepArray || st.focus != "" || st.index != "" || st.tuple {
			return "", nil, false
		}
		if i > 0 {
			if st.typ != "name" {
				return "", nil, false
			}
			names = append(names, st.value.(string))
		}
	}
	return first.value.(string), names, true
}

// fastEval evaluates a simple path; ok=false sends it to the general evaluator (an array on
// the way, or a variable that is not a plain value).
func (o ownExpr) fastEval(vars map[string]any) (v any, defined, ok bool) {
	cur, found := vars[o.fastVar]
	if !found {
		return nil, false, false
	}
	for _, name := range o.fastNames {
		switch x := cur.(type) {
		case *value.Object:
			cur, found = x.Get(name)
			if !found {
				return nil, false, true
			}
		case map[string]any:
			cur, found = x[name]
			if !found {
				return nil, false, true
			}
		case []any:
			return nil, false, false
		default:
			if x == nil || isFunc(x) {
				return nil, false, false
			}
			return nil, false, true
		}
	}
	switch cur.(type) {
	case nil, bool, string, *value.Object, map[string]any, []any:
		return cur, true, true
	}
	if _, isNumber := cur.(json.Number); isNumber {
		return cur, true, true
	}
	return nil, false, false
}

func (o ownExpr) eval(input any, vars map[string]any, env Env) (v any, defined bool, err error) {
	if o.fast {
		if v, defined, ok := o.fastEval(vars); ok {
			return v, defined, nil
		}
	}
	ev := &evaluator{env: env, vars: vars, root: input}
	ev.meter.Reset(env.Limits)
	if env.Spent != nil {
		defer func() {
			steps, _ := ev.meter.Used()
			*env.Spent += steps
		}()
	}
	defer func() {
		if r := recover(); r != nil {
			v, defined, err = nil, false, &Error{Code: "D1001", Message: fmt.Sprint("internal error: ", r)}
		}
	}()
	in := input
	if input == nil {
		in = undefined
	}
	if a, ok := input.([]any); ok {
		// An array input is wrapped so that paths over it keep it whole.
		in = &arr{items: []any{a}, outerWrapper: true, seq: true}
	}
	ev.root = in
	res, err := ev.eval(o.root, in, &frame{many: map[string]any{}})
	if err != nil {
		return nil, false, err
	}
	if s, ok := res.(*arr); ok && s.seq {
		res = collapse(s)
	}
	if res == undefined {
		return nil, false, nil
	}
	// A result may share its parts (["x" & ..., $a, $a] with $a bound once); exporting
	// unfolds them, so it is charged first, node by node.
	if err := ev.tree(res); err != nil {
		return nil, false, err
	}
	out, err := export(res)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// collapse unwraps a sequence of one item (unless it is to be kept) and turns an empty one into
// undefined.
func collapse(s *arr) any {
	if len(s.items) == 0 {
		return undefined
	}
	if len(s.items) == 1 && !s.keepSingleton {
		return s.items[0]
	}
	return s
}

func errAt(n *node, code, format string, args ...any) *Error {
	pos := 0
	if n != nil {
		pos = n.pos
	}
	return &Error{Code: code, Position: pos, Message: fmt.Sprintf(format, args...)}
}

func (ev *evaluator) eval(n *node, input any, f *frame) (any, error) {
	ev.depth++
	defer func() { ev.depth-- }()
	if ev.depth > maxDepth {
		return nil, errAt(n, "U1001", "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.")
	}
	if err := ev.meter.Step(1); err != nil {
		return nil, err
	}
	var res any
	var err error
	switch n.typ {
	case "path":
		res, err = ev.evalPath(n, input, f)
	case "binary":
		res, err = ev.evalBinary(n, input, f)
	case "unary":
		res, err = ev.evalUnary(n, input, f)
	case "name":
		res = lookupField(input, n.value.(string))
	case "string", "number", "value":
		res = n.value
	case "wildcard":
		res = wildcard(input)
	case "descendant":
		res, err = ev.descendants(input)
	case "parent":
		res = ev.lookup(f, n.slot.label)
	case "condition":
		res, err = ev.evalCondition(n, input, f)
	case "block":
		res, err = ev.evalBlock(n, input, f)
	case "bind":
		res, err = ev.eval(n.rhs, input, f)
		if err == nil {
			fr := f
			for fr != nil && fr.many == nil {
				fr = fr.parent
			}
			if fr != nil {
				fr.many[n.lhs.value.(string)] = res
			}
		}
	case "regex":
		res = &regexFn{re: n.value.(*jsRegex)}
	case "function":
		res, err = ev.evalFunction(n, input, f, nil)
	case "variable":
		res = ev.evalVariable(n, input, f)
	case "lambda":
		res = &lambda{n: n, input: input, env: f}
	case "partial":
		res, err = ev.evalPartial(n, input, f)
	case "apply":
		res, err = ev.evalApply(n, input, f)
	case "transform":
		res = &transformFn{n: n, ev: ev, env: f}
	case "sort":
		res, err = ev.evalSort(n, input, f)
	default:
		return nil, errAt(n, "D1001", "unknown node %s", n.typ)
	}
	if err != nil {
		return nil, err
	}
	for _, p := range n.predicate {
		res, err = ev.filter(p.lhs, res, f)
		if err != nil {
			return nil, err
		}
	}
	if n.typ != "path" && n.group != nil {
		res, err = ev.evalGroup(n.group, res, f)
		if err != nil {
			return nil, err
		}
	}
	if s, ok := res.(*arr); ok && s.seq && !s.tupleStream {
		if n.keepArray {
			s.keepSingleton = true
		}
		res = collapse(s)
	}
	return res, nil
}

func (ev *evaluator) evalVariable(n *node, input any, f *frame) any {
	name := n.value.(string)
	if name == "" {
		if s, ok := input.(*arr); ok && s.outerWrapper {
			return s.items[0]
		}
		return input
	}
	if name == "$" {
		return ev.root
	}
	return ev.lookup(f, name)
}

func lookupField(input any, name string) any {
	switch x := input.(type) {
	case *value.Object:
		if v, ok := x.Get(name); ok {
			return v
		}
		return undefined
	case map[string]any:
		if v, ok := x[name]; ok {
			return v
		}
		return undefined
	}
	if it, ok := items(input); ok {
		out := newSeq()
		for _, e := range it {
			v := lookupField(e, name)
			if v == undefined {
				continue
			}
			if vi, ok := items(v); ok && !isCons(v) {
				out.items = append(out.items, vi...)
			} else {
				out.items = append(out.items, v)
			}
		}
		return out
	}
	return undefined
}

func isCons(v any) bool {
	a, ok := v.(*arr)
	return ok && a.cons
}

func wildcard(input any) any {
	out := newSeq()
	if s, ok := input.(*arr); ok && s.outerWrapper && len(s.items) > 0 {
		input = s.items[0]
	}
	if a, ok := items(input); ok {
		// An array is an object whose keys are its indexes.
		for _, v := range a {
			if vi, ok := items(v); ok {
				out.items = append(out.items, flatten(vi, nil)...)
			} else {
				out.items = append(out.items, v)
			}
		}
		return out
	}
	if m, ok := value.AsObject(input); ok {
		for _, mb := range m.Members() {
			v := mb.Value
			if vi, ok := items(v); ok {
				out.items = append(out.items, flatten(vi, nil)...)
			} else {
				out.items = append(out.items, v)
			}
		}
	}
	return out
}

func flatten(in []any, out []any) []any {
	for _, e := range in {
		if ei, ok := items(e); ok {
			out = flatten(ei, out)
		} else {
			out = append(out, e)
		}
	}
	return out
}

func (ev *evaluator) descendants(input any) (any, error) {
	out := newSeq()
	if input != undefined {
		if err := ev.recurseDesc(input, out); err != nil {
			return nil, err
		}
	}
	if len(out.items) == 1 {
		return out.items[0], nil
	}
	return out, nil
}

// recurseDesc collects the descendants; it is charged as it goes, since a value that shares
// its parts has exponentially many.
func (ev *evaluator) recurseDesc(input any, out *arr) error {
	if err := ev.meter.Step(1); err != nil {
		return err
	}
	if !isArray(input) {
		if err := ev.allocElems(1); err != nil {
			return err
		}
		out.items = append(out.items, input)
	}
	if it, ok := items(input); ok {
		for _, e := range it {
			if err := ev.recurseDesc(e, out); err != nil {
				return err
			}
		}
	} else if m, ok := value.AsObject(input); ok {
		for _, mb := range m.Members() {
			if err := ev.recurseDesc(mb.Value, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---- paths

func (ev *evaluator) evalPath(n *node, input any, f *frame) (any, error) {
	var inSeq []any
	if it, ok := items(input); ok && n.steps[0].typ != "variable" {
		inSeq = it
	} else {
		inSeq = []any{input}
	}
	var result any = undefined
	var resSeq *arr
	tupleStream := false
	var tuples []*tuple
	for i, step := range n.steps {
		if step.tuple {
			tupleStream = true
		}
		var err error
		if i == 0 && step.consarray {
			r, err := ev.eval(step, &arr{items: inSeq, seq: true}, f)
			if err != nil {
				return nil, err
			}
			if ri, ok := items(r); ok {
				resSeq = &arr{items: ri, seq: true}
			} else if r == undefined {
				resSeq = newSeq()
			} else {
				resSeq = newSeq(r)
			}
		} else if tupleStream {
			tuples, err = ev.tupleStep(step, inSeq, tuples, f)
			if err != nil {
				return nil, err
			}
			if tuples == nil {
				tuples = []*tuple{} // started, and empty
			}
		} else {
			resSeq, err = ev.evalStep(step, inSeq, f, i == len(n.steps)-1)
			if err != nil {
				return nil, err
			}
		}
		if !tupleStream && (resSeq == nil || len(resSeq.items) == 0) {
			resSeq = nil
			break
		}
		if step.focus == "" && !tupleStream {
			inSeq = resSeq.items
		}
	}
	if tupleStream {
		if n.keepTuples {
			// The tuple stream carries ancestors to the enclosing path.
			ts := &arr{seq: true, tupleStream: true, items: make([]any, len(tuples))}
			for i, t := range tuples {
				ts.items[i] = t
			}
			return ts, nil
		}
		resSeq = newSeq()
		for _, t := range tuples {
			resSeq.items = append(resSeq.items, t.at)
		}
	}
	if resSeq != nil {
		result = resSeq
	}
	if n.keepSingletonArray {
		if resSeq == nil {
			resSeq = newSeq()
		} else if resSeq.cons {
			// The path's value is one constructed array: keep it whole inside the sequence.
			resSeq = newSeq(&arr{items: resSeq.items, cons: true})
		}
		resSeq.keepSingleton = true
		result = resSeq
	}
	if n.group != nil {
		var err error
		if tupleStream {
			result, err = ev.evalGroupTuples(n.group, tuples, f)
		} else {
			result, err = ev.evalGroup(n.group, result, f)
		}
		if err != nil {
			return nil, err
		}
	}
	return result, nil
}

func (ev *evaluator) evalStep(step *node, input []any, f *frame, last bool) (*arr, error) {
	if step.typ == "sort" {
		r, err := ev.evalSort(step, &arr{items: input, seq: true}, f)
		if err != nil {
			return nil, err
		}
		for _, st := range step.stages {
			if r, err = ev.filter(st.lhs, r, f); err != nil {
				return nil, err
			}
		}
		if s, ok := r.(*arr); ok {
			return s, nil
		}
		return newSeq(r), nil
	}
	var results []any
	for _, item := range input {
		r, err := ev.eval(step, item, f)
		if err != nil {
			return nil, err
		}
		for _, st := range step.stages {
			if st.typ == "filter" {
				if r, err = ev.filter(st.lhs, r, f); err != nil {
					return nil, err
				}
			}
		}
		if r != undefined {
			results = append(results, r)
		}
	}
	if err := ev.allocElems(len(results)); err != nil {
		return nil, err
	}
	out := newSeq()
	if last && len(results) == 1 {
		if _, ok := items(results[0]); ok && !isSeq(results[0]) {
			if a, ok := results[0].([]any); ok {
				return &arr{items: a, seq: true, keepSingleton: true}, nil
			}
			a := results[0].(*arr)
			return &arr{items: a.items, seq: true, keepSingleton: true, cons: a.cons}, nil
		}
	}
	for _, r := range results {
		if ri, ok := items(r); ok && !isCons(r) {
			if err := ev.allocElems(len(ri)); err != nil {
				return nil, err
			}
			out.items = append(out.items, ri...)
		} else {
			out.items = append(out.items, r)
		}
	}
	return out, nil
}

// tuple is one item of a tuple stream: the context value and the variables bound so far.
type tuple struct {
	at   any
	vars map[string]any
}

func (t *tuple) frame(f *frame) *frame {
	return &frame{parent: f, many: t.vars}
}

func (ev *evaluator) tupleStep(step *node, input []any, tuples []*tuple, f *frame) ([]*tuple, error) {
	if tuples == nil {
		for _, in := range input {
			tuples = append(tuples, &tuple{at: in, vars: map[string]any{}})
		}
	}
	if step.typ == "sort" {
		sorted, err := ev.sortTuples(step, tuples, f)
		if err != nil {
			return nil, err
		}
		if step.index != "" {
			for i, t := range sorted {
				t.vars[step.index] = float64(i)
			}
		}
		return ev.tupleStages(step, sorted, f)
	}
	var out []*tuple
	for _, t := range tuples {
		fr := t.frame(f)
		r, err := ev.eval(step, t.at, fr)
		if err != nil {
			return nil, err
		}
		if r == undefined {
			continue
		}
		if ts, ok := r.(*arr); ok && ts.tupleStream {
			// A nested path that carries ancestors: merge its bindings.
			for _, x := range ts.items {
				rt := x.(*tuple)
				nt := &tuple{at: rt.at, vars: make(map[string]any, len(t.vars)+len(rt.vars))}
				for k, v := range t.vars {
					nt.vars[k] = v
				}
				for k, v := range rt.vars {
					nt.vars[k] = v
				}
				out = append(out, nt)
			}
			continue
		}
		rs, ok := items(r)
		if !ok {
			rs = []any{r}
		}
		for i, v := range rs {
			nt := &tuple{vars: make(map[string]any, len(t.vars)+2)}
			for k, x := range t.vars {
				nt.vars[k] = x
			}
			if step.focus != "" {
				nt.vars[step.focus] = v
				nt.at = t.at
			} else {
				nt.at = v
			}
			if step.index != "" {
				nt.vars[step.index] = float64(i)
			}
			if step.ancestor != nil {
				nt.vars[step.ancestor.label] = t.at
			}
			out = append(out, nt)
		}
	}
	return ev.tupleStages(step, out, f)
}

// tupleStages applies a step's filters and index bindings to the whole tuple stream.
func (ev *evaluator) tupleStages(step *node, stream []*tuple, f *frame) ([]*tuple, error) {
	for _, st := range step.stages {
		if st.typ == "index" {
			for i, nt := range stream {
				nt.vars[st.value.(string)] = float64(i)
			}
			continue
		}
		var kept []*tuple
		for i, nt := range stream {
			ok, err := ev.predicateKeeps(st.lhs, nt.at, nt.frame(f), i, len(stream))
			if err != nil {
				return nil, err
			}
			if ok {
				kept = append(kept, nt)
			}
		}
		stream = kept
	}
	return stream, nil
}

// predicateKeeps evaluates a filter for the item at index of n items.
func (ev *evaluator) predicateKeeps(pred *node, item any, f *frame, index, n int) (bool, error) {
	if pred.typ == "number" {
		i := int(math.Floor(pred.value.(float64)))
		if i < 0 {
			i += n
		}
		return i == index, nil
	}
	r, err := ev.eval(pred, item, f)
	if err != nil {
		return false, err
	}
	if isNum(r) {
		r = []any{r}
	}
	if ri, ok := items(r); ok && len(ri) > 0 && allNumbers(ri) {
		for _, x := range ri {
			fx, _ := toNum(x)
			i := int(math.Floor(fx))
			if i < 0 {
				i += n
			}
			if i == index {
				return true, nil
			}
		}
		return false, nil
	}
	b, _ := truthy(r)
	return b, nil
}

func allNumbers(a []any) bool {
	for _, x := range a {
		if !isNum(x) {
			return false
		}
	}
	return true
}

func (ev *evaluator) filter(pred *node, input any, f *frame) (any, error) {
	if input == undefined {
		return undefined, nil
	}
	in, ok := items(input)
	if !ok {
		in = []any{input}
	}
	out := newSeq()
	if pred.typ == "number" {
		i := int(math.Floor(pred.value.(float64)))
		if i < 0 {
			i += len(in)
		}
		if i >= 0 && i < len(in) {
			item := in[i]
			if ii, ok := items(item); ok {
				if a, ok := item.(*arr); ok {
					return a, nil
				}
				return &arr{items: ii, seq: true}, nil
			}
			out.items = append(out.items, item)
		}
		return out, nil
	}
	for i, item := range in {
		keep, err := ev.predicateKeeps(pred, item, f, i, len(in))
		if err != nil {
			return nil, err
		}
		if keep {
			out.items = append(out.items, item)
		}
	}
	return out, nil
}

// ---- operators

func (ev *evaluator) evalBinary(n *node, input any, f *frame) (any, error) {
	op := n.value.(string)
	lhs, err := ev.eval(n.lhs, input, f)
	if err != nil {
		return nil, err
	}
	switch op {
	case "and":
		if b, _ := truthy(lhs); !b {
			return false, nil
		}
		rhs, err := ev.eval(n.rhs, input, f)
		if err != nil {
			return nil, err
		}
		b, _ := truthy(rhs)
		return b, nil
	case "or":
		if b, _ := truthy(lhs); b {
			return true, nil
		}
		rhs, err := ev.eval(n.rhs, input, f)
		if err != nil {
			return nil, err
		}
		b, _ := truthy(rhs)
		return b, nil
	case "??":
		if lhs != undefined {
			return lhs, nil
		}
		return ev.eval(n.rhs, input, f)
	}
	rhs, err := ev.eval(n.rhs, input, f)
	if err != nil {
		return nil, err
	}
	switch op {
	case "+", "-", "*", "/", "%":
		return arith(n, op, lhs, rhs)
	case "=", "!=":
		if lhs == undefined || rhs == undefined {
			return false, nil
		}
		eq := deepEqual(lhs, rhs)
		if op == "=" {
			return eq, nil
		}
		return !eq, nil
	case "<", "<=", ">", ">=":
		return compare(n, op, lhs, rhs)
	case "&":
		for _, v := range [2]any{lhs, rhs} {
			if _, ok := v.(string); !ok && v != undefined {
				if err := ev.tree(v); err != nil {
					return nil, err
				}
			}
		}
		ls, err := stringOf(lhs)
		if err != nil {
			return nil, err
		}
		rs, err := stringOf(rhs)
		if err != nil {
			return nil, err
		}
		if err := ev.meter.Alloc(int64(len(ls) + len(rs))); err != nil {
			return nil, err
		}
		return ls + rs, nil
	case "..":
		return ev.rangeOp(n, lhs, rhs)
	case "in":
		if lhs == undefined || rhs == undefined {
			return false, nil
		}
		ri, ok := items(rhs)
		if !ok {
			ri = []any{rhs}
		}
		for _, x := range ri {
			if deepEqual(x, lhs) {
				return true, nil
			}
		}
		return false, nil
	}
	return nil, errAt(n, "D1001", "unknown operator %s", op)
}

// stringOf is $string for concatenation: undefined becomes "".
func stringOf(v any) (string, error) {
	if v == undefined {
		return "", nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	return stringify(v, false)
}

func arith(n *node, op string, lhs, rhs any) (any, error) {
	if lhs != undefined && !isNum(lhs) {
		return nil, errAt(n, "T2001", "The left side of the %s operator must evaluate to a number", op)
	}
	if rhs != undefined && !isNum(rhs) {
		return nil, errAt(n, "T2002", "The right side of the %s operator must evaluate to a number", op)
	}
	if lhs == undefined || rhs == undefined {
		return undefined, nil
	}
	a, _ := toNum(lhs)
	b, _ := toNum(rhs)
	var r float64
	switch op {
	case "+":
		r = a + b
	case "-":
		r = a - b
	case "*":
		r = a * b
	case "/":
		r = a / b
	case "%":
		r = math.Mod(a, b)
	}
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return nil, errAt(n, "D1001", "Number out of range: %s", formatNumberJS(r))
	}
	return r, nil
}

func compare(n *node, op string, lhs, rhs any) (any, error) {
	lok := lhs == undefined || isNum(lhs) || isString(lhs)
	rok := rhs == undefined || isNum(rhs) || isString(rhs)
	if !lok || !rok {
		return nil, errAt(n, "T2010", "The expressions either side of operator %q must evaluate to numeric or string values", op)
	}
	if lhs == undefined || rhs == undefined {
		return undefined, nil
	}
	if isNum(lhs) && isNum(rhs) {
		a, _ := toNum(lhs)
		b, _ := toNum(rhs)
		switch op {
		case "<":
			return a < b, nil
		case "<=":
			return a <= b, nil
		case ">":
			return a > b, nil
		}
		return a >= b, nil
	}
	a, aok := lhs.(string)
	b, bok := rhs.(string)
	if !aok || !bok {
		return nil, errAt(n, "T2009", "The values %s and %s either side of operator %q must be of the same data type", show(lhs), show(rhs), op)
	}
	c := value.CompareStrings(a, b)
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func show(v any) string {
	s, _ := stringify(v, false)
	return s
}

func (ev *evaluator) rangeOp(n *node, lhs, rhs any) (any, error) {
	if lhs != undefined {
		if f, ok := toNum(lhs); !ok || f != math.Trunc(f) {
			return nil, errAt(n, "T2003", "The left side of the range operator (..) must evaluate to an integer")
		}
	}
	if rhs != undefined {
		if f, ok := toNum(rhs); !ok || f != math.Trunc(f) {
			return nil, errAt(n, "T2004", "The right side of the range operator (..) must evaluate to an integer")
		}
	}
	if lhs == undefined || rhs == undefined {
		return undefined, nil
	}
	a, _ := toNum(lhs)
	b, _ := toNum(rhs)
	if a > b {
		return undefined, nil
	}
	if b-a+1 > 1e7 {
		return nil, errAt(n, "D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate %s.", formatNumberJS(b-a+1))
	}
	if err := ev.allocElems(int(b - a + 1)); err != nil {
		return nil, err
	}
	out := &arr{items: make([]any, 0, int(b-a+1)), seq: true}
	for x := a; x <= b; x++ {
		out.items = append(out.items, x)
	}
	return out, nil
}

func (ev *evaluator) evalUnary(n *node, input any, f *frame) (any, error) {
	switch n.value {
	case "-":
		v, err := ev.eval(n.lhs, input, f)
		if err != nil {
			return nil, err
		}
		if v == undefined {
			return undefined, nil
		}
		x, ok := toNum(v)
		if !ok {
			return nil, errAt(n, "D1002", "Cannot negate a non-numeric value: %s", show(v))
		}
		return -x, nil
	case "[":
		out := &arr{}
		for _, e := range n.exprs {
			v, err := ev.eval(e, input, f)
			if err != nil {
				return nil, err
			}
			if v == undefined {
				continue
			}
			if e.typ == "unary" && e.value == "[" {
				out.items = append(out.items, v)
			} else if vi, ok := items(v); ok {
				out.items = append(out.items, vi...)
			} else {
				out.items = append(out.items, v)
			}
		}
		if err := ev.allocElems(len(out.items) + 1); err != nil {
			return nil, err
		}
		if n.consarray {
			return &arr{items: out.items, cons: true}, nil
		}
		return out, nil
	case "{":
		return ev.evalGroup(n, input, f)
	}
	return nil, errAt(n, "D1001", "unknown unary %v", n.value)
}

// evalGroup evaluates an object constructor over a sequence: each key expression groups items.
func (ev *evaluator) evalGroup(n *node, input any, f *frame) (any, error) {
	in, ok := items(input)
	if !ok {
		if input == undefined {
			in = nil
		} else {
			in = []any{input}
		}
	}
	if len(in) == 0 {
		in = []any{undefined}
	}
	type group struct {
		data  []any
		index int
	}
	groups := map[string]*group{}
	var order []string
	for _, item := range in {
		for pi, pr := range n.pairs {
			k, err := ev.eval(pr[0], item, f)
			if err != nil {
				return nil, err
			}
			if k == undefined {
				continue
			}
			ks, ok := k.(string)
			if !ok {
				return nil, errAt(n, "T1003", "Key in object structure must evaluate to a string; got: %s", show(k))
			}
			if g, ok := groups[ks]; ok {
				if g.index != pi {
					return nil, errAt(n, "D1009", "Multiple key definitions evaluate to same key: %q", ks)
				}
				g.data = append(g.data, item)
			} else {
				groups[ks] = &group{data: []any{item}, index: pi}
				order = append(order, ks)
			}
		}
	}
	if err := ev.meter.Alloc(int64(len(groups)) * budget.Member); err != nil {
		return nil, err
	}
	out := value.NewObject(len(groups))
	for _, k := range order {
		g := groups[k]
		var ctx any
		if len(g.data) == 1 {
			ctx = g.data[0]
		} else {
			ctx = newSeq(g.data...)
		}
		v, err := ev.eval(n.pairs[g.index][1], ctx, f)
		if err != nil {
			return nil, err
		}
		if v != undefined {
			out.Set(k, v)
		}
	}
	return out, nil
}

func (ev *evaluator) evalGroupTuples(n *node, tuples []*tuple, f *frame) (any, error) {
	type group struct {
		data  []*tuple
		index int
	}
	groups := map[string]*group{}
	var order []string
	for _, t := range tuples {
		fr := t.frame(f)
		for pi, pr := range n.pairs {
			k, err := ev.eval(pr[0], t.at, fr)
			if err != nil {
				return nil, err
			}
			if k == undefined {
				continue
			}
			ks, ok := k.(string)
			if !ok {
				return nil, errAt(n, "T1003", "Key in object structure must evaluate to a string; got: %s", show(k))
			}
			if g, ok := groups[ks]; ok {
				if g.index != pi {
					return nil, errAt(n, "D1009", "Multiple key definitions evaluate to same key: %q", ks)
				}
				g.data = append(g.data, t)
			} else {
				groups[ks] = &group{data: []*tuple{t}, index: pi}
				order = append(order, ks)
			}
		}
	}
	out := value.NewObject(len(groups))
	for _, k := range order {
		g := groups[k]
		// Merge the tuples: the context is the sequence of their values, each variable the
		// sequence of its values.
		vars := map[string]any{}
		var ctxItems []any
		for _, t := range g.data {
			ctxItems = append(ctxItems, t.at)
			for name, v := range t.vars {
				if old, ok := vars[name]; ok {
					if s, ok := old.(*arr); ok && s.seq {
						s.items = append(s.items, v)
					} else {
						vars[name] = newSeq(old, v)
					}
				} else {
					vars[name] = v
				}
			}
		}
		var ctx any = newSeq(ctxItems...)
		if len(ctxItems) == 1 {
			ctx = ctxItems[0]
		}
		v, err := ev.eval(n.pairs[g.index][1], ctx, &frame{parent: f, many: vars})
		if err != nil {
			return nil, err
		}
		if v != undefined {
			out.Set(k, v)
		}
	}
	return out, nil
}

func (ev *evaluator) evalCondition(n *node, input any, f *frame) (any, error) {
	c, err := ev.eval(n.cond, input, f)
	if err != nil {
		return nil, err
	}
	if b, _ := truthy(c); b {
		if n.value == "?:" {
			return c, nil
		}
		return ev.eval(n.then, input, f)
	}
	if n.els != nil {
		return ev.eval(n.els, input, f)
	}
	return undefined, nil
}

func (ev *evaluator) evalBlock(n *node, input any, f *frame) (any, error) {
	var res any = undefined
	local := &frame{parent: f, many: map[string]any{}}
	for _, e := range n.exprs {
		var err error
		res, err = ev.evalIn(e, input, local)
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// evalIn evaluates with bindings (":=") going into the frame f.
func (ev *evaluator) evalIn(n *node, input any, f *frame) (any, error) {
	if n.typ == "bind" {
		v, err := ev.eval(n.rhs, input, f)
		if err != nil {
			return nil, err
		}
		if f.many == nil {
			f.many = map[string]any{}
		}
		f.many[n.lhs.value.(string)] = v
		return v, nil
	}
	return ev.eval(n, input, f)
}

// ---- sorting

func (ev *evaluator) evalSort(n *node, input any, f *frame) (any, error) {
	in, ok := items(input)
	if !ok {
		if input == undefined {
			return undefined, nil
		}
		in = []any{input}
	}
	type keyed struct {
		v    any
		keys []any
	}
	ks := make([]keyed, len(in))
	for i, item := range in {
		ks[i].v = item
		for _, t := range n.terms {
			k, err := ev.eval(t.expr, item, f)
			if err != nil {
				return nil, err
			}
			ks[i].keys = append(ks[i].keys, k)
		}
	}
	var sortErr error
	sort.SliceStable(ks, func(i, j int) bool {
		for ti, t := range n.terms {
			c, err := compareKeys(n, ks[i].keys[ti], ks[j].keys[ti])
			if err != nil && sortErr == nil {
				sortErr = err
			}
			if c == 0 {
				continue
			}
			if t.desc {
				return c > 0
			}
			return c < 0
		}
		return false
	})
	if sortErr != nil {
		return nil, sortErr
	}
	out := newSeq()
	for _, k := range ks {
		out.items = append(out.items, k.v)
	}
	return out, nil
}

func (ev *evaluator) sortTuples(n *node, tuples []*tuple, f *frame) ([]*tuple, error) {
	keys := make([][]any, len(tuples))
	for i, t := range tuples {
		fr := t.frame(f)
		for _, term := range n.terms {
			k, err := ev.eval(term.expr, t.at, fr)
			if err != nil {
				return nil, err
			}
			keys[i] = append(keys[i], k)
		}
	}
	idx := make([]int, len(tuples))
	for i := range idx {
		idx[i] = i
	}
	var sortErr error
	sort.SliceStable(idx, func(a, b int) bool {
		for ti, t := range n.terms {
			c, err := compareKeys(n, keys[idx[a]][ti], keys[idx[b]][ti])
			if err != nil && sortErr == nil {
				sortErr = err
			}
			if c == 0 {
				continue
			}
			if t.desc {
				return c > 0
			}
			return c < 0
		}
		return false
	})
	if sortErr != nil {
		return nil, sortErr
	}
	out := make([]*tuple, len(tuples))
	for i, j := range idx {
		out[i] = tuples[j]
	}
	return out, nil
}

func compareKeys(n *node, a, b any) (int, error) {
	if a == undefined && b == undefined {
		return 0, nil
	}
	if a == undefined {
		return 1, nil
	}
	if b == undefined {
		return -1, nil
	}
	if !(isNum(a) || isString(a)) || !(isNum(b) || isString(b)) {
		return 0, errAt(n, "T2008", "The expressions within an order-by clause must evaluate to numeric or string values")
	}
	if isNum(a) != isNum(b) {
		return 0, errAt(n, "T2007", "Type mismatch when comparing values %s and %s in order-by clause", show(a), show(b))
	}
	if isNum(a) {
		x, _ := toNum(a)
		y, _ := toNum(b)
		switch {
		case x < y:
			return -1, nil
		case x > y:
			return 1, nil
		}
		return 0, nil
	}
	return value.CompareStrings(a.(string), b.(string)), nil
}
