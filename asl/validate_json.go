package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stepwise-run/stepwise/asl/intrinsic"
	"github.com/stepwise-run/stepwise/asl/jsonata"
	"github.com/stepwise-run/stepwise/asl/jsonpath"
)

var sprintf = fmt.Sprintf

// scanResult is what a first pass over the definition's text finds before it is decoded:
// duplicate keys (which decoding would silently merge), excessive nesting, and syntax errors.
type scanResult struct {
	tooDeep    bool
	err        *scanError
	duplicates map[string][]string // location of a "States" object -> names given twice in it
}

type scanError struct{ message, location string }

// scanJSON walks the definition's tokens. Locations are written as the validator writes them:
// "/States/P/Branches[0]/States".
func scanJSON(def []byte) scanResult {
	res := scanResult{duplicates: map[string][]string{}}
	dec := json.NewDecoder(bytes.NewReader(def))
	dec.UseNumber()
	type level struct {
		object bool
		loc    string
		seen   map[string]bool
		key    string // the key whose value comes next (objects)
		index  int    // the next element's index (arrays)
		expect bool   // objects: the next token is a key
	}
	var stack []*level
	childLoc := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		if top.object {
			return top.loc + "/" + top.key
		}
		return top.loc + "[" + strconv.Itoa(top.index) + "]"
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		top := stack[len(stack)-1]
		if top.object {
			top.expect = true
		} else {
			top.index++
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			res.err = syntaxError(def, dec.InputOffset(), err)
			return res
		}
		if len(stack) > 0 {
			if top := stack[len(stack)-1]; top.object && top.expect {
				if _, isDelim := tok.(json.Delim); !isDelim {
					key := tok.(string)
					if top.seen[key] && strings.HasSuffix(top.loc, "/States") {
						res.duplicates[top.loc] = append(res.duplicates[top.loc], key)
					}
					top.seen[key] = true
					top.key, top.expect = key, false
					continue
				}
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) >= maxJSONDepth {
				res.tooDeep = true
				return res
			}
			loc := childLoc()
			stack = append(stack, &level{object: tok == json.Delim('{'), loc: loc, seen: map[string]bool{}, expect: true})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
		if len(stack) == 0 && dec.More() {
			// Text after the root value. Jackson, which AWS uses, stops at the root value's end.
			break
		}
	}
	return res
}

// syntaxError words a JSON syntax error as Jackson does, which is what AWS reports.
func syntaxError(def []byte, offset int64, err error) *scanError {
	var se *json.SyntaxError
	pos := int(offset)
	if errors.As(err, &se) {
		pos = int(se.Offset)
	}
	if pos > len(def) {
		pos = len(def)
	}
	// Find the start of the offending token: the decoder reports the offset after it.
	start := pos
	for start > 0 && isTokenChar(def[start-1]) {
		start--
	}
	if start == pos && pos > 0 && !isTokenChar(def[pos-1]) {
		start = pos - 1
	}
	end := start
	for end < len(def) && isTokenChar(def[end]) {
		end++
	}
	var msg string
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || pos >= len(def):
		msg = "Unexpected end-of-input"
		end = len(def)
	case end > start:
		msg = fmt.Sprintf("Unrecognized token '%s': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", def[start:end])
	default:
		c := def[start]
		msg = fmt.Sprintf("Unexpected character ('%c' (code %d))", c, c)
		end = start + 1
	}
	line, col := 1, 1
	for _, b := range def[:end] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	source := string(def)
	if len(source) > 500 {
		source = source[:500] + "\"[truncated " + strconv.Itoa(len(def)-500) + " chars]"
	} else {
		source += "\""
	}
	loc := fmt.Sprintf("[Source: (String)\"%s; line: %d, column: %d]", source, line, col)
	return &scanError{message: msg + "\n at " + loc, location: loc}
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '+'
}

// The validator's views of the path, intrinsic and JSONata compilers.

func compilePath(s string) error {
	_, err := jsonpath.Compile(s)
	return err
}

func compileReferencePath(s string) error {
	_, err := jsonpath.CompileReference(s)
	return err
}

func compileJSONata(s string) error {
	_, err := jsonata.Compile(s)
	return err
}

func isIntrinsicCall(s string) bool { return intrinsic.IsCall(s) }

// checkIntrinsic parses an intrinsic function call and checks the paths among its arguments.
func checkIntrinsic(s string) error {
	call, err := intrinsic.Parse(s)
	if err != nil {
		return err
	}
	for _, p := range call.Paths() {
		if !validPath(p, pathPlain) {
			return fmt.Errorf("invalid path %q", p)
		}
	}
	return nil
}

// JSONSyntaxMessage words what is wrong with a JSON text as Jackson, which AWS uses, words it,
// without the "at [Source: ...]" location: StartExecution reports an invalid input so. It
// returns "" for a valid text.
func JSONSyntaxMessage(text string) string {
	var v any
	err := json.Unmarshal([]byte(text), &v)
	if err == nil {
		return ""
	}
	var off int64
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	// Where JSON's structure wants one character (a quote, a colon, a comma), Jackson names
	// the character it found and what it expected.
	for _, w := range []struct{ goWords, jackson string }{
		{"looking for beginning of object key string", "was expecting double-quote to start field name"},
		{"after object key:value pair", "was expecting comma to separate Object entries"},
		{"after object key", "was expecting a colon to separate field name and value"},
		{"after array element", "was expecting comma to separate Array entries"},
	} {
		if strings.HasSuffix(err.Error(), w.goWords) && off > 0 && int(off) <= len(text) {
			c := text[off-1]
			return fmt.Sprintf("Unexpected character ('%c' (code %d)): %s", c, c, w.jackson)
		}
	}
	msg, _, _ := strings.Cut(syntaxError([]byte(text), off, err).message, "\n at ")
	if strings.HasPrefix(msg, "Unexpected character") && strings.HasSuffix(err.Error(), "looking for beginning of value") {
		msg += ": expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
	}
	return msg
}
