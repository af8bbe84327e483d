// Package jsontext writes and reads JSON strings byte for byte as encoding/json does, for the
// encoders and decoders that skip reflection on hot paths (history events, API answers and
// requests). It is written by hand because encoding/json offers no exported way to append
// one escaped string to a buffer.
package jsontext

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string exactly as encoding/json renders it: '"' and '\\'
// escaped, control characters as \b \f \n \r \t or \u00XX, invalid UTF-8 as \ufffd, U+2028
// and U+2029 escaped (JavaScript reads them as line ends), and with html '<', '>' and '&' as
// \u003c, \u003e and \u0026 (json.Marshal's default; an Encoder with SetEscapeHTML(false)
// leaves them).
func AppendString(b []byte, s string, html bool) []byte {
	b = append(b, '"')
	plain := 0 // s[plain:i] is still to copy
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!html || (c != '<' && c != '>' && c != '&')) {
				i++
				continue
			}
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
