package console_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/chromedp/chromedp"
)

// historyRows reads the history table's rows: id, type, state (with its iteration or branch).
func historyRows(b *browser) [][]string {
	b.t.Helper()
	rows, err := chromedp.Run(b.ctx, chromedp.Evaluate[[][]string](
		`[...document.querySelectorAll("#history tr[data-event]")].map(r => [r.dataset.event, r.cells[2].textContent, r.cells[3].textContent])`))
	if err != nil {
		b.t.Fatalf("the history rows: %v", err)
	}
	return rows
}

// filterHistory types a filter and picks a type, and waits for the count to say want.
func filterHistory(b *browser, text, kind, want string) {
	b.t.Helper()
	setField(b, "#history-type", kind, "change")
	setField(b, "#history-filter", text, "input")
	b.waitJS(fmt.Sprintf("the history filtered by %q and %q: %s", text, kind, want),
		fmt.Sprintf(`document.getElementById("history-count").textContent === %s`, jsString(want)))
}

var failure = regexp.MustCompile(`(Failed|TimedOut|Aborted)$`)

// checkHistoryFilter filters the history of run-1 (the parent of TestBrowser): the failures
// (Risky's TaskFailed, the child's failure), a state's name (which only the State column
// holds for most of its events), text in the details, and both filters at once; cleared, the
// whole history again. The expected counts come from GetExecutionHistory.
func checkHistoryFilter(b *browser, base, arn string) {
	t := b.t
	t.Helper()
	res := call(t, base, "GetExecutionHistory", map[string]any{"executionArn": arn, "maxResults": 1000})
	var events []map[string]any
	raw, _ := json.Marshal(res["events"])
	_ = json.Unmarshal(raw, &events)
	total, failures, inDetails := len(events), 0, 0
	for _, e := range events {
		typ := e["type"].(string)
		if failure.MatchString(typ) {
			failures++
		}
		for k, v := range e {
			if d, _ := json.Marshal(v); strings.HasSuffix(k, "EventDetails") && strings.Contains(strings.ToLower(string(d)), "the child failed") {
				inDetails++
			}
		}
	}
	if failures != 1 || inDetails < 2 {
		t.Fatalf("run-1's history: %d failures, %d events mention the child's failure; want 1 and at least 2", failures, inDetails)
	}

	filterHistory(b, "", "failures", fmt.Sprintf("1 of %d events", total))
	if rows := historyRows(b); len(rows) != 1 || rows[0][1] != "TaskFailed" || rows[0][2] != "Risky" {
		t.Errorf("the failures: %v, want Risky's TaskFailed", rows)
	}
	// "start child": the Task's six events (entered, scheduled, started, submitted,
	// succeeded, exited), found by the State column.
	filterHistory(b, "sTART cHILD", "", fmt.Sprintf("6 of %d events", total))
	rows := historyRows(b)
	for i, r := range rows {
		if r[0] != fmt.Sprint(i+2) || r[2] != "Start child" {
			t.Errorf("filtered by state: %v, want events 2 to 7 of Start child", rows)
			break
		}
	}
	// The scopes: "Branch 1" keeps Say hello's two events; "#2" the events of iteration 2 of
	// Each item (in branch 2): its MapIteration events and Handle item's two; "branch 2"
	// every event of Each item (the Map's own, its iterations' and Handle item's).
	filterHistory(b, "Branch 1", "", fmt.Sprintf("2 of %d events", total))
	if rows := historyRows(b); len(rows) != 2 || rows[0][2] != "Say hello · Branch 1" || rows[1][2] != "Say hello · Branch 1" {
		t.Errorf("filtered by Branch 1: %v, want Say hello's two events in branch 1", rows)
	}
	filterHistory(b, "#2", "", fmt.Sprintf("4 of %d events", total))
	if got := fmt.Sprint(historyRows(b)); !regexp.MustCompile(`^\[\[\d+ MapIterationStarted Each item · Map Each item #2 · Branch 2\] \[\d+ PassStateEntered Handle item · Map Each item #2 · Branch 2\] ` +
		`\[\d+ PassStateExited Handle item · Map Each item #2 · Branch 2\] \[\d+ MapIterationSucceeded Each item · Map Each item #2 · Branch 2\]\]$`).MatchString(got) {
		t.Errorf("filtered by #2: %s, want iteration 2's four events", got)
	}
	inMap := 0
	for _, e := range events {
		d, _ := e["stateEnteredEventDetails"].(map[string]any)
		if x, _ := e["stateExitedEventDetails"].(map[string]any); x != nil {
			d = x
		}
		if typ := e["type"].(string); strings.HasPrefix(typ, "Map") || d != nil && d["name"] == "Handle item" {
			inMap++
		}
	}
	filterHistory(b, "branch 2", "", fmt.Sprintf("%d of %d events", inMap, total))
	filterHistory(b, "the child failed", "", fmt.Sprintf("%d of %d events", inDetails, total))
	filterHistory(b, "the child failed", "failures", fmt.Sprintf("1 of %d events", total))
	b.shot("console-history-filter.png")
	filterHistory(b, "no such text", "", fmt.Sprintf("0 of %d events", total))
	if got := b.text("#history td.empty"); got != "No events match the filter." {
		t.Errorf("no match says %q", got)
	}
	filterHistory(b, "", "", fmt.Sprintf("%d events", total))
	if rows := historyRows(b); len(rows) != total {
		t.Errorf("cleared, the history shows %d rows, want %d", len(rows), total)
	}
	if info := b.text("#history-page"); info != fmt.Sprintf("Events 1–%d of %d", total, total) {
		t.Errorf("cleared, the pager says %q", info)
	}
}

