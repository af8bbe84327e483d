package conformance

import (
	"fmt"
	"strings"
	"testing"
)

// ev writes a history event: id, previousEventId, type and, for state events, the state's name.
func ev(id, prev int, typ, name string) string {
	e := fmt.Sprintf(`{"id":%d,"previousEventId":%d,"type":%q`, id, prev, typ)
	if name != "" {
		e += fmt.Sprintf(`,"stateEnteredEventDetails":{"name":%q}`, name)
	}
	return e + "}"
}

func unfixed(typ, name string) string {
	return fmt.Sprintf(`{"id":[0],"previousEventId":0,"type":%q,"stateEnteredEventDetails":{"name":%q}}`, typ, name)
}

func hist(t *testing.T, events ...string) jv {
	t.Helper()
	return mustParse(t, "["+strings.Join(events, ",")+"]")
}

// stepwiseParallel is a Parallel state of two branches as Stepwise writes it: branch A, then
// branch B, each branch's first event linking to ParallelStateStarted.
func stepwiseParallel(t *testing.T) jv {
	return hist(t,
		ev(1, 0, "ExecutionStarted", ""),
		ev(2, 0, "ParallelStateEntered", "P"),
		ev(3, 2, "ParallelStateStarted", ""),
		ev(4, 3, "PassStateEntered", "A"),
		ev(5, 4, "PassStateExited", "A"),
		ev(6, 3, "PassStateEntered", "B"),
		ev(7, 6, "PassStateExited", "B"),
		ev(8, 7, "ParallelStateSucceeded", ""),
		ev(9, 7, "ParallelStateExited", "P"),
		ev(10, 9, "ExecutionSucceeded", ""),
	)
}

func TestInterleavedHistories(t *testing.T) {
	for _, tc := range []struct {
		name  string
		want  []string
		match bool
	}{
		{"the same order", []string{
			ev(4, 3, "PassStateEntered", "A"), ev(5, 4, "PassStateExited", "A"),
			ev(6, 3, "PassStateEntered", "B"), ev(7, 6, "PassStateExited", "B"),
			ev(8, 7, "ParallelStateSucceeded", ""), ev(9, 7, "ParallelStateExited", "P")}, true},
		{"branches interleaved, A last", []string{
			ev(4, 3, "PassStateEntered", "A"), ev(5, 3, "PassStateEntered", "B"),
			ev(6, 5, "PassStateExited", "B"), ev(7, 4, "PassStateExited", "A"),
			ev(8, 7, "ParallelStateSucceeded", ""), ev(9, 7, "ParallelStateExited", "P")}, true},
		{"B first", []string{
			ev(4, 3, "PassStateEntered", "B"), ev(5, 4, "PassStateExited", "B"),
			ev(6, 3, "PassStateEntered", "A"), ev(7, 6, "PassStateExited", "A"),
			ev(8, 7, "ParallelStateSucceeded", ""), ev(9, 7, "ParallelStateExited", "P")}, true},
		{"ids not renumbered with the order", []string{
			ev(4, 3, "PassStateEntered", "B"), ev(5, 4, "PassStateExited", "B"),
			ev(6, 3, "PassStateEntered", "A"), ev(7, 4, "PassStateExited", "A"),
			ev(8, 7, "ParallelStateSucceeded", ""), ev(9, 7, "ParallelStateExited", "P")}, false},
		{"a branch's own order broken", []string{
			ev(4, 3, "PassStateExited", "A"), ev(5, 3, "PassStateEntered", "A"),
			ev(6, 3, "PassStateEntered", "B"), ev(7, 6, "PassStateExited", "B"),
			ev(8, 7, "ParallelStateSucceeded", ""), ev(9, 7, "ParallelStateExited", "P")}, false},
		{"the state's own events reordered", []string{
			ev(4, 3, "PassStateEntered", "A"), ev(5, 4, "PassStateExited", "A"),
			ev(6, 3, "PassStateEntered", "B"), ev(7, 6, "PassStateExited", "B"),
			ev(8, 7, "ParallelStateExited", "P"), ev(9, 7, "ParallelStateSucceeded", "")}, false},
		{"a branch event before the state started", []string{
			ev(3, 2, "PassStateEntered", "A"), ev(4, 2, "ParallelStateStarted", ""), ev(5, 3, "PassStateExited", "A"),
			ev(6, 4, "PassStateEntered", "B"), ev(7, 6, "PassStateExited", "B"),
			ev(8, 7, "ParallelStateSucceeded", ""), ev(9, 7, "ParallelStateExited", "P")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := []string{ev(1, 0, "ExecutionStarted", ""), ev(2, 0, "ParallelStateEntered", "P")}
			if !strings.Contains(tc.want[0], `"ParallelStateStarted"`) && !strings.Contains(tc.want[1], `"ParallelStateStarted"`) {
				head = append(head, ev(3, 2, "ParallelStateStarted", ""))
			}
			want := append(head, tc.want...)
			if len(want) < 10 {
				want = append(want, ev(10, 9, "ExecutionSucceeded", ""))
			}
			if len(want) != 10 {
				t.Fatalf("the wanted history has %d events, not 10: the case would not test the order", len(want))
			}
			d, _ := compareHistory(hist(t, want...), stepwiseParallel(t), map[string]string{})
			if (d == "") != tc.match {
				t.Errorf("match = %v (%s), want %v", d == "", d, tc.match)
			}
		})
	}
}

