package conformance

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The corpus (corpus/) stores every definition, input and object-valued payload with its
// keys sorted; only payloads recorded as JSON text keep AWS's order. The raw recordings it was
// drawn from keep more: the snapshots (recordings/v2) hold each payload in the order of the
// JSON text AWS returned, and the templates (recordings/templates) hold each definition in
// its author's order. OrderCorpus builds from them a copy of the corpus in AWS's order
// (in memory), against which the runner measures key order; `go run
// ./conformance/cmd/awsorder -out DIR` writes it to a directory, and TestAWSOrderCopy checks
// that each of its cases is its corpus case reordered.
//
// The copy only reorders keys: each case in it equals its corpus case as JSON. A value is
// taken in the recording's order only where the two are equal as JSON (the definition and
// its template; the input and the recorded ExecutionStarted input; each expected event and
// the recorded event; the expected output and the recorded final output); anywhere else the
// corpus's order is kept, and the case's note says why.

// OrderNote says, for one case, where each part of its AWS-ordered copy came from.
type OrderNote struct {
	File       string // the case's path under the corpus
	Definition string // "template <path>", or why the corpus's sorted definition is kept
	Input      string // "recording", or why not
	Expected   string // "recording" (output and history), or why not
	Changed    bool   // the copy's order differs from the corpus's somewhere
}

// Measurable says whether the case's order can be measured in full: its definition, input and
// expected payloads all come from the raw recordings.
func (n OrderNote) Measurable() bool {
	return strings.HasPrefix(n.Definition, "template ") && n.Input == "recording" && n.Expected == "recording"
}

const suiteDir = "tests/aws/services/stepfunctions/"

// OrderCorpus reads the cases under corpus (<area>/<id>.json) and the raw recordings in rec
// (v2/ and templates/, as in the LocalStack repository) and returns the case files in AWS's
// order, by path (a whole corpus: a case with nothing to reorder is copied as it is), and a
// note for every case. used lists the recording files it read.
func OrderCorpus(corpus, rec fs.FS) (files map[string][]byte, notes []OrderNote, used []string, err error) {
	names, err := fs.Glob(corpus, "*/*.json")
	if err != nil {
		return nil, nil, nil, err
	}
	sort.Strings(names)
	o := &orderer{rec: rec, snapshots: map[string]jv{}, used: map[string]bool{}}
	if err := o.loadTemplates(); err != nil {
		return nil, nil, nil, err
	}
	files = map[string][]byte{}
	for _, name := range names {
		data, err := fs.ReadFile(corpus, name)
		if err != nil {
			return nil, nil, nil, err
		}
		doc, err := parseJSON(string(data))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		out, note, err := o.order(doc)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		note.File = name
		note.Changed = !sameOrderDeep(doc, out)
		files[name] = []byte(indentJSON(out) + "\n")
		notes = append(notes, note)
	}
	for f := range o.used {
		used = append(used, f)
	}
	sort.Strings(used)
	return files, notes, used, nil
}

type orderer struct {
	rec       fs.FS
	templates []template // every template under templates/, by path
	snapshots map[string]jv
	used      map[string]bool
}

type template struct {
	path string
	def  jv
}

func (o *orderer) loadTemplates() error {
	return fs.WalkDir(o.rec, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json5") {
			return err
		}
		data, err := fs.ReadFile(o.rec, p)
		if err != nil {
			return err
		}
		v, err := parseJSON(JSON5ToJSON(string(data)))
		if err != nil {
			return nil // not a template the corpus can use
		}
		o.templates = append(o.templates, template{p, v})
		return nil
	})
}

