package iam

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDate      = "20060102T150405Z"
)

// signature is a parsed Authorization header.
type signature struct {
	keyID, date, region, service, terminator string
	signedHeaders                            []string
	signature                                string
	header                                   string
}

// Authenticate verifies a request's SigV4 signature for service ("states" or "iam") and
// returns who signed it. body is the request body, already read.
func (d *Directory) Authenticate(r *http.Request, body []byte, service string) (*Principal, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		status := http.StatusBadRequest
		if service != "iam" {
			status = http.StatusForbidden
		}
		return nil, newErr(status, "MissingAuthenticationTokenException", msgMissingToken)
	}
	sig, err := parseAuthorization(auth)
	if err != nil {
		return nil, err
	}
	when, stamp, err := requestTime(r, auth)
	if err != nil {
		return nil, err
	}
	if sig.terminator != "aws4_request" {
		return nil, errIncomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", sig.terminator)
	}
	if sig.service != service {
		return nil, errIncomplete("Credential should be scoped to correct service: '%s'. ", service)
	}
	region := d.opts.Region
	global := service == "iam" || service == "sts"
	if global {
		region = "us-east-1" // IAM is global, its endpoint in us-east-1; so is STS's global one
	}
	// IAM and STS calls signed for the server's own region are let through too: an SDK or
	// the CLI given --endpoint-url signs for its configured region, which for Stepwise's
	// endpoint is the server's, where AWS's IAM endpoint has the SDKs sign for us-east-1.
	if sig.region != region && (!global || sig.region != d.opts.Region) {
		// Signed for another region than the endpoint's: refused before the signature is
		// checked, in AWS's words (IAM's and STS's answers name the region; the JSON
		// services' wording is not recorded).
		return nil, newErr(http.StatusBadRequest, "InvalidSignatureException", "Credential should be scoped to a valid region, not '%s'. ", sig.region)
	}
	if sig.date != stamp[:8] {
		return nil, errIncomplete("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", sig.date, stamp[:8], stamp)
	}
	if !hasHost(sig.signedHeaders) {
		return nil, errIncomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	now := d.opts.Now().UTC()
	skew := d.opts.MaxSkew
	mins := strconv.Itoa(int(skew / time.Minute))
	if when.Before(now.Add(-skew)) {
		return nil, newErr(http.StatusBadRequest, "InvalidSignatureException", "Signature expired: %s is now earlier than %s (%s - %s min.)",
			stamp, now.Add(-skew).Format(amzDate), now.Format(amzDate), mins)
	}
	if when.After(now.Add(skew)) {
		return nil, newErr(http.StatusBadRequest, "InvalidSignatureException", "Signature not yet current: %s is still later than %s (%s + %s min.)",
			stamp, now.Add(skew).Format(amzDate), now.Format(amzDate), mins)
	}
	p, secret := d.lookupKey(sig.keyID)
	if p == nil {
		return nil, errUnrecognized()
	}
	want := sign(secret, sig, stringToSign(stamp, sig, canonicalRequest(r, body, sig.signedHeaders)))
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(sig.signature))) != 1 {
		return nil, errBadSignature()
	}
	p.SetOrigin(r)
	p.Region = region
	return p, nil
}

