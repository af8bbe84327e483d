package e2e

import (
	"testing"

	"github.com/stepwise-run/stepwise/internal/pgtest"
)

// freshPostgres returns the URL of a schema of the test server of t's own; the test skips,
// loudly, only when no PostgreSQL server answers.
func freshPostgres(t *testing.T) string { return pgtest.FreshSchema(t) }
