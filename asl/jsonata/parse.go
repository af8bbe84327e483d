package jsonata

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The parser follows the reference implementation (jsonata-js 2.x): a Pratt parser producing a
// raw tree, then a pass (process) that turns "." chains into paths with steps, predicates into
// stages, and so on.

type token struct {
	typ   string // "operator", "string", "number", "name", "variable", "value", "regex", "end"
	value any
	pos   int
}

type lexer struct {
	src   string
	pos   int
	depth int
}

const operatorChars = ".[]{}(),@#;:?+-*/%|=<>^&!~"

func (l *lexer) errorf(code string, pos int, format string, args ...any) *Error {
	return &Error{Code: code, Position: pos, Message: fmt.Sprintf(format, args...)}
}

// next returns the next token; prefix tells whether a regex may start here.
func (l *lexer) next(prefix bool) (token, error) {
	src := l.src
	for {
		for l.pos < len(src) && strings.IndexByte(" \t\n\r\v", src[l.pos]) >= 0 {
			l.pos++
		}
		if strings.HasPrefix(src[l.pos:], "/*") {
			end := strings.Index(src[l.pos+2:], "*/")
			if end < 0 {
				return token{}, l.errorf("S0106", l.pos, "Comment has no closing tag")
			}
			l.pos += end + 4
			continue
		}
		break
	}
	if l.pos >= len(src) {
		return token{typ: "end", pos: l.pos}, nil
	}
	start := l.pos
	c := src[l.pos]
	if prefix && c == '/' {
		l.pos++
		depth := 0
		for l.pos < len(src) {
			ch := src[l.pos]
			if ch == '/' && depth == 0 && src[l.pos-1] != '\\' {
				pattern := src[start+1 : l.pos]
				if pattern == "" {
					return token{}, l.errorf("S0301", l.pos, "Empty regular expressions are not allowed")
				}
				l.pos++
				fstart := l.pos
				for l.pos < len(src) && strings.IndexByte("gimsuy", src[l.pos]) >= 0 {
					l.pos++
				}
				flags := src[fstart:l.pos]
				re, err := compileRegex(pattern, flags)
				if err != nil {
					return token{}, l.errorf("S0301", start, "Invalid regular expression: %v", err)
				}
				return token{typ: "regex", value: re, pos: start}, nil
			}
			if (ch == '(' || ch == '[' || ch == '{') && src[l.pos-1] != '\\' {
				depth++
			}
			if (ch == ')' || ch == ']' || ch == '}') && src[l.pos-1] != '\\' {
				depth--
			}
			l.pos++
		}
		return token{}, l.errorf("S0302", l.pos, "No terminating / in regular expression")
	}
	two := ""
	if l.pos+1 < len(src) {
		two = src[l.pos : l.pos+2]
	}
	switch two {
	case "..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??":
		l.pos += 2
		return token{typ: "operator", value: two, pos: start}, nil
	}
	if strings.IndexByte(operatorChars, c) >= 0 {
		l.pos++
		return token{typ: "operator", value: string(c), pos: start}, nil
	}
	if c == '"' || c == '\'' {
		l.pos++
		var b strings.Builder
		for l.pos < len(src) {
			ch := src[l.pos]
			if ch == '\\' {
				l.pos++
				if l.pos >= len(src) {
					break
				}
				e := src[l.pos]
				switch e {
				case '"', '\\', '/', '\'':
					b.WriteByte(e)
				case 'b':
					b.WriteByte('\b')
				case 'f':
					b.WriteByte('\f')
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case 'u':
					if l.pos+4 < len(src) {
						if n, err := strconv.ParseUint(src[l.pos+1:l.pos+5], 16, 32); err == nil {
							r := rune(n)
							l.pos += 4
							// A surrogate pair.
							if r >= 0xd800 && r < 0xdc00 && l.pos+6 < len(src) && src[l.pos+1] == '\\' && src[l.pos+2] == 'u' {
								if lo, err := strconv.ParseUint(src[l.pos+3:l.pos+7], 16, 32); err == nil && lo >= 0xdc00 && lo < 0xe000 {
									r = (r-0xd800)<<10 + (rune(lo) - 0xdc00) + 0x10000
									l.pos += 6
								}
							}
							b.WriteRune(r)
							break
						}
					}
					return token{}, l.errorf("S0104", l.pos, "The escape sequence \\u must be followed by 4 hex digits")
				default:
					return token{}, l.errorf("S0103", l.pos, "Unsupported escape sequence: \\%c", e)
				}
				l.pos++
				continue
			}
			if ch == c {
				l.pos++
				return token{typ: "string", value: b.String(), pos: start}, nil
			}
			b.WriteByte(ch)
			l.pos++
		}
		return token{}, l.errorf("S0101", start, "String literal must be terminated by a matching quote")
	}
	if m := numberRe.FindString(src[l.pos:]); m != "" && c != '-' {
		f, err := strconv.ParseFloat(m, 64)
		if err == nil && !math.IsInf(f, 0) {
			l.pos += len(m)
			return token{typ: "number", value: f, pos: start}, nil
		}
		return token{}, l.errorf("S0102", start, "Number out of range: %s", m)
	}
	if c == '`' {
		end := strings.IndexByte(src[l.pos+1:], '`')
		if end < 0 {
			return token{}, l.errorf("S0105", l.pos, "Quoted property name must be terminated with a backquote (`)")
		}
		name := src[l.pos+1 : l.pos+1+end]
		l.pos += end + 2
		return token{typ: "name", value: name, pos: start}, nil
	}
	// A name: up to the next operator character or whitespace.
	i := l.pos
	for i < len(src) {
		ch := src[i]
		if strings.IndexByte(operatorChars, ch) >= 0 || strings.IndexByte(" \t\n\r\v", ch) >= 0 || ch == '"' || ch == '\'' || ch == '`' {
			break
		}
		if ch >= 0x80 {
			r, size := utf8.DecodeRuneInString(src[i:])
			if r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000 || r == 0xfeff {
				break
			}
			i += size
			continue
		}
		i++
	}
	name := src[l.pos:i]
	l.pos = i
	if name == "" {
		return token{}, l.errorf("S0204", start, "Unknown operator: %q", string(c))
	}
	if name[0] == '$' {
		return token{typ: "variable", value: name[1:], pos: start}, nil
	}
	switch name {
	case "and", "or", "in":
		return token{typ: "operator", value: name, pos: start}, nil
	case "true":
		return token{typ: "value", value: true, pos: start}, nil
	case "false":
		return token{typ: "value", value: false, pos: start}, nil
	case "null":
		return token{typ: "value", value: nil, pos: start}, nil
	}
	return token{typ: "name", value: name, pos: start}, nil
}

