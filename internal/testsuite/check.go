package testsuite

import (
	"errors"
	"fmt"
	"strings"

	"github.com/stepwise-run/stepwise/asl/jsonpath"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/history"
)

// check compares an outcome with a test's expectations and returns the ones it does not
// meet. A wrong status is reported alone: what follows from it would be noise.
func check(t *Test, o *Outcome) []Failure {
	e := &t.Expect
	line := func(l int) int {
		switch {
		case l > 0:
			return l
		case e.Line > 0:
			return e.Line
		}
		return t.Line
	}
	wantStatus, statusLine := "SUCCEEDED", 0
	switch {
	case e.Status != nil:
		wantStatus, statusLine = e.Status.Value, e.Status.Line
	case e.Error != nil || e.Cause != nil:
		wantStatus = "" // any status but SUCCEEDED: checked through error and cause
	}
	if (wantStatus != "" && o.Status != wantStatus) || (wantStatus == "" && o.Status == "SUCCEEDED") {
		f := Failure{Line: line(statusLine), What: "status"}
		want := wantStatus
		if want == "" {
			want = "a failure"
		}
		if o.Status == "SUCCEEDED" {
			f.Message = fmt.Sprintf("want %s, got SUCCEEDED with output %s", want, showText(o.Output))
		} else {
			f.Message = fmt.Sprintf("want %s, got %s%s", want, o.Status, errorText(o))
			f.State = failedState(o.Events)
		}
		return []Failure{f}
	}
	var fails []Failure
	for _, x := range []struct {
		what string
		want *Text
		got  *string
	}{{"error", e.Error, o.Error}, {"cause", e.Cause, o.Cause}} {
		if x.want == nil || (x.got != nil && *x.got == x.want.Value) {
			continue
		}
		got := "none"
		if x.got != nil {
			got = fmt.Sprintf("%q", *x.got)
		}
		fails = append(fails, Failure{Line: line(x.want.Line), What: x.what, State: failedState(o.Events),
			Message: fmt.Sprintf("want %q, got %s", x.want.Value, got)})
	}
	var output any
	if o.Status == "SUCCEEDED" {
		output, _ = decode(o.Output)
	}
	for _, x := range []struct {
		what   string
		want   *Value
		subset bool
	}{{"output", e.Output, false}, {"outputContains", e.OutputContains, true}} {
		if x.want == nil {
			continue
		}
		if o.Status != "SUCCEEDED" {
			fails = append(fails, Failure{Line: line(x.want.Line), What: x.what, Message: "the execution " + o.Status + ": it has no output"})
			continue
		}
		if d := diff(x.want.v, output, x.subset); d != nil {
			path := d.path
			fails = append(fails, Failure{Line: line(x.want.Line), What: x.what, Message: d.String(),
				State: origin(o, func(text string) (any, bool) {
					v, err := decode(text)
					if err != nil {
						return nil, false
					}
					return lookup(v, path)
				})})
		}
	}
	if e.States != nil {
		if f, ok := statesFailure(e.States.Names, o.States); !ok {
			f.Line = line(e.States.Line)
			fails = append(fails, f)
		}
	}
	for _, pe := range e.Paths {
		if o.Status != "SUCCEEDED" {
			fails = append(fails, Failure{Line: line(pe.Line), What: pe.Path, Message: "the execution " + o.Status + ": it has no output"})
			continue
		}
		got, found := query(pe.path, o.Output)
		if !found {
			fails = append(fails, Failure{Line: line(pe.Line), What: pe.Path, Message: fmt.Sprintf("not in the output (want %s)", show(pe.Want.v))})
			continue
		}
		if d := diff(pe.Want.v, got, false); d != nil {
			msg := fmt.Sprintf("want %s, got %s", show(pe.Want.v), show(got))
			if len(d.path) > 0 {
				msg += "; first difference at " + strings.Replace(d.String(), "$", pe.Path, 1)
			}
			fails = append(fails, Failure{Line: line(pe.Line), What: pe.Path, Message: msg,
				State: origin(o, func(text string) (any, bool) { return query(pe.path, text) })})
		}
	}
	return fails
}