// Without Parallel branches, the order is AWS's to fix: two sequential events swapped differ.
func TestSequentialHistoriesKeepTheirOrder(t *testing.T) {
	got := hist(t, ev(1, 0, "ExecutionStarted", ""), ev(2, 0, "PassStateEntered", "A"), ev(3, 2, "PassStateExited", "A"))
	want := hist(t, ev(1, 0, "ExecutionStarted", ""), ev(2, 0, "PassStateExited", "A"), ev(3, 2, "PassStateEntered", "A"))
	if d, _ := compareHistory(want, got, map[string]string{}); d == "" {
		t.Error("a swapped sequential history matched")
	}
}

// The recordings with [0] ids: nested Parallel states, as the recording's normalisation left
// them (three events gone), match Stepwise's whole history put through the same.
func TestUnfixedIDsLikeTheRecording(t *testing.T) {
	got := hist(t,
		ev(1, 0, "ExecutionStarted", ""),
		ev(2, 0, "ParallelStateEntered", "L1"),
		ev(3, 2, "ParallelStateStarted", ""),
		ev(4, 3, "ParallelStateEntered", "L2"),
		ev(5, 4, "ParallelStateStarted", ""),
		ev(6, 5, "PassStateEntered", "B"),
		ev(7, 6, "PassStateExited", "B"),
		ev(8, 7, "ParallelStateSucceeded", ""),
		ev(9, 7, "ParallelStateExited", "L2"),
		ev(10, 9, "ParallelStateSucceeded", ""),
		ev(11, 9, "ParallelStateExited", "L1"),
		ev(12, 11, "ExecutionSucceeded", ""),
	)
	want := []string{
		ev(1, 0, "ExecutionStarted", ""),
		ev(2, 0, "ParallelStateEntered", "L1"),
		ev(3, 2, "ParallelStateStarted", ""),
		unfixed("ParallelStateEntered", "L2"),
		ev(5, 4, "ParallelStateStarted", ""),
		unfixed("PassStateExited", "B"), // in another order
		unfixed("PassStateEntered", "B"),
		ev(11, 9, "ParallelStateExited", "L1"),
		ev(12, 11, "ExecutionSucceeded", ""),
	}
	d, arranged := compareHistory(hist(t, want...), got, map[string]string{})
	if d != "" {
		t.Fatalf("the nested recording does not match: %s", d)
	}
	if name, _ := arranged.arr[5].get("stateEnteredEventDetails"); compact(name, 100) != `{"name": "B"}` {
		t.Errorf("arrangement: %s", compact(arranged, 1000))
	}
	// A run that holds another event does not match.
	want[5] = unfixed("PassStateExited", "C")
	if d, _ := compareHistory(hist(t, want...), got, map[string]string{}); d == "" {
		t.Error("a run with another state's event matched")
	}
}

