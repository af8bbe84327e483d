package awstest

// S3 and goaws (goaws.go) run in process: both are Go modules, so no test skips for want of
// them. They answer on 127.0.0.1 only.

import (
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3 starts gofakes3 with an in-memory backend and returns its URL; the server stops when
// the test ends. It answers path-style requests (http://host/bucket/key) and does not check
// signatures.
func S3(t testing.TB) string {
	t.Helper()
	faker := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog()))
	srv := httptest.NewServer(faker.Server())
	t.Cleanup(srv.Close)
	return srv.URL
}
