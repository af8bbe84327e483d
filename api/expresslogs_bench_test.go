package api_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/execlog"
	"github.com/stepwise-run/stepwise/internal/cputime"
	"github.com/stepwise-run/stepwise/store"
)

// BenchmarkStartSyncExpressLogs: what keeping Express executions' log events for the console
// costs StartSyncExecution of five Pass states: no keeper (serve --express-log-executions 0), the
// keeper with the state machine's logging OFF (serve's default for a machine that does not
// log), logging ALL to a file (--execution-logs, no keeper), and the keeper with logging ALL
// (13 log events an execution written to the store). cpu-µs/op is the process's CPU time per
// execution, the keeper's writes included.
//
//	go test -run '^$' -bench StartSyncExpressLogs -benchmem ./api/
func BenchmarkStartSyncExpressLogs(b *testing.B) {
	for _, c := range []struct {
		name  string
		keep  bool
		level string
		file  bool
	}{{"keeper=off", false, "OFF", false}, {"keeper=on/logging=OFF", true, "OFF", false},
		{"keeper=off/logging=ALL/file", false, "ALL", true}, {"keeper=on/logging=ALL", true, "ALL", false}} {
		b.Run(c.name, func(b *testing.B) {
			s := benchServer(b)
			if c.keep {
				k := execlog.NewKeeper(s.Store.(store.ExpressLogs), 0, nil)
				ctx, cancel := context.WithCancel(context.Background())
				go k.Run(ctx)
				b.Cleanup(func() { cancel(); <-k.Done() })
				s.ExpressLogs = k
			}
			if c.file {
				s.ExecutionLogs = execlog.NewWriter(execlog.NewFileSink(io.Discard), s.Store, nil)
			}
			logging := map[string]any{"level": c.level, "includeExecutionData": true}
			if c.level != "OFF" {
				logging["destinations"] = []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:g:*"}}}
			}
			body, _ := json.Marshal(map[string]any{"name": "bench", "type": "EXPRESS", "definition": fivePasses, "roleArn": role, "loggingConfiguration": logging})
			var out struct{ StateMachineArn string }
			_ = json.Unmarshal(call(b, s, "CreateStateMachine", string(body)), &out)
			start := `{"stateMachineArn":"` + out.StateMachineArn + `","input":"{}"}`
			b.ReportAllocs()
			before := cputime.Self()
			for b.Loop() {
				call(b, s, "StartSyncExecution", start)
			}
			if s.ExpressLogs != nil {
				time.Sleep(300 * time.Millisecond) // the last batch written, and counted
			}
			b.ReportMetric(float64((cputime.Self()-before).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}
