// Package commit holds what the stores share about writing a store.Commit: checking it, the
// LastEventID to store, and the events' JSON.
package commit
