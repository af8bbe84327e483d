//go:build race

package integration_test

// raceEnabled: the race detector slows SQLite (pure Go, translated from C) about sevenfold.
const raceEnabled = true
