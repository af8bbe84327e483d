package awstest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Isolate gives a test an AWS configuration of its own, so that the developer's does not leak
// in: an empty HOME and config files, none of the AWS_* or *_ENDPOINT variables but env, test
// credentials, and no instance metadata lookups.
func Isolate(t testing.TB, env map[string]string) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasSuffix(k, "_ENDPOINT") {
			t.Setenv(k, "") // restored when the test ends
			os.Unsetenv(k)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "credentials"))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for k, v := range env {
		t.Setenv(k, v)
	}
}
