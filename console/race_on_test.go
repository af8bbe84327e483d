//go:build race

package console_test

// raceDetector: the race detector slows the server's JSON encoding about sixfold, so the
// browser test's long history is shorter under it (the test stays well under a minute).
const raceDetector = true
