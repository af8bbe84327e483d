package events

import (
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// benchExecution is an execution of the chain bench that succeeded: its small input and
// output.
func benchExecution() *store.Execution {
	start, stop := time.Now(), time.Now().Add(time.Second)
	out := `{"i":10,"note":"<done> & dusted"}`
	return &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:chain:0a1b2c3d-4e5f-6789-abcd-ef0123456789",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:chain", Name: "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
		Status: "SUCCEEDED", Input: `{"i":0}`, Output: &out, StartedAt: start, StoppedAt: &stop}
}

// BenchmarkStatusChange builds the event of benchExecution, whole, at its commit.
func BenchmarkStatusChange(b *testing.B) {
	e := benchExecution()
	b.ReportAllocs()
	for b.Loop() {
		StatusChange(e, "us-east-1", "123456789012", "")
	}
}

// BenchmarkBuild builds the same event from its change, kept by reference, and the row.
func BenchmarkBuild(b *testing.B) {
	e := benchExecution()
	c, _ := Change(e, "")
	b.ReportAllocs()
	for b.Loop() {
		Build(&c, e, "us-east-1", "123456789012")
	}
}
