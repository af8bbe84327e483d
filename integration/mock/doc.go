// Package mock answers Task states from a mock configuration file in the format of AWS Step
// Functions Local, so that users test their workflows with the mock files they already
// have:
//
//	{
//	  "StateMachines": {
//	    "LambdaSQSIntegration": {
//	      "TestCases": {
//	        "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"}
//	      }
//	    }
//	  },
//	  "MockedResponses": {
//	    "MockedLambdaSuccess": {
//	      "0":   {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Not ready."}},
//	      "1-2": {"Return": {"StatusCode": 200, "Payload": {"body": "Hello from Lambda!"}}}
//	    }
//	  }
//	}
//
// An execution started on "<stateMachineArn>#<TestCase>" (Step Functions Local's
// convention) is bound to that test case: each Task state the test case names answers its
// n-th invocation (counting retries, from 0; each child execution of a Distributed Map counts
// its own) with the response whose key ("0", "1-2") covers n — Return is the task's result,
// Throw its failure. The Task states it does not name run for real (the Handler's Next). A
// mocked .waitForTaskToken task returns its response at once, as in Step Functions Local,
// after reporting its request accepted (TaskSubmitted), as a .sync task does.
//
// Bindings live in the memory of the process that started the execution.
package mock
