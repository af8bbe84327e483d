package protocol

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// xnode is an XML element read whole: the rest-xml and query decoders walk it by the model,
// which says which children are lists, maps or structures.
type xnode struct {
	name     string // local name
	attrs    []xml.Attr
	children []*xnode
	text     strings.Builder
}

// maxXMLDepth bounds the nesting a response may have: AWS's deepest shapes are a few tens of
// levels; a hostile or broken server must not make the decoder recurse without end.
const maxXMLDepth = 256

var errNoXML = errors.New("no XML element in the response")

// parseXML reads a document into its root element.
func parseXML(body []byte) (*xnode, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	var stack []*xnode
	var root *xnode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("reading XML: nested deeper than %d", maxXMLDepth)
			}
			n := &xnode{name: t.Name.Local, attrs: t.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			} else {
				return nil, errors.New("reading XML: more than one root element")
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, errors.New("reading XML: unbalanced end element")
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil {
		return nil, errNoXML
	}
	if len(stack) != 0 {
		return nil, errors.New("reading XML: unexpected end of document")
	}
	return root, nil
}

// child is the first child of that name, or nil.
func (n *xnode) child(name string) *xnode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// all lists the children of that name.
func (n *xnode) all(name string) []*xnode {
	var out []*xnode
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// attr is an attribute's value by its local name (or prefix:local name).
func (n *xnode) attr(name string) (string, bool) {
	local := name
	if i := strings.IndexByte(name, ':'); i >= 0 {
		local = name[i+1:]
	}
	for _, a := range n.attrs {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// find is the first element of that name in document order, n included.
func (n *xnode) find(name string) *xnode {
	if n.name == name {
		return n
	}
	for _, c := range n.children {
		if f := c.find(name); f != nil {
			return f
		}
	}
	return nil
}

// textOf is the text of a child, or "".
func (n *xnode) textOf(name string) string {
	if c := n.child(name); c != nil {
		return c.text.String()
	}
	return ""
}
