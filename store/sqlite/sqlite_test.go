package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/storetest"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "stepwise.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func BenchmarkCommit(b *testing.B) { storetest.BenchCommit(b, openTemp(b)) }

func BenchmarkHistory25000(b *testing.B) { storetest.BenchHistory(b, openTemp(b), 25_000) }

func BenchmarkDueTimers20000(b *testing.B) { storetest.BenchDueTimers(b, openTemp(b), 20_000) }

func BenchmarkChildren5000(b *testing.B) { storetest.BenchChildren(b, openTemp(b), 5000) }

func BenchmarkSpread1000(b *testing.B) { storetest.BenchSpread(b, openTemp(b), 1000, 64) }

func BenchmarkHeadOutbox(b *testing.B) { storetest.BenchHeadOutbox(b, openTemp(b), 1000) }

func BenchmarkStart(b *testing.B) {
	for _, clients := range []int{1, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { storetest.BenchStart(b, openTemp(b), clients) })
		b.Run(fmt.Sprintf("events/clients=%d", clients), func(b *testing.B) { storetest.BenchStartWithEvents(b, openTemp(b), clients, true) })
		b.Run(fmt.Sprintf("events-two-rows/clients=%d", clients), func(b *testing.B) {
			storetest.BenchStartWithEvents(b, openTemp(b), clients, false)
		})
	}
}
