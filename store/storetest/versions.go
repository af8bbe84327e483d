package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

func newVersion(sm *store.StateMachine, rev string, d time.Duration) *store.Version {
	return &store.Version{
		StateMachineArn: sm.Arn, Definition: sm.Definition + " " + rev, RoleArn: sm.RoleArn, RevisionID: rev,
		Description: "version of " + rev, Config: sm.Config, CreatedAt: at(d), RevisedAt: at(d / 2),
	}
}

func publish(t *testing.T, s store.Store, v *store.Version) *store.Version {
	t.Helper()
	if err := s.PublishVersion(context.Background(), v); err != nil {
		t.Fatalf("PublishVersion(%s): %v", v.RevisionID, err)
	}
	return v
}

func checkVersion(t *testing.T, what string, got, want *store.Version) {
	t.Helper()
	g, w := *got, *want
	g.CreatedAt, w.CreatedAt = normTime(g.CreatedAt), normTime(w.CreatedAt)
	g.RevisedAt, w.RevisedAt = normTime(g.RevisedAt), normTime(w.RevisedAt)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, dump(g), dump(w))
	}
}

func versionArns(vs []*store.Version) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Arn)
	}
	return out
}

func testVersions(t *testing.T, s store.Store) {
	ctx := context.Background()
	sm := newStateMachine("versioned")
	if err := s.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	if err := s.PublishVersion(ctx, newVersion(newStateMachine("nope"), "r", 0)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("PublishVersion of an unknown state machine: %v, want ErrNotFound", err)
	}
	v1 := publish(t, s, newVersion(sm, "rev-1", time.Second))
	if v1.Number != 1 || v1.Arn != sm.Arn+":1" {
		t.Fatalf("first version = %d %s, want 1 %s:1", v1.Number, v1.Arn, sm.Arn)
	}
	// The same revision again: the same version, nothing stored.
	again := publish(t, s, newVersion(sm, "rev-1", time.Hour))
	checkVersion(t, "publishing the newest revision again", again, v1)
	v2 := publish(t, s, newVersion(sm, "rev-2", 2*time.Second))
	v3 := publish(t, s, newVersion(sm, "rev-3", 3*time.Second))
	if v2.Number != 2 || v3.Number != 3 {
		t.Fatalf("numbers = %d, %d, want 2, 3", v2.Number, v3.Number)
	}
	got, err := s.GetVersion(ctx, v2.Arn)
	if err != nil {
		t.Fatal(err)
	}
	checkVersion(t, "GetVersion", got, v2)

	// Numbers are not reused after a deletion, even of the newest.
	if err := s.DeleteVersion(ctx, v3.Arn); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteVersion(ctx, v3.Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteVersion twice: %v, want ErrNotFound", err)
	}
	if _, err := s.GetVersion(ctx, v3.Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetVersion(deleted): %v, want ErrNotFound", err)
	}
	v4 := publish(t, s, newVersion(sm, "rev-3", 4*time.Second))
	if v4.Number != 4 {
		t.Fatalf("version after deleting 3 = %d, want 4", v4.Number)
	}
	// An older revision than the newest version's is a new version.
	v5 := publish(t, s, newVersion(sm, "rev-1", 5*time.Second))
	if v5.Number != 5 {
		t.Fatalf("republishing an old revision = %d, want 5", v5.Number)
	}

	// Newest first, in pages of two; other machines' versions are not listed.
	other := newStateMachine("other")
	if err := s.CreateStateMachine(ctx, other); err != nil {
		t.Fatal(err)
	}
	publish(t, s, newVersion(other, "x", 0))
	var all []*store.Version
	token := ""
	for range 10 {
		page, next, err := s.ListVersions(ctx, sm.Arn, store.Page{Token: token, Limit: 2})
		if err != nil {
			t.Fatalf("ListVersions: %v", err)
		}
		all = append(all, page...)
		if token = next; token == "" {
			break
		}
	}
	if got, want := versionArns(all), versionArns([]*store.Version{v5, v4, v2, v1}); !reflect.DeepEqual(got, want) {
		t.Errorf("ListVersions = %v, want %v", got, want)
	}
	checkVersion(t, "listed version", all[2], v2)
	if _, _, err := s.ListVersions(ctx, sm.Arn, store.Page{Token: "garbage"}); !errors.Is(err, store.ErrInvalidToken) {
		t.Errorf("ListVersions(bad token): %v, want ErrInvalidToken", err)
	}

	// Deleting the state machine deletes its versions and aliases, and a new machine of the
	// same name starts again at 1.
	if err := s.CreateAlias(ctx, &store.Alias{Arn: sm.Arn + ":live", StateMachineArn: sm.Arn, Name: "live",
		Routing: []store.Route{{VersionArn: v1.Arn, Weight: 100}}, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteStateMachine(ctx, sm.Arn); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetVersion(ctx, v1.Arn); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetVersion after DeleteStateMachine: %v, want ErrNotFound", err)
	}
	if _, err := s.GetAlias(ctx, sm.Arn+":live"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAlias after DeleteStateMachine: %v, want ErrNotFound", err)
	}
	if vs, _, err := s.ListVersions(ctx, sm.Arn, store.Page{}); err != nil || len(vs) != 0 {
		t.Errorf("ListVersions after DeleteStateMachine = %v, %v", versionArns(vs), err)
	}
	if err := s.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	if v := publish(t, s, newVersion(sm, "rev-9", 0)); v.Number != 1 {
		t.Errorf("first version of a re-created machine = %d, want 1", v.Number)
	}
}

// testPublishConcurrent publishes distinct revisions at once: every one gets its own number.
func testPublishConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	sm := newStateMachine("busy")
	if err := s.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	nums := make([]int64, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := newVersion(sm, fmt.Sprintf("rev-%d", i), 0)
			errs[i] = s.PublishVersion(ctx, v)
			nums[i] = v.Number
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("PublishVersion: %v", errs[i])
		}
		if seen[nums[i]] || nums[i] < 1 || nums[i] > n {
			t.Fatalf("numbers = %v: want 1..%d, each once", nums, n)
		}
		seen[nums[i]] = true
	}
}

