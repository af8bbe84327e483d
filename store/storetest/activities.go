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

func activityArn(name string) string { return account + ":activity:" + name }

func testActivities(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.GetActivity(ctx, activityArn("nope")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetActivity(unknown): %v, want ErrNotFound", err)
	}
	var want []*store.Activity
	for i, name := range []string{"c", "a", "b", "d", "e"} {
		a := &store.Activity{Arn: activityArn(name), Name: name, Config: `{"encryptionConfiguration":{"type":"AWS_OWNED_KEY"}}`, CreatedAt: at(time.Duration(i) * time.Second)}
		if err := s.CreateActivity(ctx, a); err != nil {
			t.Fatalf("CreateActivity(%s): %v", name, err)
		}
		want = append(want, a)
	}
	dup := *want[0]
	dup.CreatedAt = at(time.Hour)
	if err := s.CreateActivity(ctx, &dup); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateActivity of a taken ARN: %v, want ErrExists", err)
	}
	got, err := s.GetActivity(ctx, want[0].Arn)
	if err != nil {
		t.Fatal(err)
	}
	checkActivities(t, "GetActivity", []*store.Activity{got}, want[:1])

	// Pages of two, in ARN order.
	var all []*store.Activity
	token := ""
	for range 10 {
		page, next, err := s.ListActivities(ctx, store.Page{Token: token, Limit: 2})
		if err != nil {
			t.Fatalf("ListActivities: %v", err)
		}
		all = append(all, page...)
		if token = next; token == "" {
			break
		}
	}
	checkActivities(t, "ListActivities", all, []*store.Activity{want[1], want[2], want[0], want[3], want[4]})
	if _, _, err := s.ListActivities(ctx, store.Page{Token: "garbage"}); !errors.Is(err, store.ErrInvalidToken) {
		t.Errorf("ListActivities(bad token): %v, want ErrInvalidToken", err)
	}

	if err := s.TagResource(ctx, want[0].Arn, []store.Tag{tag("k1", "v1"), tag("k2", "v2")}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteActivity(ctx, want[0].Arn); err != nil {
		t.Fatalf("DeleteActivity: %v", err)
	}
	if err := s.DeleteActivity(ctx, want[0].Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteActivity again: %v, want ErrNotFound", err)
	}
	if _, err := s.GetActivity(ctx, want[0].Arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetActivity after delete: %v", err)
	}
	if tags, err := s.ListTags(ctx, want[0].Arn); err != nil || len(tags) != 0 {
		t.Errorf("tags of a deleted activity: %v %v", tags, err)
	}
}

func checkActivities(t *testing.T, what string, got, want []*store.Activity) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := *got[i], *want[i]
		g.CreatedAt, w.CreatedAt = normTime(g.CreatedAt), normTime(w.CreatedAt)
		g.Tags, w.Tags = nil, nil // written on create, not read back
		ok = reflect.DeepEqual(g, w)
	}
	if !ok {
		t.Errorf("%s:\n got %s\nwant %s", what, dump(got), dump(want))
	}
}

func testClaimActivityTask(t *testing.T, s store.Store) {
	ctx := context.Background()
	act := activityArn("work")
	seq := 0
	mk := func(id int64, resource string, d time.Duration) store.Task {
		seq++
		return store.Task{ID: id, Token: fmt.Sprintf("tok-%d", seq), Resource: resource, Body: `{}`, CreatedAt: at(d)}
	}
	if _, err := s.ClaimActivityTask(ctx, act, at(0)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ClaimActivityTask with no task: %v, want ErrNotFound", err)
	}
	a := create(t, s, newExecution("sm", "a"), 1, nil, []store.Task{mk(1, act, 2*time.Second), mk(2, activityArn("other"), 0)})
	b := create(t, s, newExecution("sm", "b"), 1, nil, []store.Task{mk(1, act, time.Second), mk(2, "arn:aws:states:::lambda:invoke", 0)})
	c := create(t, s, newExecution("sm", "c"), 1, nil, []store.Task{mk(1, act, 0)})
	// c has ended: its task is not handed out.
	end := *c
	end.Status = "FAILED"
	if err := s.Commit(ctx, store.Commit{Execution: &end, Events: events(2, 1)}); err != nil {
		t.Fatal(err)
	}
	// The oldest first, each once.
	for _, want := range []struct {
		arn   string
		token string
	}{{b.Arn, "tok-3"}, {a.Arn, "tok-1"}} {
		got, err := s.ClaimActivityTask(ctx, act, at(time.Minute))
		if err != nil {
			t.Fatalf("ClaimActivityTask: %v", err)
		}
		if got.ExecutionArn != want.arn || got.Token != want.token || got.Resource != act || got.ID != 1 {
			t.Errorf("ClaimActivityTask: got %s, want %s %s", dump(got), want.arn, want.token)
		}
	}
	if _, err := s.ClaimActivityTask(ctx, act, at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ClaimActivityTask once all are taken: %v, want ErrNotFound", err)
	}
	// A claimed task still answers to its token.
	if _, err := s.TaskByToken(ctx, "tok-3"); err != nil {
		t.Errorf("TaskByToken of a claimed task: %v", err)
	}

	// Concurrent pollers never get the same task.
	var tasks []store.Task
	for i := range 20 {
		tasks = append(tasks, mk(int64(i+1), activityArn("busy"), time.Duration(i)*time.Millisecond))
	}
	create(t, s, newExecution("sm", "many"), 1, nil, tasks)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				got, err := s.ClaimActivityTask(ctx, activityArn("busy"), at(time.Hour))
				if errors.Is(err, store.ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("ClaimActivityTask: %v", err)
					return
				}
				mu.Lock()
				seen[got.Token]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 20 {
		t.Errorf("concurrent claims handed out %d distinct tasks, want 20", len(seen))
	}
	for tok, n := range seen {
		if n != 1 {
			t.Errorf("task %s handed out %d times", tok, n)
		}
	}
}

