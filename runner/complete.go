package runner

import (
	"context"
	"sync/atomic"
)

type completeKey struct{}

// Complete tells the node that the result a handler is about to return for a
// .waitForTaskToken task is the task's outcome, not the response to the request that
// carries the token (a mocked task). Outside a node it does nothing.
func Complete(ctx context.Context) {
	if done, ok := ctx.Value(completeKey{}).(*atomic.Bool); ok {
		done.Store(true)
	}
}

// withComplete returns a context on which Complete sets the returned flag.
func withComplete(ctx context.Context) (context.Context, *atomic.Bool) {
	done := new(atomic.Bool)
	return context.WithValue(ctx, completeKey{}, done), done
}
