package faults

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// privatePG is a PostgreSQL server of the test's own, in a temporary directory, so that the
// test may restart it: the machine's shared server serves other packages' tests meanwhile.
type privatePG struct {
	dir, port string
	pgctl     string
	asUser    []string // runuser -u postgres -- when the test runs as root (postgres refuses root)
}

// startPrivatePG runs initdb and starts the server; it skips, loudly, when PostgreSQL's
// programs are not installed.
func startPrivatePG(t *testing.T) *privatePG {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		t.Skip("SKIPPED: no /usr/lib/postgresql/*/bin/initdb: the PostgreSQL fault scenarios need PostgreSQL's server programs")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "stepwise-faults-pg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	p := &privatePG{dir: dir, port: strconv.Itoa(freePort(t))}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres", dir).CombinedOutput(); err != nil {
			t.Skipf("SKIPPED: running as root and cannot hand the data directory to the postgres user: %v %s", err, out)
		}
		p.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	p.run(t, filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync")
	p.pgctl = filepath.Join(bin, "pg_ctl")
	p.start(t)
	t.Cleanup(func() { p.stop(t, "immediate") })
	return p
}

func (p *privatePG) run(t *testing.T, args ...string) {
	t.Helper()
	args = append(append([]string(nil), p.asUser...), args...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

func (p *privatePG) start(t *testing.T) {
	t.Helper()
	p.run(t, p.pgctl, "-D", filepath.Join(p.dir, "data"), "-l", filepath.Join(p.dir, "log"), "-w", "start",
		"-o", "-p "+p.port+" -k "+p.dir+" -c listen_addresses=127.0.0.1 -c max_connections=60")
}

// stop stops the server: mode "immediate" is a crash (recovery replays the WAL at start).
func (p *privatePG) stop(t *testing.T, mode string) {
	t.Helper()
	p.run(t, p.pgctl, "-D", filepath.Join(p.dir, "data"), "-m", mode, "-w", "stop")
}

func (p *privatePG) addr() string { return "127.0.0.1:" + p.port }

// url is the store URL of the server at addr (the server itself, or a proxy before it).
func pgURL(addr string) string {
	return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable&pool_max_conns=8", addr)
}

func (p *privatePG) ping(t *testing.T) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), pgURL(p.addr()))
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proxy forwards TCP connections to a server; cut closes every connection open through it,
// as a network fault or a firewall's idle cut would, without the server knowing first.
type proxy struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	conns map[net.Conn]bool
	cuts  int
}

func startProxy(t *testing.T, to string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, to: to, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.DialTimeout("tcp", to, 5*time.Second)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns[in], p.conns[out] = true, true
			p.mu.Unlock()
			pipe := func(dst, src net.Conn) {
				_, _ = io.Copy(dst, src)
				dst.Close()
				src.Close()
				p.mu.Lock()
				delete(p.conns, dst)
				delete(p.conns, src)
				p.mu.Unlock()
			}
			go pipe(in, out)
			go pipe(out, in)
		}
	}()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// cut closes every open connection and returns how many there were.
func (p *proxy) cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // a reset, not a polite close
		}
		c.Close()
		n++
	}
	p.cuts++
	return n / 2
}
