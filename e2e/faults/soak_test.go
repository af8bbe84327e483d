package faults

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSoak runs the node at a steady load (30 minutes in the long mode, 30 seconds in the
// short one) and samples its resident memory, goroutines, open files and the p99 of
// StartExecution every minute (every 10 s in the short mode). Goroutines and open files must
// not grow with the work done.
func TestSoak(t *testing.T) {
	duration, every := pick(30*time.Second, 30*time.Minute), pick(10*time.Second, time.Minute)
	n := serve(t, nil, "--store", "sqlite:"+filepath.Join(t.TempDir(), "db"), "--lease-ttl", "2s")
	c := client(n.url)
	sm := createMachine(t, c, "nap", napDef)
	l := startLoad(sm, 4, pick(40*time.Millisecond, 100*time.Millisecond), n.url)
	type sample struct {
		at                     time.Duration
		rss, goroutines, files int
		p99                    time.Duration
		acked                  int
	}
	var samples []sample
	t0 := time.Now()
	for time.Since(t0) < duration {
		time.Sleep(every)
		a, _ := l.counts()
		s := sample{at: time.Since(t0).Round(time.Second), rss: rssKiB(n.pid()) >> 10, goroutines: goroutines(t, n),
			files: openFiles(n.pid()), p99: p99(l.latencies()), acked: a}
		samples = append(samples, s)
		t.Logf("%s: RSS %d MiB, %d goroutines, %d open files, StartExecution p99 %s, %d starts acknowledged",
			s.at, s.rss, s.goroutines, s.files, s.p99.Round(100*time.Microsecond), s.acked)
	}
	lost, bad := verify(t, l, c, napEvents)
	acked, refused := l.counts()
	var b strings.Builder
	fmt.Fprintf(&b, "\nSoak (%s at steady load, %d starts acknowledged):\n\n| after | RSS MiB | goroutines | open files | StartExecution p99 | starts acknowledged |\n|---|---|---|---|---|---|\n", duration, acked)
	for _, s := range samples {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s | %d |\n", s.at, s.rss, s.goroutines, s.files, s.p99.Round(100*time.Microsecond), s.acked)
	}
	rowsMu.Lock()
	extra = append(extra, b.String())
	rowsMu.Unlock()
	report(t, row{Fault: fmt.Sprintf("soak: %s at steady load", duration), Acked: acked, Refused: refused, Lost: lost, BadEvents: bad,
		OnItsOwn: "(no fault)"})
	// Growth with the work done is a leak: the load is the same from the first sample on.
	first, last := samples[0], samples[len(samples)-1]
	if last.goroutines > 2*first.goroutines+50 {
		t.Errorf("goroutines grew from %d to %d", first.goroutines, last.goroutines)
	}
	if last.files > first.files+20 {
		t.Errorf("open files grew from %d to %d", first.files, last.files)
	}
}

// goroutines is the node's go_goroutines from /metrics.
func goroutines(t *testing.T, n *node) int {
	for _, line := range strings.Split(get(t, n.url+"/metrics"), "\n") {
		if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			k, _ := strconv.Atoi(v)
			return k
		}
	}
	t.Fatal("/metrics has no go_goroutines")
	return 0
}

// openFiles counts a process's open file descriptors.
func openFiles(pid int) int {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(fds)
}
