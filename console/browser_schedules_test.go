package console_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// createSchedule calls CreateSchedule over the Scheduler API's REST protocol.
func createSchedule(t *testing.T, base, name, body string) {
	t.Helper()
	res, err := http.Post(base+"/schedules/"+name, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("CreateSchedule %s: %d %s", name, res.StatusCode, b)
	}
}

// TestBrowserSchedules: the schedules page lists the schedules with their expression,
// state and next firing, and links a state machine target to its page.
func TestBrowserSchedules(t *testing.T) {
	needChromium(t)
	base := startServed(t)
	call(t, base, "CreateStateMachine", map[string]any{"name": "report", "roleArn": roleArn, "definition": childDef})
	createSchedule(t, base, "nightly-report", `{"ScheduleExpression":"cron(0 2 * * ? *)","ScheduleExpressionTimezone":"Europe/Paris",
		"FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"`+smPrefix+`report","RoleArn":"`+roleArn+`","Input":"{\"n\":3}"}}`)
	createSchedule(t, base, "paused", `{"ScheduleExpression":"rate(5 minutes)","State":"DISABLED",
		"FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"arn:aws:sqs:us-east-1:123456789012:queue","RoleArn":"`+roleArn+`"}}`)
	b := openBrowser(t)
	b.do("open the schedules page", chromedp.Navigate(base+"/#/schedules"), b.visible(`#schedules tbody[data-ready="true"]`))
	if got := b.str(`[...document.querySelectorAll("#schedules tbody tr")].map(r => r.dataset.schedule).join(",")`); got != "nightly-report,paused" {
		t.Fatalf("rows: %q", got)
	}
	row := `#schedules tr[data-schedule="nightly-report"]`
	if got := b.text(row + " td:nth-child(3)"); got != "cron(0 2 * * ? *) Europe/Paris" {
		t.Errorf("expression: %q", got)
	}
	if got := b.text(row + " td:nth-child(4)"); got != "ENABLED" {
		t.Errorf("state: %q", got)
	}
	// The next firing is 02:00 in Paris: shown in the browser's time zone (UTC here), named,
	// and in the schedule's own zone below it.
	next := b.text(row + " .next-firing .local")
	if !strings.HasSuffix(next, ":00:00.000") || !(strings.Contains(next, " 00:") || strings.Contains(next, " 01:")) {
		t.Errorf("next firing: %q", next)
	}
	if got := b.text(row + " .next-firing .zone"); got != "UTC" {
		t.Errorf("next firing's zone: %q, want the browser's, UTC", got)
	}
	if got := b.text(row + " .next-firing .in-zone"); !strings.HasSuffix(got, " 02:00:00 Europe/Paris") || got[:10] != next[:10] {
		t.Errorf("next firing in the schedule's zone: %q (local %q)", got, next)
	}
	if got := b.text(`#schedules tr[data-schedule="paused"] .next-firing`); got != "–" {
		t.Errorf("a disabled schedule's next firing: %q", got)
	}
	if got := b.text(`#schedules tr[data-schedule="paused"] td:nth-child(6)`); got != "arn:aws:sqs:us-east-1:123456789012:queue" {
		t.Errorf("an other target: %q", got)
	}
	if cur := b.str(`document.querySelector('nav a[aria-current="page"]').dataset.nav`); cur != "schedules" {
		t.Errorf("nav marks %q", cur)
	}
	b.shot("console-schedules")
	b.do("follow the target link", b.click(row+" a.schedule-target"), b.visible("#graph"))
	if got := b.text("h1"); got != "report" {
		t.Errorf("the target link opened %q", got)
	}
	b.check()
}
