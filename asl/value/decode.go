package value

import (
	"encoding/json"
	"unicode/utf8"
)

// parser reads JSON text that json.Valid has accepted into values, objects in their key order.
// It is hand-written because encoding/json decodes objects into Go maps, which lose the order,
// and its token stream (Decoder.Token) is several times slower than this direct reading.
type parser struct {
	s []byte
	i int
}

func (p *parser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value() any {
	p.ws()
	switch c := p.s[p.i]; c {
	case '{':
		p.i++
		o := &Object{}
		p.ws()
		if p.s[p.i] == '}' {
			p.i++
			return o
		}
		for {
			p.ws()
			k := p.str()
			p.ws()
			p.i++ // ':'
			o.Set(k, p.value())
			p.ws()
			c := p.s[p.i]
			p.i++
			if c == '}' {
				return o
			}
		}
	case '[':
		p.i++
		a := []any{}
		p.ws()
		if p.s[p.i] == ']' {
			p.i++
			return a
		}
		for {
			a = append(a, p.value())
			p.ws()
			c := p.s[p.i]
			p.i++
			if c == ']' {
				return a
			}
		}
	case '"':
		return p.str()
	case 't':
		p.i += 4
		return true
	case 'f':
		p.i += 5
		return false
	case 'n':
		p.i += 4
		return nil
	}
	start := p.i
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '-', '+', '.', 'e', 'E':
			p.i++
			continue
		}
		break
	}
	return json.Number(p.s[start:p.i])
}

// str reads a string at p.i (its opening quote).
func (p *parser) str() string {
	start := p.i
	p.i++
	plain := true
	for {
		c := p.s[p.i]
		if c == '"' {
			break
		}
		if c == '\\' {
			plain = false
			p.i += 2
			continue
		}
		if c >= utf8.RuneSelf {
			plain = false
		}
		p.i++
	}
	p.i++
	raw := p.s[start+1 : p.i-1]
	if plain || (!hasByte(raw, '\\') && utf8.Valid(raw)) {
		return string(raw)
	}
	// Escapes and invalid UTF-8 (replaced by U+FFFD) are rare: encoding/json reads them.
	var s string
	_ = json.Unmarshal(p.s[start:p.i], &s)
	return s
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
