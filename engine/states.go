package engine

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/jsonpath"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/history"
)

// pass runs a Pass state.
func (x *run) pass(f *Frame, st *asl.State) {
	if st.QueryLanguage == asl.JSONata {
		out, assigned, err := x.jsonataOutput(f, st, nil, false)
		if err != nil {
			x.stateError(f, st, err)
			return
		}
		x.finish(f, st, out, assigned, st.Next)
		return
	}
	sc := x.scope(f, st, f.Input)
	eff, err := x.inputPath(sc, st, f.Input)
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	result := eff
	switch {
	case st.HasResult:
		// Result wins over Parameters: AWS answers a Pass state with both with its Result
		// and evaluates no Parameters (test_state/test_test_state_scenarios, IO_RESULT_PASS_STATE).
		result = st.Result
	case st.Parameters != nil:
		sc.input = eff
		if result, err = sc.template(st.Parameters, "Parameters"); err != nil {
			x.stateError(f, st, err)
			return
		}
	}
	out, assigned, err := x.resultOutput(f, st, result)
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	x.finish(f, st, out, assigned, st.Next)
}

// succeed runs a Succeed state.
func (x *run) succeed(f *Frame, st *asl.State) {
	if st.QueryLanguage == asl.JSONata {
		out, _, err := x.jsonataOutput(f, st, nil, false)
		if err != nil {
			x.stateError(f, st, err)
			return
		}
		x.finish(f, st, out, nil, "")
		return
	}
	sc := x.scope(f, st, f.Input)
	eff, err := x.inputPath(sc, st, f.Input)
	if err == nil {
		eff, err = x.outputPath(sc, st, eff)
	}
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	x.finish(f, st, eff, nil, "")
}

// fail runs a Fail state: the frame fails with its error and cause.
func (x *run) fail(f *Frame, st *asl.State) {
	sc := x.scope(f, st, f.Input)
	fl := failure{}
	var err error
	if fl.Error, fl.HasError, err = x.failField(sc, st.Error, "Error"); err != nil {
		x.stateError(f, st, err)
		return
	}
	if fl.Cause, fl.HasCause, err = x.failField(sc, st.Cause, "Cause"); err != nil {
		x.stateError(f, st, err)
		return
	}
	x.frameFailed(f, fl)
}

func (x *run) failField(sc *scope, fld *asl.StringField, name string) (string, bool, error) {
	if fld == nil {
		return "", false, nil
	}
	switch {
	case fld.Value != nil:
		return *fld.Value, true, nil
	case fld.Path != nil:
		v, err := sc.fieldValue(asl.Field{Key: name + "Path", Source: name + "Path", Value: fld.Path.Node}, name+"Path")
		if err != nil {
			return "", false, err
		}
		s, ok := v.(string)
		if !ok {
			s = value.Encode(v)
		}
		return s, true, nil
	case fld.Expr != nil:
		v, err := sc.template(fld.Expr, name)
		if err != nil {
			return "", false, err
		}
		s, ok := v.(string)
		if !ok {
			return "", false, sc.typeErr(fld.Expr, name, "string", v)
		}
		return s, true, nil
	}
	return "", false, nil
}

// choice runs a Choice state.
func (x *run) choice(f *Frame, st *asl.State) {
	sc := x.scope(f, st, f.Input)
	eff := f.Input
	var err error
	if st.QueryLanguage != asl.JSONata {
		if eff, err = x.inputPath(sc, st, f.Input); err != nil {
			x.stateError(f, st, err)
			return
		}
		sc.input = eff
	}
	var rule *asl.ChoiceRule
	for i, r := range st.Choices {
		ok, err := x.evalRule(sc, r, "Choices/"+strconv.Itoa(i))
		if err != nil {
			x.stateError(f, st, err)
			return
		}
		if ok {
			rule = r
			break
		}
	}
	next := st.Default
	if rule != nil {
		next = rule.Next
	}
	if next == "" {
		x.stateFailed(f, st, failure{Error: "States.NoChoiceMatched", Cause: "No Matches!"})
		return
	}
	var assigned map[string]any
	out := eff
	if st.QueryLanguage == asl.JSONata {
		assigns, output := st.Assign, st.Output
		if rule != nil {
			if rule.Assign != nil {
				assigns = rule.Assign
			}
			if rule.Output != nil {
				output = rule.Output
			}
		}
		if assigns != nil {
			if assigned, err = x.assignments(sc, assigns); err != nil {
				x.stateError(f, st, err)
				return
			}
		}
		if output != nil {
			if out, err = sc.template(output, "Output"); err != nil {
				x.stateError(f, st, err)
				return
			}
		}
	} else {
		assigns := st.Assign
		if rule != nil && rule.Assign != nil {
			assigns = rule.Assign
		}
		if assigns != nil {
			if assigned, err = x.assignments(sc, assigns); err != nil {
				x.stateError(f, st, err)
				return
			}
		}
		if out, err = x.outputPath(sc, st, eff); err != nil {
			x.stateError(f, st, err)
			return
		}
	}
	x.transition(f, next, out, x.exitState(f, st, out, "", assigned))
}

// maxWait is the longest a Wait state may wait: an execution lasts at most a year.
const maxWait = 366 * 24 * time.Hour

// wait runs a Wait state: it works out when to resume and sets a timer.
func (x *run) wait(f *Frame, st *asl.State) {
	sc := x.scope(f, st, f.Input)
	eff := f.Input
	var err error
	if st.QueryLanguage != asl.JSONata {
		if eff, err = x.inputPath(sc, st, f.Input); err != nil {
			x.stateError(f, st, err)
			return
		}
		sc.input = eff
	}
	f.Effective = eff
	due, err := x.waitUntil(sc, st)
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	if due.Sub(x.now) > maxWait {
		x.stateError(f, st, sc.runtimeErr("Wait state delay is too long."))
		return
	}
	f.Phase = phaseWait
	f.TimerID = x.newTimer(due)
}

