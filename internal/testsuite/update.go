package testsuite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// update records the outcome of each test that ran to its end as its expectations
// (--update), rewrites the file when that changed anything, and checks the tests again
// against what it wrote. What it writes:
//
//   - status, when the test has it or the execution did not succeed;
//   - for an execution that succeeded: output (when the test has it, or has neither
//     outputContains nor paths), and no error or cause;
//   - for one that did not: error and cause, and no output;
//   - states, when the test has it.
//
// outputContains, paths, s3 and calls are the user's own assertions about a part of the outcome;
// they are left as they are, and reported if they no longer hold. A value that does not change
// is not rewritten, so its formatting stays; comments stay (as far as yaml.Node keeps
// them); a JSON file is written again with an indentation of two spaces.
func update(l *loaded, fr *FileReport) error {
	byName := map[string]*Test{}
	for _, t := range l.Tests {
		byName[t.Name] = t
	}
	changed := map[string]bool{}
	for _, r := range fr.Tests {
		t := byName[r.Name]
		if r.Outcome == nil || t == nil {
			continue
		}
		c, err := record(t.node, r.Outcome)
		if err != nil {
			return &Error{File: l.Path, Line: t.Line, Msg: fmt.Sprintf("test %q: --update: %v", t.Name, err)}
		}
		changed[r.Name] = c
	}
	dirty := false
	for _, c := range changed {
		dirty = dirty || c
	}
	if !dirty {
		return nil
	}
	data, err := encodeFile(l.root, l.isJSON)
	if err != nil {
		return &Error{File: l.Path, Msg: "--update: " + err.Error()}
	}
	if !l.isJSON {
		data = restoreBlankLines(l.source, data)
	}
	f, err := Parse(l.Path, data)
	if err != nil { // what record writes always parses: a guard
		return &Error{File: l.Path, Msg: "--update would write a file that does not parse: " + err.Error()}
	}
	info, err := os.Stat(l.Path)
	if err != nil {
		return &Error{File: l.Path, Msg: err.Error()}
	}
	if err := os.WriteFile(l.Path, data, info.Mode().Perm()); err != nil {
		return &Error{File: l.Path, Msg: err.Error()}
	}
	fr.Updated = true
	byName = map[string]*Test{}
	for _, t := range f.Tests {
		byName[t.Name] = t
	}
	for _, r := range fr.Tests {
		if t := byName[r.Name]; t != nil && r.Outcome != nil {
			r.Line, r.Updated = t.Line, changed[r.Name]
			r.Failures = check(t, r.Outcome)
		}
	}
	return nil
}

// record writes an outcome into a test's expect mapping; it tells whether anything changed.
func record(test *yaml.Node, o *Outcome) (bool, error) {
	exp := mapGet(test, "expect")
	if exp == nil {
		exp = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		test.Content = append(test.Content, strNode("expect"), exp)
	}
	exp = deref(exp)
	changed := false
	set := func(key string, v *yaml.Node) error {
		old := mapGet(exp, key)
		if old != nil {
			same, err := sameValue(old, v)
			if err != nil {
				return err
			}
			if same {
				return nil
			}
		}
		mapSet(exp, key, v)
		changed = true
		return nil
	}
	del := func(key string) {
		if mapDelete(exp, key) {
			changed = true
		}
	}
	has := func(key string) bool { return mapGet(exp, key) != nil }

	if has("status") || (o.Status != "SUCCEEDED" && o.Error == nil) { // an error says the execution failed
		if err := set("status", strNode(o.Status)); err != nil {
			return false, err
		}
	}
	if o.Status == "SUCCEEDED" {
		del("error")
		del("cause")
		if has("output") || (!has("outputContains") && !has("paths")) {
			out, err := jsonNode(o.Output)
			if err != nil {
				return false, err
			}
			if err := set("output", out); err != nil {
				return false, err
			}
		}
	} else {
		del("output")
		for _, kv := range []struct {
			key string
			v   *string
		}{{"error", o.Error}, {"cause", o.Cause}} {
			switch {
			case kv.v == nil:
				del(kv.key)
			case *kv.v == "" && !has(kv.key): // an empty cause is not worth a line
			default:
				if err := set(kv.key, strNode(*kv.v)); err != nil {
					return false, err
				}
			}
		}
	}
	if has("states") {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, s := range o.States {
			seq.Content = append(seq.Content, strNode(s))
		}
		if scalarsOnly(seq) {
			seq.Style = yaml.FlowStyle
		}
		if err := set("states", seq); err != nil {
			return false, err
		}
	}
	return changed, nil
}

// sameValue tells whether two YAML values are the same JSON value.
func sameValue(a, b *yaml.Node) (bool, error) {
	ja, err := nodeJSON(a)
	if err != nil {
		return false, nil // not a JSON value: replace it
	}
	jb, err := nodeJSON(b)
	if err != nil {
		return false, err
	}
	va, err := decode(string(ja))
	if err != nil {
		return false, nil
	}
	vb, err := decode(string(jb))
	if err != nil {
		return false, err
	}
	return equal(va, vb), nil
}

