package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestNodeClockIgnoresSteps: the node's clock starts at the system clock and moves on with
// the monotonic clock, whatever the system clock does after (e2e/faults TestClockSteps runs
// it against a served node).
func TestNodeClockIgnoresSteps(t *testing.T) {
	offset := filepath.Join(t.TempDir(), "offset")
	if err := os.WriteFile(offset, []byte("0s"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(testClockEnv, offset)
	wall := wallClock()
	now := nodeClock(wall)
	start := now()
	for _, step := range []string{"1h", "-1h"} {
		if err := os.WriteFile(offset, []byte(step), 0o644); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if d := wall().Sub(time.Now()); d < 59*time.Minute && d > -59*time.Minute {
			t.Fatalf("after a step of %s the test clock is %s off", step, d)
		}
		if d := now().Sub(start); d < 20*time.Millisecond || d > 5*time.Second {
			t.Errorf("after a step of the system clock by %s, the node's clock moved %s", step, d)
		}
	}
}
