// Package ids makes the random identifiers Stepwise hands out: execution names, task tokens.
package ids

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
)

// UUID returns a random version 4 UUID.
func UUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return format(b)
}

// format writes a UUID's 8-4-4-4-12 hex groups. Every API call makes one (its request id),
// every start another: fmt.Sprintf took several times as long, with five allocations.
func format(b [16]byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// Token returns an opaque task token: 48 random bytes, base64url-encoded, like the long
// tokens AWS hands out.
func Token() string {
	var b [48]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
