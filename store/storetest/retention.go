package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

const day = 24 * time.Hour

// PurgeNow is the clock of the purge fixture: WritePurgeRows's executions stopped days
// before it.
var PurgeNow = t0.Add(100 * day)

// PurgeCutoffs are the cutoffs of a retention of 7 days at PurgeNow: a redrivable execution
// is kept 14 days whatever the retention.
var PurgeCutoffs = store.Purge{Before: PurgeNow.Add(-7 * day), RedrivableBefore: PurgeNow.Add(-14 * day)}

// purgeRow is one execution of the purge fixture: its status, when it stopped (days before
// PurgeNow; negative for none), and whether a purge at PurgeCutoffs deletes it.
type purgeRow struct {
	name    string
	status  string
	stopped float64
	deleted bool
	// mapChild: a Distributed Map child of the first row's run; parent: the first row
	// started it (StartExecution from a Task: an independent execution, as on AWS).
	mapChild, parent bool
}

// purgeRows is the table of what a purge keeps and deletes.
var purgeRows = []purgeRow{
	{name: "old-succeeded", status: "SUCCEEDED", stopped: 30, deleted: true},
	{name: "map-child", status: "SUCCEEDED", stopped: 30, deleted: true, mapChild: true},
	{name: "map-child-failed", status: "FAILED", stopped: 1, deleted: true, mapChild: true},
	{name: "running", status: running, stopped: -1},
	{name: "recent-succeeded", status: "SUCCEEDED", stopped: 1},
	{name: "succeeded-past-retention", status: "SUCCEEDED", stopped: 8, deleted: true},
	{name: "failed-redrivable", status: "FAILED", stopped: 8},
	{name: "aborted-redrivable", status: "ABORTED", stopped: 13.9},
	{name: "timed-out-redrivable", status: "TIMED_OUT", stopped: 10},
	{name: "failed-old", status: "FAILED", stopped: 15, deleted: true},
	{name: "aborted-old", status: "ABORTED", stopped: 20, deleted: true},
	{name: "timed-out-old", status: "TIMED_OUT", stopped: 60, deleted: true},
	{name: "started-by-old-running", status: running, stopped: -1, parent: true},
	{name: "started-by-old-recent", status: "SUCCEEDED", stopped: 2, parent: true},
	{name: "orphan-map-child", status: "SUCCEEDED", stopped: 50},
}

// WritePurgeRows stores the purge fixture: executions of every kind with events, a timer, a
// task, a tag; the first has a map run whose children are executions too. It returns the
// ARNs a purge at PurgeCutoffs deletes and keeps, and the tokens of their tasks.
func WritePurgeRows(t *testing.T, s store.Store) (deleted, kept, deletedTokens, keptTokens []string) {
	t.Helper()
	ctx := context.Background()
	first := execArn("purge", purgeRows[0].name)
	run := mapRunArn("purge", "M", "1")
	var children []store.ChildStep
	for i, r := range purgeRows {
		e := newExecution("purge", r.name)
		e.Status = r.status
		if r.stopped >= 0 {
			stop := PurgeNow.Add(-time.Duration(r.stopped * float64(day)))
			e.StoppedAt = &stop
		}
		if r.parent {
			e.ParentArn = first
		}
		if r.name == "orphan-map-child" {
			// A child of a run that is not the purged parent's: it goes with its own parent.
			e.MapRunArn = mapRunArn("purge", "M", "other")
			e.LastEventID = 2
			children = append(children, store.ChildStep{Execution: *e, Events: events(1, 2)})
			kept = append(kept, e.Arn)
			continue
		}
		if r.mapChild {
			e.Arn = account + ":execution:purge/M:" + r.name
			e.MapRunArn = run
			e.LastEventID = 2
			e.State = ""
			children = append(children, store.ChildStep{Execution: *e, Events: events(1, 2)})
			deleted = append(deleted, e.Arn)
			continue
		}
		tok := fmt.Sprintf("purge-token-%d", i)
		c := store.Commit{Execution: e, Events: events(1, 3),
			NewTimers: []store.Timer{{ID: 1, Due: PurgeNow.Add(time.Hour)}},
			NewTasks: []store.Task{{ID: 1, Token: tok, Resource: account + ":activity:purge",
				Body: `{}`, CreatedAt: e.StartedAt}}}
		if i == 0 {
			c.MapRuns = []store.MapRun{{Arn: run, ExecutionArn: e.Arn, StateMachineArn: smArn("purge") + "/M",
				Status: "SUCCEEDED", StartedAt: t0, StoppedAt: e.StoppedAt, Record: `{}`}}
		}
		if err := s.CreateExecution(ctx, c); err != nil {
			t.Fatalf("CreateExecution(%s): %v", e.Arn, err)
		}
		if err := s.TagResource(ctx, e.Arn, []store.Tag{tag("k", r.name)}); err != nil {
			t.Fatal(err)
		}
		if r.deleted {
			deleted = append(deleted, e.Arn)
			deletedTokens = append(deletedTokens, tok)
		} else {
			kept = append(kept, e.Arn)
			keptTokens = append(keptTokens, tok)
		}
	}
	// The children are written by a step of a running execution, as the engine writes them.
	host := create(t, s, newExecution("purge", "host"), 1, nil, nil)
	kept = append(kept, host.Arn)
	if err := s.Commit(ctx, store.Commit{Execution: host, Events: events(2, 1), Children: children}); err != nil {
		t.Fatal(err)
	}
	return deleted, kept, deletedTokens, keptTokens
}

