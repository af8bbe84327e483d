package api

import (
	"context"
	"runtime"
	"sync"

	"github.com/stepwise-run/stepwise/store"
)

// smReads shares one store read of a state machine among the starts that ask for it at the
// same moment. Every StartExecution and StartSyncExecution reads the state machine it
// names, and that read was the largest part of the server's time for an Express execution
// (a quarter). It is not a cache: a start only joins a read that has not begun yet, so the
// row it gets was read after it asked, as with a read of its own. (smCache, in front of it,
// is the cache, with its own rule.) Reads of different state machines are not shared.
type smReads struct {
	mu      sync.Mutex
	pending map[string]*smRead // per ARN, the read starts may still join
}

type smRead struct {
	done chan struct{}
	sm   *store.StateMachine
	err  error
}

// get returns the state machine as read, after this call began, by read.
func (r *smReads) get(ctx context.Context, arn string, read func(context.Context, string) (*store.StateMachine, error)) (*store.StateMachine, error) {
	r.mu.Lock()
	if r.pending == nil {
		r.pending = map[string]*smRead{}
	}
	p := r.pending[arn]
	lead := p == nil
	if lead {
		p = &smRead{done: make(chan struct{})}
		r.pending[arn] = p
	}
	r.mu.Unlock()

	if lead {
		// Let the requests that are ready to run get here and join before the read
		// begins; alone, this costs the yield and nothing else.
		runtime.Gosched()
		r.mu.Lock()
		delete(r.pending, arn) // from here on, a start needs a read of its own
		r.mu.Unlock()
		// Not cancelled with the leading request: the others wait for this read too.
		p.sm, p.err = read(context.WithoutCancel(ctx), arn)
		close(p.done)
	} else {
		select {
		case <-p.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	sm := *p.sm // each start its own copy, as from a read of its own
	return &sm, nil
}
