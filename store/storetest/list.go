package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// testListExecutions: newest first, and a listing in progress neither repeats nor skips rows
// when executions are started between its pages.
func testListExecutions(t *testing.T, s store.Store) {
	ctx := context.Background()
	byName := map[string]*store.Execution{}
	start := func(sm, name string, i int) {
		e := newExecution(sm, name)
		e.StartedAt = at(time.Duration(i) * time.Second)
		byName[name] = create(t, s, e, 1, nil, nil)
	}
	for i, n := range []string{"e1", "e2", "e3", "e4", "e5"} {
		start("sm", n, i)
	}
	start("other", "o1", 10)

	f := store.ExecutionFilter{StateMachineArn: smArn("sm")}
	var seen []string
	p := store.Page{Limit: 2}
	for i := 0; ; i++ {
		es, tok, err := s.ListExecutions(ctx, f, p)
		if err != nil {
			t.Fatalf("ListExecutions page %d: %v", i, err)
		}
		for _, e := range es {
			seen = append(seen, e.Name)
			checkExecution(t, e, byName[e.Name])
		}
		if i == 0 {
			start("sm", "e6", 20)
			start("sm", "e7", 21)
		}
		if tok == "" {
			break
		}
		if i > 10 {
			t.Fatal("ListExecutions does not end")
		}
		p.Token = tok
	}
	if got, want := fmt.Sprint(seen), "[e5 e4 e3 e2 e1]"; got != want {
		t.Errorf("listed %s, want %s", got, want)
	}

	// A fresh listing sees the new ones first; one ending on a full page has no token.
	es, tok, err := s.ListExecutions(ctx, f, store.Page{Limit: 7})
	if err != nil || len(es) != 7 || tok != "" {
		t.Fatalf("ListExecutions(limit 7) = %d, %q, %v; want 7 executions, no token", len(es), tok, err)
	}
	if es[0].Name != "e7" || es[1].Name != "e6" {
		t.Errorf("fresh listing starts %s, %s; want e7, e6", es[0].Name, es[1].Name)
	}
	all, _, err := s.ListExecutions(ctx, store.ExecutionFilter{}, store.Page{})
	if err != nil || len(all) != 8 || all[0].Name != "e7" {
		t.Errorf("ListExecutions(no filter) = %d executions, %v; want 8, e7 first", len(all), err)
	}
	if _, _, err := s.ListExecutions(ctx, f, store.Page{Token: "garbage!"}); !errors.Is(err, store.ErrInvalidToken) {
		t.Errorf("ListExecutions(bad token): %v, want ErrInvalidToken", err)
	}
	if es, tok, err := s.ListExecutions(ctx, store.ExecutionFilter{StateMachineArn: smArn("none")}, store.Page{}); err != nil || len(es) != 0 || tok != "" {
		t.Errorf("ListExecutions(unknown machine) = %d, %q, %v; want nothing", len(es), tok, err)
	}
}

func testListExecutionsFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	parent := create(t, s, newExecution("sm", "parent"), 1, nil, nil)
	for i := range 6 {
		e := newExecution("sm", fmt.Sprintf("child%d", i))
		e.ParentArn = parent.Arn
		e = create(t, s, e, 1, nil, nil)
		if i%2 == 1 {
			end := *e
			end.Status = "SUCCEEDED"
			if err := s.Commit(ctx, store.Commit{Execution: &end}); err != nil {
				t.Fatal(err)
			}
		}
	}
	create(t, s, newExecution("other", "x"), 1, nil, nil)

	list := func(f store.ExecutionFilter) string {
		t.Helper()
		var names []string
		p := store.Page{Limit: 2}
		for {
			es, tok, err := s.ListExecutions(ctx, f, p)
			if err != nil {
				t.Fatalf("ListExecutions(%+v): %v", f, err)
			}
			for _, e := range es {
				names = append(names, e.Name)
			}
			if tok == "" {
				return fmt.Sprint(names)
			}
			p.Token = tok
		}
	}
	for _, tc := range []struct {
		f    store.ExecutionFilter
		want string
	}{
		{store.ExecutionFilter{StateMachineArn: smArn("sm"), Status: "SUCCEEDED"}, "[child5 child3 child1]"},
		{store.ExecutionFilter{StateMachineArn: smArn("sm"), Status: running}, "[child4 child2 child0 parent]"},
		{store.ExecutionFilter{ParentArn: parent.Arn}, "[child5 child4 child3 child2 child1 child0]"},
		{store.ExecutionFilter{ParentArn: parent.Arn, Status: running}, "[child4 child2 child0]"},
		{store.ExecutionFilter{Status: running}, "[x child4 child2 child0 parent]"},
		{store.ExecutionFilter{StateMachineArn: smArn("other")}, "[x]"},
		{store.ExecutionFilter{StateMachineArn: smArn("other"), Status: "FAILED"}, "[]"},
	} {
		if got := list(tc.f); got != tc.want {
			t.Errorf("ListExecutions(%+v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}
