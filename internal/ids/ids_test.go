package ids

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"testing"
)

func TestFormatAsSprintf(t *testing.T) {
	for range 1000 {
		var b [16]byte
		_, _ = rand.Read(b[:])
		want := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
		if got := format(b); got != want {
			t.Fatalf("%s, want %s", got, want)
		}
	}
}

func TestUUIDVersion4(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for range 100 {
		if u := UUID(); !re.MatchString(u) {
			t.Fatalf("%s is not a version 4 UUID", u)
		}
	}
}

func BenchmarkUUID(b *testing.B) {
	for b.Loop() {
		_ = UUID()
	}
}
