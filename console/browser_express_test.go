package console_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stepwise-run/stepwise/server"
)

// startServed starts Stepwise as serve assembles it (package server): the Step Functions and
// Scheduler APIs, the console, the node, the Express log keeper and the schedules' loop.
func startServed(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, server.Config{Store: "sqlite:" + filepath.Join(t.TempDir(), "stepwise.db"),
		LeaseTTL: time.Second, Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runDone, schedDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(runDone); _ = srv.Run(ctx) }()
	go func() { defer close(schedDone); _ = srv.RunScheduler(ctx) }()
	h := httptest.NewServer(srv.Handler)
	t.Cleanup(func() { h.Close(); cancel(); <-runDone; <-schedDone; srv.Close() })
	return h.URL
}

// TestBrowserExpressLogs: an Express state machine's page lists its executions logged at
// level ALL (their status read from the last log event), and an execution's page shows its log
// events, type, timestamp and details, as Step Functions writes them; a state machine that
// logs nothing says how to see its executions.
func TestBrowserExpressLogs(t *testing.T) {
	needChromium(t)
	base := startServed(t)
	const def = `{"StartAt":"Check","States":{"Check":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"Done"}],"Default":"Boom"},` +
		`"Done":{"Type":"Pass","Result":{"shipped":true},"End":true},"Boom":{"Type":"Fail","Error":"NotOk","Cause":"ok was false"}}}`
	logging := func(level string) map[string]any {
		return map[string]any{"level": level, "includeExecutionData": true, "destinations": []any{map[string]any{
			"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:orders:*"}}}}
	}
	call(t, base, "CreateStateMachine", map[string]any{"name": "orders", "type": "EXPRESS", "roleArn": roleArn, "definition": def, "loggingConfiguration": logging("ALL")})
	call(t, base, "CreateStateMachine", map[string]any{"name": "quiet", "type": "EXPRESS", "roleArn": roleArn, "definition": def})
	call(t, base, "StartSyncExecution", map[string]any{"stateMachineArn": smPrefix + "orders", "name": "good", "input": `{"ok":true}`})
	call(t, base, "StartSyncExecution", map[string]any{"stateMachineArn": smPrefix + "orders", "name": "bad", "input": `{"ok":false}`})
	call(t, base, "StartSyncExecution", map[string]any{"stateMachineArn": smPrefix + "quiet", "name": "unseen", "input": `{"ok":true}`})

	b := openBrowser(t)
	b.do("open the Express state machine", chromedp.Navigate(smPage(base, "orders")), b.visible("#express-executions"))
	b.waitJS("both executions listed", `document.querySelectorAll("#express-executions tr[data-execution]").length === 2`)
	if got := b.str(`[...document.querySelectorAll("#express-executions tr[data-execution]")].map(r => r.dataset.execution + ":" + r.cells[1].textContent + ":" + r.cells[4].textContent).join(",")`); got != "bad:FAILED:5,good:SUCCEEDED:6" {
		t.Errorf("Express executions (latest first, status, log events): %q", got)
	}
	if got := b.text("#express-hint"); !strings.Contains(got, "Logging level ALL") {
		t.Errorf("hint: %q", got)
	}
	if b.str(`String(!!document.querySelector("#executions"))`) != "false" {
		t.Error("an Express state machine's page shows the Standard executions list")
	}
	b.shot("console-express-executions.png")

	// Start execution on an Express state machine stays on the page; the execution is listed.
	setField(b, "#exec-name", "from-console", "input")
	setField(b, "#exec-input", `{"ok":true}`, "input")
	b.do("start an Express execution", b.click("#start"))
	b.waitJS("the started execution listed", `!!document.querySelector('#express-executions tr[data-execution="from-console"]')`)
	if got := b.text("#start-msg"); got != "Started from-console." {
		t.Errorf("start message %q", got)
	}

	b.do("open the failed execution", b.click(`#express-executions tr[data-execution="bad"] a`), b.visible("#express-log-events"))
	if got := b.text("h1"); got != "bad" {
		t.Errorf("execution page h1 %q", got)
	}
	types := b.str(`[...document.querySelectorAll("#express-log-events tbody tr")].map(r => r.cells[0].textContent + " " + r.cells[1].textContent).join(",")`)
	if want := "1 ExecutionStarted,2 ChoiceStateEntered,3 ChoiceStateExited,4 FailStateEntered,5 ExecutionFailed"; types != want {
		t.Errorf("log events %q, want %q", types, want)
	}
	failed := `#express-log-events tbody tr:last-child`
	if got := b.text(failed + " td:nth-child(4)"); !strings.Contains(got, `"error": "NotOk"`) || !strings.Contains(got, `"cause": "ok was false"`) {
		t.Errorf("ExecutionFailed details: %q", got)
	}
	if got := b.text(`#express-log-events tbody tr:first-child td:nth-child(4)`); !strings.Contains(got, `"input": "{\"ok\":false}"`) {
		t.Errorf("ExecutionStarted details: %q", got)
	}
	if ts := b.text(failed + " td:nth-child(3)"); len(ts) != len("2026-12-05 21:00:00.000") || !strings.HasPrefix(ts, time.Now().UTC().Format("2006-")) {
		t.Errorf("timestamp %q", ts)
	}
	b.shot("console-express-log-events.png")
	b.do("back to the state machine", b.click(".crumbs a:nth-child(2)"), b.visible("#express-executions"))

	b.do("open the state machine that logs nothing", chromedp.Navigate(smPage(base, "quiet")), b.visible(`#express-executions tbody[data-ready="true"]`))
	if got := b.text("#express-hint"); !strings.Contains(got, "Turn logging on") {
		t.Errorf("hint without logging: %q", got)
	}
	if got := b.text("#express-executions tbody"); got != "No Express executions logged yet." {
		t.Errorf("quiet's executions: %q", got)
	}
	b.check()
}

