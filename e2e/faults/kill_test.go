package faults

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// TestKill9SQLite kills the node with SIGKILL under load and starts it again on the same
// file, as a supervisor (systemd's Restart=always) would.
func TestKill9SQLite(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "stepwise.db")
	first := serve(t, nil, "--store", db, "--lease-ttl", "2s")
	sm := createMachine(t, client(first.url), "nap", napDef)
	l := startLoad(sm, 4, pick(10*time.Millisecond, 2*time.Millisecond), first.url)
	l.waitAcked(t, pick(300, 3000))
	first.kill9(t)
	mark := time.Now()
	second := serve(t, nil, "--store", db, "--lease-ttl", "2s")
	l.target(second.url)
	c := client(second.url)
	took := l.recovery(t, func() *sfn.Client { return c }, mark, time.Minute)
	l.waitAcked(t, pick(200, 2000))
	lost, bad := verify(t, l, c, napEvents)
	acked, refused := l.counts()
	report(t, row{Fault: "kill -9 of the node (SQLite)", Acked: acked, Refused: refused, Lost: lost, BadEvents: bad, Recovery: took,
		OnItsOwn: "restarted by its supervisor (the test); resumed everything on its own"})
}