func (o *orderer) order(doc jv) (jv, OrderNote, error) {
	var note OrderNote
	src, _ := doc.get("source")
	def, _ := doc.get("definition")
	def, note.Definition = o.definition(def, src)
	out := doc.set("definition", def)

	raw, why := o.record(src)
	input, _ := doc.get("input")
	expected, _ := doc.get("expected")
	if raw.k == kNull {
		note.Input, note.Expected = why, why
		return out, note, nil
	}
	var rawInput, rawOutput, rawEvents jv
	if events, ok := raw.get("events"); ok && events.k == kArray && len(events.arr) > 0 {
		rawEvents = events
		if d, ok := events.arr[0].get("executionStartedEventDetails"); ok {
			rawInput, _ = d.get("input")
		}
		if d, ok := events.arr[len(events.arr)-1].get("executionSucceededEventDetails"); ok {
			rawOutput, _ = d.get("output")
		}
	} else {
		rawInput, _ = raw.get("input")
		rawOutput, _ = raw.get("output")
	}

	if v, ok := adopt(input, rawInput); ok {
		out = out.set("input", v)
		note.Input = "recording"
	} else {
		note.Input = "differs from the recorded input"
	}

	note.Expected = "recording"
	output, _ := expected.get("output")
	if output.k != kNull {
		if v, ok := adopt(output, rawOutput); ok {
			expected = expected.set("output", v)
		} else {
			note.Expected = "output differs from the recorded output"
		}
	}
	if hist, _ := expected.get("history"); hist.k == kArray {
		switch {
		case rawEvents.k != kArray || len(rawEvents.arr) != len(hist.arr):
			note.Expected = "history differs from the recorded events"
		default:
			events := jv{k: kArray, arr: make([]jv, len(hist.arr))}
			for i, e := range hist.arr {
				v, ok := adopt(e, rawEvents.arr[i])
				if !ok {
					note.Expected = fmt.Sprintf("event %d differs from the recorded one", i+1)
					events = hist
					break
				}
				events.arr[i] = v
			}
			expected = expected.set("history", events)
		}
	}
	out = out.set("expected", expected)
	return out, note, nil
}

// definition returns the case's definition in its template's order: the template the case
// names, or, when it names none, the templates equal to it as JSON if they all have one
// order.
func (o *orderer) definition(def, src jv) (jv, string) {
	named, _ := src.get("template")
	var candidates []template
	if named.k == kString {
		p := strings.TrimPrefix(named.s, suiteDir)
		for _, t := range o.templates {
			if t.path == p {
				candidates = append(candidates, t)
			}
		}
		if len(candidates) == 0 {
			return def, "its template " + p + " is not in the recordings"
		}
		if !candidates[0].def.equal(def) {
			return def, "differs from its template " + p + " (the test changed it)"
		}
	} else {
		for _, t := range o.templates {
			if t.def.equal(def) {
				candidates = append(candidates, t)
			}
		}
		if len(candidates) == 0 {
			return def, "no template equals it (the test built or changed it)"
		}
		for _, t := range candidates[1:] {
			if !sameOrderDeep(t.def, candidates[0].def) {
				return def, fmt.Sprintf("%d templates equal it in different orders", len(candidates))
			}
		}
	}
	o.used[candidates[0].path] = true
	v, _ := adopt(def, candidates[0].def)
	return v, "template " + candidates[0].path
}

var recordItem = regexp.MustCompile(`^(.+)\[(\d+)\]$`)

// record returns what the case's snapshot recorded for it (null, and why, when it cannot be
// found).
func (o *orderer) record(src jv) (jv, string) {
	str := func(k string) string { v, _ := src.get(k); return v.s }
	file := strings.TrimPrefix(str("snapshot"), suiteDir)
	snap, ok := o.snapshots[file]
	if !ok {
		data, err := fs.ReadFile(o.rec, file)
		if err != nil {
			o.snapshots[file] = jv{}
			return jv{}, "its snapshot " + file + " is not in the recordings"
		}
		if snap, err = parseJSON(string(data)); err != nil {
			return jv{}, "its snapshot " + file + " does not parse: " + err.Error()
		}
		o.snapshots[file] = snap
	}
	if snap.k == kNull {
		return jv{}, "its snapshot " + file + " is not in the recordings"
	}
	o.used[file] = true
	test, _ := snap.get(str("test"))
	content, _ := test.get("recorded-content")
	name := str("record")
	if v, ok := content.get(name); ok {
		return v, ""
	}
	if m := recordItem.FindStringSubmatch(name); m != nil {
		list, _ := content.get(m[1])
		i, _ := strconv.Atoi(m[2])
		if list.k == kArray && i < len(list.arr) {
			return list.arr[i], ""
		}
	}
	return jv{}, "its record " + name + " is not in the snapshot"
}

