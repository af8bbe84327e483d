package console_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// runsDef has a Parallel of two branches, a loop that enters Count three times, and an
// inline Map, one item at a time, whose last item fails (Boom); a Catch on the Map ends
// the execution in Done.
const runsDef = `{"StartAt":"Fan","States":{
  "Fan":{"Type":"Parallel","ResultPath":null,"Next":"Count","Branches":[
    {"StartAt":"Left","States":{"Left":{"Type":"Pass","End":true}}},
    {"StartAt":"Right","States":{"Right":{"Type":"Pass","Next":"Right 2"},"Right 2":{"Type":"Pass","End":true}}}]},
  "Count":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)","items.$":"$.items"},"Next":"Again"},
  "Again":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThan":3,"Next":"Count"}],"Default":"Each"},
  "Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"Next":"Done",
    "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}],
    "ItemProcessor":{"StartAt":"Check","States":{
      "Check":{"Type":"Choice","Choices":[{"Variable":"$.bad","BooleanEquals":true,"Next":"Boom"}],"Default":"Ok"},
      "Ok":{"Type":"Pass","End":true},
      "Boom":{"Type":"Fail","Error":"Bad","Cause":"a bad item"}}}},
  "Done":{"Type":"Succeed"}}}`

// TestBrowserRuns: the runs of a state. A Map of 1,000 iterations (the last fails): the
// iteration picker's counts, the failed one by its filter, an index typed and previous with
// the keyboard, the item processor coloured by the iteration and an inner state's panel
// showing that iteration's input; a Parallel's branches each coloured by their own run and
// an inner state's panel with its branch's events; a loop's three entries of Count.
func TestBrowserRuns(t *testing.T) {
	needChromium(t)
	base := startService(t)
	call(t, base, "CreateStateMachine", map[string]any{"name": "runs", "roleArn": roleArn, "definition": runsDef})
	items := make([]map[string]any, 1000)
	for i := range items {
		items[i] = map[string]any{"i": i, "bad": i == 999}
	}
	in, _ := json.Marshal(map[string]any{"n": 0, "items": items})
	exArn := call(t, base, "StartExecution", map[string]any{"stateMachineArn": smPrefix + "runs", "name": "runs-1", "input": string(in)})["executionArn"].(string)
	// 1,000 iterations one at a time: a few seconds, more under the race detector.
	for deadline := time.Now().Add(2 * time.Minute); call(t, base, "DescribeExecution", map[string]any{"executionArn": exArn})["status"] != "SUCCEEDED"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the execution did not succeed in 2 minutes")
		}
	}
	b := openBrowser(t)

	start := time.Now()
	b.do("open the execution", chromedp.Navigate(base+"/#/executions/"+url.PathEscape(exArn)), b.visible(`#graph[data-ready="true"]`))
	t.Logf("the execution page (%s) took %v", b.text("#history-page"), time.Since(start))
	node := func(name string) string { return `#graph g.node[data-state="` + name + `"]` }
	status := func(name string) string {
		return b.str(`document.querySelector(` + jsString(node(name)) + `).dataset.status`)
	}
	open := func(name string) {
		b.do("the step panel of "+name, chromedp.Focus(chromedp.CSS(node(name))), chromedp.KeyEvent("\r"),
			b.visible(`#step-panel[data-state="`+name+`"]`))
	}

	// The Map: all iterations summed up, then 1,000 listed by status.
	if st := status("Each"); st != "caught" {
		t.Errorf("Each is %s, want caught", st)
	}
	if st := status("Ok"); st != "succeeded" {
		t.Errorf("Ok over all iterations is %s, want succeeded", st)
	}
	open("Each")
	if got := b.text("#step-iter-counts"); got != "1000 iterations: 999 succeeded, 1 failed" {
		t.Errorf("iteration counts: %q", got)
	}
	if n := b.str(`String(document.querySelectorAll("#step-iterations button.iteration").length)`); n != "100" {
		t.Errorf("%s iterations listed, want the first 100", n)
	}
	setField(b, "#step-iter-filter", "failed", "change")
	b.waitJS("the failed iteration", `document.querySelectorAll("#step-iterations button.iteration").length === 1`)
	b.do("pick it with the keyboard", chromedp.Focus(chromedp.CSS(`#step-iterations button[data-index="999"]`)), chromedp.KeyEvent("\r"))
	b.waitJS("iteration 999 picked", `document.querySelector(`+jsString(node("Each"))+`).dataset.iteration === "999"`)
	for name, want := range map[string]string{"Check": "succeeded", "Boom": "failed", "Ok": "not-reached"} {
		if st := status(name); st != want {
			t.Errorf("in iteration 999 %s is %s, want %s", name, st, want)
		}
	}
	b.do("a taller window for the screenshot", chromedp.EmulateViewport(1280, 1100))
	viewShot(b, ".split", "console-map-iterations.png")
	b.do("desktop size", chromedp.EmulateViewport(1280, 800))
	setField(b, "#step-iter", "5", "change")
	b.waitJS("iteration 5", `document.querySelector(`+jsString(node("Each"))+`).dataset.iteration === "5"`)
	b.do("previous, with the keyboard", chromedp.Focus(chromedp.CSS("#step-iter-prev")), chromedp.KeyEvent("\r"))
	b.waitJS("iteration 4", `document.querySelector(`+jsString(node("Each"))+`).dataset.iteration === "4"`)
	if got := b.str(`document.activeElement.id`); got != "step-iter-prev" {
		t.Errorf("focus after previous is on %q", got)
	}
	for name, want := range map[string]string{"Check": "succeeded", "Boom": "not-reached", "Ok": "succeeded"} {
		if st := status(name); st != want {
			t.Errorf("in iteration 4 %s is %s, want %s", name, st, want)
		}
	}
	open("Ok")
	if got := b.text("#step-run"); got != "Iteration 4 of Map Each" {
		t.Errorf("Ok's run: %q", got)
	}
	var input map[string]any
	if err := json.Unmarshal([]byte(b.text("#step-panel pre.step-input")), &input); err != nil || input["i"] != 4.0 {
		t.Errorf("Ok's input in iteration 4: %v (%v)", input, err)
	}
	if n := b.str(`String(document.querySelectorAll("#step-panel table.events tbody tr[data-event]").length)`); n != "2" {
		t.Errorf("Ok shows %s events in iteration 4, want 2", n)
	}
	b.do("back to the Map with the keyboard", chromedp.Focus(chromedp.CSS("#step-parent")), chromedp.KeyEvent("\r"), b.visible(`#step-panel[data-state="Each"]`))
	b.do("show all", chromedp.Focus(chromedp.CSS("#step-iter-all")), chromedp.KeyEvent("\r"))
	b.waitJS("all iterations", `!document.querySelector(`+jsString(node("Each"))+`).dataset.iteration`)
	if st := status("Boom"); st != "failed" {
		t.Errorf("Boom over all iterations is %s, want failed", st)
	}

	// The Parallel: each branch's status, and an inner state's own events.
	open("Fan")
	if got := b.str(`[...document.querySelectorAll("#step-branches li")].map(l => l.dataset.status).join(" ")`); got != "succeeded succeeded" {
		t.Errorf("branches: %q", got)
	}
	open("Right 2")
	if got := b.text("#step-run"); got != "Branch 2 of Fan" {
		t.Errorf("Right 2's run: %q", got)
	}
	if got := b.str(`[...document.querySelectorAll("#step-panel table.events tbody tr[data-event] td:nth-child(3)")].map(td => td.textContent).join(" ")`); got != "PassStateEntered PassStateExited" {
		t.Errorf("Right 2's events: %q", got)
	}

	// The loop: Count entered three times, the latest first, then the one before.
	open("Count")
	if got := b.text("#step-entry-of"); got != "of 3" {
		t.Errorf("Count's entries: %q", got)
	}
	if got := b.str(`document.getElementById("step-entry").value`); got != "3" {
		t.Errorf("Count shows entry %s first, want 3", got)
	}
	checkN := func(want float64) {
		t.Helper()
		var out map[string]any
		if err := json.Unmarshal([]byte(b.text("#step-panel pre.step-output")), &out); err != nil || out["n"] != want {
			t.Errorf("Count's output: %v (%v), want n %v", out, err, want)
		}
	}
	checkN(3)
	b.do("the previous entry, with the keyboard", chromedp.Focus(chromedp.CSS("#step-entry-prev")), chromedp.KeyEvent("\r"))
	b.waitJS("entry 2", `document.getElementById("step-entry").value === "2"`)
	checkN(2)
	viewShot(b, ".split", "console-loop-entries.png")

	// The history: a row says the iteration or the branch of its event, and the filter
	// matches it ("#999": the last iteration's five events; "branch 2": Right's and Right 2's).
	total := 0
	if _, err := fmt.Sscanf(b.text("#history-count"), "%d events", &total); err != nil {
		t.Fatalf("the history count %q: %v", b.text("#history-count"), err)
	}
	filterHistory(b, "#999", "", fmt.Sprintf("5 of %d events", total))
	if got := fmt.Sprint(historyRows(b)); !regexp.MustCompile(`^\[\[\d+ MapIterationStarted Each · Map Each #999\] \[\d+ ChoiceStateEntered Check · Map Each #999\] ` +
		`\[\d+ ChoiceStateExited Check · Map Each #999\] \[\d+ FailStateEntered Boom · Map Each #999\] \[\d+ MapIterationFailed Each · Map Each #999\]\]$`).MatchString(got) {
		t.Errorf("filtered by #999: %s, want iteration 999's five events", got)
	}
	// The Map's failure follows iteration 999's last event, but it is the Map's, and Done
	// (its Catch) runs outside the iteration.
	filterHistory(b, "", "MapStateFailed", fmt.Sprintf("1 of %d events", total))
	if rows := historyRows(b); len(rows) != 1 || rows[0][2] != "Each" {
		t.Errorf("the Map's failure: %v, want Each's, outside its iterations", rows)
	}
	filterHistory(b, "Done", "", fmt.Sprintf("2 of %d events", total))
	if rows := historyRows(b); len(rows) != 2 || rows[0][2] != "Done" || rows[1][2] != "Done" {
		t.Errorf("filtered by Done: %v, want Done's two events, outside iteration 999", rows)
	}
	filterHistory(b, "branch 2", "", fmt.Sprintf("4 of %d events", total))
	if got := fmt.Sprint(historyRows(b)); !regexp.MustCompile(`^\[\[\d+ PassStateEntered Right · Branch 2\] \[\d+ PassStateExited Right · Branch 2\] ` +
		`\[\d+ PassStateEntered Right 2 · Branch 2\] \[\d+ PassStateExited Right 2 · Branch 2\]\]$`).MatchString(got) {
		t.Errorf("filtered by branch 2: %s, want Right's and Right 2's events", got)
	}
	filterHistory(b, "", "", fmt.Sprintf("%d events", total))
	if rows := historyRows(b); len(rows) < 3 || rows[1][2] != "Fan" {
		t.Errorf("the Parallel's own events have no branch: %v", rows[:min(3, len(rows))])
	}

	open("Each")
	setField(b, "#step-iter", "999", "change")
	b.waitJS("iteration 999", `document.querySelector(`+jsString(node("Each"))+`).dataset.iteration === "999"`)
	fitsPhone(b, "the execution page with a Map iteration picked")
	b.do("phone width", chromedp.EmulateViewport(390, 844))
	viewShot(b, "#step-panel", "console-map-iterations-phone.png")
	b.do("desktop width", chromedp.EmulateViewport(1280, 800))
	if strings.Contains(b.text("#exec-status"), "FAILED") {
		t.Error("the execution failed")
	}
	b.check()
}

