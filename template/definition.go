package template

import (
	"bytes"
	"encoding/json"

	"go.yaml.in/yaml/v3"
)

// DefinitionJSON is a state machine definition written in JSON or YAML (.asl.yaml), as JSON
// text. JSON is returned unchanged; YAML is converted, keys in their order. Errors name the
// file and the line.
func DefinitionJSON(path string, data []byte) ([]byte, error) {
	if json.Valid(data) {
		return data, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{Path: path, Line: yamlErrorLine(err), Msg: "not a JSON or YAML definition: " + yamlErrorText(err)[len("not a YAML or JSON template: "):]}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{Path: path, Msg: "the definition is empty"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Path: path, Line: root.Line, Msg: "a definition is a mapping (with StartAt and States)"}
	}
	l := &loader{path: path}
	v, err := l.plain(root)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeJSON(&b, v); err != nil {
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	return b.Bytes(), nil
}

// plain converts YAML to values without evaluating intrinsics: a definition file is data, and
// a tag in it (!Ref) is an error, as it is for Step Functions.
func (l *loader) plain(n *yaml.Node) (any, error) {
	if err := l.count(n); err != nil {
		return nil, err
	}
	if n.Kind == yaml.AliasNode {
		return l.expandAlias(n, l.plain)
	}
	if tag := n.Tag; len(tag) > 0 && tag[0] == '!' && (len(tag) < 2 || tag[1] != '!') {
		return nil, l.errorf(n, "tag %s: a definition file is plain YAML; intrinsic functions belong in the template (use DefinitionSubstitutions)", tag)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalar(n), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := l.plain(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		o := &object{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Value == "<<" {
				return nil, l.errorf(k, "a key must be a plain string")
			}
			if _, dup := o.vals[k.Value]; dup {
				return nil, l.errorf(k, "key %q appears twice", k.Value)
			}
			v, err := l.plain(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			o.set(k.Value, v)
		}
		return o, nil
	}
	return nil, l.errorf(n, "unexpected YAML node")
}
