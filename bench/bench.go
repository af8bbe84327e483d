// Package bench drives a Stepwise server through the official AWS SDK for Go and measures
// what users feel: executions and state transitions per second, StartExecution latency, and
// end-to-end latency, for a chosen scenario and concurrency.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepwise-run/stepwise/internal/cputime"
)

// Scenario is a state machine to run and how many state transitions one execution makes.
type Scenario struct {
	Name        string
	Type        string // STANDARD or EXPRESS
	Definition  string
	Input       string
	Transitions int
	// Expect is the status an execution should end in (default SUCCEEDED).
	Expect string
	// Child, when set, is the definition of a Standard state machine that Run creates first;
	// "${child}" in Definition stands for its ARN.
	Child string
	// InProcess says the scenario calls the server's in-process function (FunctionName):
	// only `stepwise bench` without --endpoint, or a `stepwise bench --listen` server, has it.
	InProcess bool
	// Setup, when set, is a Standard state machine that Run runs once, to its success,
	// before the scenario (the dynamodb scenario creates its table).
	Setup string
	// Needs names an environment variable the scenario will not run without (the endpoint of
	// the service it calls: a benchmark must not call AWS by accident).
	Needs string
}

// FunctionName is the in-process Lambda function the taskchain scenario calls; Inc is its
// code.
const FunctionName = "stepwise-bench-inc"

// Inc adds one to the "i" member of its payload.
func Inc(_ context.Context, payload []byte) ([]byte, error) {
	var in struct {
		I int64 `json:"i"`
	}
	if err := json.Unmarshal(payload, &in); err != nil {
		return nil, err
	}
	return []byte(`{"i":` + strconv.FormatInt(in.I+1, 10) + `}`), nil
}

// Scenarios are the ones BENCHMARKS.md reports.
var Scenarios = map[string]Scenario{
	"chain": {
		Name: "chain", Type: "STANDARD", Input: `{"i":0}`, Transitions: 10,
		Definition: chain(),
	},
	"express": {
		Name: "express", Type: "EXPRESS", Input: `{"i":0}`, Transitions: 5,
		Definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"C"},` +
			`"C":{"Type":"Pass","Next":"D"},"D":{"Type":"Pass","Next":"E"},"E":{"Type":"Pass","End":true}}}`,
	},
	"map1000": {
		Name: "map1000", Type: "STANDARD", Input: items(1000), Transitions: 1 + 1000,
		Definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
	},
	"taskchain": {
		// Five Task states, each calling a Go function in the server's process: a task is
		// three commits (scheduled, started, succeeded).
		Name: "taskchain", Type: "STANDARD", Input: `{"i":0}`, Transitions: 5, InProcess: true,
		Definition: taskChain(5),
	},
	"parentchild": {
		// A parent starts a child (a 5-state Pass chain) with states:startExecution.sync:2 and
		// waits for it; 1 + 5 transitions per parent.
		Name: "parentchild", Type: "STANDARD", Input: `{"i":0}`, Transitions: 6,
		Child: `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"C"},` +
			`"C":{"Type":"Pass","Next":"D"},"D":{"Type":"Pass","Next":"E"},"E":{"Type":"Pass","End":true}}}`,
		Definition: `{"StartAt":"Child","States":{"Child":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",` +
			`"Parameters":{"StateMachineArn":"${child}","Input.$":"$"},"OutputPath":"$.Output","End":true}}}`,
	},
	"dynamodb": {
		// A DynamoDB put then get per execution, against whatever AWS_ENDPOINT_URL_DYNAMODB
		// names (dynalite in BENCHMARKS.md): the optimized putItem and the aws-sdk getItem.
		Name: "dynamodb", Type: "STANDARD", Input: `{}`, Transitions: 2, Needs: "AWS_ENDPOINT_URL_DYNAMODB",
		Setup: `{"StartAt":"Create","States":{
			"Create":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:createTable","Parameters":{"TableName":"stepwise-bench",
				"BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
				"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]},
				"Catch":[{"ErrorEquals":["DynamoDb.ResourceInUseException"],"Next":"Describe"}],"Next":"Describe"},
			"Describe":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:describeTable","Parameters":{"TableName":"stepwise-bench"},
				"Next":"Active?"},
			"Active?":{"Type":"Choice","Choices":[{"Variable":"$.Table.TableStatus","StringEquals":"ACTIVE","Next":"Done"}],"Default":"Pause"},
			"Pause":{"Type":"Wait","Seconds":1,"Next":"Describe"},
			"Done":{"Type":"Succeed"}}}`,
		Definition: `{"StartAt":"Put","States":{
			"Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem","Parameters":{"TableName":"stepwise-bench",
				"Item":{"id":{"S.$":"$$.Execution.Name"},"n":{"N":"1"}}},"ResultPath":null,"Next":"Get"},
			"Get":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:getItem","Parameters":{"TableName":"stepwise-bench",
				"Key":{"id":{"S.$":"$$.Execution.Name"}}},"End":true}}}`,
	},
	"loop25000": {
		// Runs into the 25,000-event history quota and fails there, as on AWS.
		Name: "loop25000", Type: "STANDARD", Input: `{"i":0}`, Transitions: 12498, Expect: "FAILED",
		Definition: `{"StartAt":"Inc","States":{
			"Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"Check"},
			"Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":100000,"Next":"Inc"}],"Default":"Done"},
			"Done":{"Type":"Succeed"}}}`,
	},
}

