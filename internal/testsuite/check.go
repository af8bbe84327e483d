package testsuite

import (
	"fmt"
	"path"
	"sort"
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
		got := ""
		if x.got != nil {
			got = *x.got
		}
		if x.want == nil || got == x.want.Value { // no cause and an empty one are alike
			continue
		}
		fails = append(fails, Failure{Line: line(x.want.Line), What: x.what, State: failedState(o.Events),
			Message: fmt.Sprintf("want %s, got %s", showText(fmt.Sprintf("%q", x.want.Value)), showText(fmt.Sprintf("%q", got)))})
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
			f := Failure{Line: line(x.want.Line), What: x.what, Message: d.String()}
			f.State, f.Via = origin(o, func(text string) (any, bool) {
				v, err := decode(text)
				if err != nil {
					return nil, false
				}
				return lookup(v, path)
			})
			fails = append(fails, f)
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
			f := Failure{Line: line(pe.Line), What: pe.Path, Message: msg}
			f.State, f.Via = origin(o, func(text string) (any, bool) { return query(pe.path, text) })
			fails = append(fails, f)
		}
	}
	if len(e.Calls) > 0 {
		made := callsOf(o.Events)
		for _, ce := range e.Calls {
			fails = append(fails, callFailures(ce, made[ce.State], line(ce.Line))...)
		}
	}
	for _, oe := range e.S3 {
		if msg := objectFailure(oe, o.S3); msg != "" {
			fails = append(fails, Failure{Line: line(oe.Line), What: oe.URI, Message: msg})
		}
	}
	return fails
}

// callsOf reads from a history the calls each Task state made, in the order they were
// scheduled (retries and a Map's iterations each a call): the parameters of TaskScheduled,
// the input of LambdaFunctionScheduled and ActivityScheduled. A call's state is the one whose
// ...StateEntered its event leads back to through previousEventId.
func callsOf(events []history.Event) map[string][]string {
	byID := make(map[int64]*history.Event, len(events))
	for i := range events {
		byID[events[i].ID] = &events[i]
	}
	stateOf := func(e *history.Event) string {
		for range len(events) {
			if e = byID[e.PreviousEventID]; e == nil {
				return ""
			}
			if d, ok := e.Details.(*history.StateEntered); ok {
				return d.Name
			}
		}
		return ""
	}
	out := map[string][]string{}
	for i := range events {
		var params string
		switch d := events[i].Details.(type) {
		case *history.TaskScheduled:
			params = d.Parameters
		case *history.LambdaScheduled:
			params = d.Input
		case *history.ActivityScheduled:
			params = d.Input
		default:
			continue
		}
		if name := stateOf(&events[i]); name != "" {
			out[name] = append(out[name], params)
		}
	}
	return out
}

// callFailures compares a Task state's calls (their parameters' JSON text) with the ones a
// test expects.
func callFailures(ce *CallsExpect, made []string, line int) []Failure {
	what := fmt.Sprintf("calls[%q]", ce.State)
	if len(made) != len(ce.Want) {
		msg := fmt.Sprintf("called %d times, want %d", len(made), len(ce.Want))
		if len(made) > 0 {
			msg += "; the parameters: " + showText(strings.Join(made, ", "))
		}
		return []Failure{{Line: line, What: what, State: ce.State, Message: msg}}
	}
	var fails []Failure
	for i, want := range ce.Want {
		got, err := decode(made[i])
		if err != nil {
			got = made[i]
		}
		if d := diff(want.v, got, true); d != nil {
			fails = append(fails, Failure{Line: want.Line, What: fmt.Sprintf("%s[%d]", what, i), State: ce.State, Message: d.String()})
		}
	}
	return fails
}

