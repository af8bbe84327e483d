package value

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestDecodeKeepsKeyOrder(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"b":1,"a":2}`, `{"b":1,"a":2}`},
		{` { "z" : { "y" : [ {"d":null,"c":true} ] , "x" : "\u0041\n" } , "a" : -1.5e3 } `, `{"z":{"y":[{"d":null,"c":true}],"x":"A\n"},"a":-1.5e3}`},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`}, // a repeated key: first place, last value
		{`{}`, `{}`},
		{`[]`, `[]`},
		{`"caf\u00e9 \ud83d\ude00"`, `"café 😀"`},
		{"\"\xff\"", "\"\ufffd\""},
		{`12345678901234567890.000`, `12345678901234567890.000`},
		{`{"` + strings.Repeat("k", 3) + `":{}}`, `{"kkk":{}}`},
	} {
		v, err := DecodeString(tc.in)
		if err != nil {
			t.Fatalf("Decode(%s): %v", tc.in, err)
		}
		if got := Encode(v); got != tc.want {
			t.Errorf("Encode(Decode(%s)) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a" 1}`, `[1,]`, `1 2`, `{"a":1}x`, `tru`, `"\x01"`} {
		_, err := DecodeString(bad)
		var std any
		if want := json.Unmarshal([]byte(bad), &std); err == nil || want == nil {
			t.Errorf("Decode(%q) = %v, encoding/json %v", bad, err, want)
		}
	}
}

func TestObject(t *testing.T) {
	o := Obj("b", json.Number("1"), "a", json.Number("2"))
	if got := Encode(o); got != `{"b":1,"a":2}` {
		t.Fatalf("Obj = %s", got)
	}
	w := o.With("a", "x").With("c", true)
	if got, want := Encode(w), `{"b":1,"a":"x","c":true}`; got != want {
		t.Errorf("With = %s, want %s", got, want)
	}
	if got := Encode(o); got != `{"b":1,"a":2}` {
		t.Errorf("With changed its object: %s", got)
	}
	if got, want := Encode(w.Without("b")), `{"a":"x","c":true}`; got != want {
		t.Errorf("Without = %s, want %s", got, want)
	}
	if !Equal(o, Obj("a", json.Number("2"), "b", json.Number("1.0"))) {
		t.Error("Equal depends on key order")
	}
	if !Equal(o, map[string]any{"a": json.Number("2"), "b": json.Number("1")}) || !Equal(map[string]any{"a": json.Number("2"), "b": json.Number("1")}, o) {
		t.Error("an object and an equal map are not Equal")
	}
	if Equal(o, Obj("b", json.Number("1"))) || Equal(o, Obj("b", json.Number("1"), "c", json.Number("2"))) {
		t.Error("objects with other members are Equal")
	}
	if v, ok := Get(map[string]any{"k": "v"}, "k"); !ok || v != "v" {
		t.Error("Get does not read a map")
	}
	m, ok := AsObject(map[string]any{"z": 1, "a": map[string]any{"y": 2, "x": 3}})
	if !ok || Encode(m) != `{"a":{"x":3,"y":2},"z":1}` {
		t.Errorf("AsObject(map) = %s", Encode(m))
	}
	if got := Encode(Plain(o)); got != `{"a":2,"b":1}` {
		t.Errorf("Plain = %s", got)
	}
	if _, ok := Plain([]any{o}).([]any)[0].(map[string]any); !ok {
		t.Error("Plain left an object inside an array")
	}
	if _, ok := Ordered([]any{map[string]any{"a": 1}}).([]any)[0].(*Object); !ok {
		t.Error("Ordered left a map inside an array")
	}
	var nilObj *Object
	if nilObj.Len() != 0 || nilObj.Has("a") || Encode(nilObj) != `{}` {
		t.Error("a nil *Object is not an empty object")
	}
	data, err := json.Marshal(map[string]any{"o": o})
	if err != nil || string(data) != `{"o":{"b":1,"a":2}}` {
		t.Errorf("json.Marshal = %s, %v", data, err)
	}
	var back Object
	if err := json.Unmarshal([]byte(`{"y":1,"x":2}`), &back); err != nil || Encode(&back) != `{"y":1,"x":2}` {
		t.Errorf("json.Unmarshal = %s, %v", Encode(&back), err)
	}
}

// TestObjectIndex holds lookups to the same answers below and above indexFrom, where an
// object starts keeping a key index, through Set, With and Without.
func TestObjectIndex(t *testing.T) {
	for _, n := range []int{2, indexFrom - 1, indexFrom, indexFrom + 1, 3 * indexFrom} {
		o := NewObject(0)
		for i := range n {
			o.Set(fmt.Sprint("k", i), i)
		}
		o.Set("k0", -1) // an existing key keeps its place
		w := o.With(fmt.Sprint("k", n), n).Without("k1")
		for i := range n + 1 {
			k := fmt.Sprint("k", i)
			v, ok := w.Get(k)
			switch {
			case i == 1:
				if ok {
					t.Errorf("n=%d: Without(k1) kept it", n)
				}
			case i == 0:
				if !ok || v != -1 {
					t.Errorf("n=%d: k0 = %v, %v", n, v, ok)
				}
			default:
				if !ok || v != i {
					t.Errorf("n=%d: %s = %v, %v", n, k, v, ok)
				}
			}
		}
		if w.Members()[0].Key != "k0" || w.Members()[w.Len()-1].Key != fmt.Sprint("k", n) {
			t.Errorf("n=%d: order %v", n, w.Keys())
		}
	}
}

// BenchmarkObject compares an *Object with the map[string]any it replaced for what state
// machines do with their small objects: read them (decode + lookups), build them (a template's
// keys), and write them (encode).
func BenchmarkObject(b *testing.B) {
	for _, n := range []int{2, 5, 8, 10, 16, 20} {
		var sb strings.Builder
		sb.WriteString("{")
		keys := make([]string, n)
		for i := range n {
			keys[i] = fmt.Sprintf("key%d", i)
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `"%s":%d`, keys[i], i)
		}
		sb.WriteString("}")
		text := []byte(sb.String())
		m := map[string]any{}
		o := NewObject(0)
		for i, k := range keys {
			m[k] = json.Number(fmt.Sprint(i))
			o.Set(k, json.Number(fmt.Sprint(i)))
		}
		b.Run(fmt.Sprintf("n=%d/get/map", n), func(b *testing.B) {
			for b.Loop() {
				for _, k := range keys {
					_ = m[k]
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/get/object", n), func(b *testing.B) {
			for b.Loop() {
				for _, k := range keys {
					_, _ = o.Get(k)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/build/map", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				x := make(map[string]any, n)
				for _, k := range keys {
					x[k] = k
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/build/object", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				x := NewObject(n)
				for _, k := range keys {
					x.Set(k, k)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/encode/map", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Encode(m)
			}
		})
		b.Run(fmt.Sprintf("n=%d/encode/object", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Encode(o)
			}
		})
		b.Run(fmt.Sprintf("n=%d/decode/map", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = decodeStd(text)
			}
		})
		b.Run(fmt.Sprintf("n=%d/decode/object", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Decode(text)
			}
		})
	}
}

// decodeStd is how Decode read text into Go maps before objects kept their order.
func decodeStd(data []byte) (any, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	err := dec.Decode(&v)
	return v, err
}