// lookupKey finds an access key: the root's, or an active key of a user.
func (d *Directory) lookupKey(id string) (*Principal, string) {
	if d.opts.RootAccessKeyID != "" && id == d.opts.RootAccessKeyID {
		return &Principal{Arn: "arn:aws:iam::" + d.opts.Account + ":root", Root: true, KeyID: id}, d.opts.RootSecretAccessKey
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	k, ok := d.st.Keys[id]
	if !ok || k.Status != "Active" {
		return nil, ""
	}
	u, ok := d.st.Users[k.UserName]
	if !ok {
		return nil, ""
	}
	return &Principal{Arn: u.Arn, UserName: u.UserName, UserID: u.UserID, KeyID: id}, k.SecretAccessKey
}

func parseAuthorization(h string) (*signature, error) {
	alg, rest, _ := strings.Cut(h, " ")
	if alg != sigAlgorithm {
		return nil, errIncomplete("Unsupported AWS 'algorithm': '%s'. Authorization=%s", alg, h)
	}
	s := &signature{header: h}
	var cred, signed string
	var haveCred, haveSigned, haveSig bool
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			cred, haveCred = v, true
		case "SignedHeaders":
			signed, haveSigned = v, true
		case "Signature":
			s.signature, haveSig = v, true
		}
	}
	var missing []string
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveSigned {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if len(missing) > 0 {
		return nil, errIncomplete("%s Authorization=%s", strings.Join(missing, " "), h)
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return nil, errIncomplete("Credential should be scoped to a valid region. ")
	}
	s.keyID, s.date, s.region, s.service, s.terminator = parts[0], parts[1], parts[2], parts[3], parts[4]
	if s.region == "" {
		return nil, errIncomplete("Credential should be scoped to a valid region. ")
	}
	s.signedHeaders = strings.Split(signed, ";")
	return s, nil
}

// requestTime reads X-Amz-Date, or Date.
func requestTime(r *http.Request, auth string) (time.Time, string, error) {
	if v := r.Header.Get("X-Amz-Date"); v != "" {
		t, err := time.Parse(amzDate, v)
		if err != nil {
			return time.Time{}, "", errIncomplete("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", v)
		}
		return t, v, nil
	}
	if v := r.Header.Get("Date"); v != "" {
		t, err := http.ParseTime(v)
		if err == nil {
			return t.UTC(), t.UTC().Format(amzDate), nil
		}
	}
	return time.Time{}, "", errIncomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", auth)
}

func hasHost(signed []string) bool {
	for _, h := range signed {
		if h == "host" || h == ":authority" {
			return true
		}
	}
	return false
}

// canonicalRequest is SigV4's canonical request of r.
func canonicalRequest(r *http.Request, body []byte, signed []string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL.EscapedPath()))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	if h := r.Header.Get("X-Amz-Content-Sha256"); h == "UNSIGNED-PAYLOAD" {
		b.WriteString(h)
	} else {
		sum := sha256.Sum256(body)
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String()
}

// headerValue is a header's canonical value: its values joined by commas, trimmed, with
// runs of spaces folded. Go's server keeps Host and Content-Length out of r.Header.
func headerValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host", ":authority":
		vals = []string{r.Host}
	case "content-length":
		if len(r.Header.Values(name)) == 0 && r.ContentLength >= 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		} else {
			vals = r.Header.Values(name)
		}
	case "transfer-encoding":
		vals = r.TransferEncoding
	default:
		vals = r.Header.Values(name)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// canonicalURI encodes each segment of the (already escaped) path again, as SigV4 does for
// every service but S3.
func canonicalURI(p string) string {
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	return strings.Join(segs, "/")
}

func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, _ := url.ParseQuery(raw)
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, escape(k)+"="+escape(v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// escape is RFC 3986 percent-encoding: everything but unreserved characters. IAM encodes
// policy documents in its responses the same way.
func escape(s string) string {
	const hexdigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdigits[c>>4])
		b.WriteByte(hexdigits[c&15])
	}
	return b.String()
}

func stringToSign(stamp string, s *signature, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return sigAlgorithm + "\n" + stamp + "\n" + s.date + "/" + s.region + "/" + s.service + "/" + s.terminator + "\n" + hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func sign(secret string, s *signature, toSign string) string {
	k := hmacSHA256([]byte("AWS4"+secret), s.date)
	k = hmacSHA256(k, s.region)
	k = hmacSHA256(k, s.service)
	k = hmacSHA256(k, s.terminator)
	return hex.EncodeToString(hmacSHA256(k, toSign))
}
