package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// testRevisions: every revision of a machine stays readable after updates, until the machine
// is deleted.
func testRevisions(t *testing.T, s store.Store) {
	ctx := context.Background()
	sm := newStateMachine("revised")
	sm.RevisionID, sm.Definition, sm.Config = "r1", `{"v":1}`, `{"logging":"OFF"}`
	if err := s.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	sm.RevisionID, sm.Definition, sm.RoleArn, sm.UpdatedAt = "r2", `{"v":2}`, "arn:aws:iam::123456789012:role/other", time.Now()
	sm.Config = `{"logging":"ALL"}`
	if err := s.UpdateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ rev, def, config string }{{"r1", `{"v":1}`, `{"logging":"OFF"}`}, {"r2", `{"v":2}`, `{"logging":"ALL"}`}} {
		got, err := s.GetRevision(ctx, sm.Arn, c.rev)
		if err != nil {
			t.Fatalf("GetRevision(%s): %v", c.rev, err)
		}
		if got.Definition != c.def || got.RevisionID != c.rev || got.Arn != sm.Arn || got.Config != c.config {
			t.Errorf("GetRevision(%s) = %s %s %s", c.rev, got.RevisionID, got.Definition, got.Config)
		}
	}
	if _, err := s.GetRevision(ctx, sm.Arn, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown revision: %v", err)
	}
	if err := s.DeleteStateMachine(ctx, sm.Arn); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRevision(ctx, sm.Arn, "r1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revision of a deleted machine: %v", err)
	}
}
