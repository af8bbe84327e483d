package runner

import (
	"context"

	"github.com/stepwise-run/stepwise/store"
)

// VersionMachine is sm as it was when v was published: v's definition, role and revision
// under the state machine's own ARN. Executions of a version keep the state machine's
// execution ARNs, and the interpreter cache (keyed by ARN and revision) holds the
// version's definition, since a revision names one definition.
func VersionMachine(sm *store.StateMachine, v *store.Version) *store.StateMachine {
	out := *sm
	out.Definition, out.RoleArn, out.RevisionID = v.Definition, v.RoleArn, v.RevisionID
	out.Description, out.Config = v.Description, v.Config
	out.CreatedAt, out.UpdatedAt = v.CreatedAt, v.RevisedAt
	return &out
}

// machineFor returns what an execution being reloaded runs: the version it was started on,
// if any (versions are immutable), else the revision of its state machine it started with
// (revision is empty for executions stored before revisions were kept: they run the latest).
// As on AWS, an execution goes on with the definition it started with, whatever
// UpdateStateMachine did since.
func (n *Node) machineFor(ctx context.Context, row *store.Execution, revision string) (*store.StateMachine, error) {
	if row.VersionArn == "" && revision != "" {
		return n.st.GetRevision(ctx, row.StateMachineArn, revision)
	}
	sm, err := n.st.GetStateMachine(ctx, row.StateMachineArn)
	if err != nil || row.VersionArn == "" {
		return sm, err
	}
	v, err := n.st.GetVersion(ctx, row.VersionArn)
	if err != nil {
		return nil, err
	}
	return VersionMachine(sm, v), nil
}
