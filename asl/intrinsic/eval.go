package intrinsic

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"

	"github.com/stepwise-run/stepwise/asl/budget"
)

// Resolver evaluates a JSONPath argument: "$.x" against the state's input, "$$.x" against the
// context object, "$var.x" against a workflow variable. Its errors are returned unchanged.
type Resolver func(path string) (any, error)

// Random is the source of States.UUID and States.MathRandom without a seed. The engine
// supplies one drawn from the execution's replayable sequence.
type Random interface {
	UUID() string   // a version 4 UUID
	Intn(n int) int // a number in [0, n), n > 0
}

// Error is a failed evaluation that AWS reports as States.Runtime: arguments of the wrong
// type or out of range. Message is the cause without the engine's
// "An error occurred while executing the state ..." prefix.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// Eval evaluates the call with paths resolved by resolve and a non-deterministic random
// source (crypto/rand UUIDs).
func (c *Call) Eval(resolve Resolver) (any, error) {
	return c.EvalWith(resolve, systemRandom{})
}

// EvalWith evaluates the call with paths resolved by resolve and random numbers from rnd.
// Given the same resolver results and the same random sequence it returns the same value.
func (c *Call) EvalWith(resolve Resolver, rnd Random) (any, error) {
	return c.EvalMetered(resolve, rnd, budget.New(budget.Limits{}))
}

// EvalMetered is EvalWith charging m: before a function runs, each argument is charged as
// a tree (what the function may copy into its result, States.Format('{}{}...', $.s, $.s,
// ...) included), and the call fails with a *budget.ExceededError past m's budget.
// Paths the resolver evaluates are the resolver's to charge.
func (c *Call) EvalMetered(resolve Resolver, rnd Random, m *budget.Meter) (any, error) {
	e := evaluator{resolve: resolve, rnd: rnd, root: c, m: m}
	return e.call(c)
}

type evaluator struct {
	resolve Resolver
	rnd     Random
	root    *Call
	m       *budget.Meter
}

func (e *evaluator) call(c *Call) (any, error) {
	inv := &invocation{e: *e, call: c}
	if len(c.args) <= len(inv.argBuf) {
		inv.args = inv.argBuf[:len(c.args)]
	} else {
		inv.args = make([]any, len(c.args))
	}
	for i, a := range c.args {
		v, err := e.arg(a)
		if err != nil {
			return nil, err
		}
		if err := e.m.Tree(v); err != nil {
			return nil, err
		}
		inv.args[i] = v
	}
	v, err := c.fn.eval(inv)
	if err != nil {
		if _, ok := err.(*Error); ok {
			return nil, err
		}
		if _, ok := err.(*budget.ExceededError); ok {
			return nil, err
		}
		return nil, e.invalid(c, err.Error())
	}
	return v, nil
}

func (e *evaluator) arg(a arg) (any, error) {
	switch a.kind {
	case kindPath:
		if e.resolve == nil {
			return nil, fmt.Errorf("intrinsic function: no resolver for path %s", a.text)
		}
		return e.resolve(a.text)
	case kindCall:
		return e.call(a.call)
	}
	return a.val, nil
}

// invalid builds the error AWS reports for bad arguments. detail, when not empty, follows the
// function's name.
func (e *evaluator) invalid(c *Call, detail string) *Error {
	msg := fmt.Sprintf("There was an error while evaluating the intrinsic function: %s. Invalid arguments in %s", e.root, c.Name)
	if detail != "" {
		msg += ": " + detail
	}
	return &Error{Message: msg}
}

// systemRandom is the non-deterministic Random used by Eval.
type systemRandom struct{}

func (systemRandom) UUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (systemRandom) Intn(n int) int {
	if n <= 0 {
		return 0
	}
	return mrand.IntN(n)
}
