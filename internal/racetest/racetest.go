// Package racetest tells tests whether the race detector is on, so that a test bounding
// wall-clock time can allow for it: the detector slows evaluation five- to tenfold, and a
// bound met easily without it was missed on a loaded 2-core machine with it.
package racetest

import "time"

// Scale stretches a wall-clock bound for the race detector (fivefold when it is on).
func Scale(d time.Duration) time.Duration {
	if Enabled {
		return 5 * d
	}
	return d
}
