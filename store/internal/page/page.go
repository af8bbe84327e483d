package page

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepwise-run/stepwise/store"
)

// Page sizes: Limit <= 0 asks for DefaultLimit; more than MaxLimit gets MaxLimit.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Limit returns the page size to use for a requested one.
func Limit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// Encode makes a token of a listing kind for the key of the last row returned.
func Encode(kind, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + key))
}

// Decode reads a token of a listing kind; it wraps store.ErrInvalidToken.
func Decode(kind, token string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		if key, ok := strings.CutPrefix(string(b), kind+":"); ok {
			return key, nil
		}
	}
	return "", fmt.Errorf("%w: %q", store.ErrInvalidToken, token)
}

// EncodeInt is Encode for an integer key.
func EncodeInt(kind string, key int64) string { return Encode(kind, strconv.FormatInt(key, 10)) }

// DecodeInt is Decode for an integer key.
func DecodeInt(kind, token string) (int64, error) {
	s, err := Decode(kind, token)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", store.ErrInvalidToken, token)
	}
	return n, nil
}
