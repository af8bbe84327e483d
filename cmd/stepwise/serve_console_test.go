package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeConsoleSignIn: under --enforce-iam, serve routes the console's sign-in and signs
// the API calls of a signed-in console with its key.
func TestServeConsoleSignIn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	svc, err := newService(ctx, serviceConfig{store: "sqlite:" + filepath.Join(dir, "db"), region: "us-east-1",
		account: "123456789012", maxEvents: 25000, leaseTTL: time.Second, enforceIAM: true, iamFile: filepath.Join(dir, "iam.json"),
		rootKeyID: "AKIASTEPWISEROOT", rootSecret: "root-secret"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.close()
	srv := httptest.NewServer(svc.mux)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	post := func(path, target, body string, header map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		if target != "" {
			req.Header.Set("X-Amz-Target", "AWSStepFunctions."+target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := post("/", "ListStateMachines", "{}", nil); code != 403 || !strings.Contains(body, "MissingAuthenticationToken") {
		t.Errorf("before sign-in: %d %s", code, body)
	}
	if code, body := post("/console/api/signin", "", `{"accessKeyId":"AKIASTEPWISEROOT","secretAccessKey":"root-secret"}`,
		map[string]string{"X-Stepwise-Console": "1", "Content-Type": "application/json"}); code != 200 {
		t.Fatalf("sign-in: %d %s", code, body)
	}
	if code, body := post("/", "ListStateMachines", "{}", nil); code != 200 || !strings.Contains(body, "stateMachines") {
		t.Errorf("after sign-in: %d %s", code, body)
	}
}