func testTags(t *testing.T, s store.Store) {
	ctx := context.Background()
	arn := smArn("tagged")
	list := func() []store.Tag {
		t.Helper()
		tags, err := s.ListTags(ctx, arn)
		if err != nil {
			t.Fatalf("ListTags: %v", err)
		}
		return tags
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("ListTags of an untagged resource: %v", got)
	}
	if err := s.TagResource(ctx, arn, []store.Tag{tag("b", "1"), tag("a", "2")}); err != nil {
		t.Fatal(err)
	}
	if err := s.TagResource(ctx, arn, []store.Tag{tag("b", "0"), tag("b", "3"), tag("c", "")}); err != nil { // the last of a key given twice
		t.Fatal(err)
	}
	if err := s.TagResource(ctx, smArn("other"), []store.Tag{tag("z", "9")}); err != nil {
		t.Fatal(err)
	}
	if got, want := list(), []store.Tag{tag("a", "2"), tag("b", "3"), tag("c", "")}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListTags: %v, want %v", got, want)
	}
	if err := s.UntagResource(ctx, arn, []string{"a", "nope"}); err != nil {
		t.Fatal(err)
	}
	if got, want := list(), []store.Tag{tag("b", "3"), tag("c", "")}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListTags after untag: %v, want %v", got, want)
	}
}

func tag(k, v string) store.Tag { return store.Tag{Key: k, Value: v} }

// testCreateTagged: a state machine, an activity and a schedule group created with tags have
// them from their creation on; a create refused because the ARN (or the group's name) is taken
// writes none of its own.
func testCreateTagged(t *testing.T, s store.Store) {
	ctx := context.Background()
	groups := schedulesOf(t, s)
	now := time.Now().UTC()
	first, second := []store.Tag{tag("team", "a"), tag("env", "dev")}, []store.Tag{tag("team", "b"), tag("extra", "x")}
	want := []store.Tag{tag("env", "dev"), tag("team", "a")}
	for _, r := range []struct {
		what   string
		arn    string
		create func(tags []store.Tag) error
	}{
		{"state machine", smArn("tagged-sm"), func(tags []store.Tag) error {
			return s.CreateStateMachine(ctx, &store.StateMachine{Arn: smArn("tagged-sm"), Name: "tagged-sm", Type: "STANDARD",
				Definition: "{}", RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "1", Config: "{}",
				CreatedAt: now, UpdatedAt: now, Tags: tags})
		}},
		{"activity", "arn:aws:states:us-east-1:123456789012:activity:tagged", func(tags []store.Tag) error {
			return s.CreateActivity(ctx, &store.Activity{Arn: "arn:aws:states:us-east-1:123456789012:activity:tagged", Name: "tagged",
				Config: "{}", CreatedAt: now, Tags: tags})
		}},
		{"schedule group", "arn:aws:scheduler:us-east-1:123456789012:schedule-group/tagged", func(tags []store.Tag) error {
			return groups.CreateScheduleGroup(ctx, &store.ScheduleGroup{Arn: "arn:aws:scheduler:us-east-1:123456789012:schedule-group/tagged",
				Name: "tagged", CreatedAt: now, UpdatedAt: now, Tags: tags})
		}},
	} {
		if err := r.create(first); err != nil {
			t.Fatalf("%s: %v", r.what, err)
		}
		if err := r.create(second); !errors.Is(err, store.ErrExists) {
			t.Fatalf("%s created again: %v, want ErrExists", r.what, err)
		}
		if got, err := s.ListTags(ctx, r.arn); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: tags %v (%v), want %v", r.what, got, err, want)
		}
	}
}
