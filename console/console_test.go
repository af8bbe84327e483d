package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func get(t *testing.T, h http.Handler, path string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b), rec.Result().Header
}

func TestStatic(t *testing.T) {
	h := Handler(Options{Store: openStore(t)})
	for _, tc := range []struct {
		path, want, ctype string
		code              int
	}{
		{"/", `<main id="app"`, "text/html", 200},
		{"/assets/app.js", "ListStateMachines", "javascript", 200},
		{"/assets/graph.js", "layoutGraph", "javascript", 200},
		{"/assets/app.css", "--succeeded", "text/css", 200},
		{"/assets/nope.js", "", "", 404},
		{"/nope", "", "", 404},
	} {
		t.Run(tc.path, func(t *testing.T) {
			code, body, hdr := get(t, h, tc.path)
			if code != tc.code {
				t.Fatalf("status %d, want %d", code, tc.code)
			}
			if !strings.Contains(body, tc.want) || !strings.Contains(hdr.Get("Content-Type"), tc.ctype) {
				t.Errorf("Content-Type %q, body lacks %q", hdr.Get("Content-Type"), tc.want)
			}
			csp := hdr.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
				hdr.Get("X-Frame-Options") != "DENY" || hdr.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers: CSP %q, X-Frame-Options %q, X-Content-Type-Options %q",
					csp, hdr.Get("X-Frame-Options"), hdr.Get("X-Content-Type-Options"))
			}
		})
	}
}

func TestChildren(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	const parent = "arn:aws:states:us-east-1:123456789012:execution:p:1"
	start := time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC)
	add := func(name, parentArn, status string) {
		ex := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:c:" + name,
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:c", Name: name, Status: status,
			Input: "{}", StartedAt: start, ParentArn: parentArn}
		if status != "RUNNING" {
			stop := start.Add(time.Second)
			ex.StoppedAt = &stop
		}
		if err := st.CreateExecution(ctx, store.Commit{Execution: ex}); err != nil {
			t.Fatal(err)
		}
		start = start.Add(time.Millisecond)
	}
	add("a", parent, "SUCCEEDED")
	add("b", parent, "RUNNING")
	add("c", "", "SUCCEEDED")
	add("d", "arn:aws:states:us-east-1:123456789012:execution:p:2", "SUCCEEDED")
	add("e", parent, "FAILED")
	h := Handler(Options{Store: st})

	var page struct {
		Executions []map[string]any
		NextToken  string
	}
	code, body, _ := get(t, h, "/console/api/children?maxResults=2&executionArn="+parent)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	names := func() (s []string) {
		for _, e := range page.Executions {
			s = append(s, e["name"].(string))
		}
		return s
	}
	got := names()
	if page.NextToken == "" || len(got) != 2 {
		t.Fatalf("first page %v, token %q", got, page.NextToken)
	}
	if !strings.Contains(body, `"startDate":`) || page.Executions[0]["status"] == "" {
		t.Errorf("item shape: %s", body)
	}
	_, body, _ = get(t, h, "/console/api/children?maxResults=2&executionArn="+parent+"&nextToken="+page.NextToken)
	page.NextToken = ""
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(append(got, names()...), ",")
	if len(all) != 5 || !strings.Contains(all, "a") || !strings.Contains(all, "b") || !strings.Contains(all, "e") || page.NextToken != "" {
		t.Errorf("children %s (token %q), want a, b and e", all, page.NextToken)
	}

	for _, tc := range []struct{ name, query, want string }{
		{"no arn", "", "ValidationException"},
		{"bad limit", "executionArn=" + parent + "&maxResults=0", "ValidationException"},
		{"bad token", "executionArn=" + parent + "&nextToken=zzz", "InvalidToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := get(t, h, "/console/api/children?"+tc.query)
			if code != 400 || !strings.Contains(body, tc.want) {
				t.Errorf("%d %s, want 400 %s", code, body, tc.want)
			}
		})
	}
	code, body, _ = get(t, h, "/console/api/children?executionArn=arn:aws:states:us-east-1:123456789012:execution:none:x")
	if code != 200 || !strings.Contains(body, `"executions":[]`) {
		t.Errorf("no children: %d %s", code, body)
	}
}
