package awstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestVerifySigV4: the receiver's check passes a request signed with the test credentials
// and fails one signed with another secret, for another service, or whose body changed.
func TestVerifySigV4(t *testing.T) {
	sign := func(secret, service string, body []byte) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/", bytes.NewReader(body))
		r.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		r.Host = r.URL.Host
		r.Body = nil
		return r
	}
	const good = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	body := []byte(`{"Entries":[]}`)
	if err := verifySigV4(sign(good, "events", body), body, "events"); err != nil {
		t.Errorf("a good signature: %v", err)
	}
	if err := verifySigV4(sign("other", "events", body), body, "events"); err == nil {
		t.Error("a signature with another secret passed")
	}
	if err := verifySigV4(sign(good, "logs", body), body, "events"); err == nil {
		t.Error("a signature for another service passed")
	}
	if err := verifySigV4(sign(good, "events", body), []byte(`{"Entries":[{}]}`), "events"); err == nil {
		t.Error("a changed body passed")
	}
}
