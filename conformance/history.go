package conformance

import (
	"fmt"
	"maps"
	"math/big"
)

// compareHistory compares Stepwise's history (got, normalised) with the recorded one (want)
// and returns the first difference ("" when they match) and got's events in the arrangement
// that matched want (for the key-order check), or got itself.
//
// AWS fixes the order of a history's events except between the branches of a Parallel state,
// which run concurrently: two histories match when they are the same events, each branch's
// in the same order, whatever the interleaving of the branches (docs/conformance.md, "Events
// whose order AWS does not fix"). How that is checked depends on what the recording kept:
//   - A recording whose branch events have the id [0] went through a normalisation that kept
//     no order among them (it sorted them by their text) and no ids; Stepwise's history goes
//     through the same normalisation (likeRecording), and each such run of events is compared
//     as an unordered collection.
//   - Otherwise the recording kept AWS's order and ids, and Stepwise's events may be
//     rearranged into any interleaving of its branches that matches, the ids renumbered to
//     the new positions (interleave).
func compareHistory(want, got jv, binds map[string]string) (string, jv) {
	if want.k != kArray || got.k != kArray {
		return firstDiff(want, got, "$.history", binds), got
	}
	if hasUnfixedIDs(want) {
		got = likeRecording(got)
		return compareUnordered(want, got, binds)
	}
	trial := maps.Clone(binds)
	d := firstDiff(want, got, "$.history", trial)
	if d == "" {
		maps.Copy(binds, trial)
		return "", got
	}
	if arranged, ok := interleave(want.arr, got.arr, binds); ok {
		return "", jv{k: kArray, arr: arranged}
	}
	return d, got
}

// isUnfixedID says whether an event's id was recorded as [0], an id AWS did not fix.
func isUnfixedID(e jv) bool {
	id, ok := e.get("id")
	return ok && id.k == kArray && len(id.arr) == 1 && id.arr[0].isZero()
}

func hasUnfixedIDs(h jv) bool {
	for _, e := range h.arr {
		if isUnfixedID(e) {
			return true
		}
	}
	return false
}

func eventType(e jv) (string, bool) {
	t, ok := e.get("type")
	return t.s, ok && t.k == kString
}

var parallelEnds = map[string]bool{
	"ParallelStateSucceeded": true, "ParallelStateAborted": true, "ParallelStateExited": true, "ParallelStateFailed": true,
}

// likeRecording applies to a history the normalisation the recordings with [0] ids went
// through (in the LocalStack tests that recorded them): the events after a
// ParallelStateStarted lose their ids (id [0], previousEventId 0) until one of the Parallel
// state's closing events (ParallelStateSucceeded, -Failed, -Aborted, -Exited), where the
// events since the start are replaced by those collected. A second closing event (Exited after
// Succeeded) does the replacement again on a list one event shorter, so the event between
// goes; a nested Parallel's closing events shift the list further. The recordings show both
// effects (ids missing from their sequence), so the same is done here rather than guessed.
func likeRecording(h jv) jv {
	ev := append([]jv(nil), h.arr...)
	var sub []jv
	start, in := 0, false
	for i := 0; i < len(ev); i++ {
		t, ok := eventType(ev[i])
		switch {
		case !ok:
			in = false
		case parallelEnds[t]:
			rest := append(append([]jv(nil), sub...), ev[i:]...)
			ev = append(ev[:start:start], rest...)
			in = false
		case t == "ParallelStateStarted":
			in, sub, start = true, nil, i+1
		case in:
			ev[i] = ev[i].set("id", jv{k: kArray, arr: []jv{{k: kInt, i: big.NewInt(0)}}}).set("previousEventId", jv{k: kInt, i: big.NewInt(0)})
			sub = append(sub, ev[i])
		}
	}
	return jv{k: kArray, arr: ev}
}

// compareUnordered compares two histories position by position, except that each run of
// events with unfixed ids ([0]) matches a run of as many such events in any order.
func compareUnordered(want, got jv, binds map[string]string) (string, jv) {
	arranged := append([]jv(nil), got.arr...)
	for i := 0; i < len(want.arr); {
		path := fmt.Sprintf("$.history[%d]", i)
		if i >= len(got.arr) {
			return fmt.Sprintf("$.history: expected %d items, got %d", len(want.arr), len(got.arr)), got
		}
		if !isUnfixedID(want.arr[i]) {
			if d := firstDiff(want.arr[i], got.arr[i], path, binds); d != "" {
				return d, got
			}
			i++
			continue
		}
		n := runLength(want.arr, i)
		if m := runLength(got.arr, i); m != n {
			return fmt.Sprintf("%s: expected %d events whose order AWS does not fix, got %d", path, n, m), got
		}
		order, ok := matchSet(want.arr[i:i+n], got.arr[i:i+n], binds)
		if !ok {
			return fmt.Sprintf("%s: the %d events whose order AWS does not fix differ from ours in some event (first expected: %s)",
				path, n, compact(want.arr[i], 200)), got
		}
		for j, k := range order {
			arranged[i+j] = got.arr[i+k]
		}
		i += n
	}
	if len(want.arr) != len(got.arr) {
		return fmt.Sprintf("$.history: expected %d items, got %d", len(want.arr), len(got.arr)), got
	}
	return "", jv{k: kArray, arr: arranged}
}

func runLength(ev []jv, i int) int {
	n := 0
	for i+n < len(ev) && isUnfixedID(ev[i+n]) {
		n++
	}
	return n
}

