package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/runner"
)

// FuzzGenerated builds a state machine from the fuzzer's bytes (generator, below): states of
// every type that runs locally, wired to each other, with fields drawn from pools of paths,
// expressions, intrinsic functions, Retry and Catch rules, nested in Parallel branches and Map
// processors, and tasks of each kind a local run answers (generator.task). Its tasks succeed
// or fail, and take their time, by a hash of what they are asked, so that a run is a function
// of the bytes. Mutated JSON (FuzzExecute) seldom parses; these definitions nearly
// always validate, so the fuzzer spends its time in the interpreter. Each is run twice: both
// runs must write the same history, byte for byte (an execution replays alike on any node),
// and it must be whole (checkWhole), with no panic and in bounded time.
//
//	go test ./engine -run X -fuzz FuzzGenerated -fuzztime 5m
func FuzzGenerated(f *testing.F) {
	fuzzMachines(f, func(t *testing.T, sm *asl.StateMachine, def, input string) {
		var runs [2][]byte
		for i := range runs {
			events, ok := runChecked(t, sm, def, input, hashedTasks())
			if !ok {
				return
			}
			runs[i] = historyText(t, events)
		}
		if !bytes.Equal(runs[0], runs[1]) {
			t.Fatalf("two runs wrote different histories\ndefinition: %s\nfirst:  %s\nsecond: %s", def, runs[0], runs[1])
		}
	})
}

// fuzzMachines runs check on each state machine the generator builds from the fuzzer's bytes,
// with its input, once it validates (the generator does not promise a valid machine; most
// are).
func fuzzMachines(f *testing.F, check func(t *testing.T, sm *asl.StateMachine, def, input string)) {
	for _, seed := range [][]byte{{}, {1, 2, 3, 4, 5, 6, 7, 8}, bytes.Repeat([]byte{7}, 64), []byte("parallel map choice retry catch wait")} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &generator{data: data}
		def, input := g.machine()
		sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
		if err != nil {
			return
		}
		check(t, sm, def, input)
	})
}

// hashedTasks answers a task as hashedAnswer says, taking its time on the virtual clock
// (runner.VirtualEnd).
func hashedTasks() runner.TaskFunc {
	calls := 0
	return func(ctx context.Context, task *engine.Task) (string, error) {
		calls++
		out, name, cause, took := hashedAnswer(task, calls)
		if now, ok := runner.VirtualNow(ctx); ok && took > 0 {
			runner.VirtualEnd(ctx, now.Add(took))
		}
		if name != "" {
			return "", &runner.TaskError{Name: name, Cause: cause}
		}
		return out, nil
	}
}

// hashedAnswer is the outcome of the calls-th task, by a hash of its state, parameters and
// that count: about one in three fails (name), with an error a Retry or Catch of the
// generator may name, and one in two takes up to seven seconds, past many of the
// generator's timeouts and heartbeats. The others answer with their parameters, or, for a
// Distributed Map's read of its items or write of its results, with what S3 would give.
func hashedAnswer(task *engine.Task, calls int) (out, name, cause string, took time.Duration) {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s\x00%s\x00%d", task.StateName, task.Parameters, calls)
	sum := h.Sum32()
	if sum>>8%2 == 0 {
		took = time.Duration(sum>>10%8) * time.Second
	}
	switch sum % 6 {
	case 0:
		return "", "Custom.Error", "a failure", took
	case 1:
		return "", "States.TaskFailed", "another", took
	}
	switch task.Kind {
	case engine.TaskItemReader: // a Distributed Map's items, read from S3
		return [...]string{`[1,2,3]`, `[]`, `[{"a":1},{"a":2}]`, `[5]`}[sum>>16%4], "", "", took
	case engine.TaskResultWriter:
		return `{"Bucket":"b","Key":"out/manifest.json"}`, "", "", took
	}
	return task.Parameters, "", "", took
}

// historyText is the history as JSON, for comparing two runs.
func historyText(t *testing.T, events []history.Event) []byte {
	b, err := json.Marshal(events)
	if err != nil {
		t.Fatalf("history does not encode: %v", err)
	}
	return b
}

