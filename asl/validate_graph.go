package asl

import "sort"

// graphChecks runs the checks that need the whole machine: every StartAt, Next, Default and
// Catcher Next names a state of its own graph, every state is reachable from its graph's
// StartAt, every graph has a terminal state, and state names are unique in the machine.
// AWS runs them only once the schema checks pass.
func (v *validator) graphChecks() []Diagnostic {
	var out []Diagnostic
	add := func(code, loc, format string, args ...any) {
		d := errorDiag(code, format, loc)
		if len(args) > 0 {
			d.Message = sprintf(format, args...)
		}
		out = append(out, d)
	}
	for name, locs := range v.stateLocs {
		for _, loc := range locs[1:] {
			add(CodeDuplicateStateName, loc, "Duplicate State name: %s", name)
		}
	}
	for _, sc := range v.scopes {
		at := sc.loc
		if at == "" {
			at = "/"
		}
		if sc.hasStart {
			if _, ok := sc.states[sc.startAt]; !ok {
				add(CodeMissingTransitionTarget, field(at, "StartAt"), msgMissingTarget, sc.startAt)
			}
		}
		terminal := false
		for _, name := range sc.names {
			st := sc.states[name]
			terminal = terminal || st.terminal
			for _, e := range st.edges {
				if _, ok := sc.states[e.target]; !ok {
					add(CodeMissingTransitionTarget, e.loc, msgMissingTarget, e.target)
				}
			}
		}
		reached := map[string]bool{}
		if _, ok := sc.states[sc.startAt]; ok && sc.hasStart {
			queue := []string{sc.startAt}
			reached[sc.startAt] = true
			for len(queue) > 0 {
				st := sc.states[queue[0]]
				queue = queue[1:]
				for _, e := range st.edges {
					if _, ok := sc.states[e.target]; ok && !reached[e.target] {
						reached[e.target] = true
						queue = append(queue, e.target)
					}
				}
			}
			for _, name := range sc.names {
				if !reached[name] {
					add(CodeMissingTransitionTarget, sc.states[name].loc, msgNotReachable, name)
				}
			}
		}
		if !terminal && len(sc.names) > 0 {
			add(CodeMissingEndState, at, msgNoTerminal)
		}
	}
	sortByLocation(out)
	return out
}

func sortStrings(s []string) { sort.Strings(s) }
