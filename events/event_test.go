package events

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// encodingJSON is the event as encoding/json writes it with HTML escaping off: what
// appendJSON must write, byte for byte.
func encodingJSON(t testing.TB, ev *Event) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func sample(s string) *store.Execution {
	start := time.Date(2026, 12, 6, 1, 2, 3, 456e6, time.UTC)
	stop, redrive := start.Add(time.Minute), start.Add(time.Second)
	return &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:sm:" + s,
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", Name: s,
		Status: "FAILED", Input: s, Output: &s, Error: &s, Cause: &s, StartedAt: start, StoppedAt: &stop,
		RedriveDate: &redrive, RedriveCount: 2, VersionArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm:3"}
}

// TestAppendJSON: the hand-written encoding is encoding/json's, for every shape of event and
// every kind of character a string can hold.
func TestAppendJSON(t *testing.T) {
	strs := []string{"", `{"i":0}`, "<a href=\"x\">&amp;</a>", "tab\tnl\nret\rbs\bff\f nul\x00 esc\x1b del\x7f",
		`back\slash "quoted"`, "é, 日本, 🎉", "bad \xff\xfe utf8 \xe2\x82", "line\u2028para\u2029end", strings.Repeat("x", 300)}
	for _, s := range strs {
		for _, status := range []string{"RUNNING", "SUCCEEDED", "FAILED"} {
			e := sample(s)
			e.Status = status
			for _, reason := range []string{"", "Execution can not be redriven"} {
				ev := statusEvent(e, "us-east-1", "123456789012", reason, "id")
				if got, want := string(ev.appendJSON(nil)), encodingJSON(t, &ev); got != want {
					t.Errorf("%q, %s:\n got %s\nwant %s", s, status, got, want)
				}
			}
		}
	}
	// Nulls and the payload bound: an output too large leaves both out.
	e := sample("x")
	e.Output, e.Error, e.Cause, e.StoppedAt, e.RedriveDate, e.VersionArn = nil, nil, nil, nil, nil, ""
	ev := statusEvent(e, "us-east-1", "123456789012", "", "id")
	if got, want := string(ev.appendJSON(nil)), encodingJSON(t, &ev); got != want {
		t.Errorf("nulls:\n got %s\nwant %s", got, want)
	}
	big := strings.Repeat("<", maxPayload/6+1)
	e = sample("y")
	e.Output = &big
	ev = statusEvent(e, "us-east-1", "123456789012", "", "id")
	if ev.Detail.Output != nil || ev.Detail.OutputDetails.Included {
		t.Errorf("an output of %d escaped bytes was included", escapedLen(big))
	}
	if got, want := string(ev.appendJSON(nil)), encodingJSON(t, &ev); got != want {
		t.Errorf("large output:\n got %s\nwant %s", got, want)
	}
}

// FuzzEscapedLen: escapedLen is the length json.Marshal gives.
func FuzzEscapedLen(f *testing.F) {
	for _, s := range []string{"", "a\"b\\c", "<>&", "\x00\x1f\u2028", "\xff", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, _ := json.Marshal(s)
		if got := escapedLen(s); got != len(m) {
			t.Errorf("escapedLen(%q) = %d, want %d", s, got, len(m))
		}
	})
}