var numberRe = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)?`)

// node is a node of the expression tree.
type node struct {
	typ   string // see process
	value any    // operator, literal, name
	pos   int

	lhs, rhs, cond, then, els *node
	exprs                     []*node // arguments, block items, array items, path steps
	pairs                     [][2]*node
	args                      []*node
	params                    []string
	sig                       *signature
	body                      *node
	pattern, update, delete   *node

	// paths and steps
	steps              []*node
	stages             []*node // filters and index bindings on a step
	predicate          []*node // filters on a non-path expression
	group              *node   // group-by object constructor
	terms              []sortTerm
	focus, index       string
	tuple              bool
	keepArray          bool
	keepSingletonArray bool
	consarray          bool
	ancestor           *slot   // a step whose input the parent operator refers to
	seekingParent      []*slot // parent operators not yet resolved to a step
	slot               *slot   // parent operator
	keepTuples         bool    // a path whose tuple stream carries ancestors out
	thunk              bool
	nextFunction       string
}

type sortTerm struct {
	desc bool
	expr *node
}

type parser struct {
	lex  lexer
	tok  token
	prev token
	err  error

	ancestorLabel int
}

// slot is the binding a parent operator (%) reads: level counts the steps still to walk
// back; label names the tuple variable that the resolved step binds to its input.
type slot struct {
	label string
	level int
}

var bindingPower = map[string]int{
	".": 75, "[": 80, "]": 0, "{": 70, "}": 0, "(": 80, ")": 0, ",": 0, "@": 80, "#": 80, ";": 0,
	":": 0, "?": 20, "+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "|": 0, "=": 40, "<": 40,
	">": 40, "^": 40, "**": 60, "..": 0, ":=": 10, "!=": 40, "<=": 40, ">=": 40, "~>": 40,
	"and": 30, "or": 25, "in": 40, "&": 50, "!": 0, "~": 0, "?:": 40, "??": 40,
}

func parseExpr(src string) (n *node, err error) {
	p := &parser{lex: lexer{src: src}}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				n, err = nil, e
				return
			}
			// Compile never panics: anything unexpected is a syntax error.
			n, err = nil, &Error{Code: "S0201", Message: fmt.Sprint("Syntax error: ", r)}
		}
	}()
	p.advance("", true)
	ast := p.expression(0)
	if p.tok.typ != "end" {
		p.fail("S0201", p.tok.pos, "Syntax error: %s", tokenText(p.tok))
	}
	res := p.process(ast)
	if res.typ == "parent" || hasLiveSlots(res.seekingParent) {
		p.fail("S0217", res.pos, "The object representing the 'parent' cannot be derived from this expression")
	}
	return res, nil
}

func hasLiveSlots(slots []*slot) bool {
	for _, s := range slots {
		if s.level > 0 {
			return true
		}
	}
	return false
}

// pushAncestry passes the unresolved parent operators of value up to result.
func pushAncestry(result, value *node) {
	if value == nil {
		return
	}
	if value.seekingParent != nil {
		result.seekingParent = append(result.seekingParent, value.seekingParent...)
	}
	if value.typ == "parent" {
		result.seekingParent = append(result.seekingParent, value.slot)
	}
}

// seekParent walks slot back over n: a name or wildcard step consumes one level, and the
// step that consumes the last one binds its input for the parent operator.
func (p *parser) seekParent(n *node, sl *slot) {
	switch n.typ {
	case "name", "wildcard":
		sl.level--
		if sl.level == 0 {
			if n.ancestor != nil {
				sl.label = n.ancestor.label
			}
			n.ancestor = sl
			n.tuple = true
		}
	case "parent":
		sl.level++
	case "block":
		if len(n.exprs) > 0 {
			n.tuple = true
			p.seekParent(n.exprs[len(n.exprs)-1], sl)
		}
	case "path":
		n.keepTuples = true
		i := len(n.steps) - 1
		p.seekParent(n.steps[i], sl)
		i--
		for sl.level > 0 && i >= 0 {
			p.seekParent(n.steps[i], sl)
			i--
		}
	default:
		p.fail("S0217", n.pos, "The object representing the 'parent' cannot be derived from this expression")
	}
}

// resolveAncestry resolves the parent operators of a path's last step against its earlier
// steps; those that walk past the first step are left to the enclosing expression.
func (p *parser) resolveAncestry(path *node) {
	last := path.steps[len(path.steps)-1]
	slots := append([]*slot(nil), last.seekingParent...)
	if last.typ == "parent" {
		slots = append(slots, last.slot)
	}
	for _, sl := range slots {
		i := len(path.steps) - 2
		for sl.level > 0 {
			if i < 0 {
				path.seekingParent = append(path.seekingParent, sl)
				break
			}
			step := path.steps[i]
			i--
			for i >= 0 && step.focus != "" && path.steps[i].focus != "" {
				step = path.steps[i]
				i--
			}
			p.seekParent(step, sl)
		}
	}
}

func tokenText(t token) string {
	switch v := t.value.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case nil:
		if t.typ == "end" {
			return "(end)"
		}
		return "null"
	}
	return fmt.Sprint(t.value)
}

func (p *parser) fail(code string, pos int, format string, args ...any) {
	panic(&Error{Code: code, Position: pos, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) isOp(v string) bool { return p.tok.typ == "operator" && p.tok.value == v }

// advance checks the current token is id (when given) and moves on.
func (p *parser) advance(id string, infix bool) {
	if id != "" && !p.isOp(id) {
		if p.tok.typ == "end" {
			p.fail("S0203", p.tok.pos, "Expected %q before end of expression", id)
		}
		p.fail("S0202", p.tok.pos, "Expected %q, got %s", id, tokenText(p.tok))
	}
	// A regex may follow anything that cannot end an operand.
	prefix := true
	if p.tok.typ != "" {
		switch p.tok.typ {
		case "name", "variable", "number", "string", "value", "regex":
			prefix = false
		case "operator":
			if v := p.tok.value.(string); v == ")" || v == "]" || v == "}" {
				prefix = false
			}
		}
	}
	p.prev = p.tok
	t, err := p.lex.next(prefix)
	if err != nil {
		panic(err)
	}
	p.tok = t
}

func (p *parser) lbp() int {
	switch p.tok.typ {
	case "operator":
		return bindingPower[p.tok.value.(string)]
	case "end":
		return 0
	}
	return 0
}

func (p *parser) expression(rbp int) *node {
	t := p.tok
	p.advance("", true)
	left := p.nud(t)
	for rbp < p.lbp() {
		t = p.tok
		p.advance("", false)
		left = p.led(t, left)
	}
	return left
}

func (p *parser) nud(t token) *node {
	n := &node{pos: t.pos}
	switch t.typ {
	case "end":
		p.fail("S0207", t.pos, "Unexpected end of expression")
	case "number":
		n.typ, n.value = "number", t.value
		return n
	case "string":
		n.typ, n.value = "string", t.value
		return n
	case "value":
		n.typ, n.value = "value", t.value
		return n
	case "regex":
		n.typ, n.value = "regex", t.value
		return n
	case "name":
		n.typ, n.value = "name", t.value
		return n
	case "variable":
		n.typ, n.value = "variable", t.value
		return n
	}
	op := t.value.(string)
	switch op {
	case "and", "or", "in":
		// Operators used as names.
		n.typ, n.value = "name", op
		return n
	case "-", "!", "~":
		n.typ, n.value = "unary", op
		n.lhs = p.expression(70)
		if op != "-" {
			p.fail("S0211", t.pos, "The symbol %s cannot be used as a unary operator", op)
		}
		return n
	case "*":
		n.typ, n.value = "wildcard", "*"
		return n
	case "**":
		n.typ, n.value = "descendant", "**"
		return n
	case "%":
		n.typ, n.value = "parent", "%"
		return n
	case "(":
		var items []*node
		for !p.isOp(")") {
			items = append(items, p.expression(0))
			if !p.isOp(";") {
				break
			}
			p.advance(";", false)
		}
		p.advance(")", true)
		n.typ, n.exprs = "block", items
		return n
	case "[":
		var items []*node
		if !p.isOp("]") {
			for {
				item := p.expression(0)
				if p.isOp("..") {
					r := &node{typ: "binary", value: "..", pos: p.tok.pos, lhs: item}
					p.advance("..", false)
					r.rhs = p.expression(0)
					item = r
				}
				items = append(items, item)
				if !p.isOp(",") {
					break
				}
				p.advance(",", false)
			}
		}
		p.advance("]", true)
		n.typ, n.value, n.exprs = "unary", "[", items
		return n
	case "{":
		n.typ, n.value = "unary", "{"
		n.pairs = p.objectPairs()
		return n
	case "|":
		n.typ = "transform"
		n.pattern = p.expression(0)
		p.advance("|", false)
		n.update = p.expression(0)
		if p.isOp(",") {
			p.advance(",", false)
			n.delete = p.expression(0)
		}
		p.advance("|", false)
		return n
	}
	p.fail("S0211", t.pos, "The symbol %s cannot be used as a unary operator", op)
	return nil
}

func (p *parser) objectPairs() [][2]*node {
	var pairs [][2]*node
	if !p.isOp("}") {
		for {
			k := p.expression(0)
			p.advance(":", false)
			v := p.expression(0)
			pairs = append(pairs, [2]*node{k, v})
			if !p.isOp(",") {
				break
			}
			p.advance(",", false)
		}
	}
	p.advance("}", true)
	return pairs
}

func (p *parser) led(t token, left *node) *node {
	op := t.value.(string)
	n := &node{pos: t.pos, value: op}
	switch op {
	case ".", "+", "-", "*", "/", "%", "=", "<", ">", "!=", "<=", ">=", "&", "and", "or", "in", "..", "??":
		n.typ, n.lhs = "binary", left
		n.rhs = p.expression(bindingPower[op])
		return n
	case "?:":
		n.typ = "condition"
		n.cond, n.then = left, left
		n.els = p.expression(bindingPower[op])
		n.value = "?:"
		return n
	case "~>":
		n.typ, n.lhs = "apply", left
		n.rhs = p.expression(bindingPower[op])
		return n
	case "(":
		n.typ, n.value = "function", left
		n.lhs = left
		if !p.isOp(")") {
			for {
				if p.tok.typ == "operator" && p.tok.value == "?" {
					n.typ = "partial"
					n.args = append(n.args, &node{typ: "operator", value: "?", pos: p.tok.pos})
					p.advance("?", false)
				} else {
					n.args = append(n.args, p.expression(0))
				}
				if !p.isOp(",") {
					break
				}
				p.advance(",", false)
			}
		}
		p.advance(")", true)
		// A lambda definition.
		if left.typ == "name" && (left.value == "function" || left.value == "λ") {
			for _, a := range n.args {
				if a.typ != "variable" {
					p.fail("S0208", a.pos, "Parameter %v of function definition must be a variable name (start with $)", a.value)
				}
				n.params = append(n.params, a.value.(string))
			}
			n.typ = "lambda"
			if p.isOp("<") {
				// A signature: up to the matching ">".
				start := p.tok.pos
				depth := 1
				i := start + 1
				for i < len(p.lex.src) && depth > 0 {
					switch p.lex.src[i] {
					case '<':
						depth++
					case '>':
						depth--
					}
					i++
				}
				if depth > 0 {
					p.fail("S0401", start, "Invalid signature")
				}
				sig, err := parseSignature(p.lex.src[start:i])
				if err != nil {
					p.fail("S0401", start, "%v", err)
				}
				n.sig = sig
				p.lex.pos = i
				p.tok = token{typ: "operator", value: ">", pos: i - 1}
				p.advance("", false)
			}
			p.advance("{", false)
			n.body = p.expression(0)
			p.advance("}", true)
		}
		return n
	case "[":
		if p.isOp("]") {
			step := left
			for step != nil && step.typ == "binary" && step.value == "[" {
				step = step.lhs
			}
			step.keepArray = true
			p.advance("]", true)
			return left
		}
		n.typ, n.lhs = "binary", left
		n.rhs = p.expression(0)
		p.advance("]", true)
		return n
	case "{":
		n.typ, n.lhs = "binary", left
		n.pairs = p.objectPairs()
		return n
	case "^":
		p.advance("(", false)
		var terms []sortTerm
		for {
			desc := false
			if p.isOp("<") {
				p.advance("<", false)
			} else if p.isOp(">") {
				desc = true
				p.advance(">", false)
			}
			terms = append(terms, sortTerm{desc: desc, expr: p.expression(0)})
			if !p.isOp(",") {
				break
			}
			p.advance(",", false)
		}
		p.advance(")", false)
		n.typ, n.lhs, n.terms = "binary", left, terms
		return n
	case ":=":
		if left.typ != "variable" {
			p.fail("S0212", left.pos, "The left side of := must be a variable name (start with $)")
		}
		n.typ, n.lhs = "bind", left
		n.rhs = p.expression(bindingPower[":="] - 1)
		return n
	case "?":
		n.typ, n.cond = "condition", left
		n.then = p.expression(0)
		if p.isOp(":") {
			p.advance(":", false)
			n.els = p.expression(0)
		}
		return n
	case "@", "#":
		if p.tok.typ != "variable" {
			p.fail("S0214", p.tok.pos, "The right side of %s must be a variable name (start with $)", op)
		}
		n.typ, n.lhs = "binary", left
		n.rhs = &node{typ: "variable", value: p.tok.value, pos: p.tok.pos}
		p.advance("", false)
		return n
	}
	p.fail("S0201", t.pos, "Syntax error: %q", op)
	return nil
}

// process turns the raw tree into the evaluation tree.
func (p *parser) process(expr *node) *node {
	r := p.process0(expr)
	if expr.keepArray && r != expr {
		r.keepArray = true
	}
	return r
}

func (p *parser) process0(expr *node) *node {
	switch expr.typ {
	case "binary":
		switch expr.value {
		case ".":
			l := p.process(expr.lhs)
			result := &node{typ: "path", pos: expr.pos}
			if l.typ == "path" {
				result.steps = append(result.steps, l.steps...)
				result.seekingParent = l.seekingParent
				result.keepTuples = l.keepTuples
			} else {
				if l.typ == "parent" {
					result.seekingParent = []*slot{l.slot}
				}
				if l.predicate != nil {
					l.stages, l.predicate = l.predicate, nil
				}
				result.steps = append(result.steps, l)
			}
			r := p.process(expr.rhs)
			if r.typ == "function" && r.lhs.typ == "path" && len(r.lhs.steps) == 1 && r.lhs.steps[0].typ == "name" && result.steps[len(result.steps)-1].typ == "function" {
				result.steps[len(result.steps)-1].nextFunction = r.lhs.steps[0].value.(string)
			}
			if r.typ == "path" {
				result.steps = append(result.steps, r.steps...)
			} else {
				if r.predicate != nil {
					r.stages, r.predicate = r.predicate, nil
				}
				result.steps = append(result.steps, r)
			}
			for _, s := range result.steps {
				if s.typ == "number" || s.typ == "value" {
					p.fail("S0213", s.pos, "The literal value %v cannot be used as a step within a path expression", s.value)
				}
				if s.typ == "string" {
					s.typ = "name"
				}
				if s.keepArray {
					result.keepSingletonArray = true
				}
				if s.tuple {
					result.tuple = true
				}
			}
			if f := result.steps[0]; f.typ == "unary" && f.value == "[" {
				f.consarray = true
			}
			if l := result.steps[len(result.steps)-1]; l.typ == "unary" && l.value == "[" {
				l.consarray = true
			}
			p.resolveAncestry(result)
			return result
		case "[":
			result := p.process(expr.lhs)
			step := result
			isPath := result.typ == "path"
			if isPath {
				step = result.steps[len(result.steps)-1]
			}
			if step.group != nil {
				p.fail("S0209", expr.pos, "A predicate cannot follow a grouping expression in a step")
			}
			pred := p.process(expr.rhs)
			for _, sl := range pred.seekingParent {
				if sl.level == 1 {
					p.seekParent(step, sl)
				} else {
					sl.level--
				}
			}
			pushAncestry(step, pred)
			f := &node{typ: "filter", lhs: pred, pos: expr.pos}
			if isPath {
				step.stages = append(step.stages, f)
			} else {
				step.predicate = append(step.predicate, f)
			}
			return result
		case "{":
			result := p.process(expr.lhs)
			if result.group != nil {
				p.fail("S0210", expr.pos, "Each step can only have one grouping expression")
			}
			g := &node{typ: "unary", value: "{", pos: expr.pos}
			for _, pr := range expr.pairs {
				g.pairs = append(g.pairs, [2]*node{p.process(pr[0]), p.process(pr[1])})
			}
			result.group = g
			return result
		case "^":
			result := p.process(expr.lhs)
			if result.typ != "path" {
				result = &node{typ: "path", steps: []*node{result}, pos: result.pos}
			}
			s := &node{typ: "sort", pos: expr.pos}
			for _, t := range expr.terms {
				e := p.process(t.expr)
				pushAncestry(s, e)
				s.terms = append(s.terms, sortTerm{desc: t.desc, expr: e})
			}
			result.steps = append(result.steps, s)
			p.resolveAncestry(result)
			return result
		case "@":
			result := p.process(expr.lhs)
			step := result
			if result.typ == "path" {
				step = result.steps[len(result.steps)-1]
			}
			if step.stages != nil || step.predicate != nil {
				p.fail("S0215", expr.pos, "A context variable binding must precede any predicates on a step")
			}
			if step.typ == "sort" {
				p.fail("S0216", expr.pos, "A context variable binding must precede the 'order-by' clause on a step")
			}
			if expr.keepArray {
				step.keepArray = true
			}
			step.focus = expr.rhs.value.(string)
			step.tuple = true
			result.tuple = true
			return result
		case "#":
			result := p.process(expr.lhs)
			step := result
			if result.typ == "path" {
				step = result.steps[len(result.steps)-1]
			} else {
				result = &node{typ: "path", steps: []*node{result}, pos: result.pos}
				if step.predicate != nil {
					step.stages, step.predicate = step.predicate, nil
				}
			}
			if step.stages == nil {
				step.index = expr.rhs.value.(string)
			} else {
				step.stages = append(step.stages, &node{typ: "index", value: expr.rhs.value, pos: expr.pos})
			}
			step.tuple = true
			result.tuple = true
			return result
		}
		n := &node{typ: "binary", value: expr.value, pos: expr.pos, lhs: p.process(expr.lhs), rhs: p.process(expr.rhs)}
		pushAncestry(n, n.lhs)
		pushAncestry(n, n.rhs)
		return n
	case "unary":
		n := &node{typ: "unary", value: expr.value, pos: expr.pos, keepArray: expr.keepArray}
		switch expr.value {
		case "[":
			for _, e := range expr.exprs {
				pe := p.process(e)
				pushAncestry(n, pe)
				n.exprs = append(n.exprs, pe)
			}
		case "{":
			for _, pr := range expr.pairs {
				k, v := p.process(pr[0]), p.process(pr[1])
				pushAncestry(n, k)
				pushAncestry(n, v)
				n.pairs = append(n.pairs, [2]*node{k, v})
			}
		default:
			n.lhs = p.process(expr.lhs)
			pushAncestry(n, n.lhs)
			if n.lhs.typ == "number" {
				return &node{typ: "number", value: -n.lhs.value.(float64), pos: expr.pos}
			}
		}
		return n
	case "function", "partial":
		n := &node{typ: expr.typ, pos: expr.pos, lhs: p.process(expr.lhs)}
		for _, a := range expr.args {
			pa := p.process(a)
			pushAncestry(n, pa)
			n.args = append(n.args, pa)
		}
		return n
	case "lambda":
		n := &node{typ: "lambda", pos: expr.pos, params: expr.params, sig: expr.sig}
		n.body = p.tailCall(p.process(expr.body))
		return n
	case "condition":
		n := &node{typ: "condition", value: expr.value, pos: expr.pos, cond: p.process(expr.cond)}
		pushAncestry(n, n.cond)
		n.then = n.cond
		if expr.value != "?:" {
			n.then = p.process(expr.then)
			pushAncestry(n, n.then)
		}
		if expr.els != nil {
			n.els = p.process(expr.els)
			pushAncestry(n, n.els)
		}
		return n
	case "transform":
		n := &node{typ: "transform", pos: expr.pos, pattern: p.process(expr.pattern), update: p.process(expr.update)}
		if expr.delete != nil {
			n.delete = p.process(expr.delete)
		}
		return n
	case "block":
		n := &node{typ: "block", pos: expr.pos}
		for _, e := range expr.exprs {
			pe := p.process(e)
			pushAncestry(n, pe)
			n.exprs = append(n.exprs, pe)
		}
		return n
	case "bind":
		n := &node{typ: "bind", pos: expr.pos, lhs: expr.lhs, rhs: p.process(expr.rhs)}
		pushAncestry(n, n.rhs)
		return n
	case "apply":
		n := &node{typ: "apply", pos: expr.pos, lhs: p.process(expr.lhs), rhs: p.process(expr.rhs)}
		pushAncestry(n, n.lhs)
		pushAncestry(n, n.rhs)
		return n
	case "name":
		n := &node{typ: "path", pos: expr.pos, steps: []*node{expr}}
		if expr.keepArray {
			n.keepSingletonArray = true
		}
		return n
	case "parent":
		n := &node{typ: "parent", pos: expr.pos, slot: &slot{label: "!" + strconv.Itoa(p.ancestorLabel), level: 1}}
		p.ancestorLabel++
		return n
	case "string", "number", "value", "wildcard", "descendant", "variable", "regex":
		return expr
	case "operator":
		return expr
	}
	p.fail("S0206", expr.pos, "Unknown expression type: %s", expr.typ)
	return nil
}

// tailCall marks a lambda body that is a function call, so it is evaluated as a thunk.
func (p *parser) tailCall(n *node) *node {
	switch n.typ {
	case "function":
		if n.predicate == nil {
			return &node{typ: "lambda", thunk: true, body: n, pos: n.pos}
		}
	case "condition":
		n.then = p.tailCall(n.then)
		if n.els != nil {
			n.els = p.tailCall(n.els)
		}
	case "block":
		if len(n.exprs) > 0 {
			n.exprs[len(n.exprs)-1] = p.tailCall(n.exprs[len(n.exprs)-1])
		}
	}
	return n
}