func testAliases(t *testing.T, s store.Store) {
	ctx := context.Background()
	sm := newStateMachine("aliased")
	if err := s.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	v1 := publish(t, s, newVersion(sm, "rev-1", 0))
	v2 := publish(t, s, newVersion(sm, "rev-2", 0))
	alias := func(name string, d time.Duration, routes ...store.Route) *store.Alias {
		return &store.Alias{Arn: sm.Arn + ":" + name, StateMachineArn: sm.Arn, Name: name, Description: "alias " + name,
			Routing: routes, CreatedAt: at(d), UpdatedAt: at(d)}
	}
	check := func(what string, got, want *store.Alias) {
		t.Helper()
		g, w := *got, *want
		g.CreatedAt, w.CreatedAt = normTime(g.CreatedAt), normTime(w.CreatedAt)
		g.UpdatedAt, w.UpdatedAt = normTime(g.UpdatedAt), normTime(w.UpdatedAt)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", what, dump(g), dump(w))
		}
	}
	if _, err := s.GetAlias(ctx, sm.Arn+":nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetAlias(unknown): %v, want ErrNotFound", err)
	}
	ghost := alias("ghost", 0, store.Route{VersionArn: v1.Arn, Weight: 100})
	ghost.StateMachineArn = smArn("nope")
	if err := s.CreateAlias(ctx, ghost); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CreateAlias of an unknown state machine: %v, want ErrNotFound", err)
	}
	var want []*store.Alias
	for i, name := range []string{"prod", "beta", "Zeta", "dev", "canary"} {
		a := alias(name, time.Duration(i)*time.Second, store.Route{VersionArn: v1.Arn, Weight: 70}, store.Route{VersionArn: v2.Arn, Weight: 30})
		if err := s.CreateAlias(ctx, a); err != nil {
			t.Fatalf("CreateAlias(%s): %v", name, err)
		}
		want = append(want, a)
	}
	if err := s.CreateAlias(ctx, alias("prod", time.Hour)); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateAlias of a taken name: %v, want ErrExists", err)
	}
	got, err := s.GetAlias(ctx, want[0].Arn)
	if err != nil {
		t.Fatal(err)
	}
	check("GetAlias", got, want[0])

	up := *want[0]
	up.Description = "new"
	up.Routing = []store.Route{{VersionArn: v2.Arn, Weight: 100}}
	up.UpdatedAt = at(time.Hour)
	if err := s.UpdateAlias(ctx, &up); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetAlias(ctx, up.Arn)
	if err != nil {
		t.Fatal(err)
	}
	check("after UpdateAlias", got, &up)
	want[0] = &up
	missing := alias("missing", 0)
	if err := s.UpdateAlias(ctx, missing); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateAlias(unknown): %v, want ErrNotFound", err)
	}

	// Name order (bytewise), pages of two.
	var all []*store.Alias
	token := ""
	for range 10 {
		page, next, err := s.ListAliases(ctx, sm.Arn, store.Page{Token: token, Limit: 2})
		if err != nil {
			t.Fatalf("ListAliases: %v", err)
		}
		all = append(all, page...)
		if token = next; token == "" {
			break
		}
	}
	order := []*store.Alias{want[2], want[1], want[4], want[3], want[0]}
	if len(all) != len(order) {
		t.Fatalf("ListAliases returned %d aliases, want %d", len(all), len(order))
	}
	for i := range order {
		check("ListAliases", all[i], order[i])
	}
	if _, _, err := s.ListAliases(ctx, sm.Arn, store.Page{Token: "garbage"}); !errors.Is(err, store.ErrInvalidToken) {
		t.Errorf("ListAliases(bad token): %v, want ErrInvalidToken", err)
	}

	if err := s.DeleteAlias(ctx, want[1].Arn); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAlias(ctx, want[1].Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteAlias twice: %v, want ErrNotFound", err)
	}
	if as, _, err := s.ListAliases(ctx, sm.Arn, store.Page{}); err != nil || len(as) != 4 {
		t.Fatalf("ListAliases after a deletion: %d aliases, %v", len(as), err)
	}
}

