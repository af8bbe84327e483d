package testsuite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the nodes the values of a test file may expand to, all together. Aliases
// let a few lines stand for an exponential number of nodes (the "billion laughs"); a million
// nodes is far more than the inputs and outputs of any real test file, and takes about 0.1 s.
const maxNodes = 1_000_000

// maxDepth bounds how deep a value nests, which also stops an alias that refers to itself.
const maxDepth = 1000

// nodeJSON renders a YAML value as JSON text, keeping the order of object members.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	budget := maxNodes
	return nodeJSONBudget(n, &budget)
}

// nodeJSONBudget is nodeJSON counting the nodes it writes down from *budget.
func nodeJSONBudget(n *yaml.Node, budget *int) ([]byte, error) {
	w := &jsonWriter{budget: budget}
	if err := w.value(n); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

type jsonWriter struct {
	buf    bytes.Buffer
	budget *int
	depth  int
}

func (w *jsonWriter) value(n *yaml.Node) error {
	if *w.budget--; *w.budget < 0 {
		return &Error{Line: n.Line, Msg: fmt.Sprintf("the values of the file expand to more than %d nodes", maxNodes)}
	}
	if w.depth++; w.depth > maxDepth {
		return &Error{Line: n.Line, Msg: fmt.Sprintf("the value nests more than %d levels deep (an alias that refers to itself?)", maxDepth)}
	}
	defer func() { w.depth-- }()
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			w.buf.WriteString("null")
			return nil
		}
		return w.value(n.Content[0])
	case yaml.AliasNode:
		return w.value(n.Alias)
	case yaml.MappingNode:
		w.buf.WriteByte('{')
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key, err := keyText(k)
			if err != nil {
				return err
			}
			if seen[key] {
				return &Error{Line: k.Line, Msg: fmt.Sprintf("duplicate key %q", key)}
			}
			seen[key] = true
			if i > 0 {
				w.buf.WriteByte(',')
			}
			writeString(&w.buf, key)
			w.buf.WriteByte(':')
			if err := w.value(v); err != nil {
				return err
			}
		}
		w.buf.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		w.buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			if err := w.value(c); err != nil {
				return err
			}
		}
		w.buf.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		return w.scalar(n)
	}
	return &Error{Line: n.Line, Msg: "not a JSON value"}
}

// scalar writes a YAML scalar as the JSON value its tag resolves to.
func (w *jsonWriter) scalar(n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		w.buf.WriteString("null")
	case "!!bool":
		b, ok := yamlBool(n.Value)
		if !ok {
			return &Error{Line: n.Line, Msg: fmt.Sprintf("%q is not a boolean", n.Value)}
		}
		w.buf.WriteString(strconv.FormatBool(b))
	case "!!int":
		// YAML writes integers in bases 2, 8 and 16 too, and with underscores.
		text := strings.ReplaceAll(n.Value, "_", "")
		if strings.HasPrefix(text, "0o") || strings.HasPrefix(text, "-0o") || strings.HasPrefix(text, "+0o") {
			text = strings.Replace(text, "0o", "0", 1)
		}
		i, ok := new(big.Int).SetString(strings.TrimPrefix(text, "+"), 0)
		if !ok {
			return &Error{Line: n.Line, Msg: fmt.Sprintf("%q is not an integer", n.Value)}
		}
		w.buf.WriteString(i.String())
	case "!!float":
		if json.Valid([]byte(n.Value)) && !strings.ContainsAny(n.Value, "\"{[tfn") {
			w.buf.WriteString(n.Value)
			return nil
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return &Error{Line: n.Line, Msg: fmt.Sprintf("%s is not a JSON number", n.Value)}
		}
		w.buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case "!!str", "!!timestamp", "!!binary":
		// A timestamp or a binary scalar is, for JSON, the text that was written.
		writeString(&w.buf, n.Value)
	case "!!merge":
		return &Error{Line: n.Line, Msg: "YAML merge keys (<<) are not supported"}
	default:
		return &Error{Line: n.Line, Msg: fmt.Sprintf("the YAML tag %s is not supported here", n.Tag)}
	}
	return nil
}

func yamlBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "y":
		return true, true
	case "false", "no", "off", "n":
		return false, true
	}
	return false, false
}

// keyText is an object member's name: a mapping key must be a scalar.
func keyText(k *yaml.Node) (string, error) {
	if k.Kind == yaml.AliasNode {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", &Error{Line: k.Line, Msg: "a key must be a string"}
	}
	if k.ShortTag() == "!!merge" {
		return "", &Error{Line: k.Line, Msg: "YAML merge keys (<<) are not supported"}
	}
	return k.Value, nil
}

func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Truncate(b.Len() - 1)
}

// jsonNode turns JSON text into a YAML value node, keeping the order of object members,
// for --update to write.
func jsonNode(text string) (*yaml.Node, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	n, err := decodeNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON: text after the value")
	}
	return n, nil
}

func decodeNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("invalid JSON: %w", err)
				}
				v, err := decodeNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, strNode(k.(string)), v)
			}
			_, err := dec.Token()
			if len(n.Content) == 0 {
				n.Style = yaml.FlowStyle
			}
			return n, err
		}
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for dec.More() {
			v, err := decodeNode(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		_, err := dec.Token()
		if len(n.Content) == 0 || scalarsOnly(n) {
			n.Style = yaml.FlowStyle
		}
		return n, err
	case string:
		return strNode(t), nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(t), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(t)}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, nil
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
}

// scalarsOnly tells whether a sequence is short enough, and simple enough, to write on one
// line: [a, b, c].
func scalarsOnly(n *yaml.Node) bool {
	size := 0
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode || strings.ContainsAny(c.Value, "\n") {
			return false
		}
		size += len(c.Value) + 2
	}
	return size <= 72
}

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}
