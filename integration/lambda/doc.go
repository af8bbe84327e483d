// Package lambda runs Lambda functions for Task states, from the users' own code.
//
// A Runtime holds a registry of functions. Each function is one of:
//
//   - a command: Stepwise starts it as a process speaking the AWS Lambda Runtime API, the
//     HTTP interface that aws-lambda-go's lambda.Start and every AWS runtime interface client
//     poll (GET /2018-06-01/runtime/invocation/next, POST .../response and .../error). The
//     same binary that runs on Lambda runs here unchanged.
//   - an http:// endpoint that serves the Lambda Invoke API (POST
//     /2015-03-31/functions/{name}/invocations), as `sam local start-lambda` does: the
//     invocation is forwarded there.
//   - a Go func, for programs that embed Stepwise as a library.
//
// # Processes
//
// Each function has a bounded pool of warm processes (MaxConcurrency, 10 by default). An
// invocation takes an idle process if there is one, else starts a new one while the pool is
// below its bound, else waits for one to come free; a warm process is reused for the next
// invocation, as Lambda reuses an execution environment. A process that exits is dropped
// and the next invocation starts a fresh one; an invocation that was running in it fails
// with Runtime.ExitError. A process that does not answer within the function's timeout (3 s
// by default) is killed and the invocation fails as Lambda reports a timeout.
//
// Every process gets its own Runtime API server on a loopback port. Lambda gives each
// execution environment its own endpoint too, and it is what lets Stepwise know which process
// holds which invocation (to kill the one that timed out, to fail the invocation of the one
// that crashed). A shared server with per-function paths would not do: AWS_LAMBDA_RUNTIME_API
// must be a bare host:port for some runtime clients (Node.js's splits it on the colon).
//
// # Tasks
//
// Runtime implements runner.TaskHandler for the two forms of a Lambda task:
// arn:aws:states:::lambda:invoke[.waitForTaskToken], whose result is the Invoke response
// (StatusCode, Payload, ExecutedVersion and the SDK's metadata), and a bare function ARN
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME), whose result is the function's output
// itself. A function error becomes the task error named by its errorType, with the error
// payload as the cause; a payload without errorType (a timeout, for one) becomes
// Lambda.Unknown, and an unknown function Lambda.ResourceNotFoundException, worded as AWS
// words them.
package lambda
