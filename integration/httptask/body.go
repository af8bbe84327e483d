package httptask

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
)

// node is a JSON value that keeps its objects' key order: Step Functions sends a request
// body with the keys in the order the task gave them (a connection's body parameter
// replaces a key where it stands; new ones follow).
type node struct {
	keys   []string // object
	vals   []*node  // object values, or array items
	array  bool
	object bool
	scalar any // string, json.Number, bool or nil
}

func parseNode(raw []byte) (*node, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	n, err := readNode(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("invalid character after top-level value")
	}
	return n, nil
}

func readNode(d *json.Decoder) (*node, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return &node{scalar: tok}, nil
	}
	n := &node{object: delim == '{', array: delim == '['}
	for d.More() {
		if n.object {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k.(string))
		}
		v, err := readNode(d)
		if err != nil {
			return nil, err
		}
		n.vals = append(n.vals, v)
	}
	if _, err := d.Token(); err != nil { // the closing delimiter
		return nil, err
	}
	return n, nil
}

// set gives an object's key a string value, in place if the key is there.
func (n *node) set(key, val string) {
	for i, k := range n.keys {
		if k == key {
			n.vals[i] = &node{scalar: val}
			return
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, &node{scalar: val})
}

// encode renders the value as compact JSON, keys in order, without HTML escaping.
func (n *node) encode(b *strings.Builder) {
	switch {
	case n.object:
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(value.Encode(k))
			b.WriteByte(':')
			n.vals[i].encode(b)
		}
		b.WriteByte('}')
	case n.array:
		b.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			v.encode(b)
		}
		b.WriteByte(']')
	default:
		b.WriteString(value.Encode(n.scalar))
	}
}

func (n *node) json() string {
	var b strings.Builder
	n.encode(&b)
	return b.String()
}

// text is a scalar as form or query text: strings as they are, numbers and booleans as
// JSON writes them, null as nothing.
func (n *node) text() string {
	switch v := n.scalar.(type) {
	case string:
		return v
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(v)
	default:
		return value.Encode(v)
	}
}

func (n *node) isScalar() bool { return !n.object && !n.array }

// formEncode renders an object as application/x-www-form-urlencoded text: nested objects as
// key[sub], arrays as the ArrayFormat says (INDICES by default):
//
//	INDICES  array[0]=a&array[1]=b
//	REPEAT   array=a&array=b
//	COMMAS   array=a,b
//	BRACKETS array[]=a&array[]=b
//
// Keys and values are percent-encoded, a space as %20, as Step Functions sends them
// (metadata%5Border_details%5D=monthly%20report%20data). Empty objects and arrays send
// nothing; an array under COMMAS that holds objects or arrays falls back to INDICES.
func formEncode(n *node, arrayFormat string) string {
	var pairs []string
	var walk func(prefix string, n *node)
	walk = func(prefix string, n *node) {
		switch {
		case n.object:
			for i, k := range n.keys {
				p := k
				if prefix != "" {
					p = prefix + "[" + k + "]"
				}
				walk(p, n.vals[i])
			}
		case n.array:
			format := arrayFormat
			if format == "COMMAS" {
				texts := make([]string, 0, len(n.vals))
				for _, v := range n.vals {
					if !v.isScalar() {
						format = "INDICES"
						break
					}
					texts = append(texts, formEscape(v.text()))
				}
				if format == "COMMAS" {
					if len(texts) > 0 {
						pairs = append(pairs, formEscape(prefix)+"="+strings.Join(texts, ","))
					}
					return
				}
			}
			for i, v := range n.vals {
				switch format {
				case "REPEAT":
					walk(prefix, v)
				case "BRACKETS":
					walk(prefix+"[]", v)
				default:
					walk(prefix+"["+strconv.Itoa(i)+"]", v)
				}
			}
		default:
			pairs = append(pairs, formEscape(prefix)+"="+formEscape(n.text()))
		}
	}
	walk("", n)
	return strings.Join(pairs, "&")
}

func formEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