func (x *run) waitUntil(sc *scope, st *asl.State) (time.Time, error) {
	if s := st.Seconds; s != nil {
		switch {
		case s.Value != nil:
			return x.now.Add(time.Duration(*s.Value) * time.Second), nil
		case s.Path != nil:
			v, err := sc.query(s.Path)
			if err != nil {
				return time.Time{}, sc.runtimeErr("The SecondsPath parameter does not reference an input value: %s", s.Path.Text)
			}
			n, ok := value.Int(v)
			if !ok || !isIntegerText(v) {
				return time.Time{}, sc.runtimeErr("The SecondsPath parameter cannot be parsed as a long value: %s == %s", s.Path.Text, value.Encode(v))
			}
			if n < 0 {
				return time.Time{}, sc.runtimeErr("The SecondsPath parameter references a negative value: %s == %d", s.Path.Text, n)
			}
			return x.now.Add(seconds(float64(n))), nil
		case s.Expr != nil:
			v, err := sc.template(s.Expr, "Seconds")
			if err != nil {
				return time.Time{}, err
			}
			n, ok := value.Int(v)
			if !ok || n < 0 {
				return time.Time{}, sc.typeErr(s.Expr, "Seconds", "integer", v)
			}
			return x.now.Add(seconds(float64(n))), nil
		}
	}
	if t := st.Timestamp; t != nil {
		switch {
		case t.Value != nil:
			ts, ok := parseTimestamp(*t.Value)
			if !ok {
				return time.Time{}, sc.runtimeErr("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s", *t.Value)
			}
			return ts, nil
		case t.Path != nil:
			pn, _ := t.Path.Node.(asl.PathNode)
			text := ""
			if pn.Path != nil {
				text = pn.Path.Text
			}
			v, err := sc.node(t.Path.Node, "TimestampPath")
			if err != nil {
				return time.Time{}, sc.runtimeErr("The TimestampPath parameter does not reference an input value: %s", text)
			}
			s, _ := v.(string)
			ts, ok := parseTimestamp(s)
			if !ok {
				return time.Time{}, sc.runtimeErr("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", text, s)
			}
			return ts, nil
		case t.Expr != nil:
			v, err := sc.template(t.Expr, "Timestamp")
			if err != nil {
				return time.Time{}, err
			}
			s, _ := v.(string)
			ts, ok := parseTimestamp(s)
			if !ok {
				return time.Time{}, sc.runtimeErr("The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s", s)
			}
			return ts, nil
		}
	}
	return x.now, nil
}

// isIntegerText reports whether a number was written without a fraction or exponent
// (AWS parses SecondsPath values as a Java long).
func isIntegerText(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return true
	}
	_, err := strconv.ParseInt(string(n), 10, 64)
	return err == nil
}

// parseTimestamp accepts ISO-8601 extended offset date-times, with any fraction: those the
// validator accepts as literals. time.Parse alone would also take "," before the fraction and
// one-digit fields, which AWS refuses.
func parseTimestamp(s string) (time.Time, bool) {
	if !asl.ValidTimestamp(s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// waitDone ends a Wait state when its timer fires.
func (x *run) waitDone(f *Frame, st *asl.State) {
	var out any
	var assigned map[string]any
	var err error
	if st.QueryLanguage == asl.JSONata {
		out, assigned, err = x.jsonataOutput(f, st, nil, false)
	} else {
		sc := x.scope(f, st, f.Effective)
		if st.Assign != nil {
			assigned, err = x.assignments(sc, st.Assign)
		}
		if err == nil {
			out, err = x.outputPath(sc, st, f.Effective)
		}
	}
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	x.finish(f, st, out, assigned, st.Next)
}

// intField resolves an integer field given literally, by path or by expression. name is the
// field's name without "Path".
func (x *run) intField(sc *scope, fld *asl.IntField, name string) (int64, bool, error) {
	if fld == nil {
		return 0, false, nil
	}
	switch {
	case fld.Value != nil:
		return *fld.Value, true, nil
	case fld.Path != nil:
		v, err := sc.query(fld.Path)
		if err != nil {
			return 0, false, sc.pathErr(fld.Path, err)
		}
		if str, isStr := v.(string); isStr {
			// AWS reads a string holding an integer as that integer (measured for
			// MaxConcurrencyPath).
			if i, err := strconv.ParseInt(str, 10, 64); err == nil {
				return i, true, nil
			}
		}
		n, ok := value.Int(v)
		if !ok || !isIntegerText(v) {
			text := value.Encode(v)
			if s, isStr := v.(string); isStr {
				text = s
			}
			return 0, false, sc.runtimeErr("The %sPath field refers to value \"%s\" which is not a valid integer: %s", name, text, fld.Path.Text)
		}
		return n, true, nil
	case fld.Expr != nil:
		v, err := sc.template(fld.Expr, name)
		if err != nil {
			return 0, false, err
		}
		f, ok := value.Float(v)
		if !ok {
			return 0, false, sc.typeErr(fld.Expr, name, "integer", v)
		}
		return int64(math.Floor(f)), true, nil
	}
	return 0, false, nil
}

// notFound reports whether err says a path matched nothing.
func notFound(err error) bool {
	var nf *jsonpath.NotFoundError
	return errors.As(err, &nf)
}

var _ = history.Event{}
