package console_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/console"
	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

const chromium = "/usr/bin/chromium"

var updateScreenshots = flag.Bool("update-screenshots", false, "write the browser test's screenshots into docs/img")

// The machines of the browser test: a parent whose first Task starts the child and waits
// for it (.sync:2), then a Choice, a Parallel with a Map, a Task whose failure is caught,
// and a Fail state that is never reached.
const (
	childDef   = `{"StartAt":"Double","States":{"Double":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}`
	failingDef = `{"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"Oops","Cause":"the child failed"}}}`
	sleepyDef  = `{"StartAt":"Prepare","States":{"Prepare":{"Type":"Pass","Next":"Sleep"},"Sleep":{"Type":"Wait","Seconds":600,"Next":"After"},"After":{"Type":"Pass","End":true}}}`
	// layoutCheck lays out 100 states (Tasks with a Catch into the last, a Choice every ten)
	// and counts the state boxes that overlap.
	layoutCheck = `(() => {
  const states = {};
  for (let i = 0; i < 100; i++) {
    const n = "S" + i;
    if (i === 99) states[n] = {Type: "Succeed"};
    else if (i % 10 === 5) states[n] = {Type: "Choice", Choices: [{Variable: "$.x", NumericEquals: i, Next: "S" + (i + 3)}], Default: "S" + (i + 1)};
    else states[n] = {Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Next: "S" + (i + 1), Catch: [{ErrorEquals: ["States.ALL"], Next: "S99"}]};
  }
  const t0 = performance.now();
  const g = Graph.buildGraph({StartAt: "S0", States: states});
  const size = Graph.layoutGraph(g);
  const ms = performance.now() - t0;
  const ns = [...g.nodes.values()];
  let overlaps = 0;
  for (const a of ns) for (const b of ns)
    if (a !== b && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) overlaps++;
  return {overlaps, width: size.width, height: size.height, ms};
})()`
	// bigDef's history has 4 events an item, 6 more: 24,006 events for 6,000 items.
	bigDef    = `{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","ResultPath":null,"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Handle item","States":{"Handle item":{"Type":"Pass","End":true}}},"End":true}}}`
	parentDef = `{
  "Comment": "Starts a child execution, then fans out",
  "StartAt": "Start child",
  "States": {
    "Start child": {
      "Type": "Task",
      "Resource": "arn:aws:states:::states:startExecution.sync:2",
      "Parameters": {
        "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child",
        "Input": {"n.$": "$.n", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}
      },
      "ResultSelector": {"doubled.$": "$.Output.doubled", "status.$": "$.Status"},
      "ResultPath": "$.child",
      "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}],
      "Next": "Check"
    },
    "Check": {
      "Type": "Choice",
      "Choices": [{"Variable": "$.child.doubled", "NumericGreaterThan": 10, "Next": "Fan out"}],
      "Default": "Too small"
    },
    "Too small": {"Type": "Fail", "Error": "TooSmall"},
    "Fan out": {
      "Type": "Parallel",
      "ResultPath": "$.fan",
      "Branches": [
        {"StartAt": "Say hello", "States": {"Say hello": {"Type": "Pass", "Result": "hello", "End": true}}},
        {"StartAt": "Each item", "States": {"Each item": {
          "Type": "Map", "ItemsPath": "$.items",
          "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Handle item",
            "States": {"Handle item": {"Type": "Pass", "End": true}}},
          "End": true}}}
      ],
      "Next": "Risky"
    },
    "Risky": {
      "Type": "Task",
      "Resource": "arn:aws:states:::states:startExecution.sync",
      "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:failing"},
      "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.caught", "Next": "Recovered"}],
      "End": true
    },
    "Recovered": {"Type": "Succeed"}
  }
}`
)

