package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// goFunc runs a Go func in process, with the function's timeout and Lambda's error shapes.
type goFunc struct {
	name string
	spec Spec
	arn  string

	mu          sync.Mutex
	running     int
	changed     chan struct{}
	invocations int
}

func (g *goFunc) invoke(ctx context.Context, inv *Invocation) (*Result, error) {
	if err := g.enter(ctx); err != nil {
		return nil, err
	}
	began := time.Now()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.spec.Timeout)
	defer cancel()
	out := make(chan *Result, 1)
	go func() {
		defer g.leave()
		out <- g.call(fctx, inv)
	}()
	select {
	case res := <-out:
		if fctx.Err() == nil {
			return res, nil
		}
		// Answered at or after the deadline (a func that returns ctx.Err()): timed out.
		return timeoutResult(inv, time.Since(began)), nil
	case <-fctx.Done():
		// A goroutine cannot be killed: it is told through its context and left to end.
		return timeoutResult(inv, time.Since(began)), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// enter waits while MaxConcurrency calls run.
func (g *goFunc) enter(ctx context.Context) error {
	for {
		g.mu.Lock()
		if g.changed == nil {
			g.changed = make(chan struct{})
		}
		if g.running < g.spec.MaxConcurrency {
			g.running++
			g.invocations++
			g.mu.Unlock()
			return nil
		}
		ch := g.changed
		g.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (g *goFunc) leave() {
	g.mu.Lock()
	g.running--
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
}

func (g *goFunc) call(ctx context.Context, inv *Invocation) (res *Result) {
	defer func() {
		if v := recover(); v != nil {
			res = unhandled(panicPayload(v))
		}
	}()
	out, err := g.spec.Func(ctx, inv.Payload)
	if err != nil {
		return unhandled(funcErrorPayload(err))
	}
	if out == nil {
		out = []byte("null")
	}
	return &Result{Payload: out}
}

// funcErrorPayload is an error as aws-lambda-go reports it: errorType is the error's type
// name (errorString for errors.New), unless it is a *FunctionError.
func funcErrorPayload(err error) []byte {
	var fe *FunctionError
	if errors.As(err, &fe) {
		return errorPayload(fe.Type, fe.Message)
	}
	return errorPayload(typeName(err), err.Error())
}

func panicPayload(v any) []byte {
	var frames []string
	for _, l := range strings.Split(strings.TrimSpace(string(debug.Stack())), "\n") {
		frames = append(frames, strings.TrimSpace(l))
	}
	b, _ := json.Marshal(struct {
		Message string   `json:"errorMessage"`
		Type    string   `json:"errorType"`
		Stack   []string `json:"stackTrace"`
	}{fmt.Sprint(v), typeName(v), frames})
	return b
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

func (g *goFunc) stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return Stats{Invocations: g.invocations}
}

func (g *goFunc) close() {}
