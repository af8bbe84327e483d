package api

import (
	"sync"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/store"
)

// maxInterpreters bounds the Express interpreters kept; past it the cache starts over.
const maxInterpreters = 1024

// interpreters keeps the interpreter of each Express state machine revision, so that
// StartSyncExecution parses a definition once, not at every call (parsing and validating
// took a third of the server's time for a 5-state machine). A revision never changes: an
// update makes a new one.
type interpreters struct {
	mu sync.Mutex
	m  map[string]*engine.Interpreter
}

func (c *interpreters) interpreter(sm *store.StateMachine, build func() (*engine.Interpreter, error)) (*engine.Interpreter, error) {
	if sm.RevisionID == "" {
		return build()
	}
	key := sm.Arn + "#" + sm.RevisionID
	c.mu.Lock()
	in := c.m[key]
	c.mu.Unlock()
	if in != nil {
		return in, nil
	}
	in, err := build()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxInterpreters {
		c.m = map[string]*engine.Interpreter{}
	}
	c.m[key] = in
	c.mu.Unlock()
	return in, nil
}
