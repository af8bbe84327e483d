package bench_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/internal/binarytest"
)

// TestSideBySide runs bench/sidebyside.sh as the docs show it, briefly: two rounds of a
// configuration without events and one with them, to a receiver the script starts, the
// second round in the reverse order. Each run gets a row, and the summary a ratio of each
// measure for the second configuration.
// The second names its own binary (LABEL@BINARY), a wrapper that leaves a mark when run.
func TestSideBySide(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // the script's receiver listens there
	bin := binarytest.Stepwise(t)
	dir := t.TempDir()
	mark, wrapper := filepath.Join(dir, "ran"), filepath.Join(dir, "wrapper")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\necho >>"+mark+"\nexec "+bin+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "sidebyside.sh", "-r", "2", "-n", "40", "-b", bin, "-l", addr,
		"off=", "ev@"+wrapper+"=--events-webhook http://"+addr+"/events --events-webhook-batch 10")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sidebyside.sh: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(mark); strings.Count(string(b), "\n") != 2 {
		t.Errorf("the wrapper named by ev@ ran %d times, want 2 (one a round)", strings.Count(string(b), "\n"))
	}
	runs := regexp.MustCompile(`(?m)^\| [12] \| (off|ev) \| (\d+) \| (\d+) µs \| (\d+) µs \| ([^|]+) \|$`).FindAllStringSubmatch(string(out), -1)
	if len(runs) != 4 {
		t.Fatalf("%d rows of runs, want 4:\n%s", len(runs), out)
	}
	// The second round runs the configurations in the reverse order.
	if order := []string{runs[0][1], runs[1][1], runs[2][1], runs[3][1]}; !slices.Equal(order, []string{"off", "ev", "ev", "off"}) {
		t.Errorf("runs in the order %v, want off, ev, then ev, off", order)
	}
	for _, r := range runs {
		if rate, _ := strconv.Atoi(r[2]); rate == 0 {
			t.Errorf("a run of %s at 0 executions/s:\n%s", r[1], out)
		}
		if lag := strings.TrimSpace(r[5]); (r[1] == "ev") == (lag == "-") {
			t.Errorf("a run of %s with the lag %q:\n%s", r[1], lag, out)
		}
	}
	if !regexp.MustCompile(`(?m)^\| ev \| \d+\.\d\d× \(\d+\.\d\d to \d+\.\d\d×\) \| \d+\.\d\d× \| \d+\.\d\d× \| 2 \|$`).Match(out) {
		t.Errorf("no summary of ev over 2 rounds:\n%s", out)
	}
}
