// Package chunk holds what the stores share about keeping a step's events as one row: the
// events' JSON one per line, keyed by the last event's id (SQLite's migration 0010,
// PostgreSQL's 0010). Make groups a step's events into such rows and Page reads them back
// into a page of history; the tables, the queries and the guard that refuses events not
// after the stored ones are each store's own.
package chunk