// checkBigHistoryFilter filters the big Map's history across its pages: "handle item" keeps
// the item processor's two events an item, paged 100 at a time; one type keeps one event an
// item; cleared, the first page of the whole.
func checkBigHistoryFilter(b *browser, items int) {
	t := b.t
	t.Helper()
	total := 4*items + 6
	filterHistory(b, "Handle item", "", fmt.Sprintf("%d of %d events", 2*items, total))
	if info := b.text("#history-page"); info != fmt.Sprintf("Events 1–100 of %d", 2*items) {
		t.Errorf("filtered, the pager says %q", info)
	}
	for _, r := range historyRows(b) {
		if !strings.HasPrefix(r[2], "Handle item · Map Each #") {
			t.Errorf("filtered by Handle item, a row of %q: %v", r[2], r)
			break
		}
	}
	// An iteration's number finds that iteration, not #20, #200 or #2000.
	filterHistory(b, "#2", "", fmt.Sprintf("4 of %d events", total))
	for _, r := range historyRows(b) {
		if !strings.HasSuffix(r[2], "Map Each #2") {
			t.Errorf("filtered by #2, a row of %q: %v", r[2], r)
		}
	}
	filterHistory(b, "Handle item", "", fmt.Sprintf("%d of %d events", 2*items, total))
	b.do("the next page of matches", b.click("#history-next"))
	b.waitJS("the second page of matches", fmt.Sprintf(`document.getElementById("history-page").textContent === "Events 101–200 of %d"`, 2*items))
	filterHistory(b, "", "MapIterationSucceeded", fmt.Sprintf("%d of %d events", items, total))
	if info := b.text("#history-page"); info != fmt.Sprintf("Events 1–100 of %d", items) {
		t.Errorf("a type picked, the pager says %q", info)
	}
	filterHistory(b, "", "", fmt.Sprintf("%d events", total))
	if info, n := b.text("#history-page"), len(historyRows(b)); info != fmt.Sprintf("Events 1–100 of %d", total) || n != 100 {
		t.Errorf("cleared: %q and %d rows, want the first 100 of %d", info, n, total)
	}
}
