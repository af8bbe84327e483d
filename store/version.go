package store

import "time"

// Version is a published version of a state machine: an immutable copy of one of its
// revisions, numbered 1, 2, ... per state machine (numbers are never reused, even after a
// version is deleted). Executions started on a version run its definition.
type Version struct {
	Arn             string // <state machine ARN>:<Number>
	StateMachineArn string
	Number          int64
	Definition      string
	RoleArn         string
	// RevisionID is the state machine's revision the version was published from.
	RevisionID  string
	Description string
	// Config is the state machine's Config at publication.
	Config    string
	CreatedAt time.Time
	// RevisedAt is when that revision was made (the state machine's UpdatedAt then): equal to
	// the state machine's CreatedAt for its first revision, which AWS does not name.
	RevisedAt time.Time
}

// Alias is a named pointer to one or two versions of a state machine: StartExecution on its
// ARN picks one of them by weight.
type Alias struct {
	Arn             string // <state machine ARN>:<Name>
	StateMachineArn string
	Name            string
	Description     string
	Routing         []Route
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Route is one version an alias routes to, with its share of executions in percent.
type Route struct {
	VersionArn string `json:"stateMachineVersionArn"`
	Weight     int    `json:"weight"`
}