// matchSet finds, for each wanted event, a distinct got event that matches it, and returns
// the index in got chosen for each; it backtracks, since two events may match one wanted one.
func matchSet(want, got []jv, binds map[string]string) ([]int, bool) {
	used := make([]bool, len(got))
	order := make([]int, len(want))
	var try func(i int, binds map[string]string) bool
	try = func(i int, b map[string]string) bool {
		if i == len(want) {
			maps.Copy(binds, b)
			return true
		}
		for k := range got {
			if used[k] {
				continue
			}
			trial := maps.Clone(b)
			if firstDiff(want[i], got[k], "$", trial) != "" {
				continue
			}
			used[k], order[i] = true, k
			if try(i+1, trial) {
				return true
			}
			used[k] = false
		}
		return false
	}
	return order, try(0, maps.Clone(binds))
}

// maxInterleaved bounds the histories interleave rearranges and the work it does: its search
// is quadratic in the events per step, and a history whose order differs in earnest would
// otherwise make it try every arrangement.
const (
	maxInterleaved = 400
	maxSteps       = 200000
)

// branchPath says, for each event of a history, which branch of which running Parallel
// state wrote it: pairs (the ParallelStateStarted event's id, the id of the branch's first
// event), outermost first. It is read from the previousEventId links, which AWS and Stepwise
// both write as the branch's previous event (a branch's first event links to the
// ParallelStateStarted); once a Parallel state has ended, events linking into it belong to
// the state's caller again (ParallelStateExited links to the last branch event).
func branchPaths(ev []jv) [][][2]int64 {
	paths := make([][][2]int64, len(ev))
	byID := map[int64]int{}
	closed := map[int64]bool{}
	for i, e := range ev {
		id, prev := intMember(e, "id"), intMember(e, "previousEventId")
		var base [][2]int64
		p, ok := byID[prev]
		if ok {
			for _, step := range paths[p] {
				if closed[step[0]] {
					break
				}
				base = append(base, step)
			}
		}
		t, _ := eventType(e)
		switch {
		case parallelEnds[t] && t != "ParallelStateExited":
			if len(base) > 0 {
				closed[base[len(base)-1][0]] = true
				base = base[:len(base)-1]
			}
		case ok:
			if pt, _ := eventType(ev[p]); pt == "ParallelStateStarted" && !closed[prev] {
				base = append(base, [2]int64{prev, id})
			}
		}
		paths[i] = base
		byID[id] = i
	}
	return paths
}

func intMember(e jv, k string) int64 {
	v, ok := e.get(k)
	if !ok || v.k != kInt || !v.i.IsInt64() {
		return -1
	}
	return v.i.Int64()
}

// concurrent says whether two events were written by different branches of one Parallel
// state, so that AWS does not fix their order.
func concurrent(a, b [][2]int64) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k][0] == b[k][0]
		}
	}
	return false
}

// interleave looks for an arrangement of got's events that keeps the order of every two
// events not written by concurrent branches and matches want event by event, with ids
// renumbered to the new positions (and previousEventIds to match). It returns the
// arrangement, renumbered.
func interleave(want, got []jv, binds map[string]string) ([]jv, bool) {
	if len(want) != len(got) || len(got) > maxInterleaved {
		return nil, false
	}
	paths := branchPaths(got)
	branched := false
	for _, p := range paths {
		branched = branched || len(p) > 0
	}
	if !branched {
		return nil, false // no Parallel branches: the order is AWS's to fix
	}
	used := make([]bool, len(got))
	newID := map[int64]int64{0: 0}
	index := map[int64]int{}
	for f, e := range got {
		index[intMember(e, "id")] = f
	}
	out := make([]jv, len(got))
	from := make([]int, len(got)) // from[i]: the index in got of the event placed at i
	steps := 0
	// linkAfter is the previousEventId of got[f] placed at position i: its link renumbered,
	// except that an event that links out of a Parallel state's branches (its Succeeded or
	// Exited event, linking to the last branch event written) links to the last branch event
	// of the arrangement, whichever branch that is.
	linkAfter := func(f, i int) int64 {
		prev := intMember(got[f], "previousEventId")
		p, ok := index[prev]
		if !ok {
			return prev
		}
		if depth := len(paths[f]); len(paths[p]) > depth && (depth == 0 || paths[p][depth-1] == paths[f][depth-1]) {
			region := paths[p][depth][0]
			for j := i - 1; j >= 0; j-- {
				if q := paths[from[j]]; len(q) > depth && q[depth][0] == region {
					return int64(j + 1)
				}
			}
		}
		if n, ok := newID[prev]; ok {
			return n
		}
		return prev
	}
	available := func(f int) bool {
		for e := 0; e < f; e++ {
			if !used[e] && !concurrent(paths[e], paths[f]) {
				return false
			}
		}
		return true
	}
	var place func(i int, b map[string]string) bool
	place = func(i int, b map[string]string) bool {
		if i == len(want) {
			maps.Copy(binds, b)
			return true
		}
		for f := range got {
			if steps++; steps > maxSteps {
				return false
			}
			if used[f] || !available(f) {
				continue
			}
			old := intMember(got[f], "id")
			prev := linkAfter(f, i)
			e := got[f].set("id", jv{k: kInt, i: big.NewInt(int64(i + 1))}).set("previousEventId", jv{k: kInt, i: big.NewInt(prev)})
			trial := maps.Clone(b)
			if firstDiff(want[i], e, fmt.Sprintf("$.history[%d]", i), trial) != "" {
				continue
			}
			used[f], out[i], from[i], newID[old] = true, e, f, int64(i+1)
			if place(i+1, trial) {
				return true
			}
			used[f] = false
			delete(newID, old)
		}
		return false
	}
	if !place(0, maps.Clone(binds)) {
		return nil, false
	}
	return out, true
}
