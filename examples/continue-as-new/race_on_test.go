//go:build race

package continueasnew_test

const raceEnabled = true
