package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

func testStateMachines(t *testing.T, s store.Store) {
	ctx := context.Background()
	sm := newStateMachine("orders")
	if _, err := s.GetStateMachine(ctx, sm.Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetStateMachine before create: %v, want ErrNotFound", err)
	}
	if err := s.CreateStateMachine(ctx, sm); err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	got, err := s.GetStateMachine(ctx, sm.Arn)
	if err != nil {
		t.Fatalf("GetStateMachine: %v", err)
	}
	checkStateMachine(t, got, sm)

	again := newStateMachine("orders")
	again.Definition = "{}"
	if err := s.CreateStateMachine(ctx, again); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateStateMachine twice: %v, want ErrExists", err)
	}
	if got, _ := s.GetStateMachine(ctx, sm.Arn); got.Definition != sm.Definition {
		t.Fatalf("failed create changed the definition to %q", got.Definition)
	}

	up := *sm
	up.Definition = `{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}`
	up.RevisionID = "rev-2"
	up.RoleArn = "arn:aws:iam::123456789012:role/other"
	up.Description = ""
	up.Config = `{}`
	up.Status = "DELETING"
	up.UpdatedAt = t0.Add(time.Hour)
	if err := s.UpdateStateMachine(ctx, &up); err != nil {
		t.Fatalf("UpdateStateMachine: %v", err)
	}
	got, err = s.GetStateMachine(ctx, sm.Arn)
	if err != nil {
		t.Fatalf("GetStateMachine after update: %v", err)
	}
	checkStateMachine(t, got, &up)

	missing := newStateMachine("missing")
	if err := s.UpdateStateMachine(ctx, missing); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateStateMachine(missing): %v, want ErrNotFound", err)
	}
	if err := s.DeleteStateMachine(ctx, sm.Arn); err != nil {
		t.Fatalf("DeleteStateMachine: %v", err)
	}
	if _, err := s.GetStateMachine(ctx, sm.Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetStateMachine after delete: %v, want ErrNotFound", err)
	}
	if err := s.DeleteStateMachine(ctx, sm.Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteStateMachine twice: %v, want ErrNotFound", err)
	}
	// The name is free again.
	if err := s.CreateStateMachine(ctx, sm); err != nil {
		t.Fatalf("CreateStateMachine after delete: %v", err)
	}
}

// testListStateMachines: state machines are listed by ARN, pages stay stable while machines
// are added, and a listing ending on a full page returns no token.
func testListStateMachines(t *testing.T, s store.Store) {
	ctx := context.Background()
	if sms, tok, err := s.ListStateMachines(ctx, store.Page{}); err != nil || len(sms) != 0 || tok != "" {
		t.Fatalf("empty ListStateMachines = %d, %q, %v", len(sms), tok, err)
	}
	want := map[string]*store.StateMachine{}
	for _, n := range []string{"b", "d", "f", "h"} {
		sm := newStateMachine(n)
		want[sm.Arn] = sm
		if err := s.CreateStateMachine(ctx, sm); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	p := store.Page{Limit: 2}
	for i := 0; ; i++ {
		sms, tok, err := s.ListStateMachines(ctx, p)
		if err != nil {
			t.Fatalf("ListStateMachines page %d: %v", i, err)
		}
		for _, sm := range sms {
			seen = append(seen, sm.Name)
			if w, ok := want[sm.Arn]; ok {
				checkStateMachine(t, sm, w)
			}
		}
		if i == 0 {
			// Added while listing: "a" sorts before the cursor, "g" after it.
			for _, n := range []string{"a", "g"} {
				if err := s.CreateStateMachine(ctx, newStateMachine(n)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if tok == "" {
			break
		}
		if i > 10 {
			t.Fatal("ListStateMachines does not end")
		}
		p.Token = tok
	}
	if got, w := fmt.Sprint(seen), "[b d f g h]"; got != w {
		t.Errorf("listed %s, want %s", got, w)
	}
	all, tok, err := s.ListStateMachines(ctx, store.Page{Limit: 6})
	if err != nil || len(all) != 6 || tok != "" {
		t.Errorf("ListStateMachines(limit 6) = %d machines, token %q, %v; want 6, no token", len(all), tok, err)
	}
	if _, _, err := s.ListStateMachines(ctx, store.Page{Token: "garbage!"}); !errors.Is(err, store.ErrInvalidToken) {
		t.Errorf("ListStateMachines(bad token): %v, want ErrInvalidToken", err)
	}
}
