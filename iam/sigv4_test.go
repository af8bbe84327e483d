package iam

import (
	"context"
	"crypto/sha256"
	cryptotls "crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// newTestDirectory has root keys and a user "alice" with one access key.
func newTestDirectory(t testing.TB, now time.Time) (*Directory, *AccessKey) {
	t.Helper()
	d, err := Open(Options{RootAccessKeyID: "AKIAROOT", RootSecretAccessKey: "rootsecret", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateUser("alice", ""); err != nil {
		t.Fatal(err)
	}
	k, err := d.CreateAccessKey("alice")
	if err != nil {
		t.Fatal(err)
	}
	return d, k
}

// signed builds a Step Functions request signed by the SDK's signer for us-east-1, as the
// server sees it.
func signed(t testing.TB, id, secret, service string, when time.Time, body string) *http.Request {
	t.Helper()
	return signedFor(t, id, secret, service, "us-east-1", when, body)
}

// signedFor is signed for a region.
func signedFor(t testing.TB, id, secret, service, region string, when time.Time, body string) *http.Request {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://localhost:8083/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req,
		hex.EncodeToString(sum[:]), service, region, when)
	if err != nil {
		t.Fatal(err)
	}
	// What the server gets: Host moved out of the header map, the body unread.
	srv := httptest.NewRequest("POST", "/", strings.NewReader(body))
	srv.Host = req.URL.Host
	srv.Header = req.Header.Clone()
	return srv
}

func TestAuthenticate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d, key := newTestDirectory(t, now)
	body := `{"maxResults":10}`
	tests := []struct {
		name       string
		req        func() *http.Request
		wantUser   string
		wantCode   string
		wantPrefix string
	}{
		{"user key", func() *http.Request { return signed(t, key.AccessKeyID, key.SecretAccessKey, "states", now, body) }, "alice", "", ""},
		{"root key", func() *http.Request { return signed(t, "AKIAROOT", "rootsecret", "states", now, body) }, "", "", ""},
		{"4 minutes old", func() *http.Request {
			return signed(t, key.AccessKeyID, key.SecretAccessKey, "states", now.Add(-4*time.Minute), body)
		}, "alice", "", ""},
		{"bad secret", func() *http.Request { return signed(t, key.AccessKeyID, "wrong", "states", now, body) }, "",
			"InvalidSignatureException", "The request signature we calculated does not match the signature you provided."},
		{"unknown key", func() *http.Request { return signed(t, "AKIANOBODY", "x", "states", now, body) }, "",
			"UnrecognizedClientException", "The security token included in the request is invalid."},
		{"expired", func() *http.Request {
			return signed(t, key.AccessKeyID, key.SecretAccessKey, "states", now.Add(-6*time.Minute), body)
		}, "", "InvalidSignatureException", "Signature expired: 20260301T115400Z is now earlier than 20260301T115500Z (20260301T120000Z - 5 min.)"},
		{"in the future", func() *http.Request {
			return signed(t, key.AccessKeyID, key.SecretAccessKey, "states", now.Add(6*time.Minute), body)
		}, "", "InvalidSignatureException", "Signature not yet current: 20260301T120600Z is still later than 20260301T120500Z (20260301T120000Z + 5 min.)"},
		{"wrong service", func() *http.Request { return signed(t, key.AccessKeyID, key.SecretAccessKey, "iam", now, body) }, "",
			"IncompleteSignatureException", "Credential should be scoped to correct service: 'states'."},
		{"another region", func() *http.Request {
			return signedFor(t, key.AccessKeyID, key.SecretAccessKey, "states", "eu-west-1", now, body)
		}, "", "InvalidSignatureException", "Credential should be scoped to a valid region, not 'eu-west-1'. "},
		{"missing", func() *http.Request { return httptest.NewRequest("POST", "/", strings.NewReader(body)) }, "",
			"MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"no signature", func() *http.Request {
			r := signed(t, key.AccessKeyID, key.SecretAccessKey, "states", now, body)
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
			return r
		}, "", "IncompleteSignatureException", "Authorization header requires 'Signature' parameter."},
		{"no date", func() *http.Request {
			r := signed(t, key.AccessKeyID, key.SecretAccessKey, "states", now, body)
			r.Header.Del("X-Amz-Date")
			return r
		}, "", "IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{"other algorithm", func() *http.Request {
			r := signed(t, key.AccessKeyID, key.SecretAccessKey, "states", now, body)
			r.Header.Set("Authorization", "AWS3 x")
			return r
		}, "", "IncompleteSignatureException", "Unsupported AWS 'algorithm'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := d.Authenticate(tt.req(), []byte(body), "states")
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				if p.UserName != tt.wantUser || p.Root != (tt.wantUser == "") {
					t.Errorf("principal %+v", p)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tt.wantCode || !strings.HasPrefix(e.Message, tt.wantPrefix) {
				t.Errorf("got %v, want %s: %s", err, tt.wantCode, tt.wantPrefix)
			}
		})
	}
	t.Run("tampered body", func(t *testing.T) {
		_, err := d.Authenticate(signed(t, key.AccessKeyID, key.SecretAccessKey, "states", now, body), []byte(`{"maxResults":11}`), "states")
		var e *Error
		if !errors.As(err, &e) || e.Code != "InvalidSignatureException" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("deleted key", func(t *testing.T) {
		k2, _ := d.CreateAccessKey("alice")
		if err := d.DeleteAccessKey("alice", k2.AccessKeyID); err != nil {
			t.Fatal(err)
		}
		_, err := d.Authenticate(signed(t, k2.AccessKeyID, k2.SecretAccessKey, "states", now, body), []byte(body), "states")
		var e *Error
		if !errors.As(err, &e) || e.Code != "UnrecognizedClientException" {
			t.Errorf("got %v", err)
		}
	})
}

func TestAuthorizeMessages(t *testing.T) {
	now := time.Now()
	d, _ := newTestDirectory(t, now)
	const sm = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	alice := &Principal{Arn: "arn:aws:iam::123456789012:user/alice", UserName: "alice"}
	err := d.Authorize(alice, "states:StartExecution", sm)
	want := "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: states:StartExecution on resource: " + sm +
		" because no identity-based policy allows the states:StartExecution action"
	var e *Error
	if !errors.As(err, &e) || e.Code != "AccessDeniedException" || e.Message != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if err := d.PutUserPolicy("alice", "all", `{"Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"},{"Effect":"Deny","Action":"states:Delete*","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	if err := d.Authorize(alice, "states:StartExecution", sm); err != nil {
		t.Errorf("allowed call: %v", err)
	}
	err = d.Authorize(alice, "states:DeleteStateMachine", sm)
	if !errors.As(err, &e) || !strings.HasSuffix(e.Message, "with an explicit deny in an identity-based policy") {
		t.Errorf("explicit deny: %v", err)
	}
	if err := d.Authorize(&Principal{Root: true}, "iam:DeleteRole", "*"); err != nil {
		t.Errorf("root: %v", err)
	}
}

// TestCallerConditionKeys: a signed caller's policy sees the keys Authenticate and Authorize
// supply: who (aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalType,
// aws:PrincipalAccount), from where (aws:SourceIp, aws:SecureTransport), the region and
// the time.
func TestCallerConditionKeys(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	d, key := newTestDirectory(t, now)
	const sm = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	u := d.st.Users["alice"]
	authorize := func(t *testing.T, policy string, remote string, tls bool) error {
		t.Helper()
		if err := d.PutUserPolicy("alice", "p", policy); err != nil {
			t.Fatal(err)
		}
		r := signed(t, key.AccessKeyID, key.SecretAccessKey, "states", now, "{}")
		r.RemoteAddr = remote
		if tls {
			r.TLS = &cryptotls.ConnectionState{HandshakeComplete: true}
		}
		p, err := d.Authenticate(r, []byte("{}"), "states")
		if err != nil {
			t.Fatal(err)
		}
		return d.Authorize(p, "states:StartExecution", sm)
	}
	allow := func(cond string) string {
		return `{"Statement":{"Effect":"Allow","Action":"states:*","Resource":"*","Condition":` + cond + `}}`
	}
	for _, tc := range []struct {
		name, policy, remote string
		tls                  bool
		allowed              bool
	}{
		{"username", allow(`{"StringEquals":{"aws:username":"alice"}}`), "192.0.2.1:5000", false, true},
		{"other username", allow(`{"StringEquals":{"aws:username":"bob"}}`), "192.0.2.1:5000", false, false},
		{"userid", allow(`{"StringEquals":{"aws:userid":"` + u.UserID + `"}}`), "192.0.2.1:5000", false, true},
		{"principal arn", allow(`{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/al*"}}`), "192.0.2.1:5000", false, true},
		{"principal type", allow(`{"StringEquals":{"aws:PrincipalType":"User","aws:PrincipalAccount":"123456789012"}}`), "192.0.2.1:5000", false, true},
		{"source ip inside", allow(`{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), "192.0.2.1:5000", false, true},
		{"source ip outside", allow(`{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), "198.51.100.1:5000", false, false},
		{"source ip IPv6", allow(`{"IpAddress":{"aws:SourceIp":"::1/128"}}`), "[::1]:5000", false, true},
		{"secure transport required, plain HTTP", allow(`{"Bool":{"aws:SecureTransport":"true"}}`), "192.0.2.1:5000", false, false},
		{"secure transport required, TLS", allow(`{"Bool":{"aws:SecureTransport":"true"}}`), "192.0.2.1:5000", true, true},
		{"deny without TLS", `{"Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			"192.0.2.1:5000", false, false},
		{"deny without TLS, over TLS", `{"Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			"192.0.2.1:5000", true, true},
		{"region", allow(`{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`), "192.0.2.1:5000", false, true},
		{"other region", allow(`{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}`), "192.0.2.1:5000", false, false},
		{"before a date", allow(`{"DateLessThan":{"aws:CurrentTime":"2026-12-02T10:00:00Z"}}`), "192.0.2.1:5000", false, true},
		{"after a date", allow(`{"DateGreaterThan":{"aws:CurrentTime":"2026-12-02T10:00:00Z"}}`), "192.0.2.1:5000", false, false},
		{"epoch time", allow(`{"NumericEquals":{"aws:EpochTime":"` + strconv.FormatInt(now.Unix(), 10) + `"}}`), "192.0.2.1:5000", false, true},
		{"no session token here", allow(`{"Null":{"aws:TokenIssueTime":"true"}}`), "192.0.2.1:5000", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := authorize(t, tc.policy, tc.remote, tc.tls)
			if (err == nil) != tc.allowed {
				t.Errorf("allowed = %v, want %v (%v)", err == nil, tc.allowed, err)
			}
		})
	}
}

// TestRoleConditionKeys: a role's policy sees the role as principal (its ARN, AssumedRole,
// ROLEID:SESSION) and what the integration adds with WithContextKeys.
func TestRoleConditionKeys(t *testing.T) {
	d, _ := newTestDirectory(t, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	const trust = `{"Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role, err := d.CreateRole("r", "/", trust, "", 3600)
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithSession(context.Background(), "run-1")
	for _, tc := range []struct {
		name, cond string
		keys       RequestContext
		allowed    bool
	}{
		{"principal arn is the role", `{"ArnEquals":{"aws:PrincipalArn":"` + role.Arn + `"}}`, nil, true},
		{"principal type", `{"StringEquals":{"aws:PrincipalType":"AssumedRole"}}`, nil, true},
		{"userid", `{"StringEquals":{"aws:userid":"` + role.RoleID + `:run-1"}}`, nil, true},
		{"no username for a role", `{"Null":{"aws:username":"true"}}`, nil, true},
		{"no source ip for a role", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, nil, false},
		{"added key", `{"StringEquals":{"states:HTTPMethod":"GET"}}`, RequestContext{"states:httpmethod": {"GET"}}, true},
		{"added key differs", `{"StringEquals":{"states:HTTPMethod":"GET"}}`, RequestContext{"states:httpmethod": {"POST"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := d.PutRolePolicy("r", "p", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+tc.cond+`}}`); err != nil {
				t.Fatal(err)
			}
			c := ctx
			if tc.keys != nil {
				c = WithContextKeys(ctx, tc.keys)
			}
			err := d.AuthorizeRole(c, role.Arn, "states:StartExecution", "arn:aws:states:us-east-1:123456789012:stateMachine:m")
			if (err == nil) != tc.allowed {
				t.Errorf("allowed = %v, want %v (%v)", err == nil, tc.allowed, err)
			}
		})
	}
}

// TestCheckRoleForStates checks whether Step Functions may assume a role, by its trust
// policy: an explicit deny wins over an allow there too.
func TestCheckRoleForStates(t *testing.T) {
	d, _ := newTestDirectory(t, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	const sm = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	allow := `{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}`
	for i, tc := range []struct {
		name, statements string
		trusted          bool
	}{
		{"allowed", allow, true},
		{"regional name", `{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","states.us-east-1.amazonaws.com"]},"Action":"sts:AssumeRole"}`, true},
		{"another service", `{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}`, false},
		{"denied after allowed", allow + `,{"Effect":"Deny","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}`, false},
		{"denied to everyone", allow + `,{"Effect":"Deny","Principal":"*","Action":"sts:*"}`, false},
		{"denied to another service", allow + `,{"Effect":"Deny","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}`, true},
		{"deny whose condition is false", allow + `,{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:SourceAccount":"123456789012"}}}`, true},
		{"deny whose condition holds", allow + `,{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:states:*:*:stateMachine:m"}}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := d.CreateRole(fmt.Sprintf("r%d", i), "/", `{"Version":"2012-10-17","Statement":[`+tc.statements+`]}`, "", 3600)
			if err != nil {
				t.Fatal(err)
			}
			err = d.CheckRoleForStates(r.Arn, sm)
			if (err == nil) != tc.trusted {
				t.Errorf("trusted = %v, want %v (%v)", err == nil, tc.trusted, err)
			}
		})
	}
}

// TestAuthenticateRegion: a request must be signed for the endpoint's region, the server's
// for Step Functions and us-east-1 for IAM (a global service), as AWS refuses another; IAM
// calls signed for the server's region pass too (what an SDK given --endpoint-url signs).
func TestAuthenticateRegion(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d, err := Open(Options{Region: "eu-west-1", RootAccessKeyID: "AKIAROOT", RootSecretAccessKey: "rootsecret", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	body := `{}`
	for _, c := range []struct {
		service, region string
		ok              bool
	}{
		{"states", "eu-west-1", true},
		{"states", "us-east-1", false},
		{"iam", "us-east-1", true},
		{"iam", "eu-west-1", true},
		{"iam", "ap-south-1", false},
	} {
		p, err := d.Authenticate(signedFor(t, "AKIAROOT", "rootsecret", c.service, c.region, now, body), []byte(body), c.service)
		if c.ok {
			if err != nil || p.Region != map[string]string{"states": "eu-west-1", "iam": "us-east-1"}[c.service] {
				t.Errorf("%s signed for %s: %v, %+v", c.service, c.region, err, p)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != "InvalidSignatureException" || e.Message != "Credential should be scoped to a valid region, not '"+c.region+"'. " {
			t.Errorf("%s signed for %s: %v", c.service, c.region, err)
		}
	}
}

// FuzzAuthenticate mutates a signed request's Authorization and X-Amz-Date headers, its
// query and its body. Authenticate must never panic, and must accept only what was signed: a
// request it lets through has the body and the query the signature covers.
func FuzzAuthenticate(f *testing.F) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d, key := newTestDirectory(f, now)
	const body = `{"maxResults":10}`
	orig := signed(f, key.AccessKeyID, key.SecretAccessKey, "states", now, body)
	auth, date := orig.Header.Get("Authorization"), orig.Header.Get("X-Amz-Date")
	if _, err := d.Authenticate(orig, []byte(body), "states"); err != nil {
		f.Fatalf("the signed request itself: %v", err) // else the property below holds of nothing
	}
	f.Add(auth, date, body, "")
	f.Add(strings.Replace(auth, ", ", ",", -1), date, body, "a=1")
	f.Add(strings.Replace(auth, "SignedHeaders=", "SignedHeaders=x-amz-target;", 1), date, body+" ", "")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAROOT/20260301/us-east-1/states/aws4_request, SignedHeaders=host, Signature=00", date, "", "b=%zz")
	f.Fuzz(func(t *testing.T, auth, date, b, query string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(b))
		r.Host = orig.Host
		r.Header = orig.Header.Clone()
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", date)
		r.URL.RawQuery = query
		p, err := d.Authenticate(r, []byte(b), "states")
		if err != nil {
			if p != nil {
				t.Fatalf("an error with a principal: %v", err)
			}
			return
		}
		if b != body || canonicalQuery(query) != "" {
			t.Fatalf("accepted what was not signed: body %q, query %q, Authorization %q", b, query, auth)
		}
	})
}
