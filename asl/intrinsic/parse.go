package intrinsic

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// maxDepth bounds how deeply calls may nest. AWS documents a limit of 10 nested calls; the
// bound also keeps the recursive parser safe from hostile input.
const maxDepth = 10

// kind is the kind of an argument.
type kind uint8

const (
	kindString kind = iota // 'text', with escapes kept in arg.text
	kindNumber
	kindBool
	kindNull
	kindPath // $.x, $$.x, $var.x
	kindCall
)

// arg is one argument of a call, as written.
type arg struct {
	kind kind
	text string // source text: a literal between its quotes (escapes kept), a number, a path
	val  any    // the value of a literal
	call *Call
}

// Call is a parsed intrinsic function call. It is immutable and safe for concurrent use.
type Call struct {
	// Name is the function's full name, such as "States.Format".
	Name string
	fn   *function
	args []arg
}

// IsCall reports whether s looks like an intrinsic function call, "States.Name(...)", after
// trimming spaces. It does not check the call's syntax; Parse does.
func IsCall(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "States.") && strings.Contains(s, "(") && strings.HasSuffix(s, ")")
}

// SyntaxError is a call that does not parse. Offset counts bytes from the start of the
// trimmed text.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("intrinsic function: offset %d: %s", e.Offset, e.Msg)
}

// Parse compiles an intrinsic function call. Unknown functions, malformed arguments, illegal
// escapes and a wrong number of arguments are errors.
func Parse(s string) (*Call, error) {
	p := &parser{src: strings.TrimSpace(s)}
	c, err := p.call(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.src) {
		return nil, p.errorf("unexpected %q after the call", p.src[p.pos:])
	}
	return c, nil
}

type parser struct {
	src string
	pos int
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// call parses "States.Name(arg, ...)" at the current position.
func (p *parser) call(depth int) (*Call, error) {
	if depth > maxDepth {
		return nil, p.errorf("intrinsic functions nest more than %d deep", maxDepth)
	}
	if !strings.HasPrefix(p.src[p.pos:], "States.") {
		return nil, p.errorf("expected an intrinsic function name")
	}
	start := p.pos
	p.pos += len("States.")
	for p.pos < len(p.src) && isIdent(p.src[p.pos]) {
		p.pos++
	}
	name := p.src[start:p.pos]
	fn := functions[name]
	if fn == nil {
		p.pos = start
		return nil, p.errorf("unknown intrinsic function %q", name)
	}
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, p.errorf("expected '(' after %s", name)
	}
	p.pos++
	c := &Call{Name: name, fn: fn}
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
		return c, p.arity(c, start)
	}
	for {
		p.skipSpace()
		a, err := p.arg(depth)
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, a)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, p.errorf("missing ')' to close %s", name)
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return c, p.arity(c, start)
		default:
			return nil, p.errorf("expected ',' or ')' in %s", name)
		}
	}
}

func (p *parser) arity(c *Call, at int) error {
	n := len(c.args)
	if n >= c.fn.min && (c.fn.max < 0 || n <= c.fn.max) {
		return nil
	}
	var want string
	switch {
	case c.fn.max < 0:
		want = fmt.Sprintf("at least %d", c.fn.min)
	case c.fn.min == c.fn.max:
		want = strconv.Itoa(c.fn.min)
	default:
		want = fmt.Sprintf("%d to %d", c.fn.min, c.fn.max)
	}
	return &SyntaxError{Offset: at, Msg: fmt.Sprintf("%s takes %s arguments, got %d", c.Name, want, n)}
}

