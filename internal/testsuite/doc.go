// Package testsuite runs the test files of `stepwise test`: YAML or JSON files, named
// *.test.yaml, *.test.yml or *.test.json, that sit next to the state machines they test.
//
//	stateMachine: orders.asl.json      # or template: template.yaml + resource: LogicalId
//	mockFile: orders.mocks.json        # optional: Step Functions Local's mock format
//	mocks:                             # optional: inline mocks by Task state name
//	  Save order: {return: {}}
//	tests:
//	  - name: happy path
//	    input: {orderId: o-1, total: 42}
//	    mockCase: HappyPath            # a test case of mockFile
//	    mocks:                         # this test's own mocks win over the others
//	      Announce:
//	        - throw: {error: SQS.ServiceUnavailable, cause: try later}
//	        - return: {MessageId: m-1}
//	    expect:
//	      status: SUCCEEDED
//	      output: {...}                # exact, or outputContains: a subset
//	      error: ...                   # and cause, for an execution that did not succeed
//	      states: [Save order, Announce]
//	      paths: {"$.saved.total": "42"}
//
// The design follows text/template: a file is parsed once into typed values that keep the
// line each came from (Parse), so that both bad input and a failed expectation name the file
// and the line. Parsing goes through yaml.Node rather than into structs, for those lines
// and so that --update can rewrite the expectations of a file and keep its comments.
//
// Each test runs one execution in process, on a virtual clock (a Wait of a week passes at
// once), with a fixed start time, execution name and random seed, so that outputs are the
// same from run to run and can be kept as snapshots. Mocks answer Task states through
// integration/mock, the handler behind `serve --mock-config`; a Task state no mock answers
// stops the test, unless the file says `unmocked: call`; Lambda tasks can run the functions
// given to the test (functions:), and .sync tasks the child state machines of machines:
// (children.go). Unlike serve's mocks, they do not
// spare a state the check of its parameters (Options.Check): a Task its API would refuse
// fails as the execution would. Tests run several at once, and
// the report keeps the order of the files and of the tests in them.
//
// Values are compared as encoding/json decodes them (numbers by value), apart from the
// engine's own representation.
package testsuite