// viewShot saves what the viewport shows with sel scrolled to its top (a full-page shot of an
// execution of 6,000 events is mostly history table).
func viewShot(b *browser, sel, name string) {
	b.t.Helper()
	b.eval("scroll to "+sel, `document.querySelector(`+jsString(sel)+`).scrollIntoView({block: "start"})`)
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	saveScreenshot(b.t, name, png)
}

// TestBrowserRunsLive: an inline Map followed live: two of three iterations running (the
// third not started), one picked (its Wait blue), then the execution stopped: both aborted.
func TestBrowserRunsLive(t *testing.T) {
	needChromium(t)
	base := startService(t)
	call(t, base, "CreateStateMachine", map[string]any{"name": "slow", "roleArn": roleArn, "definition": `{"StartAt":"Each","States":{
  "Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"End":true,
    "ItemProcessor":{"StartAt":"Sleep","States":{"Sleep":{"Type":"Wait","Seconds":60,"End":true}}}}}}`})
	exArn := call(t, base, "StartExecution", map[string]any{"stateMachineArn": smPrefix + "slow", "name": "slow-1", "input": `{"items":[1,2,3]}`})["executionArn"].(string)
	b := openBrowser(t)
	b.do("open the execution", chromedp.Navigate(base+"/#/executions/"+url.PathEscape(exArn)), b.visible(`#graph[data-ready="true"]`))
	b.do("the Map's panel", chromedp.Focus(chromedp.CSS(`#graph g.node[data-state="Each"]`)), chromedp.KeyEvent("\r"), b.visible("#step-panel"))
	b.waitJS("two running", `document.getElementById("step-iter-counts")?.textContent === "2 iterations: 2 running; 1 of 3 items not started"`)
	b.do("pick iteration 1", chromedp.Focus(chromedp.CSS(`#step-iterations button[data-index="1"]`)), chromedp.KeyEvent("\r"))
	b.waitJS("Sleep runs in iteration 1", `document.querySelector('#graph g.node[data-state="Each"]').dataset.iteration === "1" && document.querySelector('#graph g.node[data-state="Sleep"]').dataset.status === "running"`)
	call(t, base, "StopExecution", map[string]any{"executionArn": exArn})
	b.waitJS("both aborted, live", `document.getElementById("step-iter-counts")?.textContent === "2 iterations: 2 aborted; 1 of 3 items not started"`)
	if got := b.str(`[...document.querySelectorAll("#step-iterations button.iteration")].map(e => e.dataset.status).join(" ")`); got != "aborted aborted" {
		t.Errorf("iterations after the stop: %q", got)
	}
	if got := b.str(`document.activeElement.dataset.index || document.activeElement.id`); got != "1" {
		t.Errorf("the focus moved to %q during the live redraws", got)
	}
	b.check()
}
