package value

import (
	"iter"
	"slices"
)

// Object is a JSON object that keeps its keys in the order they were first set, as AWS keeps
// them: a Pass state returns {"b":1,"a":2} unchanged, a template's keys come out in the
// template's order.
//
// An Object is built by one owner (NewObject, Set) and is immutable once shared: code that
// changes a shared object makes a new one (With, Without). The zero Object and a nil *Object are
// empty objects for reading.
//
// Most objects a state machine carries are small; their members sit in one slice searched
// linearly, which is faster than a Go map below a dozen keys (BenchmarkObjectGet). An object
// that grows past indexFrom members gets a key index as well.
type Object struct {
	members []Member
	index   map[string]int
}

// Member is one key and its value.
type Member struct {
	Key   string
	Value any
}

// indexFrom is the size from which an object keeps a key index: below it a linear search of
// the members is as fast as a map lookup (BenchmarkObjectGet).
const indexFrom = 16

// NewObject returns an empty object with room for n members.
func NewObject(n int) *Object {
	o := &Object{}
	if n > 0 {
		o.members = make([]Member, 0, n)
	}
	return o
}

// Obj builds an object from alternating keys and values: Obj("Error", e, "Cause", c). A key
// that is not a string is a programming error and panics.
func Obj(kv ...any) *Object {
	o := NewObject(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		o.Set(kv[i].(string), kv[i+1])
	}
	return o
}

// Len returns the number of members.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.members)
}

// Members returns the members in order. The slice belongs to the object: do not change it.
func (o *Object) Members() []Member {
	if o == nil {
		return nil
	}
	return o.members
}

// All iterates over the members in order.
func (o *Object) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for _, m := range o.Members() {
			if !yield(m.Key, m.Value) {
				return
			}
		}
	}
}

// Keys returns the keys in order, in a new slice.
func (o *Object) Keys() []string {
	keys := make([]string, o.Len())
	for i, m := range o.Members() {
		keys[i] = m.Key
	}
	return keys
}

// find returns the position of key k, or -1.
func (o *Object) find(k string) int {
	if o == nil {
		return -1
	}
	if o.index != nil {
		if i, ok := o.index[k]; ok {
			return i
		}
		return -1
	}
	for i := range o.members {
		if o.members[i].Key == k {
			return i
		}
	}
	return -1
}

// Get returns the value of key k, and whether the object has it.
func (o *Object) Get(k string) (any, bool) {
	if i := o.find(k); i >= 0 {
		return o.members[i].Value, true
	}
	return nil, false
}

// Has reports whether the object has key k.
func (o *Object) Has(k string) bool { return o.find(k) >= 0 }

// Set gives key k the value v while the object is being built: an existing key keeps its
// place, a new one goes last. Never Set an object that has been shared; use With.
func (o *Object) Set(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.members[i].Value = v
		return
	}
	o.members = append(o.members, Member{k, v})
	switch n := len(o.members); {
	case n == indexFrom:
		o.index = make(map[string]int, n+n/2)
		for i, m := range o.members {
			o.index[m.Key] = i
		}
	case n > indexFrom:
		o.index[k] = n - 1
	}
}

// With returns a copy of the object with key k set to v: an existing key keeps its place, a new
// one goes last, as in a ResultPath merge on AWS.
func (o *Object) With(k string, v any) *Object {
	i := o.find(k)
	n := o.Len()
	if i < 0 {
		n++
	}
	out := NewObject(n)
	out.members = append(out.members, o.Members()...)
	if o != nil && o.index != nil {
		out.index = make(map[string]int, len(o.index)+1)
		for k, i := range o.index {
			out.index[k] = i
		}
	}
	if i >= 0 {
		out.members[i].Value = v
		return out
	}
	out.Set(k, v)
	return out
}

// Without returns a copy of the object without key k (the object itself when it has no k).
func (o *Object) Without(k string) *Object {
	i := o.find(k)
	if i < 0 {
		return o
	}
	out := NewObject(o.Len() - 1)
	for j, m := range o.members {
		if j != i {
			out.Set(m.Key, m.Value)
		}
	}
	return out
}

// Clone returns a shallow copy that the caller may Set.
func (o *Object) Clone() *Object {
	out := NewObject(o.Len())
	for _, m := range o.Members() {
		out.Set(m.Key, m.Value)
	}
	return out
}

// Map returns the members as a Go map (values unchanged), for code that wants one.
func (o *Object) Map() map[string]any {
	m := make(map[string]any, o.Len())
	for _, mb := range o.Members() {
		m[mb.Key] = mb.Value
	}
	return m
}

