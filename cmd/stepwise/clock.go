package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// nodeClock is the clock a served node runs on: the wall clock read once, at start, then
// moved on by the monotonic clock. A step of the system clock while the node runs (an
// operator's `date -s`, an NTP step) therefore moves none of its timers: a Wait of 10 seconds
// fires 10 seconds after it was entered whether the clock jumped an hour forward or back in
// between. The node takes a stepped clock when it restarts. (NTP's gradual corrections slew
// the monotonic clock too, so the two do not drift apart.)
func nodeClock(wall func() time.Time) func() time.Time {
	base := wall()
	mono := time.Now() // its monotonic reading is what time.Since measures from
	return func() time.Time { return base.Add(time.Since(mono)) }
}

// testClockEnv names a file holding an offset (a Go duration, "1h", "-1h") added to the
// system clock that a node reads: the fault suite's way to step a node's clock in a container
// where the machine's cannot be changed (e2e/faults TestClockSteps). Not for production.
const testClockEnv = "STEPWISE_TEST_CLOCK_OFFSET_FILE"

// wallClock is the system clock, or with testClockEnv set, the system clock plus the offset
// in that file, read again at most every 10 ms.
func wallClock() func() time.Time {
	path := os.Getenv(testClockEnv)
	if path == "" {
		return time.Now
	}
	var mu sync.Mutex
	var offset time.Duration
	var read time.Time
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(read) > 10*time.Millisecond {
			read = time.Now()
			if b, err := os.ReadFile(path); err == nil {
				if d, err := time.ParseDuration(strings.TrimSpace(string(b))); err == nil {
					offset = d
				} else {
					fmt.Fprintf(os.Stderr, "stepwise: %s: %v\n", testClockEnv, err)
				}
			}
		}
		return time.Now().Add(offset)
	}
}
