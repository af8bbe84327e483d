package awssdk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

// verifySigV4 checks a request's SigV4 signature from the specification (not with the SDK's
// signer, which the client signs with), for a request whose path needs no escaping. It
// returns the credential scope.
func verifySigV4(r *http.Request, body []byte, secret string) (string, error) {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return "", fmt.Errorf("Authorization %q is not SigV4", auth)
	}
	fields := map[string]string{}
	for _, f := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(f, "=")
		fields[k] = v
	}
	_, scope, _ := strings.Cut(fields["Credential"], "/")
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) {
		return "", fmt.Errorf("signed headers %v are not sorted", signed)
	}
	var canonHeaders strings.Builder
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		if h == "content-length" {
			v = fmt.Sprint(r.ContentLength)
		}
		fmt.Fprintf(&canonHeaders, "%s:%s\n", h, strings.TrimSpace(v))
	}
	for _, must := range []string{"host", "x-amz-date"} {
		if !strings.Contains(fields["SignedHeaders"], must) {
			return "", fmt.Errorf("%s is not signed", must)
		}
	}
	sum := sha256.Sum256(body)
	canonical := strings.Join([]string{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, canonHeaders.String(),
		fields["SignedHeaders"], hex.EncodeToString(sum[:])}, "\n")
	creq := sha256.Sum256([]byte(canonical))
	toSign := strings.Join([]string{"AWS4-HMAC-SHA256", r.Header.Get("X-Amz-Date"), scope, hex.EncodeToString(creq[:])}, "\n")
	parts := strings.Split(scope, "/") // date/region/service/aws4_request
	if len(parts) != 4 {
		return "", fmt.Errorf("bad scope %q", scope)
	}
	key := []byte("AWS4" + secret)
	for _, p := range parts {
		key = hmacSHA256(key, p)
	}
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if fields["Signature"] != want {
		return scope, fmt.Errorf("signature %s, want %s", fields["Signature"], want)
	}
	return scope, nil
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func TestSignature(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	type seen struct {
		scope, target, contentType, body string
		err                              error
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		scope, err := verifySigV4(r, body, secret)
		got <- seen{scope, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"), string(body), err}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-RequestId", "req-1")
		_, _ = io.WriteString(w, `{"ARN":"arn:secret","Name":"n","SecretString":"s3cr3t","CreatedDate":1700000000.25}`)
	}))
	defer srv.Close()
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": srv.URL})
	c := newClient(t)
	res, err := c.Call(context.Background(), Call{Service: "secretsmanager", Action: "getSecretValue", Region: "eu-central-1",
		Params: map[string]any{"SecretId": "n"}})
	if err != nil {
		t.Fatal(err)
	}
	s := <-got
	if s.err != nil {
		t.Fatal(s.err)
	}
	if !strings.HasSuffix(s.scope, "/eu-central-1/secretsmanager/aws4_request") {
		t.Errorf("scope %s, want the call's region and the model's signing name", s.scope)
	}
	if s.target != "secretsmanager.GetSecretValue" || s.contentType != "application/x-amz-json-1.1" || s.body != `{"SecretId":"n"}` {
		t.Errorf("request %s %s %s", s.target, s.contentType, s.body)
	}
	want := `map[ARN:arn:secret CreatedDate:2023-11-14T22:13:20.250Z Name:n SecretString:s3cr3t]`
	if fmt.Sprint(res.Output) != want || res.RequestID != "req-1" {
		t.Errorf("output %v (%s), want %s", res.Output, res.RequestID, want)
	}
}
