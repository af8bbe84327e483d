package console_test

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
)

// handlersStart is a Task with no handlers, a state to catch into and the end.
const handlersStart = `{"StartAt":"Work","States":{
  "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"Next":"Done"},
  "Handle":{"Type":"Pass","End":true},
  "Done":{"Type":"Succeed"}}}`

// TestBrowserDesignHandlers: Retry and Catch in design mode's form, with the keyboard. A
// retrier added and edited (errors, attempts, jitter, delay), a catcher added (its Catch edge
// drawn) with a ResultPath; then the JSON edited (an interval, a second catcher) and the form
// and the graph following; a catcher removed; the machine created with both.
func TestBrowserDesignHandlers(t *testing.T) {
	needChromium(t)
	base := startService(t)
	b := openBrowser(t)
	b.do("open the editor", chromedp.Navigate(base+"/#/create"), b.visible("#palette"))
	setField(b, "#definition", handlersStart, "input")
	b.waitJS("the graph shows Work", `document.querySelector('#graph g.node[data-state="Work"]') !== null`)
	b.do("select Work with the keyboard", chromedp.Focus(chromedp.CSS(`#graph g.node[data-state="Work"]`)), chromedp.KeyEvent("\r"), b.visible("#retry-add"))
	def := func(expr string) string {
		return `(() => { const d = ` + definitionJS + `, w = d.States.Work; return ` + expr + `; })()`
	}
	typeInto := func(sel, text string) {
		t.Helper()
		b.eval("clear "+sel, `document.querySelector(`+jsString(sel)+`).value = ""`)
		b.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
	}

	// A retrier: added with Enter (focus moves to its errors), then edited field by field.
	b.do("add a retrier", chromedp.Focus(chromedp.CSS("#retry-add")), chromedp.KeyEvent("\r"))
	b.waitJS("the retrier's defaults", def(`JSON.stringify(w.Retry) === '[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":2}]'`))
	if got := b.str(`document.activeElement.id`); got != "retry-0-ErrorEquals" {
		t.Errorf("focus after adding a retrier: %q", got)
	}
	b.waitJS("the graph marks the retry", `document.querySelector('#graph g.node[data-state="Work"] text.retry') !== null`)
	typeInto("#retry-0-ErrorEquals", "States.Timeout, States.TaskFailed")
	typeInto("#retry-0-MaxAttempts", "5")
	typeInto("#retry-0-MaxDelaySeconds", "30")
	setField(b, "#retry-0-JitterStrategy", "FULL", "change")
	b.waitJS("the retrier in the JSON", def(`JSON.stringify(w.Retry) === '[{"ErrorEquals":["States.Timeout","States.TaskFailed"],"IntervalSeconds":1,"MaxAttempts":5,"BackoffRate":2,"MaxDelaySeconds":30,"JitterStrategy":"FULL"}]'`))

	// A catcher: to the first other state, its edge drawn; a ResultPath.
	b.do("add a catcher", chromedp.Focus(chromedp.CSS("#catch-add")), chromedp.KeyEvent("\r"))
	b.waitJS("the catcher", def(`w.Catch && w.Catch.length === 1 && w.Catch[0].Next === "Handle" && w.Catch[0].ErrorEquals[0] === "States.ALL"`))
	b.waitJS("its Catch edge", `document.querySelector('#graph path.edge-hit[data-kind="catch"][data-from="Work"][data-to="Handle"]') !== null`)
	typeInto("#catch-0-ResultPath", "$.error")
	b.waitJS("the ResultPath", def(`w.Catch[0].ResultPath === "$.error"`))

	// The JSON: another interval and a second catcher; the form and the graph follow.
	b.eval("edit the JSON", `(() => {
  const t = document.getElementById("definition"), d = JSON.parse(t.value);
  d.States.Work.Retry[0].IntervalSeconds = 4;
  d.States.Work.Catch.push({ErrorEquals: ["Custom"], Next: "Done"});
  t.value = JSON.stringify(d, null, 2); t.dispatchEvent(new Event("input"));
})()`)
	b.waitJS("the form follows", `document.getElementById("retry-0-IntervalSeconds")?.value === "4" && document.getElementById("catch-1-Next")?.value === "Done" && document.getElementById("catch-1-ErrorEquals")?.value === "Custom"`)
	b.waitJS("the graph follows", `document.querySelector('#graph path.edge-hit[data-kind="catch"][data-from="Work"][data-to="Done"]') !== null`)
	b.do("a taller window for the screenshot", chromedp.EmulateViewport(1280, 1300))
	viewShot(b, "#state-form", "console-design-retry-catch.png")
	b.do("desktop size", chromedp.EmulateViewport(1280, 800))
	fitsPhone(b, "design mode with Retry and Catch")

	// Remove the second catcher with the keyboard: the JSON and the edge go.
	b.do("remove catcher 2", chromedp.Focus(chromedp.CSS("#catch-1-remove")), chromedp.KeyEvent("\r"))
	b.waitJS("one catcher left", def(`w.Catch.length === 1 && w.Catch[0].Next === "Handle"`)+
		` && document.querySelector('#graph path.edge-hit[data-kind="catch"][data-to="Done"]') === null`)
	if got := b.text("#design-status"); got != "Removed catcher 2." {
		t.Errorf("status: %q", got)
	}

	b.do("name the machine", chromedp.SendKeys(chromedp.CSS("#sm-name"), "handled"))
	b.waitJS("it validates", `document.querySelector('#diagnostics[data-result="OK"]') !== null && !document.getElementById("save").disabled`)
	b.do("create", b.click("#save"), b.visible("#start-form"))
	var d struct {
		States map[string]struct {
			Retry []map[string]any
			Catch []map[string]any
		}
	}
	stored := call(t, base, "DescribeStateMachine", map[string]any{"stateMachineArn": smPrefix + "handled"})["definition"].(string)
	if err := json.Unmarshal([]byte(stored), &d); err != nil || len(d.States["Work"].Retry) != 1 || d.States["Work"].Retry[0]["IntervalSeconds"] != 4.0 ||
		d.States["Work"].Retry[0]["JitterStrategy"] != "FULL" || len(d.States["Work"].Catch) != 1 || d.States["Work"].Catch[0]["ResultPath"] != "$.error" {
		t.Errorf("the stored definition: %s (%v)", stored, err)
	}
	b.check()
}
