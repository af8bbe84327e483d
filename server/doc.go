// Package server assembles Stepwise as `stepwise serve` runs it: a store, a runner.Node
// running the executions, the task integrations (Lambda functions, HTTP Tasks, the AWS SDK
// and optimized integrations, Step Functions itself, a Distributed Map's S3 reads and
// writes, Step Functions Local mocks), the Step Functions and IAM APIs, and the console,
// behind one http.Handler.
//
// `stepwise serve`, `stepwise run` and the stepwisetest package all build their server
// here, so that an execution started by any of them runs the same code:
//
//	srv, err := server.New(ctx, server.Config{Store: "sqlite:stepwise-data/stepwise.db"})
//	...
//	defer srv.Close()
//	go srv.Run(ctx)                    // the node: timers, leases, takeovers
//	http.ListenAndServe(addr, srv.Handler)
//
// The package holds wiring only; the work is done by the packages it wires together.
package server
