package jsonpath

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// SyntaxError is a path that does not compile.
type SyntaxError struct {
	Text string // the path
	Pos  int    // byte offset of the problem, or -1
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Pos < 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s at position %d", e.Msg, e.Pos)
}

// parser is a recursive-descent parser over a path's text. In a filter, paths end where an
// operator, a space or a closing parenthesis begins.
type parser struct {
	text     string
	pos      int
	inFilter bool
	depth    int
}

// maxDepth bounds filter nesting, so hostile input cannot exhaust the stack.
const maxDepth = 100

func (ps *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Text: ps.text, Pos: ps.pos, Msg: fmt.Sprintf(format, args...)}
}

func (ps *parser) more() bool { return ps.pos < len(ps.text) }

func (ps *parser) peek() byte {
	if ps.pos < len(ps.text) {
		return ps.text[ps.pos]
	}
	return 0
}

func (ps *parser) eat(c byte) bool {
	if ps.peek() == c {
		ps.pos++
		return true
	}
	return false
}

func (ps *parser) expect(c byte) error {
	ps.skipSpace()
	if !ps.eat(c) {
		if !ps.more() {
			return ps.errorf("expected '%c' but the path ended", c)
		}
		return ps.errorf("expected '%c' but found '%c'", c, ps.peek())
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (ps *parser) skipSpace() {
	for ps.more() && isSpace(ps.text[ps.pos]) {
		ps.pos++
	}
}

// path parses a root ($, or @ in a filter) and the steps after it.
func (ps *parser) path() (*Path, error) {
	start := ps.pos
	if !ps.eat('$') && !(ps.inFilter && ps.eat('@')) {
		return nil, ps.errorf("a path must start with '$'")
	}
	var segs []segment
	fn := ""
	for ps.more() && fn == "" {
		c := ps.peek()
		var err error
		switch {
		case c == '.':
			segs, fn, err = ps.dot(segs)
		case c == '[':
			var s segment
			s, err = ps.bracket()
			segs = append(segs, s)
		case ps.inFilter:
			p := newPath(segs, fn)
			p.text = ps.text[start:ps.pos]
			return p, nil
		default:
			err = ps.errorf("unexpected character '%c'", c)
		}
		if err != nil {
			return nil, err
		}
	}
	p := newPath(segs, fn)
	p.text = ps.text[start:ps.pos]
	return p, nil
}

// dot parses the steps introduced by "." or "..".
func (ps *parser) dot(segs []segment) ([]segment, string, error) {
	ps.pos++
	if ps.eat('.') {
		segs = append(segs, segment{kind: segScan})
	}
	switch c := ps.peek(); {
	case !ps.more() || isSpace(c) || c == '.' || (ps.inFilter && isFilterStop(c)):
		return nil, "", ps.errorf("a path must not end with '.' or '..'")
	case c == '[':
		s, err := ps.bracket()
		return append(segs, s), "", err
	case c == '*':
		ps.pos++
		return append(segs, segment{kind: segWild}), "", nil
	}
	start := ps.pos
	for ps.more() && !isNameStop(ps.peek(), ps.inFilter) {
		ps.pos++
	}
	name := ps.text[start:ps.pos]
	if name == "" {
		return nil, "", ps.errorf("unexpected character '%c'", ps.peek())
	}
	if ps.eat('(') {
		if !ps.eat(')') {
			return nil, "", ps.errorf("functions take no arguments")
		}
		// Outside filters AWS accepts any name and fails when the path is evaluated (see
		// Query); length() is the one function its paths are known to run.
		if name != "length" && ps.inFilter {
			return nil, "", ps.errorf("unknown function %s()", name)
		}
		if len(segs) > 0 && segs[len(segs)-1].kind == segScan {
			return nil, "", ps.errorf("a function cannot follow '..'")
		}
		return segs, name, nil
	}
	if !ps.inFilter && ps.more() && isSpace(ps.peek()) {
		return nil, "", ps.errorf("use bracket notation ['my prop'] if a property contains blank characters")
	}
	return append(segs, segment{kind: segName, names: []string{name}}), "", nil
}

func isNameStop(c byte, inFilter bool) bool {
	switch c {
	case '.', '[', ']', '(':
		return true
	}
	return isSpace(c) || inFilter && isFilterStop(c)
}

func isFilterStop(c byte) bool {
	return strings.IndexByte(")=!<>&|,", c) >= 0
}

// bracket parses a [...] step.
func (ps *parser) bracket() (segment, error) {
	ps.pos++
	ps.skipSpace()
	var s segment
	var err error
	switch c := ps.peek(); {
	case c == '*':
		ps.pos++
		s = segment{kind: segWild}
	case c == '?':
		ps.pos++
		s.kind = segFilter
		if err = ps.expect('('); err != nil {
			return s, err
		}
		if s.filter, err = ps.or(); err != nil {
			return s, err
		}
		err = ps.expect(')')
	case c == '\'' || c == '"':
		s.kind = segName
		for {
			var name string
			if name, err = ps.quoted(); err != nil {
				return s, err
			}
			s.names = append(s.names, name)
			ps.skipSpace()
			if !ps.eat(',') {
				break
			}
			ps.skipSpace()
		}
	case c == '-' || c == ':' || c >= '0' && c <= '9':
		s, err = ps.indexes()
	case !ps.more():
		return s, ps.errorf("the path ended inside '['")
	default:
		return s, ps.errorf("expected ', \", *, ?, : or a number after '[' but found '%c'", c)
	}
	if err != nil {
		return s, err
	}
	return s, ps.expect(']')
}

// quoted parses a '...' or "..." string; a backslash escapes the next character.
func (ps *parser) quoted() (string, error) {
	q := ps.peek()
	ps.pos++
	var b strings.Builder
	for ps.more() {
		c := ps.text[ps.pos]
		ps.pos++
		switch c {
		case q:
			return b.String(), nil
		case '\\':
			// A backslash escapes the closing quote and itself; before any other character it
			// is kept, as AWS reads $['Test\""Name"'] (the key Test\""Name").
			if !ps.more() {
				return "", ps.errorf("unterminated string")
			}
			if next := ps.text[ps.pos]; next == q || next == '\\' {
				c = next
				ps.pos++
			}
		}
		b.WriteByte(c)
	}
	return "", ps.errorf("unterminated string")
}

// indexes parses [n], [n,m,...] and [start:end:step].
func (ps *parser) indexes() (segment, error) {
	first, hasFirst, err := ps.optInt()
	if err != nil {
		return segment{}, err
	}
	ps.skipSpace()
	if ps.eat(':') {
		sl := sliceSpec{start: first, hasStart: hasFirst, step: 1}
		ps.skipSpace()
		if sl.end, sl.hasEnd, err = ps.optInt(); err != nil {
			return segment{}, err
		}
		ps.skipSpace()
		if ps.eat(':') {
			ps.skipSpace()
			step, ok, err := ps.optInt()
			if err != nil {
				return segment{}, err
			}
			if ok {
				if step == 0 {
					return segment{}, ps.errorf("a slice step must not be 0")
				}
				sl.step = step
			}
		}
		return segment{kind: segSlice, slice: sl}, nil
	}
	if !hasFirst {
		return segment{}, ps.errorf("expected an array index")
	}
	s := segment{kind: segIndex, indexes: []int{first}}
	for ps.skipSpace(); ps.eat(','); ps.skipSpace() {
		ps.skipSpace()
		n, ok, err := ps.optInt()
		if err != nil {
			return s, err
		}
		if !ok {
			return s, ps.errorf("expected an array index after ','")
		}
		s.indexes = append(s.indexes, n)
	}
	return s, nil
}

func (ps *parser) optInt() (int, bool, error) {
	start := ps.pos
	ps.eat('-')
	for ps.more() && ps.peek() >= '0' && ps.peek() <= '9' {
		ps.pos++
	}
	if ps.pos == start {
		return 0, false, nil
	}
	n, err := strconv.Atoi(ps.text[start:ps.pos])
	if err != nil {
		ps.pos = start
		return 0, false, ps.errorf("invalid array index %q", ps.text[start:ps.pos])
	}
	return n, true, nil
}

// Filter expressions: or := and {"||" and}; and := unary {"&&" unary};
// unary := "!" unary | "(" or ")" | operand [op operand].

func (ps *parser) or() (expr, error) {
	ps.depth++
	defer func() { ps.depth-- }()
	if ps.depth > maxDepth {
		return nil, ps.errorf("filter nested too deeply")
	}
	l, err := ps.and()
	for err == nil {
		ps.skipSpace()
		if !strings.HasPrefix(ps.text[ps.pos:], "||") {
			return l, nil
		}
		ps.pos += 2
		var r expr
		r, err = ps.and()
		l = &logical{or: true, l: l, r: r}
	}
	return nil, err
}

func (ps *parser) and() (expr, error) {
	l, err := ps.unary()
	for err == nil {
		ps.skipSpace()
		if !strings.HasPrefix(ps.text[ps.pos:], "&&") {
			return l, nil
		}
		ps.pos += 2
		var r expr
		r, err = ps.unary()
		l = &logical{l: l, r: r}
	}
	return nil, err
}

func (ps *parser) unary() (expr, error) {
	ps.skipSpace()
	switch {
	case strings.HasPrefix(ps.text[ps.pos:], "!="):
		return nil, ps.errorf("unexpected '!='")
	case ps.eat('!'):
		ps.depth++
		defer func() { ps.depth-- }()
		if ps.depth > maxDepth {
			return nil, ps.errorf("filter nested too deeply")
		}
		x, err := ps.unary()
		return &not{x}, err
	case ps.eat('('):
		x, err := ps.or()
		if err != nil {
			return nil, err
		}
		return x, ps.expect(')')
	}
	return ps.comparison()
}

var operators = []string{"==", "!=", "<=", ">=", "=~", "<", ">"}

func (ps *parser) comparison() (expr, error) {
	l, err := ps.operand()
	if err != nil {
		return nil, err
	}
	ps.skipSpace()
	op := ""
	for _, o := range operators {
		if strings.HasPrefix(ps.text[ps.pos:], o) {
			op = o
			break
		}
	}
	for _, o := range []string{"in", "nin"} {
		rest := ps.text[ps.pos:]
		if strings.HasPrefix(rest, o) && len(rest) > len(o) && (isSpace(rest[len(o)]) || rest[len(o)] == '[') {
			op = o
		}
	}
	if op == "" {
		return &compare{op: "exists", l: l}, nil
	}
	ps.pos += len(op)
	ps.skipSpace()
	if op == "=~" {
		if ps.peek() != '/' {
			return nil, ps.errorf("expected a /regex/ after =~")
		}
		r, err := ps.regex()
		return &compare{op: op, l: l, r: r}, err
	}
	if w := ps.word(); w != "" {
		if v, ok := keywords[w]; ok {
			return &compare{op: op, l: l, r: operand{lit: v}}, nil
		}
		// An unquoted word compared with is the string it spells. Published state machines
		// write filters such as $[?(@.TargetLanguageCode==es)] and AWS accepts them; Jayway's
		// grammar would read a number there, which makes no sense of a word, so the author's
		// evident meaning is taken (docs/conformance.md, "Accepted as AWS accepts them").
		return &compare{op: op, l: l, r: operand{lit: w}}, nil
	}
	r, err := ps.operand()
	return &compare{op: op, l: l, r: r}, err
}

// word reads an unquoted word (a letter or '_' and then letters, digits, '_', '-' or '.') and
// leaves the position alone when there is none.
func (ps *parser) word() string {
	start := ps.pos
	for ps.more() {
		c := ps.peek()
		letter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (ps.pos == start || !(c >= '0' && c <= '9' || c == '-' || c == '.')) {
			break
		}
		ps.pos++
	}
	return ps.text[start:ps.pos]
}

// operand parses a path (@... or $...) or a JSON literal.
func (ps *parser) operand() (operand, error) {
	ps.skipSpace()
	switch c := ps.peek(); {
	case c == '@' || c == '$':
		sub := &parser{text: ps.text, pos: ps.pos, inFilter: true, depth: ps.depth}
		p, err := sub.path()
		if err != nil {
			return operand{}, err
		}
		ps.pos = sub.pos
		return operand{path: p, relative: c == '@'}, nil
	case c == '\'' || c == '"':
		s, err := ps.quoted()
		return operand{lit: s}, err
	case c == '[':
		return ps.list()
	case c == '-' || c >= '0' && c <= '9':
		start := ps.pos
		for ps.more() && strings.IndexByte("0123456789+-.eE", ps.peek()) >= 0 {
			ps.pos++
		}
		text := ps.text[start:ps.pos]
		if !json.Valid([]byte(text)) {
			return operand{}, ps.errorf("invalid number %q", text)
		}
		return operand{lit: json.Number(text)}, nil
	}
	for word, v := range keywords {
		if strings.HasPrefix(ps.text[ps.pos:], word) {
			ps.pos += len(word)
			return operand{lit: v}, nil
		}
	}
	if !ps.more() {
		return operand{}, ps.errorf("the filter ended early")
	}
	return operand{}, ps.errorf("unexpected character '%c' in filter", ps.peek())
}

var keywords = map[string]any{"true": true, "false": false, "null": nil}

// list parses a [literal, ...] array for in and nin.
func (ps *parser) list() (operand, error) {
	ps.pos++
	items := []any{}
	for {
		ps.skipSpace()
		if ps.eat(']') && len(items) == 0 {
			return operand{lit: items}, nil
		}
		o, err := ps.operand()
		if err != nil {
			return o, err
		}
		if o.path != nil {
			return o, ps.errorf("a list may only hold literals")
		}
		items = append(items, o.lit)
		ps.skipSpace()
		if ps.eat(']') {
			return operand{lit: items}, nil
		}
		if err := ps.expect(','); err != nil {
			return o, err
		}
	}
}

// regex parses /pattern/flags. Jayway uses Java's Matcher.matches, so the whole string must
// match; Go's RE2 syntax stands in for Java's.
func (ps *parser) regex() (operand, error) {
	ps.pos++
	var b strings.Builder
	for {
		if !ps.more() {
			return operand{}, ps.errorf("unterminated regular expression")
		}
		c := ps.text[ps.pos]
		ps.pos++
		if c == '/' {
			break
		}
		if c == '\\' && ps.peek() == '/' {
			c = '/'
			ps.pos++
		} else if c == '\\' && ps.more() {
			b.WriteByte(c)
			c = ps.text[ps.pos]
			ps.pos++
		}
		b.WriteByte(c)
	}
	flags := ""
	for ps.more() && strings.IndexByte("imsudxU", ps.peek()) >= 0 {
		if c := ps.peek(); strings.IndexByte("ims", c) >= 0 && strings.IndexByte(flags, c) < 0 {
			flags += string(c)
		}
		ps.pos++
	}
	pattern := "^(?:" + b.String() + ")$"
	if flags != "" {
		pattern = "(?" + flags + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return operand{}, ps.errorf("invalid regular expression: %v", err)
	}
	return operand{re: re}, nil
}
