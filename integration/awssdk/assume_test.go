package awssdk

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestAssumeRole: with AssumeRole each call is signed with the credentials STS gives for the
// call's role, assumed once per role and reused until they expire.
func TestAssumeRole(t *testing.T) {
	var mu sync.Mutex
	assumed := map[string]int{}
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(body))
		if q.Get("Action") != "AssumeRole" {
			http.Error(w, "unexpected "+string(body), 400)
			return
		}
		role := q.Get("RoleArn")
		name := role[strings.LastIndexByte(role, '/')+1:]
		mu.Lock()
		assumed[role]++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIA%[1]s</AccessKeyId><SecretAccessKey>secret-%[1]s</SecretAccessKey><SessionToken>token-%[1]s</SessionToken>
<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/%[1]s/%[2]s</Arn><AssumedRoleId>AROA:%[2]s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`, name, q.Get("RoleSessionName"))
	}))
	defer sts.Close()
	type seen struct {
		key, token string
		err        error
	}
	calls := make(chan seen, 10)
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		auth := r.Header.Get("Authorization")
		_, cred, _ := strings.Cut(auth, "Credential=")
		key, _, _ := strings.Cut(cred, "/")
		_, err := verifySigV4(r, body, "secret-"+strings.TrimPrefix(key, "ASIA"))
		calls <- seen{key, r.Header.Get("X-Amz-Security-Token"), err}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, `{"TableNames":[]}`)
	}))
	defer svc.Close()
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_STS": sts.URL, "AWS_ENDPOINT_URL_DYNAMODB": svc.URL})
	c, err := New(Options{Region: "us-east-1", AssumeRole: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"reader", "reader", "writer"} {
		_, err := c.Call(context.Background(), Call{Service: "dynamodb", Action: "listTables", RoleArn: "arn:aws:iam::123456789012:role/" + role})
		if err != nil {
			t.Fatal(err)
		}
		s := <-calls
		if s.err != nil {
			t.Fatalf("%s: %v", role, s.err)
		}
		if s.key != "ASIA"+role || s.token != "token-"+role {
			t.Errorf("%s: signed by %s with token %q, want the role's credentials", role, s.key, s.token)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if assumed["arn:aws:iam::123456789012:role/reader"] != 1 || assumed["arn:aws:iam::123456789012:role/writer"] != 1 {
		t.Errorf("AssumeRole calls %v, want one per role", assumed)
	}
}
