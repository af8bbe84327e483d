package api

import (
	"context"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// smCacheTTL is how long a start may use a state machine read by an earlier start.
const smCacheTTL = time.Second

// smCacheMax bounds the state machines kept; past it the cache starts over.
const smCacheMax = 4096

// smCache keeps the state machines that starts read, for smCacheTTL. Every StartExecution and
// StartSyncExecution reads the state machine it names, and on PostgreSQL that read (a round
// trip) was the largest part of an Express execution's cost. AWS's API reference allows a
// window like it: starts in the first few seconds after UpdateStateMachine may still run the
// previous definition and role. This server's own CreateStateMachine, UpdateStateMachine and DeleteStateMachine drop
// the entry as they succeed, so on one node, the default, a start always sees what was
// acknowledged; a node sharing PostgreSQL with the one that changed it sees the change within
// smCacheTTL. Errors (a state machine that does not exist) are not kept.
type smCache struct {
	mu  sync.Mutex
	m   map[string]smCached
	gen uint64 // counts drops: a read begun before one is not kept
}

type smCached struct {
	sm *store.StateMachine
	at time.Time // when the read began
}

// get returns a copy of the state machine, from the cache when it was read less than
// smCacheTTL ago, else from read.
func (c *smCache) get(ctx context.Context, arn string, read func(context.Context, string) (*store.StateMachine, error)) (*store.StateMachine, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[arn]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Sub(e.at) < smCacheTTL {
		sm := *e.sm
		return &sm, nil
	}
	sm, err := read(ctx, arn)
	if err != nil {
		return nil, err
	}
	kept := *sm
	c.mu.Lock()
	if c.gen == gen {
		if c.m == nil || len(c.m) >= smCacheMax {
			c.m = map[string]smCached{}
		}
		c.m[arn] = smCached{sm: &kept, at: now}
	}
	c.mu.Unlock()
	return sm, nil
}

// drop forgets a state machine this server has just created, changed or deleted.
func (c *smCache) drop(arn string) {
	c.mu.Lock()
	delete(c.m, arn)
	c.gen++
	c.mu.Unlock()
}