// objectFailure says how the objects of s3: (by bucket and key) miss an expected object,
// or "" when they hold it.
func objectFailure(oe *ObjectExpect, objects map[string]map[string][]byte) string {
	if objects == nil {
		return "the file has no s3:, so no object is kept where a test can see it"
	}
	keys, ok := objects[oe.Bucket]
	if !ok {
		return fmt.Sprintf("s3: has no bucket %s", oe.Bucket)
	}
	var matched, all []string
	for k := range keys {
		all = append(all, k)
		if ok, _ := path.Match(oe.Pattern, k); ok {
			matched = append(matched, k)
		}
	}
	sort.Strings(matched)
	sort.Strings(all)
	switch {
	case len(matched) == 0 && len(all) == 0:
		return fmt.Sprintf("no object; the bucket %s is empty", oe.Bucket)
	case len(matched) == 0:
		return fmt.Sprintf("no object; the bucket %s holds %s", oe.Bucket, showText(strings.Join(all, ", ")))
	case len(matched) > 1:
		return fmt.Sprintf("%d objects match: %s; name one", len(matched), showText(strings.Join(matched, ", ")))
	case oe.Want == nil:
		return ""
	}
	body := string(keys[matched[0]])
	got, err := decode(body)
	if err != nil {
		got = body // not JSON: its text, which only a string matches
	}
	if d := diff(oe.Want.v, got, true); d != nil {
		return fmt.Sprintf("s3://%s/%s: %s", oe.Bucket, matched[0], d.String())
	}
	return ""
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
	if err != nil { // a *jsonpath.NotFoundError, or a filter's error: nothing there
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

// maxHops bounds how far origin follows a value that states moved from member to member.
const maxHops = 10

// origin names the top-level state that gave a part of the output its final value (or its
// absence): the last state whose output has that value while its input did not. When that
// state only moved the value from another place of its input (a Pass state's Parameters),
// and the value is found at exactly one place there, origin follows it back: via lists the
// states that moved it, first to last. It returns "" when the value came with the
// execution's input, or cannot be traced. Only top-level states count: they are the ones
// that hand their output on to the execution's.
func origin(o *Outcome, extract func(text string) (any, bool)) (state string, via []string) {
	visits := topVisits(o)
	final, present := extract(o.Output)
	end := len(visits)
	for range maxHops {
		i := lastChange(visits[:end], extract, final, present)
		if i < 0 {
			break
		}
		if state != "" {
			via = append([]string{state}, via...)
		}
		state = visits[i].name
		if !present {
			break
		}
		in, err := decode(visits[i].input)
		if err != nil {
			break
		}
		paths := find(in, final, nil, 2)
		if len(paths) != 1 {
			break
		}
		path := paths[0]
		extract = func(text string) (any, bool) {
			v, err := decode(text)
			if err != nil {
				return nil, false
			}
			return lookup(v, path)
		}
		end = i
	}
	return state, via
}

type visit struct{ name, input, output string }

// topVisits lists the entries into top-level states, with their inputs and outputs.
func topVisits(o *Outcome) []*visit {
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
	return visits
}

// lastChange returns the index of the last visit whose output has the final value (or
// absence) while its input did not, or -1.
func lastChange(visits []*visit, extract func(string) (any, bool), final any, present bool) int {
	same := func(v any, ok bool) bool { return ok == present && (!ok || equal(v, final)) }
	for i := len(visits) - 1; i >= 0; i-- {
		v := visits[i]
		if v.output == "" || !same(extract(v.output)) {
			return -1
		}
		if !same(extract(v.input)) {
			return i
		}
	}
	return -1
}

// find returns the paths at which a value occurs in a document, at most limit of them.
func find(doc, v any, at []step, limit int) [][]step {
	if equal(doc, v) {
		return [][]step{append([]step(nil), at...)}
	}
	var out [][]step
	switch d := doc.(type) {
	case map[string]any:
		for _, k := range sortedKeys(d) {
			out = append(out, find(d[k], v, append(at, step{key: k}), limit-len(out))...)
			if len(out) >= limit {
				return out
			}
		}
	case []any:
		for i, x := range d {
			out = append(out, find(x, v, append(at, step{index: i, isIdx: true}), limit-len(out))...)
			if len(out) >= limit {
				return out
			}
		}
	}
	return out
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
