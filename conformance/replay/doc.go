// Package replay replays, against Stepwise, the API calls behind responses recorded against AWS
// Step Functions, and compares Stepwise's answers with AWS's.
//
// The recordings (../recordings, copied from the LocalStack project; see its SOURCE.md) hold
// what AWS answered, keyed by the test that asked and by the name the test gave each answer
// ("creation_resp_1", "validation_response", "error", ...), after the test's normalisation:
// ARNs, names, dates and ids were replaced by placeholders such as <ArnPart_0idx>, <uuid:1>,
// "datetime" or "snf_role_arn". They do not hold the requests. Each scenario in this package's
// tests makes the requests its recorded test made (learnt from the test's source, written here
// anew) and names each answer as the test named it; the suite then compares every recorded
// answer with Stepwise's, a placeholder matching any value of its kind and a numbered
// placeholder the same value wherever it appears.
//
// Most files' tests need nothing but Step Functions. The recordings of executions that call
// SQS, SNS or Lambda (callback, timeouts, credentials) and of Step Functions Local's mocked
// integrations (local_mocking) replay against Stepwise assembled as `stepwise serve` is
// (package server), with goaws for SQS and SNS, Lambda functions written here as Go funcs,
// and the recorded tests' mock configurations (services_test.go).
//
// The calls go over the wire as AWS JSON 1.0 requests rather than through an SDK: what is
// compared is the response body as AWS's own client library parsed it, and a typed SDK would
// hide members Stepwise adds or leaves out.
//
// The recordings of service integrations (services/*, error_handling/test_task_*,
// scenarios/test_sfn_scenarios) replay against Stepwise as serve assembles it, its AWS calls
// sent to goaws, dynalite and gofakes3 and its Lambda functions Python handlers of the suite's
// own (./functions); an answer that differs because a fake answers otherwise than AWS counts as
// not matched and is listed with its reason (services_test.go).
//
// docs/conformance.md gives the figures per file and explains what is not replayed.
package replay
