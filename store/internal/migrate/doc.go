// Package migrate reads a store's numbered SQL migrations (embedded files named
// NNNN_name.sql, each number used once; gaps are allowed, so that branches developed side by
// side can each take a number) and decides which of them a database still needs. Applying them is each store's business, since only it knows its SQL dialect; each
// applies the pending ones in one transaction and records every version in a
// schema_migrations table.
package migrate