func isIdent(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// arg parses one argument at the current position.
func (p *parser) arg(depth int) (arg, error) {
	if p.pos >= len(p.src) {
		return arg{}, p.errorf("missing argument")
	}
	switch c := p.src[p.pos]; {
	case c == '\'':
		return p.str()
	case c == '$':
		return p.path()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case strings.HasPrefix(p.src[p.pos:], "States."):
		call, err := p.call(depth + 1)
		if err != nil {
			return arg{}, err
		}
		return arg{kind: kindCall, call: call}, nil
	}
	for _, w := range []struct {
		word string
		k    kind
		v    any
	}{{"true", kindBool, true}, {"false", kindBool, false}, {"null", kindNull, nil}} {
		if strings.HasPrefix(p.src[p.pos:], w.word) && !p.identAt(p.pos+len(w.word)) {
			p.pos += len(w.word)
			return arg{kind: w.k, text: w.word, val: w.v}, nil
		}
	}
	return arg{}, p.errorf("invalid argument")
}

func (p *parser) identAt(i int) bool { return i < len(p.src) && isIdent(p.src[i]) }

// str parses a single-quoted literal. Only \' \{ \} and \\ are escapes.
func (p *parser) str() (arg, error) {
	start := p.pos
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch c {
		case '\'':
			text := p.src[start+1 : p.pos]
			p.pos++
			return arg{kind: kindString, text: text, val: b.String()}, nil
		case '\\':
			if p.pos+1 >= len(p.src) {
				return arg{}, p.errorf("unterminated escape in string literal")
			}
			e := p.src[p.pos+1]
			if e != '\'' && e != '{' && e != '}' && e != '\\' {
				return arg{}, p.errorf("illegal escape \\%c in string literal", e)
			}
			b.WriteByte(e)
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	p.pos = start
	return arg{}, p.errorf("unterminated string literal")
}

// number parses a JSON number; it keeps the text as written.
func (p *parser) number() (arg, error) {
	start := p.pos
	for p.pos < len(p.src) && strings.IndexByte("+-.eE0123456789", p.src[p.pos]) >= 0 {
		p.pos++
	}
	text := p.src[start:p.pos]
	if !json.Valid([]byte(text)) {
		p.pos = start
		return arg{}, p.errorf("invalid number %q", text)
	}
	return arg{kind: kindNumber, text: text, val: json.Number(text)}, nil
}

// path scans a JSONPath up to the ',' or ')' that ends the argument. Brackets, parentheses
// and quotes inside brackets may hold those characters. The resolver checks the syntax.
func (p *parser) path() (arg, error) {
	start := p.pos
	depth := 0
	var quote byte
scan:
	for ; p.pos < len(p.src); p.pos++ {
		c := p.src[p.pos]
		switch {
		case quote != 0:
			if c == '\\' {
				p.pos++
			} else if c == quote {
				quote = 0
			}
		case depth > 0 && (c == '\'' || c == '"'):
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			if depth == 0 {
				break scan
			}
			depth--
		case depth == 0 && (c == ',' || isSpace(c)):
			break scan
		}
	}
	if quote != 0 || depth != 0 || p.pos > len(p.src) {
		p.pos = start
		return arg{}, p.errorf("unterminated path")
	}
	return arg{kind: kindPath, text: p.src[start:p.pos]}, nil
}

// String renders the call in a canonical form that parses back to the same call.
func (c *Call) String() string {
	var b strings.Builder
	c.write(&b)
	return b.String()
}

func (c *Call) write(b *strings.Builder) {
	b.WriteString(c.Name)
	b.WriteByte('(')
	for i, a := range c.args {
		if i > 0 {
			b.WriteString(", ")
		}
		switch a.kind {
		case kindString:
			b.WriteByte('\'')
			b.WriteString(a.text)
			b.WriteByte('\'')
		case kindCall:
			a.call.write(b)
		default:
			b.WriteString(a.text)
		}
	}
	b.WriteByte(')')
}

// Paths returns the text of every JSONPath argument, nested calls included, in order.
func (c *Call) Paths() []string {
	var out []string
	var walk func(*Call)
	walk = func(c *Call) {
		for _, a := range c.args {
			switch a.kind {
			case kindPath:
				out = append(out, a.text)
			case kindCall:
				walk(a.call)
			}
		}
	}
	walk(c)
	return out
}