// TestBrowserExpressChildren: the Express executions a Standard execution's startExecution
// tasks started, which are not stored, are listed with its children, read from the tasks'
// results: a .sync child with its end status, one not waited for as started; each links to
// its page of log events, which links back to the parent its logged input names.
func TestBrowserExpressChildren(t *testing.T) {
	needChromium(t)
	base := startServed(t)
	call(t, base, "CreateStateMachine", map[string]any{"name": "kid", "type": "EXPRESS", "roleArn": roleArn,
		"definition": `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
		"loggingConfiguration": map[string]any{"level": "ALL", "includeExecutionData": true, "destinations": []any{map[string]any{
			"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:kid:*"}}}}})
	call(t, base, "CreateStateMachine", map[string]any{"name": "mother", "roleArn": roleArn, "definition": `{"StartAt":"Wait","States":{
		"Wait":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"` + smPrefix + `kid","Name":"waited",
			"Input":{"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},"ResultPath":null,"Next":"Fire"},
		"Fire":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:startExecution","Parameters":{"StateMachineArn":"` + smPrefix + `kid","Name":"fired"},"End":true}}}`})
	exArn := call(t, base, "StartExecution", map[string]any{"stateMachineArn": smPrefix + "mother", "name": "m1"})["executionArn"].(string)
	for deadline := time.Now().Add(time.Minute); call(t, base, "DescribeExecution", map[string]any{"executionArn": exArn})["status"] != "SUCCEEDED"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the execution did not succeed in a minute")
		}
	}
	b := openBrowser(t)
	b.do("open the parent", chromedp.Navigate(base+"/#/executions/"+url.PathEscape(exArn)), b.visible("#children a.express-child"))
	b.waitJS("both Express children", `document.querySelectorAll("#children a.express-child").length === 2`)
	got := b.str(`[...document.querySelectorAll("#children li")].map(li => li.querySelector("a").textContent + ":" + (li.querySelector(".badge") ? li.querySelector(".badge").textContent : li.querySelector(".hint").textContent)).join(",")`)
	if got != "waited:SUCCEEDED,fired:started" {
		t.Errorf("children %q, want waited:SUCCEEDED,fired:started", got)
	}
	b.shot("console-express-children.png")
	b.do("open the waited child", b.click(`#children a.express-child`), b.visible("#express-log-events"))
	if got := b.text("h1"); got != "waited" {
		t.Errorf("the child's page h1 %q", got)
	}
	b.do("back to the parent", b.click("a.parent-link"), b.visible("#children a.express-child"))
	if got := b.text("h1"); !strings.HasPrefix(got, "m1") {
		t.Errorf("the parent link led to %q, want m1", got)
	}
	b.check()
}
