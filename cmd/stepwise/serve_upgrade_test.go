package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a strings.Builder that serve may write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeStopsWhenANewerStepwiseMigrates: serve running on a store that another, newer
// Stepwise migrates (a schema version this one does not know appears) stops, fails, and says
// why, instead of writing on in a layout that may no longer fit.
func TestServeStopsWhenANewerStepwiseMigrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cmdServe(context.Background(), []string{"--listen", "127.0.0.1:0", "--store", "sqlite:" + path, "--lease-ttl", "300ms"}, &stdout, &stderr)
	}()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stdout.String(), "serving on"); {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s %s", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case code := <-done:
		t.Fatalf("serve stopped before the migration: exit %d, %s", code, stderr.String())
	case <-time.After(500 * time.Millisecond):
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 1 || !strings.Contains(stderr.String(), "newer than this program knows") {
			t.Errorf("serve after a newer migration: exit %d, stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve went on after a newer Stepwise migrated its store")
	}
}
