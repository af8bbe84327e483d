package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

func schedulesOf(t *testing.T, s store.Store) store.Schedules {
	t.Helper()
	sc, ok := s.(store.Schedules)
	if !ok {
		t.Fatalf("%T does not keep schedules (store.Schedules)", s)
	}
	return sc
}

func newGroup(name string) *store.ScheduleGroup {
	return &store.ScheduleGroup{Arn: "arn:aws:scheduler:us-east-1:123456789012:schedule-group/" + name, Name: name, CreatedAt: at(0), UpdatedAt: at(0)}
}

func newSchedule(group, name string, due *time.Time) *store.Schedule {
	return &store.Schedule{Arn: "arn:aws:scheduler:us-east-1:123456789012:schedule/" + group + "/" + name, Group: group, Name: name,
		State: "ENABLED", Config: `{"ScheduleExpression":"rate(1 minute)"}`, CreatedAt: at(0), UpdatedAt: at(0), NextFire: due, Due: due}
}

func ptr(t time.Time) *time.Time { return &t }

func testScheduleGroups(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := schedulesOf(t, st)
	for _, name := range []string{"default", "b", "a", "ab"} {
		if err := s.CreateScheduleGroup(ctx, newGroup(name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateScheduleGroup(ctx, newGroup("a")); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateScheduleGroup of a taken name: %v, want ErrExists", err)
	}
	g, err := s.GetScheduleGroup(ctx, "ab")
	if err != nil || g.Arn != newGroup("ab").Arn || !g.CreatedAt.Equal(at(0)) || g.ClientToken != "" {
		t.Fatalf("GetScheduleGroup: %+v, %v", g, err)
	}
	// A group keeps the client token of the call that made it; a second call does not
	// replace it.
	tokened := newGroup("tokened")
	tokened.ClientToken = "token-1"
	if err := s.CreateScheduleGroup(ctx, tokened); err != nil {
		t.Fatal(err)
	}
	again := newGroup("tokened")
	again.ClientToken = "token-2"
	if err := s.CreateScheduleGroup(ctx, again); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateScheduleGroup of a taken name, another token: %v, want ErrExists", err)
	}
	if g, err := s.GetScheduleGroup(ctx, "tokened"); err != nil || g.ClientToken != "token-1" {
		t.Fatalf("GetScheduleGroup(tokened): %+v, %v, want ClientToken token-1", g, err)
	}
	if gs, _, err := s.ListScheduleGroups(ctx, "tokened", store.Page{}); err != nil || len(gs) != 1 || gs[0].ClientToken != "token-1" {
		t.Fatalf("ListScheduleGroups(tokened): %+v, %v", gs, err)
	}
	if err := s.DeleteScheduleGroup(ctx, "tokened"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetScheduleGroup(ctx, "zz"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetScheduleGroup(unknown): %v", err)
	}
	var names []string
	token := ""
	for {
		gs, next, err := s.ListScheduleGroups(ctx, "", store.Page{Token: token, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			names = append(names, g.Name)
		}
		if token = next; token == "" {
			break
		}
	}
	if fmt.Sprint(names) != "[a ab b default]" {
		t.Fatalf("ListScheduleGroups: %v", names)
	}
	gs, _, err := s.ListScheduleGroups(ctx, "a", store.Page{})
	if err != nil || len(gs) != 2 {
		t.Fatalf("ListScheduleGroups(prefix a): %d, %v", len(gs), err)
	}

	// Deleting a group deletes its schedules and its tags, not another group's.
	for _, sc := range []*store.Schedule{newSchedule("a", "x", nil), newSchedule("a", "y", nil), newSchedule("b", "x", nil)} {
		if err := s.CreateSchedule(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.TagResource(ctx, newGroup("a").Arn, []store.Tag{{Key: "k", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteScheduleGroup(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteScheduleGroup(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteScheduleGroup twice: %v", err)
	}
	if _, err := s.GetSchedule(ctx, "a", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a schedule of a deleted group: %v", err)
	}
	if _, err := s.GetSchedule(ctx, "b", "x"); err != nil {
		t.Fatalf("a schedule of another group: %v", err)
	}
	if tags, err := st.ListTags(ctx, newGroup("a").Arn); err != nil || len(tags) != 0 {
		t.Fatalf("tags of a deleted group: %v, %v", tags, err)
	}
}

func testSchedules(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := schedulesOf(t, st)
	if err := s.CreateSchedule(ctx, newSchedule("nogroup", "x", nil)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("CreateSchedule in a missing group: %v, want ErrNotFound", err)
	}
	for _, g := range []string{"default", "other"} {
		if err := s.CreateScheduleGroup(ctx, newGroup(g)); err != nil {
			t.Fatal(err)
		}
	}
	due := at(time.Minute)
	sc := newSchedule("default", "nightly", &due)
	if err := s.CreateSchedule(ctx, sc); err != nil || sc.Version != 1 {
		t.Fatalf("CreateSchedule: %v, version %d", err, sc.Version)
	}
	if err := s.CreateSchedule(ctx, newSchedule("default", "nightly", nil)); !errors.Is(err, store.ErrExists) {
		t.Fatalf("CreateSchedule twice: %v, want ErrExists", err)
	}
	if err := s.CreateSchedule(ctx, newSchedule("other", "nightly", nil)); err != nil {
		t.Fatalf("the same name in another group: %v", err)
	}
	got, err := s.GetSchedule(ctx, "default", "nightly")
	if err != nil {
		t.Fatal(err)
	}
	if got.Arn != sc.Arn || got.Config != sc.Config || got.State != "ENABLED" || got.Due == nil || !got.Due.Equal(due) ||
		!got.NextFire.Equal(due) || got.Version != 1 || !got.CreatedAt.Equal(at(0)) {
		t.Fatalf("GetSchedule: %+v", got)
	}
	got.State, got.Config, got.UpdatedAt, got.Due, got.NextFire = "DISABLED", `{"x":1}`, at(time.Hour), nil, nil
	if err := s.UpdateSchedule(ctx, got); err != nil || got.Version != 2 {
		t.Fatalf("UpdateSchedule: %v, version %d", err, got.Version)
	}
	again, _ := s.GetSchedule(ctx, "default", "nightly")
	if again.State != "DISABLED" || again.Config != `{"x":1}` || again.Due != nil || !again.UpdatedAt.Equal(at(time.Hour)) {
		t.Fatalf("after UpdateSchedule: %+v", again)
	}
	if err := s.UpdateSchedule(ctx, newSchedule("default", "none", nil)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateSchedule(unknown): %v", err)
	}
	for _, n := range []string{"a1", "a2", "b1", "b2", "b3"} {
		if err := s.CreateSchedule(ctx, newSchedule("default", n, nil)); err != nil {
			t.Fatal(err)
		}
	}
	list := func(f store.ScheduleFilter, limit int) []string {
		var names []string
		token := ""
		for {
			scs, next, err := s.ListSchedules(ctx, f, store.Page{Token: token, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range scs {
				names = append(names, sc.Group+"/"+sc.Name)
			}
			if token = next; token == "" {
				return names
			}
		}
	}
	if got := fmt.Sprint(list(store.ScheduleFilter{}, 2)); got != "[default/a1 default/a2 default/b1 default/b2 default/b3 default/nightly other/nightly]" {
		t.Fatalf("ListSchedules: %v", got)
	}
	if got := fmt.Sprint(list(store.ScheduleFilter{Group: "default", NamePrefix: "b"}, 2)); got != "[default/b1 default/b2 default/b3]" {
		t.Fatalf("ListSchedules(default, b): %v", got)
	}
	if got := fmt.Sprint(list(store.ScheduleFilter{State: "DISABLED"}, 0)); got != "[default/nightly]" {
		t.Fatalf("ListSchedules(DISABLED): %v", got)
	}
	if _, _, err := s.ListSchedules(ctx, store.ScheduleFilter{}, store.Page{Token: "garbage"}); !errors.Is(err, store.ErrInvalidToken) {
		t.Fatalf("ListSchedules(bad token): %v", err)
	}
	if err := s.DeleteSchedule(ctx, "default", "a1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSchedule(ctx, "default", "a1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteSchedule twice: %v", err)
	}
}

func testScheduleClaims(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := schedulesOf(t, st)
	if _, err := s.NextScheduleDue(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("NextScheduleDue with none: %v", err)
	}
	if err := s.CreateScheduleGroup(ctx, newGroup("default")); err != nil {
		t.Fatal(err)
	}
	const n = 40
	for i := range n {
		if err := s.CreateSchedule(ctx, newSchedule("default", fmt.Sprintf("s%02d", i), ptr(at(time.Duration(i)*time.Second)))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSchedule(ctx, newSchedule("default", "later", ptr(at(time.Hour)))); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSchedule(ctx, newSchedule("default", "off", nil)); err != nil {
		t.Fatal(err)
	}
	if d, err := s.NextScheduleDue(ctx); err != nil || !d.Equal(at(0)) {
		t.Fatalf("NextScheduleDue: %v, %v", d, err)
	}
	// Four claimers at once: each due schedule goes to exactly one.
	now := at(time.Minute)
	var mu sync.Mutex
	owners := map[string]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("node%d", w)
			for {
				scs, err := s.ClaimSchedules(ctx, owner, now, now.Add(time.Minute), 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(scs) == 0 {
					return
				}
				mu.Lock()
				for _, sc := range scs {
					if prev, ok := owners[sc.Name]; ok {
						t.Errorf("%s claimed by %s and %s", sc.Name, prev, owner)
					}
					owners[sc.Name] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(owners) != n {
		t.Fatalf("claimed %d schedules, want %d", len(owners), n)
	}
	// A held claim is not handed out again until it expires.
	if scs, _ := s.ClaimSchedules(ctx, "late", now.Add(30*time.Second), now.Add(time.Hour), 100); len(scs) != 0 {
		t.Fatalf("claimed %d held schedules", len(scs))
	}
	scs, err := s.ClaimSchedules(ctx, "late", now.Add(2*time.Minute), now.Add(3*time.Minute), 100)
	if err != nil || len(scs) != n {
		t.Fatalf("after the claims expired: %d, %v", len(scs), err)
	}
	sort.Slice(scs, func(i, j int) bool { return scs[i].Name < scs[j].Name })
	// The holder advances; an older holder, or an old version, is refused.
	first := scs[0]
	stale := *first
	if err := s.AdvanceSchedule(ctx, owners[first.Name], first, false); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("AdvanceSchedule by a claim that expired: %v", err)
	}
	first.NextFire, first.Due, first.Attempt = ptr(at(2*time.Hour)), ptr(at(2*time.Hour)), 0
	if err := s.AdvanceSchedule(ctx, "late", first, false); err != nil {
		t.Fatal(err)
	}
	if err := s.AdvanceSchedule(ctx, "late", &stale, false); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("AdvanceSchedule twice: %v", err)
	}
	got, _ := s.GetSchedule(ctx, "default", first.Name)
	if !got.Due.Equal(at(2*time.Hour)) || got.Version != first.Version {
		t.Fatalf("after AdvanceSchedule: %+v", got)
	}
	// An update while a firing is claimed wins over the firing's outcome.
	second := scs[1]
	upd, _ := s.GetSchedule(ctx, "default", second.Name)
	upd.Due, upd.NextFire = nil, nil
	if err := s.UpdateSchedule(ctx, upd); err != nil {
		t.Fatal(err)
	}
	if err := s.AdvanceSchedule(ctx, "late", second, false); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("AdvanceSchedule after an update: %v", err)
	}
	third := scs[2]
	if err := s.AdvanceSchedule(ctx, "late", third, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSchedule(ctx, "default", third.Name); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a schedule removed after its last firing: %v", err)
	}
}
