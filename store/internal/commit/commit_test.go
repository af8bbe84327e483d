package commit

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

func TestCommit(t *testing.T) {
	if err := Check(store.Commit{}); !errors.Is(err, ErrNoExecution) {
		t.Fatalf("Check(no execution) = %v", err)
	}
	c := store.Commit{Execution: &store.Execution{LastEventID: 4}}
	if got := LastEventID(c); got != 4 {
		t.Errorf("LastEventID without events = %d, want 4", got)
	}
	c.Events = []history.Event{{Type: "PassStateEntered", ID: 5}, {Type: "WaitStateAborted", ID: 7}}
	if got := LastEventID(c); got != 7 {
		t.Errorf("LastEventID = %d, want 7", got)
	}
	evs, err := Events(c)
	if err != nil || len(evs) != 2 || evs[1].ID != 7 {
		t.Fatalf("Events = %+v, %v", evs, err)
	}
	if want, _ := c.Events[1].MarshalJSON(); string(evs[1].Body) != string(want) {
		t.Errorf("body = %s, want %s", evs[1].Body, want)
	}
}

func TestChildRounds(t *testing.T) {
	child := func(arn string, last int64) store.ChildStep {
		return store.ChildStep{Execution: store.Execution{Arn: arn, LastEventID: last}}
	}
	names := func(rounds [][]store.ChildStep) [][]string {
		var out [][]string
		for _, r := range rounds {
			var ns []string
			for _, c := range r {
				ns = append(ns, fmt.Sprintf("%s%d", c.Execution.Arn, c.Execution.LastEventID))
			}
			out = append(out, ns)
		}
		return out
	}
	once := []store.ChildStep{child("a", 1), child("b", 1)}
	if got := ChildRounds(once); len(got) != 1 || &got[0][0] != &once[0] {
		t.Errorf("ChildRounds of children each once = %v, want the children themselves", names(got))
	}
	got := names(ChildRounds([]store.ChildStep{child("a", 1), child("b", 1), child("a", 2), child("c", 1), child("a", 3), child("b", 2)}))
	want := [][]string{{"a1", "b1", "c1"}, {"a2", "b2"}, {"a3"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChildRounds = %v, want %v", got, want)
	}
	if got := ChildRounds(nil); len(got) != 1 || len(got[0]) != 0 {
		t.Errorf("ChildRounds(nil) = %v", got)
	}
}
