package api

import "strings"

// Mocks binds executions to the test cases of a mock configuration (integration/mock):
// StartExecution on "<stateMachineArn>#<TestCase>", as Step Functions Local.
type Mocks interface {
	// Bind makes a test case of the state machine (by name) answer the execution's tasks;
	// an error when there is no such test case.
	Bind(executionArn, stateMachineName, testCase string) error
	Unbind(executionArn string)
}

// splitTestCase splits "<stateMachineArn>#<TestCase>".
func splitTestCase(arn string) (string, string) {
	sm, testCase, _ := strings.Cut(arn, "#")
	return sm, testCase
}

// bindTestCase binds a new execution to its test case before its first task can run.
func (s *Server) bindTestCase(executionArn, stateMachineName, testCase string) error {
	if testCase == "" {
		return nil
	}
	if s.Mocks == nil {
		return apiErr("InvalidArn", "Invalid Arn: 'Test case %s given, but no mock configuration is loaded (serve --mock-config FILE)'", testCase)
	}
	if err := s.Mocks.Bind(executionArn, stateMachineName, testCase); err != nil {
		return apiErr("InvalidArn", "Invalid Arn: '%s'", err.Error())
	}
	return nil
}