// generator draws a state machine from bytes; past their end it draws zeros.
type generator struct {
	data  []byte
	at    int
	names int // states named so far
}

func (g *generator) byte() byte {
	if g.at >= len(g.data) {
		return 0
	}
	b := g.data[g.at]
	g.at++
	return b
}

func (g *generator) intn(n int) int { return int(g.byte()) % n }

func pick[T any](g *generator, xs ...T) T { return xs[g.intn(len(xs))] }

// machine returns a definition and an input.
func (g *generator) machine() (def, input string) {
	jsonata := g.intn(2) == 1
	top := g.states(0, jsonata)
	if jsonata {
		top["QueryLanguage"] = "JSONata"
	}
	if g.intn(4) == 0 {
		top["TimeoutSeconds"] = 1 + g.intn(30) // the execution's own limit: ExecutionTimedOut
	}
	b, _ := json.Marshal(top)
	return string(b), pick(g, `{}`, `{"a":1,"b":[1,2,3],"s":"x-y"}`, `{"a":-2,"b":[],"s":""}`, `{"b":[{"a":1},{"a":2}],"a":3}`, `[1,2]`)
}

// states returns {"StartAt": ..., "States": {...}}: up to five states in a chain, each going
// on to the next (the last ending), so that every state is reachable; Choice rules and Catch
// rules may go to any state, and make the loops.
func (g *generator) states(depth int, jsonata bool) map[string]any {
	n := 1 + g.intn(5)
	first := g.names
	g.names += n
	name := func(i int) string { return fmt.Sprintf("S%d", first+i) } // unique across branches
	out := map[string]any{}
	for i := range n {
		out[name(i)] = g.state(depth, jsonata, i, n, name)
	}
	return map[string]any{"StartAt": name(0), "States": out}
}

