// Package commit holds what the stores share about writing a store.Commit: checking it, the
// LastEventID to store, the events' JSON, and the order of a step's children.
package commit