// TestBrowser drives the console in Debian's Chromium against the real service: create the
// parent in the editor, start it from its page, read the execution page (graph colours, the
// step panel, the history), follow the link to the child and back.
func TestBrowser(t *testing.T) {
	needChromium(t)
	began := time.Now()
	base := startService(t)
	call(t, base, "CreateStateMachine", map[string]any{"name": "child", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": childDef})
	call(t, base, "CreateStateMachine", map[string]any{"name": "failing", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": failingDef})

	b := openBrowser(t)
	ctx := b.ctx
	do, text, shot, waitJS, eval := b.do, b.text, b.shot, b.waitJS, b.eval
	visible, click := b.visible, b.click

	// The editor: an invalid definition is diagnosed on its line; then create the parent.
	do("open the editor", chromedp.Navigate(base+"/#/create"), visible("#definition"))
	setDefinition := func(def string) {
		t.Helper()
		eval("type the definition", fmt.Sprintf(
			`(() => { const t = document.getElementById("definition"); t.value = %s; t.dispatchEvent(new Event("input")); })()`,
			jsString(def)))
	}
	broken := strings.Replace(parentDef, `"Next": "Recovered"`, `"Next": "Recoverd"`, 1)
	setDefinition(broken)
	waitJS("diagnostics for the broken definition", `document.querySelector('#diagnostics[data-result="FAIL"] li.bad[data-line]') !== null`)
	if diag := text("#diagnostics"); !strings.Contains(diag, "line 40 at /States/Risky/Catch[0]/Next: Missing 'Next' target: Recoverd") {
		t.Errorf("diagnostics %q: want the missing target on line 40", diag)
	}
	do("name the machine", chromedp.SendKeys(chromedp.CSS("#sm-name"), "parent"))
	shot("console-editor.png")
	setDefinition(parentDef)
	waitJS("the definition validates", `document.querySelector('#diagnostics[data-result="OK"]') !== null && !document.getElementById("save").disabled`)
	do("create", click("#save"), visible("#start-form"), visible(`#graph g.node[data-state="Fan out"]`))

	// The state machine page: start the execution with an input.
	do("fill the start form", chromedp.SetValue(chromedp.CSS("#exec-name"), "run-1"),
		chromedp.SetValue(chromedp.CSS("#exec-input"), `{"n": 21, "items": [1, 2, 3]}`))
	eval("check the input", `document.getElementById("exec-input").dispatchEvent(new Event("input"))`)
	shot("console-state-machine.png")
	do("start", click("#start"), visible(`#graph[data-ready="true"]`))

	// The execution page turns SUCCEEDED by itself (live refresh) and colours the graph.
	waitJS("the execution succeeds", `document.getElementById("exec-status")?.textContent === "SUCCEEDED"`)
	waitJS("the graph is coloured", `document.querySelector('#graph g.node[data-state="Recovered"]')?.getAttribute("data-status") === "succeeded"`)
	statuses, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll("#graph g.node[data-state]")].map(n => [n.dataset.state, n.dataset.status]))`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Start child": "succeeded", "Check": "succeeded", "Fan out": "succeeded", "Say hello": "succeeded",
		"Each item": "succeeded", "Handle item": "succeeded", "Risky": "caught", "Recovered": "succeeded", "Too small": "not-reached"}
	for state, st := range want {
		if statuses[state] != st {
			t.Errorf("state %q is %q, want %q (all: %v)", state, statuses[state], st, statuses)
		}
	}
	stroke, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('#graph g.node[data-state="Check"] > rect.box')).stroke`))
	if err != nil || stroke != "rgb(3, 127, 12)" {
		t.Errorf("a succeeded state is drawn %s (%v), want green rgb(3, 127, 12)", stroke, err)
	}

	// The step panel of the Task that started the child.
	do("open the step panel", click(`#graph g.node[data-state="Start child"] rect.box`), visible(`#step-panel[data-state="Start child"]`))
	input, output, def, events := text("#step-panel pre.step-input"), text("#step-panel pre.step-output"), text("#step-panel pre.step-def"), text("#step-panel table.events")
	if !strings.Contains(input, `"n": 21`) || !strings.Contains(output, `"doubled": 42`) ||
		!strings.Contains(def, "startExecution.sync:2") || !strings.Contains(events, "TaskSucceeded") {
		t.Errorf("step panel: input %q, output %q, definition %q, events %q", input, output, def, events)
	}
	// The service call behind it: the resource, the parameters the child was started with, and
	// the result (the child's description).
	svc, params, result := text("#step-panel #step-call"), text("#step-panel pre.step-call-params"), text("#step-panel pre.step-call-result")
	if !strings.Contains(svc, "states:startExecution.sync:2") || !strings.Contains(params, `"StateMachineArn"`) ||
		!strings.Contains(result, `"Status": "SUCCEEDED"`) {
		t.Errorf("service call: %q, parameters %q, result %q", svc, params, result)
	}
	do("the history table", click(`#history tr[data-event="1"] button.expand`), visible(`#history tr.details:not([hidden])`))
	if info := text("#history-page"); !strings.HasPrefix(info, "Events 1–") {
		t.Errorf("history page: %q", info)
	}
	shot("console-execution.png")
	do("phone width", chromedp.EmulateViewport(390, 844))
	shot("console-execution-phone.png")
	do("desktop width", chromedp.EmulateViewport(1280, 800))
	checkHistoryFilter(b, base, "arn:aws:states:us-east-1:123456789012:execution:parent:run-1")

	// Parent to child, and back.
	parentURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	do("follow the child link", click(`#children a.child-link[data-state-machine="child"]`), visible("a.parent-link"))
	waitJS("the child page", `document.getElementById("exec-status")?.textContent === "SUCCEEDED" && document.querySelector('#graph g.node[data-state="Double"]')?.dataset.status === "succeeded"`)
	if started := text(".started-by"); !strings.Contains(started, "Started by run-1") {
		t.Errorf("child page says %q, want Started by run-1", started)
	}
	shot("console-child-execution.png")
	do("follow the parent link", click("a.parent-link"), visible(`#children a.child-link`))
	if back, _ := chromedp.Run(ctx, chromedp.Location()); back != parentURL {
		t.Errorf("the parent link leads to %s, want %s", back, parentURL)
	}

	// The list of state machines shows the last execution.
	do("the list", chromedp.Navigate(base+"/#/"), visible(`#state-machines td.last .badge`))
	shot("console-state-machines.png")

	// A running execution: its Wait state is running (blue) until Stop (click, then confirm).
	call(t, base, "CreateStateMachine", map[string]any{"name": "sleepy", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": sleepyDef})
	sleepy := call(t, base, "StartExecution", map[string]any{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:sleepy"})
	do("open the running execution", chromedp.Navigate(base+"/#/executions/"+url.PathEscape(sleepy["executionArn"].(string))), visible(`#graph[data-ready="true"]`))
	waitJS("the Wait state runs", `document.querySelector('#graph g.node[data-state="Sleep"]')?.dataset.status === "running" && document.querySelector('#graph g.node[data-state="Prepare"]')?.dataset.status === "succeeded"`)
	if stroke, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('#graph g.node[data-state="Sleep"] > rect.box')).stroke`)); stroke != "rgb(9, 114, 211)" {
		t.Errorf("a running state is drawn %s, want blue rgb(9, 114, 211)", stroke)
	}
	shot("console-execution-running.png")
	do("stop", click("#stop"), click("#stop"))
	waitJS("the execution stops", `document.getElementById("exec-status")?.textContent === "ABORTED" && document.querySelector('#graph g.node[data-state="Sleep"]')?.dataset.status === "failed" && document.getElementById("stop").hidden`)
	if st, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#graph g.node[data-state="After"]`), "data-status")); st.Value != "not-reached" {
		t.Errorf("after Stop, the state after the Wait is %q", st.Value)
	}

	// A 100-state machine lays out without overlaps, its 90 Catch edges into one handler
	// bundled rather than fanned out.
	layout, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]float64](layoutCheck))
	if err != nil {
		t.Fatal(err)
	}
	if layout["overlaps"] != 0 || layout["width"] > 1200 || layout["ms"] > 1000 {
		t.Errorf("100-state layout: %v (want no overlaps, at most 1,200 px wide, under a second)", layout)
	}
	t.Logf("100-state layout: %.0fx%.0f px in %.1f ms", layout["width"], layout["height"], layout["ms"])
	call(t, base, "CreateStateMachine", map[string]any{"name": "hundred", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": hundredStates()})
	do("open the 100-state machine", chromedp.Navigate(base+"/#/state-machines/"+url.PathEscape("arn:aws:states:us-east-1:123456789012:stateMachine:hundred")),
		visible(`#graph g.node[data-state="S99"]`)) // zoomed and panned in TestBrowserGraph

	// A history near the 25,000-event quota: the graph is coloured from all of it, and the
	// table pages through it 100 events at a time.
	call(t, base, "CreateStateMachine", map[string]any{"name": "big", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": bigDef})
	bigItems := 6000 // 24,006 events
	if raceDetector {
		bigItems = 2500 // 10,006 events
	}
	items := make([]int, bigItems)
	in, _ := json.Marshal(map[string]any{"items": items})
	big := call(t, base, "StartExecution", map[string]any{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:big", "input": string(in)})
	bigArn := big["executionArn"].(string)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if d := call(t, base, "DescribeExecution", map[string]any{"executionArn": bigArn}); d["status"] != "RUNNING" {
			if d["status"] != "SUCCEEDED" {
				t.Fatalf("the big execution %v: %v %v", d["status"], d["error"], d["cause"])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the big execution is still running")
		}
	}
	loadStart := time.Now()
	do("open the big execution", chromedp.Navigate(base+"/#/executions/"+url.PathEscape(bigArn)), visible(`#graph[data-ready="true"]`))
	t.Logf("an execution page with %d events loaded in %s", 4*bigItems+6, time.Since(loadStart).Round(time.Millisecond))
	if got, _ := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`#graph g.node[data-state="Handle item"] text.count`))); got != fmt.Sprintf("×%d", bigItems) {
		t.Errorf("Handle item ran %q times, want ×%d", got, bigItems)
	}
	if info := text("#history-page"); info != fmt.Sprintf("Events 1–100 of %d", 4*bigItems+6) {
		t.Errorf("history: %q", info)
	}
	do("the next history page", click("#history-next"))
	waitJS("the second page", `document.getElementById("history-page").textContent.startsWith("Events 101–200")`)
	checkBigHistoryFilter(b, bigItems)

	b.check()
	t.Logf("browser test took %s", time.Since(began).Round(time.Millisecond))
}

func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("CHROMIUM NOT INSTALLED at " + chromium + ": the console's browser test did not run (apt-get install -y chromium)")
	}
}

