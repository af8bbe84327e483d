package commit

import (
	"errors"
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
