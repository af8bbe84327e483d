// Package jsontext writes and reads JSON strings byte for byte as encoding/json does, for the
// encoders and decoders that skip reflection on hot paths (history events, API answers and
// requests). It is written by hand because encoding/json offers no exported way to append
// one escaped string to a buffer.
package jsontext

import (
	"math/bits"
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// plainJSON and plainHTML are the bytes written as they are (without and with HTML
// escaping): ASCII but control characters, '"' and '\\' (and '<', '>' and '&'). A table
// lookup per byte is what keeps long plain strings (ARNs, names) fast: about twice the speed
// of testing each condition (BenchmarkAppendString).
var plainJSON, plainHTML = plainBytes(""), plainBytes("<>&")

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun is how many of s's first bytes are plain (plainJSON), found eight bytes at a time
// tested as one word (the last few bytes are left to the caller's table): long plain runs,
// as in an ARN or the JSON of an input inside a log event, go three times as fast as
// byte by byte.
func plainRun(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte's high bit is set in m when the byte is < 0x20, '"' or '\\' (the xor makes
		// it zero), or not ASCII: the classic tests for a zero byte and a byte below n.
		q, bs := w^(0x22*ones), w^(0x5c*ones)
		m := (w-0x20*ones)&^w | (q-ones)&^q | (bs-ones)&^bs | w
		if m &= highs; m != 0 {
			// The lowest byte marked is the first not plain: a false mark (a borrow) is only
			// ever above a true one.
			return i + bits.TrailingZeros64(m)/8
		}
	}
	return i
}

func plainBytes(also string) (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && !strings.ContainsRune(also, rune(c))
	}
	return t
}

// AppendString appends s as a JSON string exactly as encoding/json renders it: '"' and '\\'
// escaped, control characters as \b \f \n \r \t or \u00XX, invalid UTF-8 as \ufffd, U+2028
// and U+2029 escaped (JavaScript reads them as line ends), and with html '<', '>' and '&' as
// \u003c, \u003e and \u0026 (json.Marshal's default; an Encoder with SetEscapeHTML(false)
// leaves them).
func AppendString(b []byte, s string, html bool) []byte {
	b = append(b, '"')
	plain := 0 // s[plain:i] is still to copy
	safe := &plainJSON
	if html {
		safe = &plainHTML
	}
	for i := 0; i < len(s); {
		if !html {
			if i += plainRun(s[i:]); i == len(s) {
				break
			}
		}
		c := s[i]
		if safe[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[plain:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			plain = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[plain:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[plain:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		plain = i
	}
	b = append(b, s[plain:]...)
	return append(b, '"')
}

// Unescape returns the byte a one-character escape stands for: c is what follows the
// backslash in \" \\ \/ \b \f \n \r or \t. ok is false for anything else (\u escapes
// included, which the callers read themselves or leave to encoding/json).
func Unescape(c byte) (byte, bool) {
	switch c {
	case '"', '\\', '/':
		return c, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}
