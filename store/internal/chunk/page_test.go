package chunk

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
)

// TestPage reads rows of 1, 3 and 2 events as History's queries hand them over: a page keeps
// the events past its bound, in the order asked, and stops when full.
func TestPage(t *testing.T) {
	var evs []history.Event
	for id := int64(1); id <= 6; id++ {
		evs = append(evs, history.Event{Timestamp: history.Time{Time: time.Unix(id, 0).UTC()}, ID: id, PreviousEventID: id - 1,
			Type: "PassStateEntered", Details: &history.StateEntered{Name: "S", Input: fmt.Sprintf(`{"i":%d}`, id)}})
	}
	var rows []Chunk
	for _, step := range [][2]int{{0, 1}, {1, 4}, {4, 6}} {
		cs, err := Make(evs[step[0]:step[1]])
		if err != nil || len(cs) != 1 {
			t.Fatalf("Make(%v): %d chunks, %v", step, len(cs), err)
		}
		rows = append(rows, cs[0])
	}
	for _, tc := range []struct {
		bound   int64
		limit   int
		reverse bool
		want    []int64
	}{
		{0, 0, false, []int64{1, 2, 3, 4, 5, 6}},
		{2, 0, false, []int64{3, 4, 5, 6}},
		{2, 2, false, []int64{3, 4}},
		{6, 0, false, nil},
		{7, 0, true, []int64{6, 5, 4, 3, 2, 1}},
		{4, 2, true, []int64{3, 2}},
		{2, 5, true, []int64{1}},
		{1, 0, true, nil},
	} {
		order := rows
		if tc.reverse {
			order = []Chunk{rows[2], rows[1], rows[0]}
		}
		p := NewPage(tc.bound, tc.limit, tc.reverse)
		read := 0
		for _, c := range order {
			read++
			more, err := p.Add(c.First, c.Last, []byte(c.Body))
			if err != nil {
				t.Fatal(err)
			}
			if !more {
				break
			}
		}
		var got []int64
		for i, e := range p.Events() {
			got = append(got, e.ID)
			if !reflect.DeepEqual(e, evs[e.ID-1]) {
				t.Errorf("event %d of page %+v: %+v, want %+v", i, tc, e, evs[e.ID-1])
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("page %+v: %v, want %v", tc, got, tc.want)
		}
		if full := tc.limit > 0 && len(got) == tc.limit; full && tc.bound == 2 && !tc.reverse && read != 2 {
			t.Errorf("page %+v read %d rows, want 2", tc, read)
		}
	}
	if _, err := NewPage(0, 0, false).Add(1, 2, []byte("{}\nnot json")); err == nil {
		t.Error("Add of a row that is not JSON: no error")
	}
}