func (g *generator) state(depth int, jsonata bool, i, n int, name func(int) string) map[string]any {
	last := i == n-1
	next := func(s map[string]any) map[string]any {
		if last {
			s["End"] = true
		} else {
			s["Next"] = name(i + 1)
		}
		return s
	}
	kinds := []string{"Pass", "Pass", "Task", "Task", "Wait"}
	if last {
		kinds = append(kinds, "Succeed", "Fail")
	} else {
		kinds = append(kinds, "Choice", "Choice")
	}
	if depth < 2 {
		kinds = append(kinds, "Parallel", "Map")
	}
	switch kind := pick(g, kinds...); kind {
	case "Pass":
		s := map[string]any{"Type": "Pass"}
		if !jsonata && g.intn(4) == 0 {
			s["Result"] = pick[any](g, map[string]any{"x": 1}, []any{1, "a"}, "s", nil)
			if g.intn(2) == 0 {
				s["ResultPath"] = pick[any](g, "$.r", nil, "$", "$.a.b")
			}
		}
		g.dataFields(s, depth, jsonata, false)
		return next(s)
	case "Task":
		return next(g.task(depth, jsonata, n, name))
	case "Choice":
		s := map[string]any{"Type": "Choice"}
		var rules []any
		for range 1 + g.intn(3) {
			target := name(g.intn(n)) // any state: Choice rules make the loops
			if jsonata {
				rules = append(rules, map[string]any{"Condition": pick(g, "{% $states.input.a > 1 %}", "{% $exists($states.input.b) %}", "{% true %}", "{% $count($states.input.b) = 0 %}"), "Next": target})
			} else {
				rules = append(rules, pick(g,
					map[string]any{"Variable": "$.a", "NumericGreaterThan": 1, "Next": target},
					map[string]any{"Variable": "$.b", "IsPresent": true, "Next": target},
					map[string]any{"Not": map[string]any{"Variable": "$.s", "StringMatches": "x*"}, "Next": target},
					map[string]any{"And": []any{map[string]any{"Variable": "$.a", "IsNumeric": true}, map[string]any{"Variable": "$.a", "NumericLessThanEquals": 0}}, "Next": target}))
			}
		}
		s["Choices"] = rules
		if g.intn(4) != 0 {
			s["Default"] = name(i + 1)
		} else {
			// No Default: States.NoChoiceMatched when no rule matches. The next state is
			// still reachable, through the last rule.
			rules[len(rules)-1].(map[string]any)["Next"] = name(i + 1)
		}
		if jsonata && g.intn(3) == 0 {
			s["Assign"] = map[string]any{g.variable(depth): "{% $states.input %}"}
		}
		return s
	case "Wait":
		s := map[string]any{"Type": "Wait"}
		switch g.intn(4) {
		case 0:
			s["Seconds"] = g.intn(100)
		case 1:
			if jsonata {
				s["Seconds"] = "{% $states.input.a %}"
			} else {
				s["SecondsPath"] = "$.a"
			}
		case 2:
			if jsonata {
				s["Timestamp"] = "{% $states.input.s %}"
			} else {
				s["TimestampPath"] = pick(g, "$.s", "$$.Execution.StartTime")
			}
		default:
			s["Timestamp"] = "2026-01-03T00:00:00Z"
		}
		return next(s)
	case "Succeed":
		return map[string]any{"Type": "Succeed"}
	case "Fail":
		s := map[string]any{"Type": "Fail", "Error": pick(g, "Custom.Error", "States.TaskFailed", "E")}
		if g.intn(2) == 0 {
			s["Cause"] = "because"
		}
		if g.intn(3) == 0 {
			delete(s, "Error")
			delete(s, "Cause")
			if jsonata {
				s["Error"] = "{% $states.input.s %}"
				s["Cause"] = "{% $string($states.input.a) %}"
			} else {
				s["ErrorPath"] = pick(g, "$.s", "States.Format('E{}', $.a)", "$.a")
				s["CausePath"] = pick(g, "$.s", "$$.State.Name")
			}
		}
		return s
	case "Parallel":
		var branches []any
		for range 1 + g.intn(3) {
			branches = append(branches, g.states(depth+1, jsonata))
		}
		s := map[string]any{"Type": "Parallel", "Branches": branches}
		g.dataFields(s, depth, jsonata, true)
		g.errorHandling(s, jsonata, n, name)
		return next(s)
	default: // Map
		s := map[string]any{"Type": "Map", "ItemProcessor": g.states(depth+1, jsonata)}
		if jsonata {
			s["Items"] = pick[any](g, "{% $states.input.b %}", []any{1, 2, 3}, "{% [1..$count($states.input.b)] %}")
		} else {
			s["ItemsPath"] = pick(g, "$.b", "$")
		}
		if g.intn(2) == 0 {
			s["MaxConcurrency"] = g.intn(3)
		}

		if g.intn(3) == 0 {
			s["ToleratedFailurePercentage"] = pick(g, 0, 50, 100)
		}
		g.dataFields(s, depth, jsonata, true)
		if _, params := s["Parameters"]; !params && g.intn(3) == 0 {
			if jsonata {
				s["ItemSelector"] = map[string]any{"v": "{% $states.context.Map.Item.Value %}", "i": "{% $states.context.Map.Item.Index %}"}
			} else {
				s["ItemSelector"] = map[string]any{"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index", "a.$": "$.a"}
			}
		}
		if g.intn(3) == 0 {
			g.distributed(s, jsonata)
		}
		g.errorHandling(s, jsonata, n, name)
		return next(s)
	}
}

