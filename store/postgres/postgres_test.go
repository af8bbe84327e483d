package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/stepwise-run/stepwise/internal/pgtest"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/storetest"
)

// freshSchema is a schema of the test server of t's own (see internal/pgtest).
func freshSchema(t testing.TB) string { return pgtest.FreshSchema(t) }

func openFresh(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), freshSchema(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	pgtest.Connect(t).Close(context.Background()) // skips the whole suite, once, when no server answers
	storetest.Run(t, func(t *testing.T) store.Store { return openFresh(t) })
}

func BenchmarkCommit(b *testing.B) { storetest.BenchCommit(b, openFresh(b)) }

func BenchmarkHistory25000(b *testing.B) { storetest.BenchHistory(b, openFresh(b), 25_000) }

func BenchmarkDueTimers20000(b *testing.B) { storetest.BenchDueTimers(b, openFresh(b), 20_000) }

func BenchmarkChildren5000(b *testing.B) { storetest.BenchChildren(b, openFresh(b), 5000) }

func BenchmarkSpread1000(b *testing.B) { storetest.BenchSpread(b, openFresh(b), 1000, 64) }

func BenchmarkHeadOutbox(b *testing.B) { storetest.BenchHeadOutbox(b, openFresh(b), 1000) }

func BenchmarkStart(b *testing.B) {
	for _, clients := range []int{1, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { storetest.BenchStart(b, openFresh(b), clients) })
	}
}
