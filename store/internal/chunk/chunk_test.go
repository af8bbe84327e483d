package chunk

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/store/internal/commit"
)

func TestGroup(t *testing.T) {
	ev := func(id int64, body string) commit.Event { return commit.Event{ID: id, Body: body} }
	big := strings.Repeat("x", MaxBytes/2)
	for _, tc := range []struct {
		name string
		in   []commit.Event
		want []Chunk
	}{
		{"none", nil, nil},
		{"one", []commit.Event{ev(1, `{"a":1}`)}, []Chunk{{1, 1, `{"a":1}`}}},
		{"a step", []commit.Event{ev(4, `{"a":4}`), ev(5, `{"a":5}`), ev(6, `{"a":6}`)}, []Chunk{{4, 6, "{\"a\":4}\n{\"a\":5}\n{\"a\":6}"}}},
		{"a gap in the ids", []commit.Event{ev(1, "a"), ev(2, "b"), ev(4, "d"), ev(5, "e")}, []Chunk{{1, 2, "a\nb"}, {4, 5, "d\ne"}}},
		{"a newline stands alone", []commit.Event{ev(1, "a"), ev(2, "b\nc"), ev(3, "d"), ev(4, "e")}, []Chunk{{1, 1, "a"}, {2, 2, "b\nc"}, {3, 4, "d\ne"}}},
		{"a newline first", []commit.Event{ev(1, "\n"), ev(2, "b")}, []Chunk{{1, 1, "\n"}, {2, 2, "b"}}},
		{"past the size", []commit.Event{ev(1, big), ev(2, big), ev(3, big), ev(4, "z")}, []Chunk{{1, 2, big + "\n" + big}, {3, 4, big + "\nz"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Group(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Group = %.300s, want %.300s", fmt.Sprint(got), fmt.Sprint(tc.want))
			}
		})
	}
	for _, ids := range [][]int64{{2, 2}, {3, 2}} {
		if _, err := Group([]commit.Event{ev(ids[0], "a"), ev(ids[1], "b")}); err == nil {
			t.Errorf("Group of ids %v: no error", ids)
		}
	}
}

func TestEachEventRefusesAMiscount(t *testing.T) {
	var lines []int
	for _, tc := range []struct {
		first, last int64
		body        string
	}{{1, 3, "a\nb"}, {1, 2, "a\nb\nc"}, {1, 2, "a"}} {
		for _, reverse := range []bool{false, true} {
			if _, err := Each(tc.first, tc.last, []byte(tc.body), reverse, &lines, func(int64, []byte) bool { return true }); err == nil {
				t.Errorf("Each(%d, %d, %q, %v): no error", tc.first, tc.last, tc.body, reverse)
			}
		}
	}
}

// FuzzChunks: events grouped into chunks and read back, in either order and stopping
// anywhere, are the events, ids and bodies, whatever their bodies hold.
func FuzzChunks(f *testing.F) {
	f.Add([]byte("a\x00b\nc\x01d"), uint8(3), uint8(0))
	f.Add([]byte("\n\n\x02x"), uint8(0), uint8(1))
	f.Add([]byte("a\x00b\x00c\x00d"), uint8(4), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, gaps, stop uint8) {
		var in []commit.Event
		id := int64(1)
		for i, b := range strings.Split(string(data), "\x00") {
			if gaps>>(i%8)&1 == 1 {
				id += 2
			}
			in = append(in, commit.Event{ID: id, Body: b})
			id++
		}
		cs, err := Group(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, reverse := range []bool{false, true} {
			var got []commit.Event
			var lines []int
			limit := len(in) - int(stop)%(len(in)+1)
			order := cs
			if reverse {
				order = make([]Chunk, len(cs))
				for i, c := range cs {
					order[len(cs)-1-i] = c
				}
			}
			for _, c := range order {
				more, err := Each(c.First, c.Last, []byte(c.Body), reverse, &lines, func(id int64, body []byte) bool {
					got = append(got, commit.Event{ID: id, Body: string(body)})
					return len(got) < limit
				})
				if err != nil {
					t.Fatal(err)
				}
				if !more {
					break
				}
			}
			want := append([]commit.Event(nil), in...)
			if reverse {
				for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
					want[i], want[j] = want[j], want[i]
				}
			}
			want = want[:max(limit, min(1, len(want)))]
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("reverse %v, limit %d: read %v, want %v (chunks %v)", reverse, limit, got, want, cs)
			}
		}
	})
}
