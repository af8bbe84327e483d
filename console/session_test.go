package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/iam"
	"github.com/stepwise-run/stepwise/store"
)

// TestSessions: sign-in checks the key; the session's API calls are signed with it (and
// authenticate as its user); other requests pass untouched; sign-out ends it.
func TestSessions(t *testing.T) {
	dir, err := iam.Open(iam.Options{RootAccessKeyID: "AKIAROOT", RootSecretAccessKey: "root-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.CreateUser("dev", "/"); err != nil {
		t.Fatal(err)
	}
	key, err := dir.CreateAccessKey("dev")
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{Store: openStore(t), Guard: dir})
	// The API stand-in authenticates what reaches it, as the real one does.
	var seen struct {
		principal string
		auth      string
		cookie    string
	}
	api := c.API(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen.auth, seen.cookie, seen.principal = r.Header.Get("Authorization"), r.Header.Get("Cookie"), ""
		if p, err := dir.Authenticate(r, body, "states"); err == nil {
			seen.principal = p.Arn
		} else {
			seen.principal = err.Error()
		}
	}))
	signIn := func(header bool, id, secret string) *httptest.ResponseRecorder {
		body, _ := json.Marshal(map[string]string{"accessKeyId": id, "secretAccessKey": secret})
		req := httptest.NewRequest("POST", "/console/api/signin", strings.NewReader(string(body)))
		if header {
			req.Header.Set("X-Stepwise-Console", "1")
		}
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, req)
		return rec
	}
	if rec := signIn(false, key.AccessKeyID, key.SecretAccessKey); rec.Code != http.StatusForbidden {
		t.Errorf("sign-in without the console's header: %d", rec.Code)
	}
	if rec := signIn(true, key.AccessKeyID, "wrong"); rec.Code != 400 || !strings.Contains(rec.Body.String(), "InvalidSignatureException") {
		t.Errorf("a wrong secret: %d %s", rec.Code, rec.Body)
	}
	if rec := signIn(true, "AKIANOBODY", "x"); rec.Code != 400 || !strings.Contains(rec.Body.String(), "UnrecognizedClientException") {
		t.Errorf("an unknown key: %d %s", rec.Code, rec.Body)
	}
	rec := signIn(true, key.AccessKeyID, key.SecretAccessKey)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), key.SecretAccessKey) {
		t.Fatalf("sign-in: %d %s", rec.Code, rec.Body)
	}
	cookie := rec.Result().Cookies()[0]
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Name != sessionCookie || cookie.Value == "" {
		t.Errorf("session cookie %+v", cookie)
	}

	call := func(target, ctype, auth string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{"maxResults":1}`))
		req.Host = "127.0.0.1:8083"
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		req.Header.Set("Content-Type", ctype)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		req.AddCookie(cookie)
		api.ServeHTTP(httptest.NewRecorder(), req)
	}
	call("AWSStepFunctions.ListStateMachines", "application/x-amz-json-1.0", "")
	if seen.principal != "arn:aws:iam::123456789012:user/dev" || seen.cookie != "" {
		t.Errorf("a session's call authenticates as %q (cookie passed on: %q)", seen.principal, seen.cookie)
	}
	call("", "application/x-www-form-urlencoded", "")
	if seen.auth != "" {
		t.Errorf("an IAM form post was signed: %s", seen.auth)
	}
	call("AWSStepFunctions.ListStateMachines", "application/x-amz-json-1.0", "AWS4-HMAC-SHA256 Credential=someone-else")
	if seen.auth != "AWS4-HMAC-SHA256 Credential=someone-else" {
		t.Errorf("a signed call was re-signed: %s", seen.auth)
	}

	// The session state, then sign-out.
	req := httptest.NewRequest("GET", "/console/api/session", nil)
	req.AddCookie(cookie)
	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"signedIn":true`) || !strings.Contains(rec.Body.String(), "user/dev") {
		t.Errorf("session: %s", rec.Body)
	}
	req = httptest.NewRequest("POST", "/console/api/signout", nil)
	req.Header.Set("X-Stepwise-Console", "1")
	req.AddCookie(cookie)
	c.ServeHTTP(httptest.NewRecorder(), req)
	call("AWSStepFunctions.ListStateMachines", "application/x-amz-json-1.0", "")
	if seen.auth != "" {
		t.Errorf("after sign-out the call was signed: %s", seen.auth)
	}

	// A deleted key ends the session: the console's own endpoints refuse it.
	cookie = signIn(true, key.AccessKeyID, key.SecretAccessKey).Result().Cookies()[0]
	if err := dir.DeleteAccessKey("dev", key.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	req = httptest.NewRequest("GET", "/console/api/children?executionArn=arn:aws:states:us-east-1:123456789012:execution:m:x", nil)
	req.AddCookie(cookie)
	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, req)
	if rec.Code == 200 || !strings.Contains(rec.Body.String(), "UnrecognizedClientException") {
		t.Errorf("children with a deleted key: %d %s", rec.Code, rec.Body)
	}
}