// PadInput returns input, a JSON object, with a string member "pad" first that brings it to
// n bytes (or the input as it is, when it is already that long): a scenario's state machine
// reads its own members as before, and the execution carries a larger input through its
// history, its status events and its logs.
func PadInput(input string, n int) (string, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(input), &members); err != nil {
		return "", fmt.Errorf("not a JSON object: %s", input)
	}
	if _, taken := members["pad"]; taken {
		return "", fmt.Errorf(`it has a member "pad" already: %s`, input)
	}
	rest := strings.TrimSpace(input)[1:]
	if strings.TrimSpace(rest) != "}" {
		rest = "," + rest
	}
	pad := max(n-len(`{"pad":""`)-len(rest), 0)
	return `{"pad":"` + strings.Repeat("x", pad) + `"` + rest, nil
}

// chain is a 10-state machine of Pass and Choice states.
func chain() string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := range 9 {
		if i%3 == 2 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericGreaterThanEquals":0,"Next":"S%d"}],"Default":"S9"},`, i, i+1)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"S%d"},`, i, i+1)
		}
	}
	b.WriteString(`"S9":{"Type":"Succeed"}}}`)
	return b.String()
}

// taskChain is n Task states calling the in-process function.
func taskChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"T0","States":{`)
	for i := range n {
		next := fmt.Sprintf(`"Next":"T%d"`, i+1)
		if i == n-1 {
			next = `"End":true`
		}
		fmt.Fprintf(&b, `"T%d":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:%s",%s}`, i, FunctionName, next)
		if i < n-1 {
			b.WriteString(",")
		}
	}
	b.WriteString(`}}`)
	return b.String()
}

func items(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Options configure a run.
type Options struct {
	Endpoint    string
	Scenario    Scenario
	Concurrency int
	Executions  int
	Timeout     time.Duration
	// Logging creates the scenario's state machines with execution logs on: level ALL with
	// their execution data (the server decides where they go).
	Logging bool
	// Traced creates the scenario's state machines with tracingConfiguration enabled.
	Traced bool
	// Drained, when set, reports whether the in-process server has delivered every status
	// event it wrote (its outbox is empty). The run then waits for it after the last
	// execution, and measures the drain (Result.Drain, Result.DrainCPU): events that are
	// still waiting when the executions end cost their delivery after the rates are taken.
	Drained func(context.Context) (bool, error)
}

// Result is what a run measured.
type Result struct {
	Scenario       string
	Concurrency    int
	Executions     int
	Failed         int
	Elapsed        time.Duration
	StartP50       time.Duration
	StartP99       time.Duration
	EndToEndP50    time.Duration
	EndToEndP99    time.Duration
	ExecutionsPerS float64
	TransitionsPS  float64
	// CPU is the CPU time this process used during the run: the clients', plus the server's
	// when it runs in the same process (stepwise bench without --endpoint).
	CPU time.Duration
	// Drain is how long after the last execution ended the status events were all
	// delivered, and DrainCPU the CPU time from the run's start to then (with
	// Options.Drained; zero without).
	Drain, DrainCPU time.Duration
}

// Client returns an SDK client for a Stepwise endpoint.
func Client(endpoint string) *sfn.Client {
	return sfn.New(sfn.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: aws.AnonymousCredentials{},
		APIOptions: []func(*middleware.Stack) error{func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("StepwiseNoHostPrefix",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
				}), middleware.Before)
		}},
	})
}

