// Package binarytest builds the stepwise binary once per test binary, for the tests that run
// it as users do (e2e, e2e/faults).
package binarytest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// buildEnv is the environment the test binary started in, taken before a test isolates HOME
// (awstest.Isolate): the build and module caches live under the real one.
var buildEnv = os.Environ()

var (
	once   sync.Once
	binary string
	err    error
)

// Stepwise returns the path of a stepwise binary built from this checkout, building it on
// the first call; a failed build fails the test.
func Stepwise(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		dir, e := os.MkdirTemp("", "stepwise-bin")
		if e != nil {
			err = e
			return
		}
		binary = filepath.Join(dir, "stepwise")
		build := exec.Command("go", "build", "-o", binary, "github.com/stepwise-run/stepwise/cmd/stepwise")
		build.Env = buildEnv
		if out, e := build.CombinedOutput(); e != nil {
			err = fmt.Errorf("go build: %v\n%s", e, out)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return binary
}
