package api

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

func TestSMCache(t *testing.T) {
	ctx := context.Background()
	const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:sm"
	var c smCache
	reads := 0
	def := "v1"
	read := func(context.Context, string) (*store.StateMachine, error) {
		reads++
		return &store.StateMachine{Arn: arn, Definition: def}, nil
	}
	get := func(want string, wantReads int) {
		t.Helper()
		sm, err := c.get(ctx, arn, read)
		if err != nil || sm.Definition != want || reads != wantReads {
			t.Fatalf("get = %+v, %v after %d reads; want %s after %d", sm, err, reads, want, wantReads)
		}
		sm.Definition = "changed by a caller" // each caller has its own copy
	}
	get("v1", 1)
	get("v1", 1) // kept

	def = "v2"
	c.drop(arn) // this server changed it
	get("v2", 2)

	c.mu.Lock()
	e := c.m[arn]
	e.at = e.at.Add(-smCacheTTL - time.Millisecond) // read longer ago than the TTL
	c.m[arn] = e
	c.mu.Unlock()
	def = "v3" // another node changed it
	get("v3", 3)

	// A read that began before a drop is not kept: it may hold what the change replaced.
	c.drop(arn)
	racing := func(context.Context, string) (*store.StateMachine, error) {
		reads++
		c.drop(arn) // the change commits while this read is on its way
		return &store.StateMachine{Arn: arn, Definition: "v3"}, nil
	}
	if _, err := c.get(ctx, arn, racing); err != nil {
		t.Fatal(err)
	}
	def = "v4"
	get("v4", 5)

	// Errors are not kept.
	c.drop(arn)
	missing := func(context.Context, string) (*store.StateMachine, error) { reads++; return nil, store.ErrNotFound }
	for range 2 {
		if _, err := c.get(ctx, arn, missing); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("get = %v, want ErrNotFound", err)
		}
	}
	if reads != 7 {
		t.Errorf("%d reads, want 7 (errors read each time)", reads)
	}
}