func TestLikeRecordingDropsAsTheRecordingDid(t *testing.T) {
	h := likeRecording(hist(t,
		ev(1, 0, "ExecutionStarted", ""),
		ev(2, 0, "ParallelStateEntered", "P"),
		ev(3, 2, "ParallelStateStarted", ""),
		ev(4, 3, "PassStateEntered", "A"),
		ev(5, 4, "PassStateExited", "A"),
		ev(6, 5, "ParallelStateSucceeded", ""),
		ev(7, 5, "ParallelStateExited", "P"),
		ev(8, 7, "ExecutionSucceeded", ""),
	))
	var types []string
	for _, e := range h.arr {
		typ, _ := eventType(e)
		if isUnfixedID(e) {
			typ += "*"
		}
		types = append(types, typ)
	}
	got := strings.Join(types, " ")
	want := "ExecutionStarted ParallelStateEntered ParallelStateStarted PassStateEntered* PassStateExited* ParallelStateExited ExecutionSucceeded"
	if got != want {
		t.Errorf("likeRecording:\n got %s\nwant %s", got, want)
	}
}

// The engine's own links say which branch wrote which event: its history of a Parallel state
// matches a recording that interleaves the branches, and one where a branch's events are out
// of order does not.
func TestInterleaveEngineHistory(t *testing.T) {
	c := &Case{ID: "parallel", input: jv{k: kObject}, definition: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A1","States":{"A1":{"Type":"Pass","Next":"A2"},"A2":{"Type":"Pass","End":true}}},
		{"StartAt":"B1","States":{"B1":{"Type":"Pass","End":true}}}]}}}`}
	out, err := RunInProcess(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseJSON(string(out))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := doc.get("history")
	h, _ = h.get("events")
	got := parseJSONStrings(h)
	find := func(typ, name string) jv {
		for _, e := range got.arr {
			tt, _ := eventType(e)
			d, _ := e.get("stateEnteredEventDetails")
			if x, ok := e.get("stateExitedEventDetails"); ok {
				d = x
			}
			n, _ := d.get("name")
			if tt == typ && n.s == name {
				return e
			}
		}
		t.Fatalf("no %s %s in %s", typ, name, compact(got, 2000))
		return jv{}
	}
	at := func(e jv, id, prev int) jv {
		return e.set("id", mustParse(t, fmt.Sprint(id))).set("previousEventId", mustParse(t, fmt.Sprint(prev)))
	}
	if len(got.arr) != 12 {
		t.Fatalf("the engine's history has %d events: %s", len(got.arr), compact(got, 3000))
	}
	// AWS's order in one run: B's branch first and done, then A's.
	want := jv{k: kArray, arr: []jv{got.arr[0], got.arr[1], got.arr[2],
		at(find("PassStateEntered", "B1"), 4, 3),
		at(find("PassStateEntered", "A1"), 5, 3),
		at(find("PassStateExited", "B1"), 6, 4),
		at(find("PassStateExited", "A1"), 7, 5),
		at(find("PassStateEntered", "A2"), 8, 7),
		at(find("PassStateExited", "A2"), 9, 8),
		at(got.arr[9], 10, 9), at(got.arr[10], 11, 9), at(got.arr[11], 12, 11)}}
	if d, _ := compareHistory(want, got, map[string]string{}); d != "" {
		t.Errorf("an interleaving of the branches does not match: %s", d)
	}
	// A2 before A1 is no interleaving.
	want.arr[4], want.arr[7] = at(find("PassStateEntered", "A2"), 5, 3), at(find("PassStateEntered", "A1"), 8, 7)
	if d, _ := compareHistory(want, got, map[string]string{}); d == "" {
		t.Error("a branch's events out of their order matched")
	}
}
