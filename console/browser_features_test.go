package console_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stepwise-run/stepwise/iam"
)

const (
	roleArn  = "arn:aws:iam::123456789012:role/r"
	smPrefix = "arn:aws:states:us-east-1:123456789012:stateMachine:"
	// roundsDef continues as new: each execution starts the next (the same state machine,
	// its own id passed on) until the fourth.
	roundsDef = `{"StartAt":"Work","States":{
  "Work":{"Type":"Pass","Parameters":{"round.$":"States.MathAdd($.round, 1)"},"Next":"More?"},
  "More?":{"Type":"Choice","Choices":[{"Variable":"$.round","NumericLessThan":4,"Next":"Continue as new"}],"Default":"Done"},
  "Continue as new":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
    "Parameters":{"StateMachineArn.$":"$$.StateMachine.Id","Input":{"round.$":"$.round","AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},"End":true},
  "Done":{"Type":"Succeed"}}}`
)

// flakyDef's Task starts "failing" (which fails) on the first run and "versioned" (which
// succeeds) once redriven; then it waits 2 s, to be seen running.
const flakyDef = `{"StartAt":"Call","States":{
  "Call":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Next":"Pause",
    "Parameters":{"Input":{"n":1},"StateMachineArn.$":"States.Format('arn:aws:states:us-east-1:123456789012:stateMachine:{}', States.ArrayGetItem(States.Array('failing', 'versioned'), $$.Execution.RedriveCount))"}},
  "Pause":{"Type":"Wait","Seconds":2,"Next":"Done"},
  "Done":{"Type":"Succeed"}}}`

func smPage(base, name string) string {
	return base + "/#/state-machines/" + url.PathEscape(smPrefix+name)
}

func waitStatus(t *testing.T, base, arn, want string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		d := call(t, base, "DescribeExecution", map[string]any{"executionArn": arn})
		if d["status"] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %v, want %s", arn, d["status"], want)
		}
	}
}