// testPurge: a purge deletes the closed executions past their retention with their history,
// timers, tasks, tags, map runs and Distributed Map children, in batches of the limit, and
// keeps running executions, recent ones, redrivable ones within 14 days, and independent
// executions that a deleted one started.
func testPurge(t *testing.T, s store.Store) {
	ctx := context.Background()
	deleted, kept, deletedTokens, keptTokens := WritePurgeRows(t, s)
	// One execution a call, oldest stop date first; a parent's Distributed Map children
	// count towards the limit, and the parent is taken whole.
	var got []int
	for i := 0; ; i++ {
		p := PurgeCutoffs
		p.Limit = 1
		n, err := s.PurgeExecutions(ctx, p)
		if err != nil {
			t.Fatalf("PurgeExecutions: %v", err)
		}
		if n == 0 {
			break
		}
		got = append(got, n)
		if i > 20 {
			t.Fatal("PurgeExecutions never ends")
		}
	}
	// timed-out-old (60 days), old-succeeded (30) with its 2 children, aborted-old (20),
	// failed-old (15), succeeded-past-retention (8).
	if want := []int{1, 3, 1, 1, 1}; !slices.Equal(got, want) {
		t.Fatalf("PurgeExecutions(limit 1) deleted %v, want %v", got, want)
	}
	for _, arn := range deleted {
		if _, err := s.GetExecution(ctx, arn); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetExecution(%s) after purge: %v, want ErrNotFound", arn, err)
		}
		if evs, err := s.History(ctx, arn, 0, 0, false); err == nil && len(evs) > 0 {
			t.Errorf("History(%s) after purge: %d events", arn, len(evs))
		}
		if tags, err := s.ListTags(ctx, arn); err != nil || len(tags) != 0 {
			t.Errorf("ListTags(%s) after purge: %v %v", arn, tags, err)
		}
	}
	for _, tok := range deletedTokens {
		if _, err := s.TaskByToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TaskByToken(%s) after purge: %v, want ErrNotFound", tok, err)
		}
	}
	for _, arn := range kept {
		e, err := s.GetExecution(ctx, arn)
		if err != nil {
			t.Errorf("GetExecution(%s) after purge: %v, want it kept", arn, err)
			continue
		}
		if evs := hist(t, s, arn, 0, 0, false); int64(len(evs)) != e.LastEventID {
			t.Errorf("History(%s) after purge: %d events, want %d", arn, len(evs), e.LastEventID)
		}
	}
	for _, tok := range keptTokens {
		if _, err := s.TaskByToken(ctx, tok); err != nil {
			t.Errorf("TaskByToken(%s) of a kept execution: %v", tok, err)
		}
	}
	if _, err := s.GetMapRun(ctx, mapRunArn("purge", "M", "1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetMapRun of a purged execution's run: %v, want ErrNotFound", err)
	}
	// Timers of deleted executions never fire.
	for _, tm := range due(t, s, PurgeNow.Add(2*time.Hour), 0) {
		if slices.Contains(deleted, tm.ExecutionArn) {
			t.Errorf("timer of purged %s still due", tm.ExecutionArn)
		}
	}
	// The redrivable ones go once their 14 days have passed.
	later := store.Purge{Before: PurgeCutoffs.Before, RedrivableBefore: PurgeNow, Limit: 100}
	if n, err := s.PurgeExecutions(ctx, later); err != nil || n != 3 {
		t.Fatalf("PurgeExecutions past the redrive window = %d, %v; want the 3 redrivable ones", n, err)
	}
	// A retention that keeps everything deletes nothing.
	if n, err := s.PurgeExecutions(ctx, store.Purge{Limit: 100}); err != nil || n != 0 {
		t.Fatalf("PurgeExecutions with zero cutoffs = %d, %v", n, err)
	}
}
