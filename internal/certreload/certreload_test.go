package certreload

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writePair writes a self-signed certificate for cn and its key.
func writePair(t *testing.T, certFile, keyFile, cn string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{cn}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func commonName(t *testing.T, c *tls.Certificate) string {
	t.Helper()
	x, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return x.Subject.CommonName
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, certFile, keyFile, "first")
	r, err := New(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	r.now = func() time.Time { return clock }
	var errs []error
	r.OnError = func(err error) { errs = append(errs, err) }
	get := func() string {
		c, err := r.GetCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		return commonName(t, c)
	}
	if got := get(); got != "first" {
		t.Fatalf("serves %q", got)
	}

	writePair(t, certFile, keyFile, "second")
	if got := get(); got != "first" {
		t.Errorf("looked at the files again within a second: %q", got)
	}
	clock = clock.Add(time.Second)
	if got := get(); got != "second" {
		t.Errorf("after renewal serves %q, want second", got)
	}

	// A broken key keeps the old certificate, says why, and is tried again.
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Second)
	if got := get(); got != "second" || len(errs) != 1 {
		t.Errorf("with a broken key serves %q (errors %v)", got, errs)
	}
	writePair(t, certFile, keyFile, "third")
	clock = clock.Add(time.Second)
	if got := get(); got != "third" {
		t.Errorf("after the fix serves %q", got)
	}
}

func TestNewRefusesABrokenPair(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, certFile, keyFile, "a")
	other := filepath.Join(dir, "other.pem")
	writePair(t, filepath.Join(dir, "c2.pem"), other, "b")
	if _, err := New(certFile, other); err == nil {
		t.Error("a certificate with another's key was accepted")
	}
	if _, err := New(filepath.Join(dir, "missing.pem"), keyFile); err == nil {
		t.Error("a missing certificate was accepted")
	}
}
