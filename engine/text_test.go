package engine_test

import (
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
)

// TestStateTextsFollowTheirValues: a state's output text is reused for the next state's
// entry and, when the output is the state's own input, taken from its entry. Each text in
// the history must still be the text of its own value, whether a state passes its input
// through (Pass, Choice, Wait, Succeed) or changes it (OutputPath, ResultPath, Parameters).
func TestStateTextsFollowTheirValues(t *testing.T) {
	def := `{"StartAt":"Through","States":{
	"Through":{"Type":"Pass","Next":"Pick"},
	"Pick":{"Type":"Choice","OutputPath":"$.a","Choices":[{"Variable":"$.a.n","NumericEquals":1,"Next":"Add"}]},
	"Add":{"Type":"Pass","Result":"r","ResultPath":"$.r","Next":"Wait"},
	"Wait":{"Type":"Wait","Seconds":1,"Next":"Shape"},
	"Shape":{"Type":"Pass","Parameters":{"only.$":"$.r"},"Next":"Check"},
	"Check":{"Type":"Choice","Choices":[{"Variable":"$.only","StringEquals":"r","Next":"Done"}]},
	"Done":{"Type":"Succeed"}}}`
	ex, events := execute(t, def, `{"a":{"n":1},"b":[1,2]}`, nil, engine.Config{})
	if ex.Status != engine.Succeeded {
		t.Fatalf("status %s", ex.Status)
	}
	want := []struct{ typ, text string }{
		{"PassStateEntered", `{"a":{"n":1},"b":[1,2]}`},
		{"PassStateExited", `{"a":{"n":1},"b":[1,2]}`},
		{"ChoiceStateEntered", `{"a":{"n":1},"b":[1,2]}`},
		{"ChoiceStateExited", `{"n":1}`},
		{"PassStateEntered", `{"n":1}`},
		{"PassStateExited", `{"n":1,"r":"r"}`},
		{"WaitStateEntered", `{"n":1,"r":"r"}`},
		{"WaitStateExited", `{"n":1,"r":"r"}`},
		{"PassStateEntered", `{"n":1,"r":"r"}`},
		{"PassStateExited", `{"only":"r"}`},
		{"ChoiceStateEntered", `{"only":"r"}`},
		{"ChoiceStateExited", `{"only":"r"}`},
		{"SucceedStateEntered", `{"only":"r"}`},
		{"SucceedStateExited", `{"only":"r"}`},
		{"ExecutionSucceeded", `{"only":"r"}`},
	}
	var got []struct{ typ, text string }
	for _, e := range events {
		switch d := e.Details.(type) {
		case *history.StateEntered:
			got = append(got, struct{ typ, text string }{e.Type, d.Input})
		case *history.StateExited:
			got = append(got, struct{ typ, text string }{e.Type, d.Output})
		case *history.Output:
			got = append(got, struct{ typ, text string }{e.Type, d.Output})
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d texts, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %s %s, want %s %s", i, got[i].typ, got[i].text, want[i].typ, want[i].text)
		}
	}
}