// MarshalJSON renders the object in its order, as Encode does, so encoding/json users (API
// responses, snapshots) keep the order too.
func (o *Object) MarshalJSON() ([]byte, error) { return AppendEncode(nil, o), nil }

// UnmarshalJSON reads an object keeping its key order.
func (o *Object) UnmarshalJSON(data []byte) error {
	v, err := Decode(data)
	if err != nil {
		return err
	}
	obj, ok := AsObject(v)
	if !ok {
		return &typeError{TypeName(v)}
	}
	*o = Object{members: obj.members, index: obj.index}
	return nil
}

type typeError struct{ got string }

func (e *typeError) Error() string { return "expected a JSON object, got " + e.got }

// FromMap returns a map's members as an object, keys sorted (a Go map has no order to keep).
// Nested values are left as they are.
func FromMap(m map[string]any) *Object {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	o := NewObject(len(keys))
	for _, k := range keys {
		o.Set(k, m[k])
	}
	return o
}

// AsObject returns v as an object when it is one: an *Object as it is, or a map[string]any
// (still accepted from code written before objects kept their order) with its keys sorted.
func AsObject(v any) (*Object, bool) {
	switch x := v.(type) {
	case *Object:
		if x == nil {
			return &Object{}, true
		}
		return x, true
	case map[string]any:
		return FromMap(x), true
	}
	return nil, false
}

// IsObject reports whether v is a JSON object (an *Object or a map[string]any).
func IsObject(v any) bool {
	switch v.(type) {
	case *Object, map[string]any:
		return true
	}
	return false
}

// Get returns member k of v when v is an object that has it.
func Get(v any, k string) (any, bool) {
	switch x := v.(type) {
	case *Object:
		return x.Get(k)
	case map[string]any:
		e, ok := x[k]
		return e, ok
	}
	return nil, false
}

// Plain returns v with every object as a map[string]any, for code that wants Go maps (and
// does not care about key order). Values without objects are returned as they are.
func Plain(v any) any {
	switch x := v.(type) {
	case *Object:
		m := make(map[string]any, x.Len())
		for _, mb := range x.Members() {
			m[mb.Key] = Plain(mb.Value)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = Plain(e)
		}
		return m
	case []any:
		return mapArray(x, Plain)
	}
	return v
}

// mapArray applies f to each element of x, copying x only from the first element f changes
// (an array with nothing to convert is returned as it is).
func mapArray(x []any, f func(any) any) []any {
	var out []any
	for i, e := range x {
		p := f(e)
		if out == nil && !samePlain(p, e) {
			out = make([]any, len(x))
			copy(out, x[:i])
		}
		if out != nil {
			out[i] = p
		}
	}
	if out == nil {
		return x
	}
	return out
}

func samePlain(p, e any) bool {
	switch e.(type) {
	case *Object, map[string]any, []any:
		return Same(p, e)
	}
	return true
}

// Ordered returns v with every map[string]any turned into an *Object (keys sorted), so that
// values built by code written for maps join the ordered representation.
func Ordered(v any) any {
	switch x := v.(type) {
	case map[string]any:
		o := FromMap(x)
		for i := range o.members {
			o.members[i].Value = Ordered(o.members[i].Value)
		}
		return o
	case *Object:
		var out *Object
		for i, m := range x.Members() {
			e := Ordered(m.Value)
			if out == nil && !samePlain(e, m.Value) {
				out = x.Clone()
			}
			if out != nil {
				out.members[i].Value = e
			}
		}
		if out == nil {
			return x
		}
		return out
	case []any:
		return mapArray(x, Ordered)
	}
	return v
}

// Delete removes key k while the object is being built (never from a shared object; use
// Without).
func (o *Object) Delete(k string) {
	i := o.find(k)
	if i < 0 {
		return
	}
	o.members = append(o.members[:i], o.members[i+1:]...)
	if o.index != nil {
		if len(o.members) < indexFrom {
			o.index = nil
			return
		}
		delete(o.index, k)
		for j := i; j < len(o.members); j++ {
			o.index[o.members[j].Key] = j
		}
	}
}

// DecodeMaps is Decode with every object a map[string]any (its key order lost), for code that
// reads a document as Go maps: a request's parameters, a service's answer.
func DecodeMaps(data []byte) (any, error) {
	v, err := Decode(data)
	if err != nil {
		return nil, err
	}
	return Plain(v), nil
}