// TestChainBounds: a chain of 60 links returns the root, the 50 nearest ancestors and the
// count of those left out; the root's descendants stop at 200, marked as cut.
func TestChainBounds(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	arn := func(i int) string { return fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:m:e%d", i) }
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 300 {
		parent := ""
		if i > 0 {
			parent = arn(i - 1)
		}
		ex := &store.Execution{Arn: arn(i), StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", Name: fmt.Sprintf("e%d", i),
			Status: "SUCCEEDED", Input: "{}", StartedAt: start.Add(time.Duration(i) * time.Millisecond), ParentArn: parent}
		if err := st.CreateExecution(ctx, store.Commit{Execution: ex}); err != nil {
			t.Fatal(err)
		}
	}
	h := New(Options{Store: st})
	type node struct {
		Name     string
		More     bool
		Children []*node
	}
	var page struct {
		Ancestors []struct{ Name string }
		Skipped   int
		Execution *node
	}
	code, body, _ := get(t, h, "/console/api/chain?executionArn="+arn(60))
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Ancestors) != 51 || page.Ancestors[0].Name != "e0" || page.Ancestors[1].Name != "e10" || page.Ancestors[50].Name != "e59" || page.Skipped != 9 {
		t.Errorf("ancestors: %d, first %s, second %s, skipped %d", len(page.Ancestors), page.Ancestors[0].Name, page.Ancestors[1].Name, page.Skipped)
	}
	n, depth := page.Execution, 0
	for len(n.Children) == 1 {
		n = n.Children[0]
		depth++
	}
	if depth != 200 || !n.More || n.Name != "e260" {
		t.Errorf("descendants: %d levels, cut at %s (more %v)", depth, n.Name, n.More)
	}
	if code, body, _ := get(t, h, "/console/api/chain?executionArn="+arn(999)); code != 400 || !strings.Contains(body, "ExecutionDoesNotExist") {
		t.Errorf("an unknown execution: %d %s", code, body)
	}
}

// TestSignInThrottled: an address that keeps guessing keys is refused with
// ThrottlingException, even with the right key, while another address signs in.
func TestSignInThrottled(t *testing.T) {
	dir, err := iam.Open(iam.Options{RootAccessKeyID: "AKIAROOT", RootSecretAccessKey: "root-secret"})
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{Store: openStore(t), Guard: dir})
	signIn := func(addr, secret string) *httptest.ResponseRecorder {
		body, _ := json.Marshal(map[string]string{"accessKeyId": "AKIAROOT", "secretAccessKey": secret})
		req := httptest.NewRequest("POST", "/console/api/signin", strings.NewReader(string(body)))
		req.Header.Set("X-Stepwise-Console", "1")
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, req)
		return rec
	}
	for i := range 10 {
		if rec := signIn("198.51.100.7:4000", "guess"); !strings.Contains(rec.Body.String(), "InvalidSignatureException") {
			t.Fatalf("guess %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	if rec := signIn("198.51.100.7:4001", "root-secret"); rec.Code != 400 || !strings.Contains(rec.Body.String(), "ThrottlingException") {
		t.Errorf("the 11th attempt: %d %s", rec.Code, rec.Body)
	}
	if rec := signIn("203.0.113.9:5000", "root-secret"); rec.Code != 200 {
		t.Errorf("another address: %d %s", rec.Code, rec.Body)
	}
}
