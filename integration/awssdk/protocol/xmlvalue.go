package protocol

import (
	"fmt"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// xmlReader renders an XML element as a value of a shape, the way the rest-xml and query
// protocols lay values out (botocore's BaseXMLResponseParser): a structure's members are
// children named by locationName (or the member's name), lists wrap their items in <member>
// (or the item's locationName) unless flattened, maps hold <entry><key/><value/></entry>.
type xmlReader struct {
	svc *model.Service
	// names, when set, gives wire names the model lost (SQS's JSON model, spoken as query).
	names *queryNames
}

// structure reads the members of sh that the body carries (those without a location).
func (r *xmlReader) structure(shapeName string, sh *model.Shape, n *xnode, depth int) (map[string]any, error) {
	if depth > maxXMLDepth {
		return nil, fmt.Errorf("value nested deeper than %d", maxXMLDepth)
	}
	out := map[string]any{}
	for _, name := range members(sh) {
		ref := sh.Members[name]
		if ref.Location != "" {
			continue
		}
		msh, err := shapeOf(r.svc, ref)
		if err != nil {
			return nil, err
		}
		wire := r.memberName(shapeName, name, ref, msh)
		var v any
		switch {
		case ref.XMLAttribute:
			s, ok := n.attr(wire)
			if !ok {
				continue
			}
			if v, err = textScalar(ref, msh, s, tsISO8601); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		case (msh.Type == "list" || msh.Type == "map") && (ref.Flattened || msh.Flattened):
			nodes := n.all(wire)
			if len(nodes) == 0 {
				continue
			}
			if msh.Type == "list" {
				v, err = r.listItems(msh, nodes, depth)
			} else {
				v, err = r.mapEntries(ref.Shape, msh, nodes, depth)
			}
		default:
			c := n.child(wire)
			if c == nil {
				continue
			}
			v, err = r.value(ref, msh, c, depth+1)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[StepFunctionsName(name)] = v
	}
	return out, nil
}

// memberName is the element a member is read from (botocore's _member_key_name).
func (r *xmlReader) memberName(shapeName, name string, ref *model.ShapeRef, msh *model.Shape) string {
	if r.names != nil {
		if n := r.names.member(shapeName, name); n != "" {
			return n
		}
	}
	if msh.Type == "list" && (ref.Flattened || msh.Flattened) && msh.Member.LocationName != "" {
		return msh.Member.LocationName
	}
	if ref.LocationName != "" {
		return ref.LocationName
	}
	return name
}

func (r *xmlReader) value(ref *model.ShapeRef, sh *model.Shape, n *xnode, depth int) (any, error) {
	switch sh.Type {
	case "structure":
		return r.structure(ref.Shape, sh, n, depth+1)
	case "list":
		item := "member"
		if sh.Member.LocationName != "" {
			item = sh.Member.LocationName
		}
		return r.listItems(sh, n.all(item), depth)
	case "map":
		return r.mapEntries(ref.Shape, sh, n.all("entry"), depth)
	}
	return textScalar(ref, sh, n.text.String(), tsISO8601)
}

func (r *xmlReader) listItems(sh *model.Shape, nodes []*xnode, depth int) ([]any, error) {
	esh, err := shapeOf(r.svc, sh.Member)
	if err != nil {
		return nil, err
	}
	list := make([]any, 0, len(nodes))
	for _, c := range nodes {
		v, err := r.value(sh.Member, esh, c, depth+1)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, nil
}

func (r *xmlReader) mapEntries(shapeName string, sh *model.Shape, entries []*xnode, depth int) (map[string]any, error) {
	kname, vname := mapWireNames(sh, r.names, shapeName)
	vsh, err := shapeOf(r.svc, sh.Value)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(entries))
	for _, e := range entries {
		k := e.child(kname)
		if k == nil {
			continue
		}
		var v any
		if c := e.child(vname); c != nil {
			if v, err = r.value(sh.Value, vsh, c, depth+1); err != nil {
				return nil, err
			}
		}
		out[k.text.String()] = v
	}
	return out, nil
}

// mapWireNames are the element names of a map entry's key and value.
func mapWireNames(sh *model.Shape, names *queryNames, shapeName string) (string, string) {
	k, v := "key", "value"
	if sh.Key != nil && sh.Key.LocationName != "" {
		k = sh.Key.LocationName
	}
	if sh.Value != nil && sh.Value.LocationName != "" {
		v = sh.Value.LocationName
	}
	if names != nil {
		if nk, nv, ok := names.mapNames(shapeName); ok {
			k, v = nk, nv
		}
	}
	return k, v
}
