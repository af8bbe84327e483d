package store

import "time"

// Activity is a stored activity: a named queue of tasks that workers poll for with
// GetActivityTask.
type Activity struct {
	Arn  string
	Name string
	// Config holds the rest of CreateActivity's input as JSON (encryption), which the store
	// keeps but does not interpret.
	Config    string
	CreatedAt time.Time
	// Tags are written by CreateActivity with the activity, in its transaction; reads leave
	// them empty (ListTags reads them).
	Tags []Tag
}

// Tag is a resource's tag.
type Tag struct {
	Key   string
	Value string
}
