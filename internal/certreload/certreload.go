// Package certreload serves a TLS certificate from files that may be replaced while the
// server runs: a renewed certificate (certbot, cert-manager, a script) is picked up by the
// next handshake, without a restart and without dropping open connections.
package certreload

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"
)

// Reloader loads a certificate and its key, and loads them again when either file changes.
type Reloader struct {
	certFile, keyFile string
	// every is how often the files are looked at, at most (a handshake between two looks
	// uses the certificate it has).
	every time.Duration
	now   func() time.Time
	// OnError, if set, hears of a reload that failed; the old certificate stays in use.
	OnError func(error)

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // the two files' sizes and modification times when loaded
	checked time.Time
}

// New loads the certificate and key, which must be valid.
func New(certFile, keyFile string) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile, every: time.Second, now: time.Now}
	stamp, err := r.stampNow()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	r.cert, r.stamp, r.checked = &cert, stamp, r.now()
	return r, nil
}

// GetCertificate is for tls.Config.GetCertificate.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.now(); now.Sub(r.checked) >= r.every {
		r.checked = now
		r.reload()
	}
	return r.cert, nil
}

// reload loads the files again if they changed since they were loaded. A pair that does not
// load (a key written after its certificate, a broken file) leaves the old one in use, and is
// tried again at the next look.
func (r *Reloader) reload() {
	stamp, err := r.stampNow()
	if err != nil || stamp == r.stamp {
		if err != nil && r.OnError != nil {
			r.OnError(err)
		}
		return
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		if r.OnError != nil {
			r.OnError(fmt.Errorf("reloading TLS certificate %s and key %s: %w", r.certFile, r.keyFile, err))
		}
		return
	}
	r.cert, r.stamp = &cert, stamp
}

func (r *Reloader) stampNow() (string, error) {
	var s string
	for _, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		s += fmt.Sprintf("%d/%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return s, nil
}

// Config is a server TLS configuration that serves the reloaded certificate, TLS 1.2 and up,
// with HTTP/2 offered first.
func (r *Reloader) Config() *tls.Config {
	return &tls.Config{GetCertificate: r.GetCertificate, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
}