// distributed makes the Map state s a Distributed Map: its iterations child executions,
// Standard or Express, perhaps of batches of items, its items perhaps read from S3 and its
// results written there (hashedAnswer answers those reads and writes).
func (g *generator) distributed(s map[string]any, jsonata bool) {
	s["ItemProcessor"].(map[string]any)["ProcessorConfig"] = map[string]any{"Mode": "DISTRIBUTED", "ExecutionType": pick(g, "STANDARD", "EXPRESS")}
	args := "Parameters"
	if jsonata {
		args = "Arguments"
	}
	if g.intn(3) == 0 {
		delete(s, "ItemsPath")
		delete(s, "Items")
		s["ItemReader"] = map[string]any{"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": map[string]any{"InputType": "JSON"},
			args: map[string]any{"Bucket": "b", "Key": "items.json"}}
	}
	if g.intn(3) == 0 {
		s["ItemBatcher"] = map[string]any{"MaxItemsPerBatch": 1 + g.intn(3)}
		delete(s, "ItemSelector") // an iteration's input is its batch
	}
	if g.intn(3) == 0 {
		s["ResultWriter"] = map[string]any{"Resource": "arn:aws:states:::s3:putObject", args: map[string]any{"Bucket": "b", "Prefix": "out"}}
	}
	if g.intn(3) == 0 {
		s["ToleratedFailureCount"] = g.intn(3)
	}
	if g.intn(2) == 0 {
		s["Label"] = "L"
	}
}

// task is a Task state: a request and response integration, a Lambda function or an activity
// by its ARN, a callback (.waitForTaskToken, which the local run answers as its handler
// does) or a child execution run to its end (.sync:2); with a timeout and, for those that
// wait on a worker, a heartbeat, which the hashed tasks may outlast (hashedTasks).
func (g *generator) task(depth int, jsonata bool, n int, name func(int) string) map[string]any {
	resource := pick(g, "arn:aws:states:::lambda:invoke", "arn:aws:lambda:us-east-1:123456789012:function:f",
		"arn:aws:states:::dynamodb:getItem", "arn:aws:states:::lambda:invoke.waitForTaskToken",
		"arn:aws:states:us-east-1:123456789012:activity:a", "arn:aws:states:::states:startExecution.sync:2",
		"arn:aws:states:::sqs:sendMessage.waitForTaskToken")
	s := map[string]any{"Type": "Task", "Resource": resource}
	token := strings.HasSuffix(resource, ".waitForTaskToken")
	switch {
	case strings.Contains(resource, ":function:") || strings.Contains(resource, ":activity:"):
	case jsonata:
		args := map[string]any{"FunctionName": "f", "TableName": "t", "Key": map[string]any{}, "QueueUrl": "q",
			"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child", "Payload": g.jsonataExpr(depth, false)}
		if token {
			args["Payload"] = map[string]any{"token": "{% $states.context.Task.Token %}", "in": g.jsonataExpr(depth, false)}
			args["MessageBody"] = "{% $states.context.Task.Token %}"
		}
		s["Arguments"] = args
	default:
		params := map[string]any{"FunctionName": "f", "TableName": "t", "Key": map[string]any{}, "QueueUrl": "q",
			"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child", "Payload.$": g.path()}
		if token {
			params["Payload"] = map[string]any{"token.$": "$$.Task.Token", "in.$": g.path()}
			delete(params, "Payload.$")
			params["MessageBody.$"] = "$$.Task.Token"
		}
		s["Parameters"] = params
	}
	g.dataFields(s, depth, jsonata, true)
	g.errorHandling(s, jsonata, n, name)
	if g.intn(3) == 0 {
		s["TimeoutSeconds"] = 1 + g.intn(5)
	}
	if (token || strings.Contains(resource, ":activity:")) && g.intn(2) == 0 {
		s["HeartbeatSeconds"] = 1 + g.intn(3)
		if t, ok := s["TimeoutSeconds"].(int); !ok || t <= s["HeartbeatSeconds"].(int) {
			s["TimeoutSeconds"] = s["HeartbeatSeconds"].(int) + 1 + g.intn(3)
		}
	}
	return s
}

