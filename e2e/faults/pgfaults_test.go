package faults

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// TestKill9OneOfThreePostgres kills one of three nodes on one PostgreSQL database with
// SIGKILL under load; the other two must take over its executions on their own.
func TestKill9OneOfThreePostgres(t *testing.T) {
	pg := startPrivatePG(t)
	var nodes []*node
	var urls []string
	for range 3 {
		n := serve(t, nil, "--store", pgURL(pg.addr()), "--lease-ttl", "2s")
		nodes = append(nodes, n)
		urls = append(urls, n.url)
	}
	sm := createMachine(t, client(urls[0]), "nap", napDef)
	l := startLoad(sm, 6, pick(10*time.Millisecond, 2*time.Millisecond), urls...)
	l.waitAcked(t, pick(300, 3000))
	nodes[1].kill9(t)
	mark := time.Now()
	l.target(urls[0], urls[2])
	c := client(urls[0])
	took := l.recovery(t, func() *sfn.Client { return c }, mark, time.Minute)
	l.waitAcked(t, pick(200, 2000))
	lost, bad := verify(t, l, c, napEvents)
	acked, refused := l.counts()
	report(t, row{Fault: "kill -9 of one node of three (PostgreSQL)", Acked: acked, Refused: refused, Lost: lost, BadEvents: bad, Recovery: took,
		OnItsOwn: "yes: the two others took over its executions when their leases lapsed (--lease-ttl 2s)"})
}

// TestPostgresRestart crashes the database (pg_ctl stop -m immediate) under load and starts
// it again; the node, never restarted, must carry on by itself.
func TestPostgresRestart(t *testing.T) {
	pg := startPrivatePG(t)
	n := serve(t, nil, "--store", pgURL(pg.addr()), "--lease-ttl", "2s")
	sm := createMachine(t, client(n.url), "nap", napDef)
	l := startLoad(sm, 4, pick(10*time.Millisecond, 2*time.Millisecond), n.url)
	l.waitAcked(t, pick(300, 3000))
	pg.stop(t, "immediate")
	time.Sleep(pick(2*time.Second, 10*time.Second))
	pg.start(t)
	mark := time.Now()
	c := client(n.url)
	took := l.recovery(t, func() *sfn.Client { return c }, mark, time.Minute)
	l.waitAcked(t, pick(200, 2000))
	if n.cmd.ProcessState != nil {
		t.Fatalf("the node exited: %v", n.cmd.ProcessState)
	}
	lost, bad := verify(t, l, c, napEvents)
	acked, refused := l.counts()
	report(t, row{Fault: fmt.Sprintf("PostgreSQL crashed and restarted (down %s)", pick("2s", "10s")), Acked: acked, Refused: refused, Lost: lost,
		BadEvents: bad, Recovery: took, OnItsOwn: "yes: the node was not restarted"})
}

// TestPostgresConnectionsCut cuts every connection between the node and PostgreSQL, three
// times a second apart, under load, with a TCP proxy between them.
func TestPostgresConnectionsCut(t *testing.T) {
	pg := startPrivatePG(t)
	px := startProxy(t, pg.addr())
	n := serve(t, nil, "--store", pgURL(px.addr()), "--lease-ttl", "2s")
	sm := createMachine(t, client(n.url), "nap", napDef)
	l := startLoad(sm, 4, pick(10*time.Millisecond, 2*time.Millisecond), n.url)
	l.waitAcked(t, pick(300, 3000))
	cut := 0
	for i := range 3 {
		if i > 0 {
			time.Sleep(time.Second)
		}
		cut += px.cut()
	}
	mark := time.Now()
	c := client(n.url)
	took := l.recovery(t, func() *sfn.Client { return c }, mark, time.Minute)
	l.waitAcked(t, pick(200, 2000))
	lost, bad := verify(t, l, c, napEvents)
	acked, refused := l.counts()
	t.Logf("%d connections cut", cut)
	report(t, row{Fault: "the node's database connections cut (TCP proxy, 3 cuts 1s apart)", Acked: acked, Refused: refused, Lost: lost,
		BadEvents: bad, Recovery: took, OnItsOwn: "yes: the node was not restarted"})
}