// browser is one Chromium tab; any exception or console.error in it fails the test (check).
type browser struct {
	t        *testing.T
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func openBrowser(t *testing.T) *browser {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true))
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancel := context.WithTimeout(ctx, 50*time.Second)
	t.Cleanup(func() { cancel(); cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // start the browser and open the tab
		t.Fatal(err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+(&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
		case *cdplog.EventEntryAdded:
			// The Content-Security-Policy's refusals (an inline style or script) are
			// reported here, not as exceptions.
			if ev.Entry.Source == cdplog.EntrySourceSecurity {
				b.problems = append(b.problems, "security: "+ev.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			if string(ev.Type) == "error" {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value))
				}
				b.problems = append(b.problems, "console.error: "+strings.Join(args, " "))
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	saveScreenshot(b.t, name, png)
}

func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) eval(what, expr string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](expr)); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// str evaluates a JavaScript expression to a string.
func (b *browser) str(expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

func (b *browser) visible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}
func (b *browser) click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel))
}

// check fails the test on the exceptions and console errors seen so far.
func (b *browser) check() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("browser: %s", p)
	}
	b.problems = nil
}

// hundredStates is the definition layoutCheck builds, in Go.
func hundredStates() string {
	states := map[string]any{}
	for i := range 100 {
		n := fmt.Sprintf("S%d", i)
		switch {
		case i == 99:
			states[n] = map[string]any{"Type": "Succeed"}
		case i%10 == 5:
			states[n] = map[string]any{"Type": "Choice", "Default": fmt.Sprintf("S%d", i+1),
				"Choices": []any{map[string]any{"Variable": "$.x", "NumericEquals": i, "Next": fmt.Sprintf("S%d", i+3)}}}
		default:
			states[n] = map[string]any{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": fmt.Sprintf("S%d", i+1),
				"Parameters": map[string]any{"FunctionName": "f", "Payload.$": "$"},
				"Catch":      []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "Next": "S99"}}}
		}
	}
	b, _ := json.Marshal(map[string]any{"StartAt": "S0", "States": states})
	return string(b)
}

