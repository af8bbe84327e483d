package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunExitStatus: run's exit status says how the execution ended, and a run on the real
// clock says on stderr what timer it waits for and that --time-skipping would skip it.
func TestRunExitStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, def string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(def), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, def string
		code      int
	}{
		{"succeeds", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, 0},
		{"fails", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}`, 3},
		{"times out", `{"TimeoutSeconds":1,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}`, 4},
	} {
		var stdout, stderr bytes.Buffer
		args := []string{"run", "--time-skipping", write(strings.ReplaceAll(c.name, " ", "-")+".json", c.def)}
		if code := run(context.Background(), args, nil, &stdout, &stderr); code != c.code {
			t.Errorf("%s: exit %d, want %d (%s %s)", c.name, code, c.code, stdout.String(), stderr.String())
		}
	}

	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // the run opens a store first: under -race on a busy machine, a second or more
	defer cancel()
	path := write("waits.json", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":2,"End":true}}}`)
	if code := run(ctx, []string{"run", path}, nil, &stdout, &stderr); code != 0 {
		t.Errorf("a 2-second wait: exit %d (%s)", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "waiting 2s") || !strings.Contains(stderr.String(), "--time-skipping") {
		t.Errorf("stderr while waiting: %q", stderr.String())
	}
}
