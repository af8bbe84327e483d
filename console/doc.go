// Package console is Stepwise's web console: a single-page application in plain JavaScript,
// CSS and SVG, embedded in the binary and served at / by `stepwise serve`.
//
// The browser calls the Step Functions API itself (same origin, POST / with X-Amz-Target),
// so the console sees exactly what an SDK sees. What the API cannot answer — the executions
// an execution started — is served from the store under GET /console/api/.
//
// Pages use hash routes (#/state-machines/ARN, #/executions/ARN, ...) so that the server
// serves one index.html and needs no fallback routing.
package console
