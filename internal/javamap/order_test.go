package javamap

import (
	"slices"
	"testing"
)

// TestJavaHashMapOrder: the orders are AWS's, as recorded (docs/conformance.md, "Key
// order"), and Java's for the same keys.
func TestJavaHashMapOrder(t *testing.T) {
	for _, tc := range []struct {
		name       string
		keys, want []string
	}{
		{"test_map_state_config_*", []string{"mapValue", "fromInput"}, []string{"mapValue", "fromInput"}},
		{"test_map_state_legacy_reentrant", []string{"Iterations", "Values"}, []string{"Values", "Iterations"}},
		{"test_map_state_item_selector",
			[]string{"original_input", "iteration_input_value", "iteration_index", "from_input_constant"},
			[]string{"iteration_input_value", "from_input_constant", "iteration_index", "original_input"}},
		{"base_assign_from_intrinsic_function arrayOps",
			[]string{"simpleArray", "partitionedArray", "containsElement", "numberRange", "thirdElement", "arraySize", "uniqueValues"},
			[]string{"uniqueValues", "simpleArray", "thirdElement", "partitionedArray", "arraySize", "containsElement", "numberRange"}},
		{"more than 12 keys: 32 buckets (query_context_object_values)",
			[]string{"context_object", "execution", "execution_id", "execution_input", "execution_name", "execution_rolearn",
				"execution_starttime", "state", "state_enteredtime", "state_name", "statemachine", "statemachine_id", "statemachine_name"},
			[]string{"execution", "execution_rolearn", "execution_name", "statemachine_id", "execution_id", "execution_input",
				"execution_starttime", "state_name", "state_enteredtime", "statemachine", "state", "context_object", "statemachine_name"}},
		// "Aa" and "BB" have the same String.hashCode: one bucket, in the order put.
		{"a collision keeps the order put", []string{"BB", "Aa"}, []string{"BB", "Aa"}},
		{"non-ASCII keys hash by UTF-16 unit", []string{"é", "😀", "a"}, []string{"a", "😀", "é"}},
		{"a repeated key keeps its first place", []string{"b", "a", "b"}, []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, i := range Order(tc.keys) {
				got = append(got, tc.keys[i])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestJavaHashMapOrderTreeifyResize: a ninth key in one bucket of a map of fewer than 64
// buckets doubles it (java.util.HashMap.treeifyBin), which moves keys apart.
func TestJavaHashMapOrderTreeifyResize(t *testing.T) {
	// Keys whose hash is k*16: all in bucket 0 of 16 buckets, spread over 0 and 16 of 32.
	var keys []string
	for c := rune(0); len(keys) < 9; c += 16 {
		keys = append(keys, string(c+0x100))
	}
	order := Order(keys)
	var got []string
	for _, i := range order {
		got = append(got, keys[i])
	}
	// In 32 buckets the keys whose hash has bit 4 set (every other one) come after the others.
	var want []string
	for i := 0; i < len(keys); i += 2 {
		want = append(want, keys[i])
	}
	for i := 1; i < len(keys); i += 2 {
		want = append(want, keys[i])
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestOrderManyKeys: past 32 keys repeated ones are found through a set; the order is the
// same as for the keys without repeats.
func TestOrderManyKeys(t *testing.T) {
	var keys []string
	for i := 0; i < 100; i++ {
		keys = append(keys, string(rune('a'+i%26))+string(rune('A'+i/26)))
	}
	withRepeats := append(append([]string(nil), keys...), keys[:10]...)
	a, b := Order(keys), Order(withRepeats)
	if !slices.Equal(a, b) {
		t.Errorf("with repeats %v, without %v", b, a)
	}
	if len(a) != 100 {
		t.Errorf("%d keys, want 100", len(a))
	}
}
