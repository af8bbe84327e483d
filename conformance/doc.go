// Package conformance measures Stepwise against AWS: it runs the executions recorded on AWS
// Step Functions in corpus/ (784 of them, from the LocalStack project's tests; corpus/SOURCE.md)
// and compares what Stepwise returns with what AWS returned.
//
// Each case holds a definition, an input and what AWS returned: status, output, error, cause
// and, for most, the whole history. Run executes the cases, in process through the engine as
// `stepwise run --history --time-skipping` does (RunInProcess), or through a server's Step
// Functions API (API), all at once on every core, and Judge compares each outcome after the
// normalisation the recordings went through (times, ARNs, names, placeholders for values AWS
// does not fix; compare.go), with the events of a Parallel state's branches compared in any
// interleaving AWS could have written (history.go). The verdicts: the result (status, output,
// error, cause), the history, and whether every object keeps its keys in AWS's order.
//
// The corpus stores definitions and object payloads with their keys sorted; OrderCorpus
// (order.go) rebuilds the same cases in AWS's own key order from the raw recordings, in
// memory, and key order is measured against that copy too (`go run ./conformance/cmd/awsorder
// -out DIR` writes it to a directory).
//
// TestCorpus runs the whole corpus, both ways, in `go test` and fails below the floor in
// .ci/conformance-floor; docs/conformance.md says how to run it and what is left.
package conformance
