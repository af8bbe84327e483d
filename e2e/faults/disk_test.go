package faults

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// TestDiskFull fills the filesystem of a SQLite store under load: the node must refuse
// starts with an error rather than acknowledge what it cannot keep, lose nothing it
// acknowledged, and carry on by itself once space is freed.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	size := pick("24m", "64m")
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a size-limited tmpfs here (root is needed): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	n := serve(t, nil, "--store", "sqlite:"+filepath.Join(dir, "stepwise.db"), "--lease-ttl", "2s", "--retention", "0")
	sm := createMachine(t, client(n.url), "nap", napDef)
	l := startLoad(sm, 4, pick(10*time.Millisecond, 2*time.Millisecond), n.url)
	l.waitAcked(t, pick(300, 3000))

	// Fill what is left, then watch the node refuse.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()
	_, refused0 := l.counts()
	time.Sleep(pick(3*time.Second, 30*time.Second))
	_, refused1 := l.counts()
	if refused1 == refused0 {
		t.Errorf("no start refused while the disk was full")
	}
	l.mu.Lock()
	t.Logf("%d starts refused while the disk was full, the last with: %v", refused1-refused0, l.lastErr)
	l.mu.Unlock()
	if !n.healthy() {
		t.Errorf("the node does not answer /healthz while the disk is full")
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	mark := time.Now()
	c := client(n.url)
	took := l.recovery(t, func() *sfn.Client { return c }, mark, time.Minute)
	l.waitAcked(t, pick(200, 2000))
	if n.cmd.ProcessState != nil {
		t.Fatalf("the node exited: %v", n.cmd.ProcessState)
	}
	lost, bad := verify(t, l, c, napEvents)
	acked, refused := l.counts()
	report(t, row{Fault: "disk full under SQLite (tmpfs of " + size + ", filled, then freed)", Acked: acked, Refused: refused, Lost: lost,
		BadEvents: bad, Recovery: took, OnItsOwn: "yes: the node was not restarted"})
}
