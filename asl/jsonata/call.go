package jsonata

import (
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
)

// lambda is a function defined in an expression (a closure), or a tail call (thunk).
type lambda struct {
	n     *node
	input any
	env   *frame
}

// native is a built-in function.
type native struct {
	name string
	sig  *signature
	fn   func(ev *evaluator, args []any, input any) (any, error)
}

// partialFn is a function with some arguments fixed ("?" placeholders left open).
type partialFn struct {
	fn   any
	args []any // placeholder marks an open slot
}

type placeholderType struct{}

var placeholder any = placeholderType{}

// regexFn is a regular expression used as a function: it returns the first match object.
type regexFn struct{ re *jsRegex }

// transformFn is the function "| pattern | update, delete |".
type transformFn struct {
	n   *node
	ev  *evaluator
	env *frame
}

func arity(fn any) int {
	switch x := fn.(type) {
	case *lambda:
		return len(x.n.params)
	case *native:
		if x.sig == nil {
			return 1
		}
		n := 0
		for _, p := range x.sig.params {
			if !p.optional {
				n++
			}
		}
		return n
	case *partialFn:
		n := 0
		for _, a := range x.args {
			if a == placeholder {
				n++
			}
		}
		return n
	case *regexFn, *transformFn:
		return 1
	}
	return 0
}

func (ev *evaluator) evalFunction(n *node, input any, f *frame, applyTo []any) (any, error) {
	proc, err := ev.eval(n.lhs, input, f)
	if err != nil {
		return nil, err
	}
	if proc == undefined && n.lhs.typ == "path" && len(n.lhs.steps) == 1 && n.lhs.steps[0].typ == "name" {
		return nil, errAt(n, "T1005", "Attempted to invoke a non-function. Did you mean ${%s}?", n.lhs.steps[0].value)
	}
	args := append([]any(nil), applyTo...)
	for _, a := range n.args {
		v, err := ev.eval(a, input, f)
		if err != nil {
			return nil, err
		}
		if fn, ok := v.(*lambda); ok && fn.n.thunk {
			// A thunk passed as an argument is resolved first.
			v, err = ev.resolve(fn)
			if err != nil {
				return nil, err
			}
		}
		args = append(args, v)
	}
	return ev.apply(n, proc, args, input)
}

// apply calls a function value and resolves tail calls.
func (ev *evaluator) apply(n *node, proc any, args []any, input any) (any, error) {
	res, err := ev.applyInner(n, proc, args, input)
	if err != nil {
		return nil, err
	}
	if l, ok := res.(*lambda); ok && l.n.thunk {
		return ev.resolve(l)
	}
	return res, nil
}

func (ev *evaluator) resolve(l *lambda) (any, error) {
	var res any = l
	for {
		t, ok := res.(*lambda)
		if !ok || !t.n.thunk {
			return res, nil
		}
		call := t.n.body
		ev.tailCalls++
		if ev.tailCalls > maxTailCalls {
			return nil, errAt(call, "U1001", "Stack overflow error: Check for non-terminating tail-recursive function (more than %d tail calls)", maxTailCalls)
		}
		next, err := ev.eval(call.lhs, t.input, t.env)
		if err != nil {
			return nil, err
		}
		if next == undefined && call.lhs.typ == "path" && len(call.lhs.steps) == 1 && call.lhs.steps[0].typ == "name" {
			return nil, errAt(call, "T1005", "Attempted to invoke a non-function. Did you mean ${%s}?", call.lhs.steps[0].value)
		}
		var args []any
		for _, a := range call.args {
			v, err := ev.eval(a, t.input, t.env)
			if err != nil {
				return nil, err
			}
			if fn, ok := v.(*lambda); ok && fn.n.thunk {
				if v, err = ev.resolve(fn); err != nil {
					return nil, err
				}
			}
			args = append(args, v)
		}
		res, err = ev.applyInner(call, next, args, t.input)
		if err != nil {
			return nil, err
		}
	}
}

func (ev *evaluator) applyInner(n *node, proc any, args []any, input any) (any, error) {
	ev.depth++
	defer func() { ev.depth-- }()
	if ev.depth > maxDepth {
		return nil, errAt(n, "U1001", "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.")
	}
	switch fn := proc.(type) {
	case *lambda:
		if fn.n.sig != nil {
			v, err := fn.n.sig.validate("lambda", args, input)
			if err != nil {
				return nil, err
			}
			args = v
		}
		fr := &frame{parent: fn.env, many: make(map[string]any, len(fn.n.params))}
		for i, p := range fn.n.params {
			if i < len(args) {
				fr.many[p] = args[i]
			} else {
				fr.many[p] = undefined
			}
		}
		return ev.evalIn(fn.n.body, fn.input, fr)
	case *native:
		if fn.sig != nil {
			v, err := fn.sig.validate(fn.name, args, input)
			if err != nil {
				if e, ok := err.(*Error); ok && n != nil {
					e.Position = n.pos
				}
				return nil, err
			}
			args = v
		}
		if err := ev.chargeArgs(args); err != nil {
			return nil, err
		}
		res, err := fn.fn(ev, args, input)
		if err != nil {
			if e, ok := err.(*Error); ok && e.Position == 0 && n != nil {
				e.Position = n.pos
			}
			return nil, err
		}
		if err := ev.chargeResult(res); err != nil {
			return nil, err
		}
		return res, nil
	case *partialFn:
		full := make([]any, 0, len(fn.args))
		ai := 0
		for _, a := range fn.args {
			if a == placeholder {
				if ai < len(args) {
					full = append(full, args[ai])
				} else {
					full = append(full, undefined)
				}
				ai++
			} else {
				full = append(full, a)
			}
		}
		return ev.apply(n, fn.fn, full, input)
	case *regexFn:
		if len(args) == 0 || args[0] == undefined {
			return undefined, nil
		}
		s, ok := args[0].(string)
		if !ok {
			return undefined, nil
		}
		return fn.re.matchObject(s, 0), nil
	case *transformFn:
		if len(args) == 0 {
			return undefined, nil
		}
		return ev.transform(fn, args[0])
	}
	return nil, errAt(n, "T1006", "Attempted to invoke a non-function")
}