// Run creates the scenario's state machine (under a fresh name) and runs executions with
// Concurrency clients, each starting an execution and waiting for its end before the next.
func Run(ctx context.Context, o Options) (*Result, error) {
	c := Client(o.Endpoint)
	name := fmt.Sprintf("bench-%s-%d", o.Scenario.Name, time.Now().UnixNano())
	def := o.Scenario.Definition
	if o.Scenario.Child != "" {
		child, err := createMachine(ctx, c, name+"-child", o.Scenario.Child, "STANDARD", o.Logging, o.Traced)
		if err != nil {
			return nil, err
		}
		def = strings.ReplaceAll(def, "${child}", child)
	}
	if v := o.Scenario.Needs; v != "" && os.Getenv(v) == "" {
		return nil, fmt.Errorf("the %s scenario needs %s (it would call AWS otherwise)", o.Scenario.Name, v)
	}
	if o.Scenario.Setup != "" {
		if err := setup(ctx, c, name+"-setup", o.Scenario.Setup, o.Timeout); err != nil {
			return nil, err
		}
	}
	smArn, err := createMachine(ctx, c, name, def, o.Scenario.Type, o.Logging, o.Traced)
	if err != nil {
		return nil, err
	}
	sm := &sfn.CreateStateMachineOutput{StateMachineArn: aws.String(smArn)}
	var (
		next             atomic.Int64
		failed           atomic.Int64
		mu               sync.Mutex
		starts, endToEnd []time.Duration
		firstErr         error
	)
	cpu0 := cputime.Self()
	t0 := time.Now()
	var wg sync.WaitGroup
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(o.Executions) && ctx.Err() == nil {
				s, e, err := one(ctx, c, sm.StateMachineArn, o)
				mu.Lock()
				if err != nil {
					failed.Add(1)
					if firstErr == nil {
						firstErr = err
					}
				} else {
					starts = append(starts, s)
					endToEnd = append(endToEnd, e)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	if len(endToEnd) == 0 {
		return nil, fmt.Errorf("no execution finished: %v", firstErr)
	}
	r := &Result{
		Scenario: o.Scenario.Name, Concurrency: o.Concurrency, Executions: len(endToEnd), Failed: int(failed.Load()),
		Elapsed: elapsed, StartP50: pct(starts, 50), StartP99: pct(starts, 99),
		EndToEndP50: pct(endToEnd, 50), EndToEndP99: pct(endToEnd, 99),
		ExecutionsPerS: float64(len(endToEnd)) / elapsed.Seconds(),
		TransitionsPS:  float64(len(endToEnd)*o.Scenario.Transitions) / elapsed.Seconds(),
		CPU:            cputime.Self() - cpu0,
	}
	if o.Drained != nil {
		if err := waitDrained(ctx, o.Drained, o.Timeout); err != nil {
			return r, err
		}
		r.Drain, r.DrainCPU = time.Since(t0)-elapsed, cputime.Self()-cpu0
	}
	if firstErr != nil {
		return r, fmt.Errorf("%d executions failed, first: %w", r.Failed, firstErr)
	}
	return r, nil
}

// waitDrained polls drained until it holds, for at most timeout.
func waitDrained(ctx context.Context, drained func(context.Context) (bool, error), timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := drained(ctx)
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the status events were not all delivered within %v of the last execution", timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// PrintDrain writes, for a run with Options.Drained, how long the events took to drain and
// what the run measures when their delivery is counted in: the rate and the CPU per
// execution until the last event was delivered.
func (r *Result) PrintDrain(w io.Writer) {
	total := r.Elapsed + r.Drain
	fmt.Fprintf(w, "status events: all delivered %s after the last execution; counting their delivery: %.0f executions/s, %.0f µs CPU per execution\n",
		ms(r.Drain), float64(r.Executions)/total.Seconds(), float64(r.DrainCPU.Microseconds())/float64(max(1, r.Executions)))
}

// setup runs a scenario's setup machine once and waits for its success.
func setup(ctx context.Context, c *sfn.Client, name, def string, timeout time.Duration) error {
	arn, err := createMachine(ctx, c, name, def, "STANDARD", false, false)
	if err != nil {
		return err
	}
	_, _, err = one(ctx, c, aws.String(arn), Options{Scenario: Scenario{Type: "STANDARD", Input: "{}"}, Timeout: max(timeout, time.Minute)})
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	return nil
}

func createMachine(ctx context.Context, c *sfn.Client, name, def, typ string, logging, traced bool) (string, error) {
	in := &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(def), Type: types.StateMachineType(typ),
		RoleArn:              aws.String("arn:aws:iam::123456789012:role/stepwise-bench"),
		TracingConfiguration: &types.TracingConfiguration{Enabled: traced},
	}
	if logging {
		in.LoggingConfiguration = &types.LoggingConfiguration{Level: types.LogLevelAll, IncludeExecutionData: true,
			Destinations: []types.LogDestination{{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{
				LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:stepwise-bench:*")}}}}
	}
	sm, err := c.CreateStateMachine(ctx, in)
	if err != nil {
		return "", fmt.Errorf("create state machine: %w", err)
	}
	return aws.ToString(sm.StateMachineArn), nil
}

// one runs one execution: StartExecution (or StartSyncExecution), then DescribeExecution until
// it ends. It returns the start latency and the end-to-end latency.
func one(ctx context.Context, c *sfn.Client, smArn *string, o Options) (time.Duration, time.Duration, error) {
	t0 := time.Now()
	if o.Scenario.Type == "EXPRESS" {
		out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: smArn, Input: aws.String(o.Scenario.Input)})
		if err != nil {
			return 0, 0, err
		}
		d := time.Since(t0)
		if out.Status != types.SyncExecutionStatusSucceeded {
			return 0, 0, fmt.Errorf("execution %s: %s", out.Status, aws.ToString(out.Cause))
		}
		return d, d, nil
	}
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: smArn, Input: aws.String(o.Scenario.Input)})
	if err != nil {
		return 0, 0, err
	}
	startLatency := time.Since(t0)
	deadline := t0.Add(o.Timeout)
	wait := time.Millisecond
	for {
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
		if err != nil {
			return 0, 0, err
		}
		if d.Status != types.ExecutionStatusRunning {
			want := types.ExecutionStatus(o.Scenario.Expect)
			if want == "" {
				want = types.ExecutionStatusSucceeded
			}
			if d.Status != want {
				return 0, 0, fmt.Errorf("execution %s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
			}
			return startLatency, time.Since(t0), nil
		}
		if time.Now().After(deadline) {
			return 0, 0, errors.New("execution did not end in time")
		}
		time.Sleep(wait)
		wait = min(2*wait, 50*time.Millisecond)
	}
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// Print writes a result as one Markdown table row (see Header).
func (r *Result) Print(w io.Writer, store string) {
	fmt.Fprintf(w, "| %s | %s | %d | %d | %.0f | %.0f | %s / %s | %s / %s | %.0f%% | %.0f µs | %d MB |\n", r.Scenario, store, r.Concurrency, r.Executions,
		r.ExecutionsPerS, r.TransitionsPS, ms(r.StartP50), ms(r.StartP99), ms(r.EndToEndP50), ms(r.EndToEndP99),
		100*r.CPU.Seconds()/r.Elapsed.Seconds(), float64(r.CPU.Microseconds())/float64(max(1, r.Executions)), MaxRSS()>>20)
}

// PrintSpread writes how results of one scenario spread over several runs: the lowest,
// median and highest executions/s and StartExecution p99. On a shared machine single runs
// move with the neighbours' load; the spread says how much.
func PrintSpread(w io.Writer, rs []*Result) {
	rates := make([]float64, len(rs))
	p99s := make([]float64, len(rs))
	for i, r := range rs {
		rates[i] = r.ExecutionsPerS
		p99s[i] = float64(r.StartP99.Microseconds()) / 1000
	}
	lo, med, hi := spread(rates)
	fmt.Fprintf(w, "%d runs: executions/s lowest %.0f, median %.0f, highest %.0f\n", len(rs), lo, med, hi)
	lo, med, hi = spread(p99s)
	fmt.Fprintf(w, "%d runs: StartExecution p99 lowest %.1f ms, median %.1f ms, highest %.1f ms\n", len(rs), lo, med, hi)
}

// spread is the lowest, median (the lower middle one of an even count) and highest of xs.
func spread(xs []float64) (lo, med, hi float64) {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[0], s[(len(s)-1)/2], s[len(s)-1]
}

// Header is the Markdown table header for Print.
// CPU per execution is the CPU column's time divided by the executions: on a shared machine
// it moves less than the rates do.
const Header = "| scenario | store | clients | executions | executions/s | transitions/s | StartExecution p50 / p99 | end-to-end p50 / p99 | CPU (of one core) | CPU per execution | peak RSS |\n|---|---|---|---|---|---|---|---|---|---|---|\n"

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// MaxRSS is this process's peak resident set size in bytes.
func MaxRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss * 1024
}
