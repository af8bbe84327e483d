package engine

import (
	"errors"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl"
)

// Probe evaluates the steps of one JSONPath state's input and output processing outside the
// run that executed it, with the same Context object and variables. TestState uses it to show
// what each step produced (its inspection data), which the history alone does not record.
type Probe struct {
	x  *run
	f  *Frame
	st *asl.State
}

// Probe returns a probe of the named state of the machine as ex saw it: input is the state's
// raw input and enteredAt the time it was entered. It returns nil for an unknown state.
func (in *Interpreter) Probe(ex *Execution, state string, input any, enteredAt time.Time) *Probe {
	st := in.sm.States[state]
	if st == nil {
		return nil
	}
	x := &run{in: in, ex: ex, now: enteredAt}
	f := &Frame{State: state, Input: input, EnteredAt: enteredAt}
	return &Probe{x: x, f: f, st: st}
}

// InputPath applies the state's InputPath to its raw input.
func (p *Probe) InputPath() (any, error) {
	return p.x.inputPath(p.x.scope(p.f, p.st, p.f.Input), p.st, p.f.Input)
}

// Parameters evaluates the state's Parameters over the effective input.
func (p *Probe) Parameters(effective any) (any, error) {
	if p.st.Parameters == nil {
		return effective, nil
	}
	return p.x.scope(p.f, p.st, effective).template(p.st.Parameters, "Parameters")
}

// ResultSelector evaluates the state's ResultSelector over a result.
func (p *Probe) ResultSelector(result any) (any, error) {
	if p.st.ResultSelector == nil {
		return result, nil
	}
	return p.x.scope(p.f, p.st, result).template(p.st.ResultSelector, "ResultSelector")
}

// ResultPath places a result into the raw input as the state's ResultPath says.
func (p *Probe) ResultPath(result any) (any, error) {
	return p.x.applyResultPath(p.x.scope(p.f, p.st, result), p.st.ResultPath, p.f.Input, result)
}

// ItemsPath applies a Map state's ItemsPath to its effective input.
func (p *Probe) ItemsPath(effective any) (any, error) {
	if p.st.ItemsPath == nil {
		return effective, nil
	}
	return p.x.scope(p.f, p.st, effective).path(p.st.ItemsPath)
}

// Items reads a JSONPath Map's items as the state does: ItemsPath, which must reach an array.
// When it does not, ok is false and errName and cause are the state's failure, the cause
// without the prefix naming the state and its event, as TestState reports it.
func (p *Probe) Items(effective any) (items []any, errName, cause string, ok bool) {
	sc := p.x.scope(p.f, p.st, effective)
	items, err := p.x.jsonPathItems(sc, p.st, effective)
	if err == nil {
		return items, "", "", true
	}
	var ee *evalError
	if errors.As(err, &ee) {
		return nil, ee.fl.Error, strings.TrimPrefix(ee.fl.Cause, sc.prefix()), false
	}
	return nil, "States.Runtime", err.Error(), false
}

// MapLimits evaluates a Map state's MaxConcurrency and tolerated failures as the state would
// (paths and expressions included). count and pct are -1 when the state sets none.
func (p *Probe) MapLimits() (max, count int64, pct float64, err error) {
	sc := p.x.scope(p.f, p.st, p.f.Input)
	if max, _, err = p.x.intField(sc, p.st.MaxConcurrency, "MaxConcurrency"); err != nil {
		return 0, -1, -1, err
	}
	m := &MapRun{ToleratedCount: -1, ToleratedPercent: -1}
	if err := p.x.tolerance(sc, p.st, m); err != nil {
		return 0, -1, -1, err
	}
	return max, m.ToleratedCount, m.ToleratedPercent, nil
}