// dataFields adds what shapes a state's input and output; result is whether the state has
// a result ($states.result, ResultPath, ResultSelector).
func (g *generator) dataFields(s map[string]any, depth int, jsonata, result bool) {
	if jsonata {
		if g.intn(2) == 0 {
			s["Output"] = g.jsonataExpr(depth, result)
		}
		if g.intn(3) == 0 {
			s["Assign"] = map[string]any{g.variable(depth): g.jsonataExpr(depth, result), fmt.Sprintf("w%d", depth): "{% $count([1,2]) %}"}
		}
		return
	}
	if g.intn(3) == 0 {
		s["InputPath"] = pick(g, "$", "$.b", "$.a")
	}
	if g.intn(3) == 0 {
		s["OutputPath"] = pick(g, "$", "$.r", "$.a")
	}
	if g.intn(3) == 0 && s["Type"] != "Task" {
		s["Parameters"] = map[string]any{"x.$": g.path(), "c.$": "$$.State.Name", "f.$": g.intrinsic()}
	}
	if result && g.intn(3) == 0 {
		s["ResultPath"] = pick[any](g, "$.r", nil, "$")
	}
	if result && g.intn(4) == 0 {
		s["ResultSelector"] = map[string]any{"k.$": "$"}
	}
	if g.intn(4) == 0 {
		s["Assign"] = map[string]any{g.variable(depth) + ".$": g.path()}
	}
}

// variable is the name a state at this depth assigns: an inner scope may not assign a
// variable of an outer one.
func (g *generator) variable(depth int) string { return fmt.Sprintf("v%d", depth) }

// errorHandling adds Retry and Catch rules; States.ALL only ever in the last rule.
func (g *generator) errorHandling(s map[string]any, jsonata bool, n int, name func(int) string) {
	errs := []string{"Custom.Error", "States.TaskFailed", "States.Timeout", "States.Runtime"}
	if g.intn(2) == 0 {
		var rules []any
		count := 1 + g.intn(2)
		for k := range count {
			e := pick(g, errs...)
			if k == count-1 && g.intn(3) == 0 {
				e = "States.ALL"
			}
			r := map[string]any{"ErrorEquals": []string{e}, "MaxAttempts": g.intn(4)}
			if g.intn(2) == 0 {
				r["IntervalSeconds"] = 1 + g.intn(3)
				r["BackoffRate"] = pick(g, 1.0, 2.0, 1.5)
			}
			if g.intn(3) == 0 {
				r["JitterStrategy"] = "FULL"
			}
			if g.intn(4) == 0 {
				r["MaxDelaySeconds"] = 1 + g.intn(3)
			}
			rules = append(rules, r)
		}
		s["Retry"] = rules
	}
	if g.intn(2) == 0 {
		c := map[string]any{"ErrorEquals": []string{pick(g, append(errs, "States.ALL")...)}, "Next": name(g.intn(n))}
		if g.intn(2) == 0 {
			if jsonata {
				c["Output"] = "{% $states.errorOutput %}"
			} else {
				c["ResultPath"] = "$.error"
			}
		}
		s["Catch"] = []any{c}
	}
}

func (g *generator) path() string {
	return pick(g, "$", "$.a", "$.b", "$.b[0]", "$.b[-1:]", "$..a", "$.b.length()", "$$.Execution.Input", "$$.Map.Item.Value")
}

func (g *generator) intrinsic() string {
	return pick(g, "States.ArrayLength($.b)", "States.Format('{}-{}', $.a, $.s)", "States.StringSplit($.s, '-')",
		"States.ArrayRange(1, 5, 2)", "States.MathAdd($.a, 1)", "States.JsonToString($)", "States.UUID()", "States.Array($.a, $.b)")
}

// jsonataExpr is an expression for a field of a state at depth; result: the state has a
// result, $states.result.
func (g *generator) jsonataExpr(depth int, result bool) string {
	exprs := []string{"{% $states.input %}", "{% $states.input.a + 1 %}", "{% $states.input.b[0] %}",
		"{% $count($states.input.b) %}", "{% {'r': $states.input, 'c': $states.context.State.Name} %}",
		"{% $replace($states.input.s, '-', '+') %}", "{% $sum($states.input.b) %}",
		fmt.Sprintf("{%% $%s %%}", g.variable(g.intn(depth+1)))}
	if result {
		exprs = append(exprs, "{% $states.result %}", "{% $merge([$states.input, {'r': $states.result}]) %}")
	}
	return pick(g, exprs...)
}