// adopt returns c with the keys of its objects in r's order, where c and r are equal as JSON
// (a string holding a JSON object or array standing for the value it holds); ok is false
// when they are not. A string in c stays as it is: text keeps its own order.
func adopt(c, r jv) (jv, bool) {
	if !parseJSONStrings(c).equal(parseJSONStrings(r)) {
		return c, false
	}
	return reorder(c, r), true
}

func reorder(c, r jv) jv {
	if r.k == kString && (c.k == kObject || c.k == kArray) {
		if x, err := parseJSON(r.s); err == nil {
			r = x
		}
	}
	switch {
	case c.k == kObject && r.k == kObject && len(c.keys) == len(r.keys):
		out := jv{k: kObject, keys: make([]string, 0, len(r.keys)), vals: make([]jv, 0, len(r.keys))}
		for i, k := range r.keys {
			x, ok := c.get(k)
			if !ok {
				return c
			}
			out.keys = append(out.keys, k)
			out.vals = append(out.vals, reorder(x, r.vals[i]))
		}
		return out
	case c.k == kArray && r.k == kArray && len(c.arr) == len(r.arr):
		out := jv{k: kArray, arr: make([]jv, len(c.arr))}
		for i := range c.arr {
			out.arr[i] = reorder(c.arr[i], r.arr[i])
		}
		return out
	}
	return c
}

// sameOrderDeep says whether a and b have the same keys in the same order throughout.
func sameOrderDeep(a, b jv) bool {
	if a.k != b.k {
		return false
	}
	switch a.k {
	case kObject:
		if len(a.keys) != len(b.keys) {
			return false
		}
		for i := range a.keys {
			if a.keys[i] != b.keys[i] || !sameOrderDeep(a.vals[i], b.vals[i]) {
				return false
			}
		}
	case kArray:
		if len(a.arr) != len(b.arr) {
			return false
		}
		for i := range a.arr {
			if !sameOrderDeep(a.arr[i], b.arr[i]) {
				return false
			}
		}
	}
	return true
}

// JSON5ToJSON turns the JSON5 the templates are written in into JSON: it drops comments and
// trailing commas and quotes bare keys. Text inside strings is left alone. (The templates use
// no other JSON5 feature; a library for that little would be a dependency for test data.)
func JSON5ToJSON(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				j = len(s) - 1
			}
			b.WriteString(s[i : j+1])
			i = j
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
		case c == ',':
			j := i + 1
			for j < len(s) {
				if strings.ContainsRune(" \t\r\n", rune(s[j])) {
					j++
				} else if strings.HasPrefix(s[j:], "//") {
					for j < len(s) && s[j] != '\n' {
						j++
					}
				} else {
					break
				}
			}
			if j < len(s) && (s[j] == '}' || s[j] == ']') {
				continue // a trailing comma
			}
			b.WriteByte(c)
		case isIdentStart(c):
			j := i
			for j < len(s) && (isIdentStart(s[j]) || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			word := s[i:j]
			k := j
			for k < len(s) && strings.ContainsRune(" \t", rune(s[k])) {
				k++
			}
			if k < len(s) && s[k] == ':' && word != "true" && word != "false" && word != "null" {
				b.WriteString(strconv.Quote(word))
			} else {
				b.WriteString(word)
			}
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// indentJSON renders v as the corpus's files are written: indented by one space per level.
func indentJSON(v jv) string {
	var b strings.Builder
	writeIndented(&b, v, 0)
	return b.String()
}

func writeIndented(b *strings.Builder, v jv, depth int) {
	pad := func(d int) { b.WriteString("\n" + strings.Repeat(" ", d)) }
	switch {
	case v.k == kObject && len(v.keys) > 0:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			pad(depth + 1)
			writePyString(b, k)
			b.WriteString(": ")
			writeIndented(b, v.vals[i], depth+1)
		}
		pad(depth)
		b.WriteByte('}')
	case v.k == kArray && len(v.arr) > 0:
		b.WriteByte('[')
		for i, x := range v.arr {
			if i > 0 {
				b.WriteByte(',')
			}
			pad(depth + 1)
			writeIndented(b, x, depth+1)
		}
		pad(depth)
		b.WriteByte(']')
	default:
		writePy(b, v)
	}
}
