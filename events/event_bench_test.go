package events

import (
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// BenchmarkStatusChange builds the event of an execution that succeeded, with the chain
// bench's small input and output.
func BenchmarkStatusChange(b *testing.B) {
	start, stop := time.Now(), time.Now().Add(time.Second)
	out := `{"i":10,"note":"<done> & dusted"}`
	e := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:chain:0a1b2c3d-4e5f-6789-abcd-ef0123456789",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:chain", Name: "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
		Status: "SUCCEEDED", Input: `{"i":0}`, Output: &out, StartedAt: start, StoppedAt: &stop}
	b.ReportAllocs()
	for b.Loop() {
		StatusChange(e, "us-east-1", "123456789012", "")
	}
}

// BenchmarkBuild builds the same event from a change kept by reference and the row.
func BenchmarkBuild(b *testing.B) {
	start, stop := time.Now(), time.Now().Add(time.Second)
	out := `{"i":10,"note":"<done> & dusted"}`
	e := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:chain:0a1b2c3d-4e5f-6789-abcd-ef0123456789",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:chain", Name: "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
		Status: "SUCCEEDED", Input: `{"i":0}`, Output: &out, StartedAt: start, StoppedAt: &stop}
	c, _ := Change(e, "")
	b.ReportAllocs()
	for b.Loop() {
		Build(&c, e, "us-east-1", "123456789012")
	}
}
