// Package iam is Stepwise's small IAM: users, access keys, roles, inline and managed policies,
// the evaluation of identity-based policies, and the verification of SigV4 signatures.
//
// A Directory holds the IAM state and answers three questions for the rest of Stepwise:
// who signed this request (Authenticate), may they do this (Authorize), and may a state
// machine's role do this (AuthorizeRole, used by integration tasks). Query serves the IAM
// API subset in IAM's own Query protocol (form-encoded POST, XML answers), so `aws iam` and
// the SDKs' IAM clients work against the same endpoint as the Step Functions API.
//
// # Where the state lives
//
// IAM state is kept in memory and, when a file is named (serve's --iam-file, by default
// iam.json next to the data), written to that file as one JSON document after every change:
// written to a temporary file, synced and renamed over the old one, so a crash leaves the old
// state or the new, never half of one. It is not kept in the store because the store interface
// and its numbered migrations are shared by every store implementation and belong to the
// execution data; IAM state is tiny, read on every request (so it is served from memory
// anyway), and changes rarely. The cost of this choice: nodes sharing one PostgreSQL store do
// not share IAM state unless they share the file; see docs/iam.md.
//
// A managed policy keeps its versions (at most five, as on AWS); the default one's document
// is what is evaluated. A file written before versions existed holds one document per
// policy, read as its v1.
//
// The file holds secret access keys in clear text, as AWS's own credentials file does; it is
// written with mode 0600.
//
// # What is evaluated
//
// Identity-based policies only (a user's inline and attached policies, a role's), in one
// account: explicit deny wins, then any allow, else implicit deny. Action and Resource
// (and NotAction/NotResource) with * and ? wildcards; actions compare case-insensitively,
// resources case-sensitively. Conditions are evaluated (condition.go) against a
// RequestContext each caller builds: Authorize from the signed request (Authenticate records
// its address, TLS and region on the Principal), AuthorizeRole from the role and what the
// integration adds with WithContextKeys. A condition that cannot be evaluated (an unknown
// operator, a value its operator cannot read) fails closed: an Allow statement with one never
// matches and a Deny statement with one does, so it can only refuse more, never allow more.
// Policy variables (${aws:username}) are not substituted. docs/iam.md lists the keys.
package iam
