package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// TestBackupWhileWriting backs a store up while a writer keeps adding state machines, then
// restores it and finds at least every machine written before the backup began, and no
// torn rows. Restore refuses to replace a store unless forced, and refuses what is not a
// store.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	s, err := Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(i int) error {
		now := time.Now().UTC()
		name := fmt.Sprintf("m%05d", i)
		return s.CreateStateMachine(ctx, &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:" + name,
			Name: name, Type: "STANDARD", Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
			RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "r", Config: "{}", CreatedAt: now, UpdatedAt: now})
	}
	for i := range 200 {
		if err := put(i); err != nil {
			t.Fatal(err)
		}
	}
	var written atomic.Int64
	written.Store(200)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 200; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := put(i); err != nil {
				done <- err
				return
			}
			written.Add(1)
		}
	}()
	before := written.Load()
	backup := filepath.Join(dir, "backup.db")
	if err := Backup(ctx, src, backup); err != nil {
		t.Fatal(err)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := Backup(ctx, src, backup); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second backup over the first: %v", err)
	}

	restored := filepath.Join(dir, "restored", "stepwise.db")
	if err := Restore(ctx, backup, restored, false); err != nil {
		t.Fatal(err)
	}
	if err := Restore(ctx, backup, restored, false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore over a store without force: %v", err)
	}
	r, err := Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var n int64
	token := ""
	for {
		page, next, err := r.ListStateMachines(ctx, store.Page{Token: token, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, sm := range page {
			if sm.Definition == "" || sm.RoleArn == "" {
				t.Fatalf("torn row %+v", sm)
			}
		}
		n += int64(len(page))
		if next == "" {
			break
		}
		token = next
	}
	if n < before || n > written.Load() {
		t.Errorf("the restored store has %d machines; %d were written before the backup began, %d in all", n, before, written.Load())
	}

	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("not a database at all, not even close"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Restore(ctx, junk, filepath.Join(dir, "x.db"), false); err == nil {
		t.Error("a file that is not a store was restored")
	}
}