// startService wires the service as `stepwise serve` does (API on POST /, console on GET /).
func startService(t *testing.T) string {
	t.Helper()
	return startServiceWith(t, nil)
}

// startServiceWith starts the service; with a directory, as serve --enforce-iam does.
func startServiceWith(t *testing.T, dir *iam.Directory) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepwise.db"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	tasks := &integration.Registry{Store: st}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012",
		Tasks: tasks, Logger: log, LeaseTTL: time.Second, Poll: 50 * time.Millisecond})
	tasks.Execs = node
	done := make(chan struct{})
	go func() { defer close(done); _ = node.Run(ctx) }()
	apiServer := &api.Server{Store: st, Node: node, Region: "us-east-1", Account: "123456789012", Logger: log, Tasks: tasks}
	opts := console.Options{Store: st, Logger: log}
	var query http.Handler = http.NotFoundHandler()
	if dir != nil {
		apiServer.Guard = dir
		tasks.Authorize = dir.AuthorizeRole
		opts.Guard = dir
		query = &iam.Query{Directory: dir, Enforce: true}
	}
	con := console.New(opts)
	mux := http.NewServeMux()
	mux.Handle("POST /", con.API(api.WithIAM(apiServer, query)))
	mux.Handle("GET /", con)
	mux.Handle("POST /console/api/", con)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		st.Close()
	})
	return srv.URL
}

func call(t *testing.T, base, action string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+"/", strings.NewReader(string(b)))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d %s", action, res.StatusCode, data)
	}
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// saveScreenshot keeps a screenshot in $STEPWISE_ARTIFACTS (CI) and, with
// -update-screenshots, in docs/img for the documentation.
func saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	var dirs []string
	if d := os.Getenv("STEPWISE_ARTIFACTS"); d != "" {
		dirs = append(dirs, d)
	}
	if *updateScreenshots {
		dirs = append(dirs, filepath.Join("..", "docs", "img"))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Error(err)
			continue
		}
		if err := os.WriteFile(filepath.Join(d, name), png, 0o644); err != nil {
			t.Error(err)
		}
	}
}
