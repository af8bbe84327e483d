package api

import (
	"strconv"
	"time"

	"github.com/stepwise-run/stepwise/internal/jsontext"
)

// object is the answer of the actions every execution calls (StartExecution,
// StartSyncExecution, DescribeExecution), built without a map and written without
// reflection: encoding a map[string]any took more of the server's time than the rest of
// those actions outside the store. Members are written in key order, as encoding/json writes
// a map's, so the bytes are the ones the map gave (TestObjectMatchesMap holds them equal).
type object struct {
	members []member
	buf     [24]member // room for DescribeExecution's members without a second allocation
}

type memberKind uint8

const (
	kindString memberKind = iota
	kindEpoch             // n: milliseconds since the epoch
	kindInt
	kindRaw // s: JSON written as it is
)

type member struct {
	key  string
	kind memberKind
	s    string
	n    int64
}

// included is {"included": true}, the inputDetails and outputDetails of every execution.
const included = `{"included":true}`

func newObject() *object {
	o := &object{}
	o.members = o.buf[:0]
	return o
}

// put sets a member, replacing one of the same key as a map assignment would.
func (o *object) put(m member) {
	for i := range o.members {
		if o.members[i].key == m.key {
			o.members[i] = m
			return
		}
	}
	o.members = append(o.members, m)
}

func (o *object) str(key, v string) { o.put(member{key: key, kind: kindString, s: v}) }
func (o *object) epoch(key string, t time.Time) {
	o.put(member{key: key, kind: kindEpoch, n: t.UnixMilli()})
}
func (o *object) int(key string, n int64) { o.put(member{key: key, kind: kindInt, n: n}) }
func (o *object) raw(key, json string)    { o.put(member{key: key, kind: kindRaw, s: json}) }

// appendJSON appends the object as encoding/json would write the equivalent map with HTML
// escaping off (the HTTP answer; json.Marshal escapes HTML in MarshalJSON's output itself).
func (o *object) appendJSON(b []byte) []byte {
	// Sorted by key; a few dozen members at most, so insertion sort, in place.
	ms := o.members
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].key < ms[j-1].key; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
	b = append(b, '{')
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsontext.AppendString(b, m.key, false)
		b = append(b, ':')
		switch m.kind {
		case kindString:
			b = jsontext.AppendString(b, m.s, false)
		case kindEpoch:
			b = appendEpochMillis(b, m.n)
		case kindInt:
			b = strconv.AppendInt(b, m.n, 10)
		case kindRaw:
			b = append(b, m.s...)
		}
	}
	return append(b, '}')
}

// MarshalJSON lets Invoke (json.Marshal) and any other encoder write an object.
func (o *object) MarshalJSON() ([]byte, error) { return o.appendJSON(nil), nil }

// appendEpochMillis writes a timestamp as the JSON protocol does: seconds since the epoch
// with three decimals.
func appendEpochMillis(b []byte, ms int64) []byte {
	if ms < 0 { // before 1970: never from this server's clock, but valid JSON all the same
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	frac := ms % 1000
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}