func (ev *evaluator) evalPartial(n *node, input any, f *frame) (any, error) {
	proc, err := ev.eval(n.lhs, input, f)
	if err != nil {
		return nil, err
	}
	if !isFunc(proc) {
		if proc == undefined && n.lhs.typ == "path" && len(n.lhs.steps) == 1 && n.lhs.steps[0].typ == "name" {
			return nil, errAt(n, "T1007", "Attempted to partially apply a non-function. Did you mean ${%s}?", n.lhs.steps[0].value)
		}
		return nil, errAt(n, "T1008", "Attempted to partially apply a non-function")
	}
	p := &partialFn{fn: proc}
	for _, a := range n.args {
		if a.typ == "operator" && a.value == "?" {
			p.args = append(p.args, placeholder)
			continue
		}
		v, err := ev.eval(a, input, f)
		if err != nil {
			return nil, err
		}
		p.args = append(p.args, v)
	}
	return p, nil
}

func (ev *evaluator) evalApply(n *node, input any, f *frame) (any, error) {
	lhs, err := ev.eval(n.lhs, input, f)
	if err != nil {
		return nil, err
	}
	if n.rhs.typ == "function" {
		// Invoke the function with the lhs as its first argument.
		r, err := ev.evalFunctionResolved(n.rhs, input, f, []any{lhs})
		if s, ok := r.(*arr); ok && err == nil && n.rhs.keepArray && s.seq {
			s.keepSingleton = true
		}
		return r, err
	}
	fn, err := ev.eval(n.rhs, input, f)
	if err != nil {
		return nil, err
	}
	if !isFunc(fn) {
		return nil, errAt(n, "T2006", "The right side of the function application operator ~> must be a function")
	}
	if isFunc(lhs) {
		// Function composition.
		return &native{name: "composed", fn: func(ev *evaluator, args []any, input any) (any, error) {
			r, err := ev.apply(n, lhs, args, input)
			if err != nil {
				return nil, err
			}
			return ev.apply(n, fn, []any{r}, input)
		}}, nil
	}
	return ev.apply(n, fn, []any{lhs}, input)
}

func (ev *evaluator) evalFunctionResolved(n *node, input any, f *frame, applyTo []any) (any, error) {
	res, err := ev.evalFunction(n, input, f, applyTo)
	if err != nil {
		return nil, err
	}
	if l, ok := res.(*lambda); ok && l.n.thunk {
		return ev.resolve(l)
	}
	return res, nil
}

// ---- transform

func (ev *evaluator) transform(t *transformFn, obj any) (any, error) {
	if obj == undefined {
		return undefined, nil
	}
	if !isArray(obj) {
		if !value.IsObject(obj) {
			return nil, errAt(t.n, "T0410", "Argument 1 of function \"transform\" does not match function signature")
		}
	}
	result := deepClone(obj)
	matches, err := ev.eval(t.n.pattern, result, t.env)
	if err != nil {
		return nil, err
	}
	if matches == undefined {
		return result, nil
	}
	ms, ok := items(matches)
	if !ok {
		ms = []any{matches}
	}
	for _, m := range ms {
		mm, ok := m.(*value.Object) // deepClone made every object of result an *value.Object
		if !ok {
			continue
		}
		upd, err := ev.eval(t.n.update, mm, t.env)
		if err != nil {
			return nil, err
		}
		if upd != undefined {
			um, ok := value.AsObject(upd)
			if !ok {
				return nil, errAt(t.n.update, "T2011", "The insert/update clause of the transform expression must evaluate to an object: %s", show(upd))
			}
			for _, m := range um.Members() {
				mm.Set(m.Key, m.Value)
			}
		}
		if t.n.delete != nil {
			del, err := ev.eval(t.n.delete, mm, t.env)
			if err != nil {
				return nil, err
			}
			if del != undefined {
				ds, ok := items(del)
				if !ok {
					ds = []any{del}
				}
				for _, d := range ds {
					s, ok := d.(string)
					if !ok {
						return nil, errAt(t.n.delete, "T2012", "The delete clause of the transform expression must evaluate to a string or array of strings: %s", show(del))
					}
					mm.Delete(s)
				}
			}
		}
	}
	return result, nil
}

func deepClone(v any) any {
	switch x := v.(type) {
	case *value.Object, map[string]any:
		o, _ := value.AsObject(x)
		out := value.NewObject(o.Len())
		for _, m := range o.Members() {
			out.Set(m.Key, deepClone(m.Value))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepClone(e)
		}
		return out
	case *arr:
		c := *x
		c.items = make([]any, len(x.items))
		for i, e := range x.items {
			c.items[i] = deepClone(e)
		}
		return &c
	}
	return v
}

var _ = strings.TrimSpace