// query evaluates a JSONPath on JSON text and returns the result decoded as the comparer
// decodes values. The path runs on the engine's values, which are then encoded and decoded
// again, so the comparer does not depend on their representation.
func query(p *jsonpath.Path, text string) (any, bool) {
	doc, err := value.DecodeString(text)
	if err != nil {
		return nil, false
	}
	res, err := p.Query(doc)
	if err != nil {
		var nf *jsonpath.NotFoundError
		if errors.As(err, &nf) {
			return nil, false
		}
		return nil, false
	}
	v, err := decode(value.Encode(res))
	return v, err == nil
}

// statesFailure compares the expected path of states with the one taken; false with the
// failure when they differ.
func statesFailure(want, got []string) (Failure, bool) {
	f := Failure{What: "states"}
	for i := 0; i < len(want) || i < len(got); i++ {
		after := ""
		if i > 0 && i-1 < len(got) {
			after = got[i-1]
			f.State = after
		}
		where := fmt.Sprintf("state %d", i+1)
		if after != "" {
			where += fmt.Sprintf(" (after %q)", after)
		}
		switch {
		case i >= len(got):
			f.Message = fmt.Sprintf("%s: want %q, but the execution ended; it went %s", where, want[i], showPath(got))
			return f, false
		case i >= len(want):
			f.Message = fmt.Sprintf("%s: want the end, got %q; it went %s", where, got[i], showPath(got))
			return f, false
		case want[i] != got[i]:
			f.Message = fmt.Sprintf("%s: want %q, got %q; it went %s", where, want[i], got[i], showPath(got))
			return f, false
		}
	}
	return f, true
}

func showPath(states []string) string {
	if len(states) > 12 {
		return show(append(append([]string(nil), states[:12]...), fmt.Sprintf("… %d more", len(states)-12)))
	}
	return show(states)
}

// failedState names the state a failure arose in: the last state entered.
func failedState(events []history.Event) string {
	for i := len(events) - 1; i >= 0; i-- {
		if d, ok := events[i].Details.(*history.StateEntered); ok {
			return d.Name
		}
	}
	return ""
}

// origin names the top-level state that gave a part of the output its final value (or its
// absence): the last state whose output has that value while its input did not. It returns
// "" when the value came with the execution's input, or cannot be traced. Only top-level
// states count: they are the ones that hand their output on to the execution's.
func origin(o *Outcome, extract func(text string) (any, bool)) string {
	type visit struct{ name, input, output string }
	var visits []*visit
	for _, e := range o.Events {
		switch d := e.Details.(type) {
		case *history.StateEntered:
			if o.topLevel[d.Name] {
				visits = append(visits, &visit{name: d.Name, input: d.Input})
			}
		case *history.StateExited:
			if o.topLevel[d.Name] && len(visits) > 0 && visits[len(visits)-1].name == d.Name {
				visits[len(visits)-1].output = d.Output
			}
		}
	}
	final, finalOK := extract(o.Output)
	same := func(v any, ok bool) bool { return ok == finalOK && (!ok || equal(v, final)) }
	for i := len(visits) - 1; i >= 0; i-- {
		v := visits[i]
		if v.output == "" || !same(extract(v.output)) {
			return ""
		}
		if !same(extract(v.input)) {
			return v.name
		}
	}
	return ""
}

func errorText(o *Outcome) string {
	var b strings.Builder
	if o.Error != nil {
		fmt.Fprintf(&b, " with error %q", *o.Error)
	}
	if o.Cause != nil && *o.Cause != "" {
		fmt.Fprintf(&b, " (cause %s)", showText(fmt.Sprintf("%q", *o.Cause)))
	}
	return b.String()
}

// showText cuts JSON text for a report line.
func showText(s string) string {
	if len(s) > maxShown {
		cut := maxShown
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return s[:cut] + "…"
	}
	return s
}
