package page

import (
	"errors"
	"testing"

	"github.com/stepwise-run/stepwise/store"
)

func TestTokens(t *testing.T) {
	if got, err := Decode("sm", Encode("sm", "arn:x")); err != nil || got != "arn:x" {
		t.Fatalf("round trip = %q, %v", got, err)
	}
	if got, err := DecodeInt("ex", EncodeInt("ex", 42)); err != nil || got != 42 {
		t.Fatalf("int round trip = %d, %v", got, err)
	}
	for _, tok := range []string{"!!", Encode("sm", "1"), Encode("ex", "x")} {
		if _, err := DecodeInt("ex", tok); !errors.Is(err, store.ErrInvalidToken) {
			t.Errorf("DecodeInt(%q) error = %v, want ErrInvalidToken", tok, err)
		}
	}
}

func TestLimit(t *testing.T) {
	for in, want := range map[int]int{-1: DefaultLimit, 0: DefaultLimit, 5: 5, MaxLimit + 1: MaxLimit} {
		if got := Limit(in); got != want {
			t.Errorf("Limit(%d) = %d, want %d", in, got, want)
		}
	}
}