// setField sets a form field's value and fires the event its page listens to.
func setField(b *browser, sel, value, event string) {
	b.t.Helper()
	b.eval("set "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.value = %s; e.dispatchEvent(new Event(%q, {bubbles: true})); })()`,
		jsString(sel), jsString(value), event))
}

// fitsPhone checks, at phone width, that the page does not scroll sideways (wide graphs and
// tables scroll inside their own boxes).
func fitsPhone(b *browser, what string) {
	b.t.Helper()
	b.do("phone width", chromedp.EmulateViewport(390, 844))
	if w := b.str(`String(document.documentElement.scrollWidth)`); w != "390" {
		wide := b.str(`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 391).slice(0, 8).map(e => e.tagName + "#" + e.id + "." + (e.className.baseVal ?? e.className)).join(" ")`)
		b.t.Errorf("%s at phone width is %s px wide: %s", what, w, wide)
	}
	b.do("desktop width", chromedp.EmulateViewport(1280, 800))
}

// TestBrowserVersionsAndRuns: publish versions, create and update an alias, start on the
// alias, re-run with the same input, redrive a failed execution to success.
func TestBrowserVersionsAndRuns(t *testing.T) {
	needChromium(t)
	base := startService(t)
	call(t, base, "CreateStateMachine", map[string]any{"name": "versioned", "roleArn": roleArn, "definition": childDef})
	b := openBrowser(t)

	b.do("open the state machine", chromedp.Navigate(smPage(base, "versioned")), b.visible("#publish-form"))
	b.waitJS("the versions load", `document.querySelector("#versions-table td.empty") !== null`)
	b.do("publish version 1", chromedp.SendKeys(chromedp.CSS("#version-description"), "first"), b.click("#publish-version"))
	b.waitJS("version 1 is listed", `document.querySelector('#versions-table tr[data-version="1"]')?.textContent.includes("first")`)
	// A second version needs a new revision.
	call(t, base, "UpdateStateMachine", map[string]any{"stateMachineArn": smPrefix + "versioned",
		"definition": strings.Replace(childDef, `"End":true`, `"Comment":"v2","End":true`, 1)})
	b.do("publish version 2", chromedp.SendKeys(chromedp.CSS("#version-description"), "second"), b.click("#publish-version"))
	b.waitJS("version 2 is listed", `document.querySelector('#versions-table tr[data-version="2"]')?.textContent.includes("second")`)

	// An alias on version 1, then routed 70/30 between versions 1 and 2.
	v1, v2 := smPrefix+"versioned:1", smPrefix+"versioned:2"
	b.do("name the alias", chromedp.SendKeys(chromedp.CSS("#alias-name"), "live"))
	setField(b, "#alias-version-1", v1, "change")
	b.do("create the alias", b.click("#alias-save"))
	b.waitJS("the alias is listed", `document.querySelector('#aliases-table tr[data-alias="live"] td.routing')?.textContent === "v1: 100%"`)
	b.do("edit the alias", b.click(`#aliases-table tr[data-alias="live"] button.edit-alias`))
	setField(b, "#alias-version-2", v2, "change")
	setField(b, "#alias-weight-1", "70", "input")
	if got := b.str(`document.getElementById("alias-weight-2").textContent`); got != "30" {
		t.Errorf("the second weight shows %q, want 30", got)
	}
	b.do("update the alias", b.click("#alias-save"))
	b.waitJS("the alias routes to both", `document.querySelector('#aliases-table tr[data-alias="live"] td.routing')?.textContent === "v1: 70% · v2: 30%"`)
	b.shot("console-versions.png")
	fitsPhone(b, "the state machine page")

	// Start on the alias.
	alias := smPrefix + "versioned:live"
	b.waitJS("the alias is a target", fmt.Sprintf(`[...document.getElementById("exec-target").options].some(o => o.value === %q)`, alias))
	setField(b, "#exec-target", alias, "change")
	setField(b, "#exec-input", `{"n": 4}`, "input")
	b.do("start on the alias", b.click("#start"), b.visible(`#graph[data-ready="true"]`))
	b.waitJS("the execution succeeds", `document.getElementById("exec-status")?.textContent === "SUCCEEDED"`)
	if got := b.text("#exec-alias"); got != alias {
		t.Errorf("the execution ran on %q, want the alias %s", got, alias)
	}
	first, _ := chromedp.Run(b.ctx, chromedp.Location())

	// Re-run with the same input: a new execution, same input, same alias.
	b.do("re-run", b.click("#rerun"))
	b.waitJS("the re-run's page", fmt.Sprintf(`location.href !== %q && document.getElementById("exec-status")?.textContent === "SUCCEEDED"`, first))
	if in := b.text("#app .io pre.json"); !strings.Contains(in, `"n": 4`) {
		t.Errorf("the re-run's input is %q", in)
	}
	if got := b.text("#exec-alias"); got != alias {
		t.Errorf("the re-run ran on %q, want %s", got, alias)
	}
	list := call(t, base, "ListExecutions", map[string]any{"stateMachineArn": smPrefix + "versioned"})
	if n := len(list["executions"].([]any)); n != 2 {
		t.Errorf("%d executions after the re-run, want 2", n)
	}

	// Redrive a failed execution: its Task starts "failing" on the first run and "versioned"
	// once redriven ($$.Execution.RedriveCount picks), so the redrive succeeds.
	call(t, base, "CreateStateMachine", map[string]any{"name": "failing", "roleArn": roleArn, "definition": failingDef})
	call(t, base, "CreateStateMachine", map[string]any{"name": "flaky", "roleArn": roleArn, "definition": flakyDef})
	failed := call(t, base, "StartExecution", map[string]any{"stateMachineArn": smPrefix + "flaky", "name": "flaky-1"})["executionArn"].(string)
	waitStatus(t, base, failed, "FAILED")
	b.do("open the failed execution", chromedp.Navigate(base+"/#/executions/"+url.PathEscape(failed)), b.visible(`#graph[data-ready="true"]`), b.visible("#redrive"))
	b.waitJS("the failed Task", `document.querySelector('#graph g.node[data-state="Call"]')?.dataset.status === "failed"`)
	if got := b.text("#exec-redrive-status"); got != "redrivable" {
		t.Errorf("redrive status before: %q", got)
	}
	b.do("redrive (keyboard)", chromedp.Focus(chromedp.CSS("#redrive")), chromedp.KeyEvent("\r"))
	b.waitJS("running again", `document.getElementById("exec-status").textContent === "RUNNING" && document.getElementById("exec-facts").textContent.includes("Redriven")`)
	b.waitJS("the Task succeeds", `document.querySelector('#graph g.node[data-state="Call"]')?.dataset.status === "succeeded"`)
	b.shot("console-redrive-running.png")
	b.waitJS("the redrive succeeds", `document.getElementById("exec-status").textContent === "SUCCEEDED"`)
	b.waitJS("the graph is recoloured", `document.querySelector('#graph g.node[data-state="Done"]')?.dataset.status === "succeeded" && document.querySelector('#graph g.node[data-state="Pause"]')?.dataset.status === "succeeded"`)
	if got := b.text("#exec-redriven"); !strings.HasPrefix(got, "1 time, last ") {
		t.Errorf("redriven: %q", got)
	}
	if got := b.text("#exec-redrive-status"); !strings.HasPrefix(got, "not redrivable") {
		t.Errorf("redrive status after success: %q", got)
	}
	if got := b.text("#history"); !strings.Contains(got, "ExecutionRedriven") {
		t.Errorf("the history lacks ExecutionRedriven: %q", got)
	}
	if hidden := b.str(`String(document.getElementById("redrive").hidden)`); hidden != "true" {
		t.Error("a redriven, SUCCEEDED execution still offers Redrive")
	}
	b.shot("console-redrive.png")
	// The succeeded execution offers no redrive.
	b.do("back to a succeeded one", chromedp.Navigate(first), b.visible(`#graph[data-ready="true"]`))
	if hidden := b.str(`String(document.getElementById("redrive").hidden)`); hidden != "true" {
		t.Error("a SUCCEEDED execution offers Redrive")
	}
	b.check()
}