func mapGet(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mapSet sets a key's value, keeping the old value's comments; a new key goes last.
func mapSet(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			old := m.Content[i+1]
			if old.Style&yaml.FlowStyle != 0 && v.Kind != yaml.ScalarNode {
				v.Style |= yaml.FlowStyle // a value written on one line stays on one line
			}
			v.HeadComment, v.FootComment = old.HeadComment, old.FootComment
			if v.Kind == yaml.ScalarNode || v.Style&yaml.FlowStyle != 0 {
				v.LineComment = old.LineComment
			} else if m.Content[i].LineComment == "" {
				// A block value starts on the next line: the comment goes after the key.
				m.Content[i].LineComment = old.LineComment
			}
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, strNode(key), v)
}

func mapDelete(m *yaml.Node, key string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return true
		}
	}
	return false
}

// encodeFile writes a test file's document again: YAML with an indentation of two spaces,
// or JSON.
func encodeFile(doc *yaml.Node, isJSON bool) ([]byte, error) {
	if isJSON {
		compact, err := nodeJSON(doc)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := writeJSON(&b, compact, "", 0); err != nil {
			return nil, err
		}
		b.WriteByte('\n')
		return b.Bytes(), nil
	}
	fixFlowNulls(doc, false)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// maxBlankWork bounds the work of restoreBlankLines (lines of the old file times lines of
// the new): beyond it, about 40 ms, the blank lines are not restored.
const maxBlankWork = 20_000_000

// restoreBlankLines puts back the blank lines that the YAML encoder drops: each blank line
// of the old text goes before the line of the new text that matches the old line it came
// before. Lines are matched by a longest common subsequence, so lines --update changed do
// not move the others' blank lines.
func restoreBlankLines(old, new []byte) []byte {
	oldLines := strings.Split(strings.TrimRight(string(old), "\n"), "\n")
	newLines := strings.Split(strings.TrimRight(string(new), "\n"), "\n")
	var kept []string // the old non-blank lines
	blanks := []int{} // how many blank lines came before each of them
	run := 0
	for _, l := range oldLines {
		if strings.TrimSpace(l) == "" {
			run++
			continue
		}
		kept = append(kept, l)
		blanks = append(blanks, run)
		run = 0
	}
	n, m := len(kept), len(newLines)
	if n == 0 || n*m > maxBlankWork {
		return new
	}
	// lcs[i][j] is the length of the longest common subsequence of kept[i:] and newLines[j:].
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case kept[i] == newLines[j]:
				lcs[i][j] = lcs[i+1][j+1] + 1
			case lcs[i+1][j] >= lcs[i][j+1]:
				lcs[i][j] = lcs[i+1][j]
			default:
				lcs[i][j] = lcs[i][j+1]
			}
		}
	}
	before := make([]int, m) // blank lines to put before each new line
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case kept[i] == newLines[j]:
			before[j] = blanks[i]
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			i++
		default:
			j++
		}
	}
	var b strings.Builder
	for j, l := range newLines {
		for range before[j] {
			b.WriteByte('\n')
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// fixFlowNulls spells out the empty nulls inside flow collections: the encoder writes the
// null of {"a"} as a quoted empty string, which would turn it into a string. Found by
// FuzzParse.
func fixFlowNulls(n *yaml.Node, inFlow bool) {
	inFlow = inFlow || n.Style&yaml.FlowStyle != 0
	if n.Kind == yaml.ScalarNode && inFlow && n.Value == "" && n.ShortTag() == "!!null" {
		n.Value = "null"
	}
	if n.Kind == yaml.AliasNode {
		return
	}
	for _, c := range n.Content {
		fixFlowNulls(c, inFlow)
	}
}

// jsonWidth is the width within which writeJSON keeps an object or an array on one line.
const jsonWidth = 96

// writeJSON writes compact JSON text indented by two spaces a level, keeping each object or
// array that fits in jsonWidth on one line ({"name": "Ada"}), as people write test files.
// encoding/json's Indent puts every member on a line of its own.
// before is how many characters precede the value on its line (the indentation and the key).
func writeJSON(b *bytes.Buffer, compact []byte, indent string, before int) error {
	if oneLine := spaced(compact); before+len(oneLine) <= jsonWidth || (compact[0] != '{' && compact[0] != '[') {
		b.WriteString(oneLine)
		return nil
	}
	// Walk the members in their order, token by token.
	dec := json.NewDecoder(bytes.NewReader(compact))
	dec.UseNumber()
	tok, _ := dec.Token()
	open := tok.(json.Delim)
	b.WriteByte(byte(open))
	inner := indent + "  "
	first := true
	for dec.More() {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString("\n" + inner)
		start := b.Len() - len(inner)
		if open == '{' {
			key, _ := dec.Token()
			writeString(b, key.(string))
			b.WriteString(": ")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := writeJSON(b, raw, inner, b.Len()-start); err != nil {
			return err
		}
	}
	b.WriteString("\n" + indent)
	if open == '{' {
		b.WriteByte('}')
	} else {
		b.WriteByte(']')
	}
	return nil
}

// spaced renders compact JSON on one line with a space after each colon and comma.
func spaced(compact []byte) string {
	var b strings.Builder
	inString := false
	for i := 0; i < len(compact); i++ {
		c := compact[i]
		b.WriteByte(c)
		switch {
		case inString && c == '\\':
			i++
			b.WriteByte(compact[i])
		case c == '"':
			inString = !inString
		case !inString && (c == ':' || c == ','):
			b.WriteByte(' ')
		}
	}
	return b.String()
}
