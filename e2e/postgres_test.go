package e2e

import (
	"net/url"
	"testing"

	"github.com/stepwise-run/stepwise/internal/pgtest"
)

// freshPostgres returns the URL of a schema of the test server of t's own; the test skips,
// loudly, only when no PostgreSQL server answers. Each node it serves keeps at most 10
// connections: three nodes at the default 32 would take nearly all of a default server's 100,
// which other packages' tests share while they run in parallel.
func freshPostgres(t *testing.T) string {
	u, err := url.Parse(pgtest.FreshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "10")
	u.RawQuery = q.Encode()
	return u.String()
}