// TestBrowserChain walks a continue-as-new chain of four executions, down and up.
func TestBrowserChain(t *testing.T) {
	needChromium(t)
	base := startService(t)
	call(t, base, "CreateStateMachine", map[string]any{"name": "rounds", "roleArn": roleArn, "definition": roundsDef})
	root := call(t, base, "StartExecution", map[string]any{"stateMachineArn": smPrefix + "rounds", "name": "round-1", "input": `{"round": 0}`})["executionArn"].(string)
	var arns []string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		res := call(t, base, "ListExecutions", map[string]any{"stateMachineArn": smPrefix + "rounds", "statusFilter": "SUCCEEDED"})
		if exs := res["executions"].([]any); len(exs) == 4 {
			for i := len(exs) - 1; i >= 0; i-- { // newest first
				arns = append(arns, exs[i].(map[string]any)["executionArn"].(string))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the chain did not finish")
		}
	}
	if arns[0] != root {
		t.Fatalf("the oldest execution is %s, want %s", arns[0], root)
	}
	b := openBrowser(t)
	count := func(sel string) string {
		return b.str(fmt.Sprintf(`String(document.querySelectorAll(%s).length)`, jsString(sel)))
	}
	b.do("open the root", chromedp.Navigate(base+"/#/executions/"+url.PathEscape(root)), b.visible("#chain"))
	b.waitJS("the descendants", `document.querySelectorAll("#chain a.chain-descendant").length === 3`)
	if n := count("#chain a.chain-ancestor"); n != "0" {
		t.Errorf("the root has %s ancestors", n)
	}
	// Down to the last link.
	b.do("follow the last link", b.click(`#chain a.chain-descendant[data-name="`+nameOf(arns[3])+`"]`))
	b.waitJS("the last execution's chain", `document.querySelectorAll("#chain a.chain-ancestor").length === 3 && document.querySelector("#chain .chain-here a")?.dataset.name === `+jsString(nameOf(arns[3])))
	if n := count("#chain a.chain-descendant"); n != "0" {
		t.Errorf("the last execution has %s descendants", n)
	}
	if r := b.str(`document.querySelector("#chain li.chain-up a").dataset.name`); r != "round-1" {
		t.Errorf("the chain's root is %q, want round-1", r)
	}
	b.shot("console-chain.png")
	fitsPhone(b, "the execution page with its chain")
	// Up to the second, by keyboard: focus its link and press Enter.
	b.do("focus the second link", chromedp.Focus(chromedp.CSS(`#chain a.chain-ancestor[data-name="`+nameOf(arns[1])+`"]`)), chromedp.KeyEvent("\r"))
	b.waitJS("the second execution's chain", `document.querySelector("#chain .chain-here a")?.dataset.name === `+jsString(nameOf(arns[1]))+
		` && document.querySelectorAll("#chain a.chain-ancestor").length === 1 && document.querySelectorAll("#chain a.chain-descendant").length === 2`)
	b.check()
}

