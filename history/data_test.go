package history

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestAppendJSONWithoutData: an event without its execution data is the event with the data
// members of its details deleted, nothing else.
func TestAppendJSONWithoutData(t *testing.T) {
	for _, e := range sampleEvents() {
		full, err := e.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]any
		if err := json.Unmarshal(full, &want); err != nil {
			t.Fatal(err)
		}
		if d, ok := want[DetailsKey(e.Type)].(map[string]any); ok {
			for _, k := range dataMembers {
				delete(d, k)
			}
		}
		b, err := e.AppendJSONWithoutData(nil)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s without data:\n got %s\nwant %v", e.Type, b, want)
		}
	}
}
