package console_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// abortDef is a Map M whose iteration 1 waits a second and fails while iterations 0 and 2 run
// a Parallel P: a Wait W in one branch, an inner Map N of two Waits V in the other.
const abortDef = `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemsPath":"$.items","ItemProcessor":{"StartAt":"C","States":{
 "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":1,"Next":"W1"}],"Default":"P"},
 "W1":{"Type":"Wait","Seconds":1,"Next":"F"},
 "F":{"Type":"Fail","Error":"E"},
 "P":{"Type":"Parallel","End":true,"Parameters":{"inner":[1,2]},"Branches":[
   {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}},
   {"StartAt":"N","States":{"N":{"Type":"Map","End":true,"ItemsPath":"$.inner","ItemProcessor":{"StartAt":"V","States":{"V":{"Type":"Wait","Seconds":100,"End":true}}}}}}]}}}}}}`

// TestBrowserAbortedStates: the events that abort iterations 0 and 2 all follow the Fail
// state's event, as AWS threads them, and name no state; the history table must still give
// each to the state it stopped, in its iteration and branch (the engine aborts iteration 0
// before 2, a branch's nested states before their own, branch 1 before branch 2).
func TestBrowserAbortedStates(t *testing.T) {
	needChromium(t)
	base := startService(t)
	call(t, base, "CreateStateMachine", map[string]any{"name": "aborts", "roleArn": roleArn, "definition": abortDef})
	exArn := call(t, base, "StartExecution", map[string]any{"stateMachineArn": smPrefix + "aborts", "name": "aborts-1", "input": `{"items":[0,1,2]}`})["executionArn"].(string)
	for deadline := time.Now().Add(time.Minute); call(t, base, "DescribeExecution", map[string]any{"executionArn": exArn})["status"] != "FAILED"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the execution did not fail in a minute")
		}
	}
	b := openBrowser(t)
	b.do("open the execution", chromedp.Navigate(base+"/#/executions/"+url.PathEscape(exArn)), b.visible(`#graph[data-ready="true"]`))
	b.waitJS("the history", `document.querySelectorAll("#history tr[data-event]").length > 40`)
	var got []string
	for _, r := range historyRows(b) {
		if strings.HasSuffix(r[1], "Aborted") {
			got = append(got, r[1]+" "+r[2])
		}
	}
	var want []string
	for _, i := range []int{0, 2} {
		it := fmt.Sprintf("Map M #%d", i)
		want = append(want,
			"WaitStateAborted W · Branch 1 · "+it,
			"WaitStateAborted V · Map N #0 · Branch 2 · "+it,
			"WaitStateAborted V · Map N #1 · Branch 2 · "+it,
			"MapStateAborted N · Branch 2 · "+it,
			"ParallelStateAborted P · "+it,
			"MapIterationAborted M · "+it)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the aborts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, name := range []string{"P", "W", "N", "V"} {
		sel := `#graph g.node[data-state="` + name + `"]`
		if s := b.str(`document.querySelector(` + jsString(sel) + `).dataset.status`); s != "failed" {
			t.Errorf("%s is %q, want failed (aborted)", name, s)
		}
	}
}
