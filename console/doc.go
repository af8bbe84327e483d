// Package console is Stepwise's web console: a single-page application in plain JavaScript,
// CSS and SVG, embedded in the binary and served at / by `stepwise serve`.
//
// The browser calls the Step Functions API itself (same origin, POST / with X-Amz-Target),
// so the console sees exactly what an SDK sees: state machines, versions and aliases,
// executions, histories, redrives. What the API cannot answer — the executions an execution
// started, and the chain of executions that started one another — is served from the store
// under GET /console/api/.
//
// Under --enforce-iam (Options.Guard set) the console signs in with an access key: the server
// checks it, keeps it in memory for a session named by an HttpOnly cookie, and Console.API
// signs the session's API calls with it, so that the API authorizes them as that key's.
//
// Pages use hash routes (#/state-machines/ARN, #/executions/ARN, ...) so that the server
// serves one index.html and needs no fallback routing.
package console