func nameOf(arn string) string { return arn[strings.LastIndex(arn, ":")+1:] }

// definitionJS reads the editor's JSON as an object.
const definitionJS = `JSON.parse(document.getElementById("definition").value)`

// dragJS synthesizes an HTML5 drag of a palette item onto a target, as a mouse would fire it.
func dragJS(item, target string) string {
	return fmt.Sprintf(`(() => {
  const src = document.querySelector('[data-palette=%q]'), dst = document.querySelector(%s);
  const dt = new DataTransfer();
  src.dispatchEvent(new DragEvent("dragstart", {dataTransfer: dt, bubbles: true, cancelable: true}));
  dst.dispatchEvent(new DragEvent("dragenter", {dataTransfer: dt, bubbles: true, cancelable: true}));
  const over = dst.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
  dst.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
  src.dispatchEvent(new DragEvent("dragend", {dataTransfer: dt, bubbles: true}));
  return !over; // dragover's default prevented: the target accepts the drop
})()`, item, jsString(target))
}

// TestBrowserDesign builds a machine in design mode from a blank one: a state added by
// keyboard, two by drag and drop (on an edge, after a state), configured in the form,
// renamed, then changed in the JSON; the graph, the form and the text agree throughout.
func TestBrowserDesign(t *testing.T) {
	needChromium(t)
	base := startService(t)
	b := openBrowser(t)
	b.do("open the editor", chromedp.Navigate(base+"/#/create"), b.visible("#palette"))
	setField(b, "#sm-template", "blank", "change")
	b.waitJS("a blank graph", `document.querySelector('#graph path.edge-hit[data-from="__start"][data-to="__end"]') !== null`)

	// Keyboard: Tab to the palette's Pass button and press Enter.
	b.do("add Pass by keyboard", chromedp.Focus(chromedp.CSS(`[data-palette="Pass"]`)), chromedp.KeyEvent("\r"))
	b.waitJS("Pass is the first state", definitionJS+`.StartAt === "Pass" && `+definitionJS+`.States.Pass.End === true`)

	// A real mouse drag (Chromium's drag events through DevTools) onto the edge Pass -> End.
	b.do("drag Wait onto the edge", b.visible(`#graph path.edge-hit[data-from="Pass"][data-to="__end"]`),
		chromedp.DragAndDrop(chromedp.CSS(`[data-palette="Wait"]`), chromedp.CSS(`#graph path.edge-hit[data-from="Pass"][data-to="__end"]`)))
	b.waitJS("Wait follows Pass", `(() => { const d = `+definitionJS+`; return d.States.Pass.Next === "Wait" && d.States.Wait.End === true && d.States.Wait.Seconds === 5; })()`)

	// Synthesized drag events: StartExecution (.sync:2) dropped on Pass goes after it.
	if ok := b.str(`String(` + dragJS("StartExecutionSync", `#graph g.node[data-state="Pass"]`) + `)`); ok != "true" {
		t.Errorf("the state did not accept the drop")
	}
	b.waitJS("Run child between Pass and Wait", `(() => { const d = `+definitionJS+`; return d.States.Pass.Next === "Run child" && d.States["Run child"].Next === "Wait" &&
  d.States["Run child"].Resource === "arn:aws:states:::states:startExecution.sync:2"; })()`)
	b.waitJS("the new state is selected", `document.getElementById("state-name")?.value === "Run child"`)

	// The form: the StateMachineArn, then a rename; the JSON and the graph follow.
	child := smPrefix + "child"
	b.eval("clear the ARN", `document.getElementById("sf-StateMachineArn").value = ""`)
	b.do("type the ARN", chromedp.SendKeys(chromedp.CSS("#sf-StateMachineArn"), child))
	b.waitJS("the ARN is in the JSON", definitionJS+`.States["Run child"].Parameters.StateMachineArn === `+jsString(child))
	b.eval("clear the name", `document.getElementById("state-name").value = ""`)
	b.do("rename", chromedp.SendKeys(chromedp.CSS("#state-name"), "Run the child\r"))
	b.waitJS("renamed everywhere", `(() => { const d = `+definitionJS+`; return d.States.Pass.Next === "Run the child" && d.States["Run the child"] && !d.States["Run child"] &&
  document.querySelector('#graph g.node[data-state="Run the child"]') !== null; })()`)

	// The JSON: rename Wait to Pause and make it 7 seconds; the graph and the form follow.
	b.eval("edit the JSON", `(() => {
  const t = document.getElementById("definition"), d = JSON.parse(t.value);
  d.States.Pause = Object.assign(d.States.Wait, {Seconds: 7}); delete d.States.Wait; d.States["Run the child"].Next = "Pause";
  t.value = JSON.stringify(d, null, 2); t.dispatchEvent(new Event("input"));
})()`)
	b.waitJS("the graph shows Pause", `document.querySelector('#graph g.node[data-state="Pause"]') !== null && document.querySelector('#graph g.node[data-state="Wait"]') === null`)
	b.do("select Pause", b.click(`#graph g.node[data-state="Pause"] rect.box`))
	b.waitJS("the form shows 7 seconds", `document.getElementById("sf-Seconds")?.value === "7"`)

	// The keyboard's way onto an edge: choose the transition, then press the item.
	setField(b, "#insert-at", `{"from":"Pause","to":"__end","kind":"next","index":-1}`, "change")
	b.do("add Succeed on Pause -> End", chromedp.Focus(chromedp.CSS(`[data-palette="Succeed"]`)), chromedp.KeyEvent("\r"))
	b.waitJS("Succeed after Pause", `(() => { const d = `+definitionJS+`; return d.States.Pause.Next === "Succeed" && d.States.Succeed.Type === "Succeed" && !d.States.Pause.End; })()`)
	b.do("name the machine", chromedp.SendKeys(chromedp.CSS("#sm-name"), "designed"))
	b.waitJS("it validates", `document.querySelector('#diagnostics[data-result="OK"]') !== null && !document.getElementById("save").disabled`)
	b.do("select Run the child", b.click(`#graph g.node[data-state="Run the child"] rect.box`), b.visible("#sf-StateMachineArn"))
	b.shot("console-design.png")
	b.do("phone width", chromedp.EmulateViewport(390, 844))
	b.shot("console-design-phone.png")
	b.do("desktop width", chromedp.EmulateViewport(1280, 800))
	fitsPhone(b, "design mode")
	b.do("create", b.click("#save"), b.visible("#start-form"), b.visible(`#graph g.node[data-state="Run the child"]`))
	def := call(t, base, "DescribeStateMachine", map[string]any{"stateMachineArn": smPrefix + "designed"})["definition"].(string)
	var d struct {
		StartAt string
		States  map[string]map[string]any
	}
	if err := json.Unmarshal([]byte(def), &d); err != nil || d.StartAt != "Pass" || d.States["Pause"]["Seconds"] != 7.0 || d.States["Pause"]["Next"] != "Succeed" ||
		d.States["Run the child"]["Resource"] != "arn:aws:states:::states:startExecution.sync:2" {
		t.Errorf("the created definition: %s (%v)", def, err)
	}
	b.check()
}

