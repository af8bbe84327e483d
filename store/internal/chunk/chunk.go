package chunk

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/commit"
)

// A Chunk is one row of a store's event_chunks: the events First to Last of an execution,
// their JSON one per line. A step's events are usually one chunk; Page splits them.
type Chunk struct {
	First, Last int64
	Body        string
}

// MaxBytes bounds a chunk's body: a step with many large events (a Map's thousand
// iterations ending at once) is spread over rows of about this size, not one huge value.
const MaxBytes = 1 << 20

// Make encodes a step's events as rows; their ids must increase. A chunk holds consecutive
// ids only, and an event whose JSON holds a newline (history.Event's encoding writes none,
// but a row must not depend on that) is a chunk of its own, which is read whole.
func Make(evs []history.Event) ([]Chunk, error) {
	enc, err := commit.Events(store.Commit{Events: evs})
	if err != nil {
		return nil, err
	}
	return Group(enc)
}

// Group makes chunks of encoded events (see Make).
func Group(enc []commit.Event) ([]Chunk, error) {
	if len(enc) == 0 {
		return nil, nil
	}
	size := 0
	for _, e := range enc {
		size += len(e.Body) + 1
	}
	type span struct {
		first, last int64
		from, to    int
		alone       bool
	}
	b := make([]byte, 0, size)
	spans := make([]span, 0, 1)
	for i, e := range enc {
		if i > 0 && e.ID <= enc[i-1].ID {
			return nil, fmt.Errorf("store: event %d follows event %d in one step", e.ID, enc[i-1].ID)
		}
		alone := strings.IndexByte(e.Body, '\n') >= 0
		if i > 0 {
			if sp := &spans[len(spans)-1]; !alone && !sp.alone && e.ID == sp.last+1 && sp.to-sp.from < MaxBytes {
				b = append(append(b, '\n'), e.Body...)
				sp.last, sp.to = e.ID, len(b)
				continue
			}
		}
		from := len(b)
		b = append(b, e.Body...)
		spans = append(spans, span{first: e.ID, last: e.ID, from: from, to: len(b), alone: alone})
	}
	all := string(b)
	out := make([]Chunk, len(spans))
	for i, s := range spans {
		out[i] = Chunk{First: s.first, Last: s.last, Body: all[s.from:s.to]}
	}
	return out, nil
}

// Each calls fn with each event of a chunk's row, in ascending order of id, or in
// descending order when reverse, until fn returns false. It returns false when fn did.
// lines is scratch space for the reverse order.
func Each(first, last int64, body []byte, reverse bool, lines *[]int, fn func(id int64, body []byte) bool) (bool, error) {
	if first == last {
		return fn(first, body), nil
	}
	n := last - first + 1
	*lines = (*lines)[:0]
	rest, at := body, 0
	for id := first; ; id++ {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			i = len(rest)
		}
		if id > last {
			return false, fmt.Errorf("store: events %d to %d: more lines than events", first, last)
		}
		if reverse {
			*lines = append(*lines, at, at+i)
		} else if !fn(id, rest[:i]) {
			return false, nil
		}
		if i == len(rest) {
			if id != last {
				return false, fmt.Errorf("store: events %d to %d: %d lines", first, last, id-first+1)
			}
			break
		}
		rest, at = rest[i+1:], at+i+1
	}
	if reverse {
		ls := *lines
		for k := n - 1; k >= 0; k-- {
			if !fn(first+k, body[ls[2*k]:ls[2*k+1]]) {
				return false, nil
			}
		}
	}
	return true, nil
}

// FirstID is the id of a step's first event, or the largest id when it has none: a step's
// guarded write stores it only if the execution's last event is before it, since rows keyed
// by their last event would not collide on every overlap, as rows of one event did.
func FirstID(cs []Chunk) int64 {
	if len(cs) == 0 {
		return math.MaxInt64
	}
	return cs[0].First
}
