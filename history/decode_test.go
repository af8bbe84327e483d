package history

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func sampleEvents() []Event {
	ts := Time{time.UnixMilli(1700000000123).UTC()}
	n := int64(30)
	return []Event{
		{Timestamp: ts, Type: "ExecutionStarted", ID: 1, Details: &ExecutionStarted{Input: `{"a":"\u00e9\ud83d\ude00 \"q\"\n"}`, RoleArn: "arn:aws:iam::1:role/r", StateMachineVersionArn: "v"}},
		{Timestamp: ts, Type: "PassStateEntered", ID: 2, PreviousEventID: 1, Details: &StateEntered{Name: "P", Input: "{}", InputDetails: DataDetails{Truncated: true}}},
		{Timestamp: ts, Type: "PassStateExited", ID: 3, PreviousEventID: 2, Details: &StateExited{Name: "P", Output: `{"x":[1,2.5e3,null,true]}`}},
		{Timestamp: ts, Type: "PassStateExited", ID: 4, PreviousEventID: 3, Details: &StateExited{Name: "P", Output: `1`, AssignedVariables: map[string]string{"v": "1"}, AssignedVariablesDetails: &DataDetails{}}},
		{Timestamp: ts, Type: "TaskScheduled", ID: 5, Details: &TaskScheduled{ResourceType: "lambda", Resource: "invoke", Region: "us-east-1", Parameters: "{}", TimeoutInSeconds: &n}},
		{Timestamp: ts, Type: "TaskStarted", ID: 6, Details: &TaskResource{ResourceType: "lambda", Resource: "invoke"}},
		{Timestamp: ts, Type: "TaskSucceeded", ID: 7, Details: &TaskOutput{ResourceType: "lambda", Resource: "invoke", Output: "\t\u2028"}},
		{Timestamp: ts, Type: "TaskFailed", ID: 8, Details: &TaskFailure{ResourceType: "lambda", Resource: "invoke", Error: Str("E"), Cause: Str("")}},
		{Timestamp: ts, Type: "ExecutionFailed", ID: 9, Details: &Failure{Cause: Str("c")}},
		{Timestamp: ts, Type: "ExecutionSucceeded", ID: 10, Details: &Output{Output: "null"}},
		{Timestamp: ts, Type: "MapIterationStarted", ID: 11, Details: &MapIteration{Name: "M", Index: 3}},
		{Timestamp: ts, Type: "WaitStateAborted", ID: 12},
	}
}

// TestDecodeFast checks that the fast decoder reads what MarshalJSON writes exactly as
// encoding/json does, and how often it has to hand over.
func TestDecodeFast(t *testing.T) {
	for _, e := range sampleEvents() {
		data, err := e.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var slow, fast Event
		if err := slow.decodeReflect(data); err != nil {
			t.Fatalf("%s: decodeReflect: %v", data, err)
		}
		if err := fast.UnmarshalJSON(data); err != nil {
			t.Fatalf("%s: UnmarshalJSON: %v", data, err)
		}
		if !reflect.DeepEqual(slow, fast) {
			t.Errorf("%s:\nfast %+v\nslow %+v", data, fast, slow)
		}
		var direct Event
		handled := direct.decodeFast(data)
		wantHandled := e.Type != "MapIterationStarted" && !(e.Type == "PassStateExited" && e.ID == 4)
		if handled != wantHandled {
			t.Errorf("%s: decodeFast handled = %v, want %v", data, handled, wantHandled)
		}
	}
}

// FuzzDecodeFast: whenever the fast decoder accepts a document, encoding/json accepts it too
// and decodes the same event.
func FuzzDecodeFast(f *testing.F) {
	for _, e := range sampleEvents() {
		data, _ := e.MarshalJSON()
		f.Add(data)
	}
	f.Add([]byte(`{"type":"PassStateEntered","id":-0,"stateEnteredEventDetails":null}`))
	f.Add([]byte(` {"id":1, "type" : "X", "typ\u0065":"Y", "previousEventId":1e2} `))
	f.Add([]byte(`{"type":"TaskFailed","taskFailedEventDetails":{"error":"\ud800x","cause":"\udbff\udfff"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast Event
		if !fast.decodeFast(data) {
			return
		}
		var slow Event
		if err := slow.decodeReflect(data); err != nil {
			t.Fatalf("fast accepted %q, encoding/json: %v", data, err)
		}
		if !reflect.DeepEqual(slow, fast) {
			t.Fatalf("%q:\nfast %#v\nslow %#v", data, fast, slow)
		}
	})
}

func BenchmarkUnmarshalEvent(b *testing.B) {
	e := Event{Timestamp: Time{time.Now()}, Type: "PassStateExited", ID: 3, PreviousEventID: 2,
		Details: &StateExited{Name: "Inc", Output: `{"i":123,"name":"a \"quoted\" value"}`}}
	data, _ := e.MarshalJSON()
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ev Event
			if err := ev.UnmarshalJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ev Event
			if err := ev.decodeReflect(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestAppendDetails: the hand-written encoder writes what encoding/json writes.
func TestAppendDetails(t *testing.T) {
	odd := "<a href=\"x\">&</a>\u2028\u2029\x00\x1f\x7f\b\f\n\r\t\\ \xff\xfe é 😀"
	for _, e := range append(sampleEvents(),
		Event{Type: "PassStateEntered", Details: &StateEntered{Name: odd, Input: odd}},
		Event{Type: "PassStateExited", Details: &StateExited{Name: odd, Output: odd, OutputDetails: DataDetails{Truncated: true}}},
		Event{Type: "TaskSucceeded", Details: &TaskOutput{Resource: odd, Output: odd}},
		Event{Type: "ExecutionSucceeded", Details: &Output{Output: odd}},
	) {
		want, err := json.Marshal(e.Details)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendDetails(nil, e.Details)
		if err != nil || string(got) != string(want) {
			t.Errorf("appendDetails(%s) =\n%s, %v\nwant\n%s", e.Type, got, err, want)
		}
	}
}
