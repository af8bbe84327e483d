package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestNotify(t *testing.T) {
	ctx := context.Background()
	a, b := openFresh(t), openFresh(t) // two nodes
	channel := fmt.Sprintf("stepwise test %d", time.Now().UnixNano())

	lctx, cancel := context.WithCancel(ctx)
	got, err := b.Listen(lctx, channel)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	for i := range 3 {
		if err := a.Notify(ctx, channel, fmt.Sprint("wake ", i)); err != nil {
			t.Fatalf("Notify: %v", err)
		}
	}
	if err := a.Notify(ctx, channel+" other", "not for us"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		select {
		case p := <-got:
			if want := fmt.Sprint("wake ", i); p != want {
				t.Errorf("payload %d = %q, want %q", i, p, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("payload %d did not arrive", i)
		}
	}
	cancel()
	select {
	case p, ok := <-got:
		if ok {
			t.Errorf("after cancel: got %q, want the channel closed", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel not closed after cancel")
	}

	// Closing the store ends its listeners.
	got, err = b.Listen(ctx, channel)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	select {
	case _, ok := <-got:
		if ok {
			t.Error("listener still open after Close")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("listener not closed by Close")
	}
	if _, err := b.Listen(ctx, channel); err == nil {
		t.Error("Listen after Close succeeded")
	}
}