// testExecutionOrigins: the version and alias an execution was started on are kept, and
// ListExecutions filters by them.
func testExecutionOrigins(t *testing.T, s store.Store) {
	ctx := context.Background()
	ver, ali := smArn("sm")+":1", smArn("sm")+":live"
	plain := create(t, s, newExecution("sm", "plain"), 1, nil, nil)
	byVer := newExecution("sm", "by-version")
	byVer.VersionArn = ver
	byAlias := newExecution("sm", "by-alias")
	byAlias.VersionArn, byAlias.AliasArn = ver, ali
	for _, e := range []*store.Execution{byVer, byAlias} {
		got := create(t, s, e, 1, nil, nil)
		if got.VersionArn != e.VersionArn || got.AliasArn != e.AliasArn {
			t.Errorf("%s stored with version %q alias %q, want %q %q", e.Name, got.VersionArn, got.AliasArn, e.VersionArn, e.AliasArn)
		}
		// A step keeps them.
		if after := step(t, s, got, 1); after.VersionArn != e.VersionArn || after.AliasArn != e.AliasArn {
			t.Errorf("%s after a step: version %q alias %q", e.Name, after.VersionArn, after.AliasArn)
		}
	}
	if plain.VersionArn != "" || plain.AliasArn != "" {
		t.Errorf("plain execution has version %q alias %q", plain.VersionArn, plain.AliasArn)
	}
	names := func(f store.ExecutionFilter) []string {
		t.Helper()
		es, _, err := s.ListExecutions(ctx, f, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Name)
		}
		return out
	}
	if got, want := names(store.ExecutionFilter{StateMachineArn: smArn("sm"), VersionArn: ver}), []string{"by-alias", "by-version"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListExecutions(version) = %v, want %v", got, want)
	}
	if got, want := names(store.ExecutionFilter{StateMachineArn: smArn("sm"), AliasArn: ali}), []string{"by-alias"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListExecutions(alias) = %v, want %v", got, want)
	}
	if got := names(store.ExecutionFilter{StateMachineArn: smArn("sm")}); len(got) != 3 {
		t.Errorf("ListExecutions(state machine) = %v, want all three", got)
	}
}