// TestBrowserSignIn runs the service as serve --enforce-iam: the console asks for an access
// key, refuses a wrong secret, then acts with a read-only user's permissions.
func TestBrowserSignIn(t *testing.T) {
	needChromium(t)
	dir, err := iam.Open(iam.Options{RootAccessKeyID: "AKIASTEPWISEROOT", RootSecretAccessKey: "root-secret", File: filepath.Join(t.TempDir(), "iam.json")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.CreateRole("r", "/", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, "", 3600); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.CreateUser("viewer", "/"); err != nil {
		t.Fatal(err)
	}
	key, err := dir.CreateAccessKey("viewer")
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.AttachUserPolicy("viewer", "arn:aws:iam::aws:policy/AWSStepFunctionsReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}
	base := startServiceWith(t, dir)

	// Root signs in over HTTP (as the console does) and creates a machine and an execution.
	rootClient := signIn(t, base, "AKIASTEPWISEROOT", "root-secret")
	callAs(t, rootClient, base, "CreateStateMachine", map[string]any{"name": "m", "roleArn": roleArn, "definition": childDef}, 200)
	ex := callAs(t, rootClient, base, "StartExecution", map[string]any{"stateMachineArn": smPrefix + "m", "input": `{"n": 1}`}, 200)["executionArn"].(string)
	// The session cookie is not a credential for IAM's form-encoded API.
	res, err := rootClient.Post(base+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=CreateUser&UserName=mallory&Version=2010-05-08"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == 200 {
		t.Error("a form post with the session cookie created a user")
	}
	// Without a session the API refuses.
	callAs(t, http.DefaultClient, base, "ListStateMachines", map[string]any{}, 403)

	b := openBrowser(t)
	b.do("open the console", chromedp.Navigate(base+"/#/"), b.visible("#sign-in-form"))
	b.do("a wrong secret", chromedp.SendKeys(chromedp.CSS("#access-key-id"), key.AccessKeyID),
		chromedp.SendKeys(chromedp.CSS("#secret-access-key"), "not-the-secret"), b.click("#sign-in"))
	b.waitJS("the refusal", `document.getElementById("sign-in-msg").textContent.includes("InvalidSignatureException")`)
	b.shot("console-sign-in.png")
	if v := b.str(`JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie`); strings.Contains(v, key.SecretAccessKey) || strings.Contains(v, "not-the-secret") {
		t.Errorf("the browser keeps the secret: %s", v)
	}
	b.eval("clear the secret", `document.getElementById("secret-access-key").value = ""`)
	b.do("the right secret", chromedp.SendKeys(chromedp.CSS("#secret-access-key"), key.SecretAccessKey+"\r"))
	b.waitJS("the list as viewer", `document.querySelector('#state-machines a[href*="stateMachine%3Am"]') !== null && document.getElementById("who").textContent.includes("user/viewer")`)
	if v := b.str(`document.cookie`); v != "" {
		t.Errorf("the session cookie is readable by scripts: %q", v)
	}

	// Reading works (the execution page, its children and chain endpoints); starting is denied.
	b.do("open the execution", chromedp.Navigate(base+"/#/executions/"+url.PathEscape(ex)), b.visible(`#graph[data-ready="true"]`))
	b.waitJS("the execution", `document.getElementById("exec-status")?.textContent === "SUCCEEDED"`)
	b.do("re-run", b.click("#rerun"))
	b.waitJS("the denial", `!document.getElementById("error").hidden`)
	msg := b.text("#error")
	if want := "Access denied: User: arn:aws:iam::123456789012:user/viewer is not authorized to perform: states:StartExecution on resource: " + smPrefix + "m"; !strings.HasPrefix(msg, want) {
		t.Errorf("the denial says %q, want it to start %q", msg, want)
	}
	b.shot("console-access-denied.png")
	fitsPhone(b, "the execution page signed in")

	b.do("sign out", b.click("#sign-out"), b.visible("#sign-in-form"))
	callAs(t, http.DefaultClient, base, "ListStateMachines", map[string]any{}, 403)
	b.check()
}

// signIn signs in to the console's endpoint and returns a client carrying the session cookie.
func signIn(t *testing.T, base, id, secret string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	body, _ := json.Marshal(map[string]string{"accessKeyId": id, "secretAccessKey": secret})
	req, _ := http.NewRequest("POST", base+"/console/api/signin", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Stepwise-Console", "1")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		data, _ := io.ReadAll(res.Body)
		t.Fatalf("sign in: %d %s", res.StatusCode, data)
	}
	return c
}

func callAs(t *testing.T, c *http.Client, base, action string, body any, status int) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+"/", strings.NewReader(string(b)))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("%s: %d %s, want %d", action, res.StatusCode, data, status)
	}
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return out
}
