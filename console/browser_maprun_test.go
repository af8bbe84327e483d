package console_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// batchDef runs a Distributed Map over the input's items, one at a time. Each item waits
// its "wait" seconds, then Work reads item RedriveCount+skew of a two-item array: an item
// with skew -1 fails (States.Runtime) until its execution is redriven.
const batchDef = `{"StartAt":"Prepare","States":{
  "Prepare":{"Type":"Pass","Next":"Process items"},
  "Process items":{"Type":"Map","Label":"items","ItemsPath":"$.items","MaxConcurrency":1,"Next":"Done",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Pause","States":{
      "Pause":{"Type":"Wait","SecondsPath":"$.wait","Next":"Work"},
      "Work":{"Type":"Pass","Parameters":{"n.$":"$.n","ok.$":"States.ArrayGetItem(States.Array(true, true), States.MathAdd($$.Execution.RedriveCount, $.skew))"},"End":true}}}},
  "Done":{"Type":"Succeed"}}}`

// TestBrowserMapRun: a Distributed Map over three items, one failing until redriven. From the
// execution page to the run page (step panel link), the counts and the child executions
// (filter, paging), a child's page and back, UpdateMapRun (refused, then accepted), then a
// redrive of the parent from the run page: the run and the parent end SUCCEEDED.
func TestBrowserMapRun(t *testing.T) {
	needChromium(t)
	base := startService(t)
	call(t, base, "CreateStateMachine", map[string]any{"name": "batch", "roleArn": roleArn, "definition": batchDef})
	exArn := call(t, base, "StartExecution", map[string]any{"stateMachineArn": smPrefix + "batch", "name": "run-1",
		"input": `{"items":[{"n":1,"wait":8,"skew":0},{"n":2,"wait":0,"skew":-1},{"n":3,"wait":0,"skew":0}]}`})["executionArn"].(string)
	b := openBrowser(t)

	// The execution page lists the run, and the Map state's step panel links to it.
	b.do("open the execution", chromedp.Navigate(base+"/#/executions/"+url.PathEscape(exArn)), b.visible(`#graph[data-ready="true"]`), b.visible("#map-runs a.map-run-link"))
	if got := b.text("#map-runs a.map-run-link"); !strings.HasPrefix(got, "items · ") {
		t.Errorf("map runs list: %q", got)
	}
	b.do("open the Map state's step panel (Enter on the state)", chromedp.Focus(chromedp.CSS(`#graph g.node[data-state="Process items"]`)), chromedp.KeyEvent("\r"), b.visible(`#step-panel a.step-map-run`))
	b.do("follow the step panel's link", b.click(`#step-panel a.step-map-run`), b.visible(`#maprun-counts[data-ready="true"]`))
	runArn := strings.TrimPrefix(b.str(`decodeURIComponent(location.hash)`), "#/map-runs/")
	if !strings.Contains(runArn, ":mapRun:batch/items:") {
		t.Fatalf("run page for %q", runArn)
	}
	if st := b.text("#maprun-status"); st != "RUNNING" {
		t.Errorf("the run is %s at first, want RUNNING (the first item waits 8 s)", st)
	}
	if got := b.text("#maprun-state"); got != "Process items" {
		t.Errorf("map state %q", got)
	}

	// UpdateMapRun: the server's validation message, then a new maximum concurrency.
	setField(b, "#mr-max-concurrency", "-1", "input")
	b.do("save -1", b.click("#mr-save"))
	b.waitJS("the refusal", `document.getElementById("mr-msg").textContent.includes("ValidationException")`)
	if msg := b.text("#mr-msg"); !strings.Contains(msg, "greater than or equal to 0") {
		t.Errorf("refusal: %q", msg)
	}
	setField(b, "#mr-max-concurrency", "3", "input")
	b.do("save 3", b.click("#mr-save"))
	b.waitJS("saved", `document.getElementById("mr-msg").textContent === "Saved."`)
	if mr := call(t, base, "DescribeMapRun", map[string]any{"mapRunArn": runArn}); mr["maxConcurrency"] != 3.0 {
		t.Errorf("after the update the run's maxConcurrency is %v", mr["maxConcurrency"])
	}

	// With three at once the failing item runs, and the run fails (no failure tolerated).
	b.waitJS("the run fails, live", `document.getElementById("maprun-status").textContent === "FAILED"`)
	b.waitJS("the settings are closed", `document.getElementById("mr-save").disabled`)
	mr := call(t, base, "DescribeMapRun", map[string]any{"mapRunArn": runArn})
	counts := mr["itemCounts"].(map[string]any)
	for k, v := range counts {
		sel := fmt.Sprintf(`#maprun-counts tr[data-count=%q] td.item-count`, k)
		if got := b.text(sel); got != strconv.Itoa(int(v.(float64))) {
			t.Errorf("count %s shows %q, want %v", k, got, v)
		}
	}
	if counts["failed"] != 1.0 || counts["total"] != 3.0 {
		t.Errorf("counts %v: want 1 failed of 3", counts)
	}
	b.shot("console-map-run.png")
	fitsPhone(b, "the map run page")
	b.do("phone width", chromedp.EmulateViewport(390, 844))
	b.shot("console-map-run-phone.png")
	b.do("desktop width", chromedp.EmulateViewport(1280, 800))

	// The children: all three, two a page, and the FAILED one by the filter.
	b.eval("two a page", `MAP_RUN_PAGE = 2`)
	setField(b, "#mr-status-filter", "", "change")
	b.waitJS("the first page", `document.querySelectorAll("#maprun-children a.child-exec-link").length === 2 && !document.getElementById("mr-next").disabled`)
	b.do("the next page", b.click("#mr-next"))
	b.waitJS("the second page", `document.querySelectorAll("#maprun-children a.child-exec-link").length === 1 && document.getElementById("mr-page").textContent === "Page 2"`)
	setField(b, "#mr-status-filter", "FAILED", "change")
	b.waitJS("the failed child", `document.querySelectorAll("#maprun-children a.child-exec-link").length === 1 && document.querySelector('#maprun-children tr[data-status="FAILED"]') !== null`)

	// A child's page: its graph is the item processor; it links back to the run and the parent,
	// and is redriven with its parent.
	b.do("follow the child link", b.click(`#maprun-children tr[data-status="FAILED"] a.child-exec-link`), b.visible(`#graph[data-ready="true"]`))
	b.waitJS("the child's graph", `document.querySelector('#graph g.node[data-state="Work"]')?.dataset.status === "failed"`)
	if got := b.text(".map-run-of"); !strings.Contains(got, "map run items") || !strings.Contains(got, "run-1") {
		t.Errorf("the child says %q", got)
	}
	if got := b.text("#exec-redrive-status"); got != "redrivable by map run" {
		t.Errorf("the child's redrive status: %q", got)
	}
	if got := b.text("#redrive-by-map-run"); !strings.Contains(got, "redrive the parent execution run-1") {
		t.Errorf("the child's redrive note: %q", got)
	}
	if hidden := b.str(`String(document.getElementById("redrive").hidden)`); hidden != "true" {
		t.Error("a REDRIVABLE_BY_MAP_RUN child offers Redrive")
	}
	if hidden := b.str(`String(document.getElementById("rerun").hidden)`); hidden != "true" {
		t.Error("a child execution offers Re-run (its MACHINE/LABEL state machine cannot be started)")
	}
	b.shot("console-map-run-child.png")
	b.do("back to the run", chromedp.Focus(chromedp.CSS("a.map-run-back")), chromedp.KeyEvent("\r"), b.visible(`#maprun-counts[data-ready="true"]`))

	// Redrive the parent from the run page: the run runs again (the aborted first item waits
	// again) and succeeds, and so does the parent.
	b.do("redrive", b.visible("#maprun-redrive"), b.click("#maprun-redrive"))
	b.waitJS("the run is running again", `document.getElementById("maprun-status").textContent === "RUNNING"`)
	b.waitJS("the run succeeds", `document.getElementById("maprun-status").textContent === "SUCCEEDED"`)
	if got := b.text(`#maprun-counts tr[data-count="succeeded"] td.exec-count`); got != "3" {
		t.Errorf("succeeded children after the redrive: %q", got)
	}
	b.shot("console-map-run-redriven.png")
	b.do("to the parent", b.click("#maprun-parent"), b.visible(`#graph[data-ready="true"]`))
	b.waitJS("the parent succeeded", `document.getElementById("exec-status")?.textContent === "SUCCEEDED" && document.querySelector('#graph g.node[data-state="Process items"]')?.dataset.status === "succeeded"`)
	if got := b.text("#history"); !strings.Contains(got, "ExecutionRedriven") || !strings.Contains(got, "MapRunRedriven") {
		t.Errorf("the parent's history lacks the redrive: %q", got)
	}
	if got := b.text("#exec-redriven"); !strings.HasPrefix(got, "1 time, last ") {
		t.Errorf("redriven: %q", got)
	}
	b.waitJS("the map runs list says SUCCEEDED", `document.querySelector("#map-runs tbody")?.textContent.includes("SUCCEEDED")`)
	b.do("the Map state's step panel", chromedp.Focus(chromedp.CSS(`#graph g.node[data-state="Process items"]`)), chromedp.KeyEvent("\r"), b.visible(`#step-panel a.step-map-run`))
	b.shot("console-map-run-parent.png")
	b.check()
}
