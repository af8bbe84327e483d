package console

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepwise-run/stepwise/iam"
)

// Guard is what the console needs of IAM (iam.Directory) when serve runs with --enforce-iam:
// to check an access key at sign-in, and to authorize what its own endpoints show.
type Guard interface {
	Authenticate(r *http.Request, body []byte, service string) (*iam.Principal, error)
	Authorize(p *iam.Principal, action, resource string) error
}

const (
	sessionCookie = "stepwise_session"
	sessionTTL    = 8 * time.Hour
	// maxAPIBody matches the API's own limit; a larger body is passed on unsigned and refused there.
	maxAPIBody = 8 << 20
)

// A session is a signed-in console: the access key it signs the browser's API calls with.
// The secret stays in this process's memory (which holds every key anyway) and never goes
// back to the browser; the browser holds only the session's random id, in an HttpOnly cookie.
type session struct {
	keyID, secret string
	arn           string
	expires       time.Time
}

// sessions are kept in memory by the SHA-256 of their id: a restart signs everyone out.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func (s *sessions) add(sess *session) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*session{}
	}
	now := time.Now()
	for k, v := range s.m { // sessions are few; sweep the expired ones on each sign-in
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	s.m[hashID(id)] = sess
	return id
}

func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.m[hashID(c.Value)]
	if sess == nil || time.Now().After(sess.expires) {
		return nil
	}
	return sess
}

func (s *sessions) remove(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.m, hashID(c.Value))
		s.mu.Unlock()
	}
}

// API wraps the Step Functions API handler. With a Guard, a call from a signed-in console
// (the session cookie, an X-Amz-Target of Step Functions, no Authorization header) is signed
// with the session's key before it reaches the API, which then authenticates and authorizes
// it as it does any SDK's call: the console acts with exactly that key's permissions. Other
// requests, IAM's form-encoded Query calls among them, pass untouched, so the cookie cannot
// be used to forge a cross-site form post.
func (c *Console) API(next http.Handler) http.Handler {
	if c.opts.Guard == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || !strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.") {
			next.ServeHTTP(w, r)
			return
		}
		sess := c.sessions.get(r)
		if sess == nil {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody+1))
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, "SerializationException", "could not read the request body")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.Header.Del("Cookie") // the API has no use for the session id
		if err := signRequest(r, body, sess.keyID, sess.secret, time.Now()); err != nil {
			writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "could not sign the console's request: "+err.Error())
			return
		}
		next.ServeHTTP(w, r)
	})
}

// signRequest signs r with SigV4 for Step Functions, with the AWS SDK's signer, as any SDK
// client would sign it.
func signRequest(r *http.Request, body []byte, keyID, secret string, now time.Time) error {
	r.Header.Del("X-Amz-Content-Sha256")
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(r.Context(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
		r, hex.EncodeToString(sum[:]), "states", "us-east-1", now)
}

// verifyKey checks an access key by signing a request with it and having the Guard
// authenticate that request, exactly as the API will authenticate the console's calls.
func (c *Console) verifyKey(keyID, secret string) (*iam.Principal, error) {
	body := []byte("{}")
	req, _ := http.NewRequest("POST", "http://console.local/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	if err := signRequest(req, body, keyID, secret, time.Now()); err != nil {
		return nil, err
	}
	return c.opts.Guard.Authenticate(req, body, "states")
}

// principal is who the request's session acts as, with its key checked again (a deleted
// key ends the session). Without a Guard there is nobody to check and it returns nil, nil.
func (c *Console) principal(r *http.Request) (*iam.Principal, error) {
	if c.opts.Guard == nil {
		return nil, nil
	}
	sess := c.sessions.get(r)
	if sess == nil {
		return nil, &iam.Error{Code: "MissingAuthenticationTokenException", Message: "Sign in to the console with an access key", Status: http.StatusForbidden}
	}
	p, err := c.verifyKey(sess.keyID, sess.secret)
	if err != nil {
		return nil, err
	}
	p.SetOrigin(r) // the browser's address and TLS, not the internal check's
	return p, nil
}

// sessionState answers GET /console/api/session: whether sign-in is needed, and as whom.
func (c *Console) sessionState(w http.ResponseWriter, r *http.Request) {
	out := map[string]any{"iam": c.opts.Guard != nil, "signedIn": false}
	if c.opts.Guard != nil {
		if sess := c.sessions.get(r); sess != nil {
			out["signedIn"] = true
			out["arn"] = sess.arn
			out["accessKeyId"] = sess.keyID
		}
	}
	writeJSON(w, out)
}

// signIn answers POST /console/api/signin {"accessKeyId", "secretAccessKey"}: the key is
// checked and a session cookie issued. The custom header makes a cross-site form post
// impossible (it needs a CORS preflight, which this server never grants).
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if c.opts.Guard == nil {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", "Sign-in is needed only when the server runs with --enforce-iam")
		return
	}
	if r.Header.Get("X-Stepwise-Console") != "1" {
		writeJSONError(w, http.StatusForbidden, "AccessDeniedException", "Sign in from the console")
		return
	}
	// Guessing keys is slowed down: each client address has 10 attempts, one more every 6 s.
	if !c.signIns.Allow(clientAddr(r)) {
		writeJSONError(w, http.StatusBadRequest, "ThrottlingException", "Rate exceeded: too many sign-in attempts; try again in a minute")
		return
	}
	var req struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil || req.AccessKeyID == "" || req.SecretAccessKey == "" {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", "accessKeyId and secretAccessKey are required")
		return
	}
	p, err := c.verifyKey(strings.TrimSpace(req.AccessKeyID), req.SecretAccessKey)
	if err != nil {
		writeGuardError(w, err)
		return
	}
	id := c.sessions.add(&session{keyID: p.KeyID, secret: req.SecretAccessKey, arn: p.Arn, expires: time.Now().Add(sessionTTL)})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(sessionTTL / time.Second)})
	c.opts.Logger.Info("console: signed in", "principal", p.Arn, "key", p.KeyID)
	writeJSON(w, map[string]any{"iam": true, "signedIn": true, "arn": p.Arn, "accessKeyId": p.KeyID})
}

// secure reports whether the browser reached us over HTTPS, directly or through a proxy
// that says so; the cookie is then sent over HTTPS only.
// clientAddr is the address a request came from (without its port). Behind a proxy it is the
// proxy's: sign-in attempts are then limited for all its clients together.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// signOut answers POST /console/api/signout.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Stepwise-Console") != "1" {
		writeJSONError(w, http.StatusForbidden, "AccessDeniedException", "Sign out from the console")
		return
	}
	c.sessions.remove(r)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	writeJSON(w, map[string]any{"iam": c.opts.Guard != nil, "signedIn": false})
}

func writeGuardError(w http.ResponseWriter, err error) {
	var e *iam.Error
	if errors.As(err, &e) {
		status := e.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		writeJSONError(w, status, e.Code, e.Message)
		return
	}
	writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "An internal error occurred")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
