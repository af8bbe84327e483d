package jsonpath

import (
	"strconv"
	"strings"
)

// Path is a compiled JSONPath. It is immutable and safe for concurrent use.
type Path struct {
	text string
	segs []segment
	// fn is a trailing function call, applied to what segs select: "length", or a name
	// that fails when the path is evaluated.
	fn string
	// defUpTo is the number of leading segments that are definite: segment i is evaluated
	// with a definite upstream (and so may fail loudly, as Jayway does) iff i <= defUpTo.
	defUpTo int
}

type segKind uint8

const (
	segName   segKind = iota // ['a'] or ['a','b']
	segIndex                 // [0] or [0,1]
	segSlice                 // [start:end:step]
	segWild                  // [*] or .*
	segScan                  // ..
	segFilter                // [?(...)]
)

type segment struct {
	kind    segKind
	names   []string
	indexes []int
	slice   sliceSpec
	filter  expr
}

type sliceSpec struct {
	start, end, step int
	hasStart, hasEnd bool
}

// Compile parses a JSONPath in Jayway's dialect, as AWS accepts it in InputPath, OutputPath,
// payload templates (".$" values), ItemsPath and the like.
func Compile(text string) (*Path, error) {
	return compile(text)
}

// CompileReference parses a reference path (ResultPath and friends): "$" followed only by
// single member (.name, ['name']) and single index ([n]) steps, so that it always names at
// most one node.
func CompileReference(text string) (*Path, error) {
	p, err := compile(text)
	if err != nil {
		return nil, err
	}
	if !p.reference() {
		return nil, &SyntaxError{Text: text, Pos: -1, Msg: "a reference path may only contain member and array index steps"}
	}
	return p, nil
}

func compile(text string) (*Path, error) {
	// Jayway trims the blanks around a path before it reads it, so "$.a " is "$.a" (a
	// published state machine has "$$.Execution.Name " and AWS runs it).
	ps := &parser{text: strings.TrimRight(text, " ")}
	ps.skipSpace()
	p, err := ps.path()
	if err != nil {
		return nil, err
	}
	ps.skipSpace()
	if ps.pos < len(ps.text) {
		return nil, ps.errorf("unexpected character %q", ps.text[ps.pos])
	}
	p.text = text
	return p, nil
}

func newPath(segs []segment, fn string) *Path {
	p := &Path{segs: segs, fn: fn}
	p.defUpTo = len(segs)
	for i := range segs {
		if !p.tokenDefinite(i) {
			p.defUpTo = i
			break
		}
	}
	return p
}

// String returns the text the path was compiled from.
func (p *Path) String() string { return p.text }

// Definite reports whether the path selects at most one node, by Jayway's rules: no wildcard,
// deep scan, filter, slice or index list, and no member list except as the last step (a
// trailing ['a','b'] selects one new object holding the members found).
func (p *Path) Definite() bool { return p.fn != "" || p.defUpTo == len(p.segs) }

func (p *Path) tokenDefinite(i int) bool {
	s := &p.segs[i]
	switch s.kind {
	case segName:
		return len(s.names) == 1 || p.leaf(i)
	case segIndex:
		return len(s.indexes) == 1
	}
	return false
}

// leaf reports whether segment i is the last step (a function call is a step in Jayway).
func (p *Path) leaf(i int) bool { return i == len(p.segs)-1 && p.fn == "" }

// reference reports whether p is a reference path.
func (p *Path) reference() bool {
	if p.fn != "" {
		return false
	}
	for _, s := range p.segs {
		switch {
		case s.kind == segName && len(s.names) == 1:
		case s.kind == segIndex && len(s.indexes) == 1:
		default:
			return false
		}
	}
	return true
}

// render writes the first n segments in Jayway's normalized bracket notation, as its
// messages show them: $['a']['b'][0].
func (p *Path) render(n int) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range p.segs[:n] {
		s.writeTo(&b)
	}
	return b.String()
}

// fragment renders segments from i on, as Jayway's token toString does.
func (p *Path) fragment(i int) string {
	var b strings.Builder
	for _, s := range p.segs[i:] {
		s.writeTo(&b)
	}
	if p.fn != "" {
		b.WriteString("." + p.fn + "()")
	}
	return b.String()
}

func (s *segment) writeTo(b *strings.Builder) {
	switch s.kind {
	case segName:
		b.WriteByte('[')
		for i, n := range s.names {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("'" + n + "'")
		}
		b.WriteByte(']')
	case segIndex:
		b.WriteByte('[')
		for i, n := range s.indexes {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteByte(']')
	case segSlice:
		b.WriteByte('[')
		if s.slice.hasStart {
			b.WriteString(strconv.Itoa(s.slice.start))
		}
		b.WriteByte(':')
		if s.slice.hasEnd {
			b.WriteString(strconv.Itoa(s.slice.end))
		}
		if s.slice.step != 1 {
			b.WriteString(":" + strconv.Itoa(s.slice.step))
		}
		b.WriteByte(']')
	case segWild:
		b.WriteString("[*]")
	case segScan:
		b.WriteString("..")
	case segFilter:
		b.WriteString("[?]")
	}
}

func (s *segment) text() string {
	var b strings.Builder
	s.writeTo(&b)
	return b.String()
}
