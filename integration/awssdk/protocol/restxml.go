package protocol

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// restXML speaks restXml (S3, CloudFront, Route 53): the HTTP binding of rest.go with XML
// documents for the body.
type restXML struct{}

func init() { register("rest-xml", restXML{}) }

func (restXML) Encode(svc *model.Service, op *model.Operation, params map[string]any) (*Request, error) {
	req, err := encodeREST(svc, op, params, xmlBody)
	if err != nil {
		return nil, err
	}
	if isS3(svc) {
		s3Checksum(svc, op, req)
	}
	return req, nil
}

func (restXML) Decode(svc *model.Service, op *model.Operation, resp *Response) (any, error) {
	if isS3(svc) && !rawPayload(svc, op) {
		if err := s3ErrorIn200(resp.Body); err != nil {
			return nil, err
		}
	}
	return decodeREST(svc, op, resp, func(svc *model.Service, root *model.ShapeRef, sh *model.Shape, body []byte) (map[string]any, error) {
		n, err := parseXML(body)
		if err != nil {
			return nil, err
		}
		r := &xmlReader{svc: svc}
		return r.structure(root.Shape, sh, rootMember(sh, n), 0)
	})
}

// rawPayload tells whether an operation's answer is a blob or string body (GetObject's),
// which is data whatever it holds.
func rawPayload(svc *model.Service, op *model.Operation) bool {
	if op.Output == nil {
		return false
	}
	sh := svc.Shape(op.Output.Shape)
	if sh == nil || sh.Payload == "" || sh.Members[sh.Payload] == nil {
		return false
	}
	p := svc.Shape(sh.Members[sh.Payload].Shape)
	return p != nil && (p.Type == "blob" || p.Type == "string")
}

// rootMember handles a document whose root element is the output's one body member rather
// than a wrapper around it (S3 GetBucketLocation answers <LocationConstraint>eu-west-1
// </LocationConstraint>): the root is then read as that member.
func rootMember(sh *model.Shape, n *xnode) *xnode {
	for name, ref := range sh.Members {
		if ref.Location != "" || ref.XMLAttribute {
			continue
		}
		wire := ref.LocationName
		if wire == "" {
			wire = name
		}
		if wire == n.name && n.child(wire) == nil {
			return &xnode{name: "", children: []*xnode{n}}
		}
	}
	return n
}

// Error reads <Error><Code/><Message/></Error>, alone (S3) or inside <ErrorResponse>
// (CloudFront, Route 53). A response without a body (HeadObject, HeadBucket) is named after
// its status, as the AWS SDKs name it: NotFound, Forbidden, BadRequest, NotModified.
func (restXML) Error(svc *model.Service, resp *Response) (string, string) {
	return xmlError(resp)
}

func xmlError(resp *Response) (string, string) {
	if n, err := parseXML(resp.Body); err == nil {
		if e := n.find("Error"); e != nil {
			if code := strings.TrimSpace(e.textOf("Code")); code != "" {
				return code, e.textOf("Message")
			}
		}
	}
	return statusCode(resp.Status), ""
}

// statusCode names an error that came without a code.
func statusCode(status int) string {
	switch status {
	case http.StatusNotModified:
		return "NotModified"
	case http.StatusBadRequest:
		return "BadRequest"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "NotFound"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// xmlBody writes the body members as an XML document whose root is named by root's
// locationName (the operation input's, or a structure payload member's), in the model's
// member order.
func xmlBody(svc *model.Service, root *model.ShapeRef, sh *model.Shape, vals map[string]any, path string) ([]byte, string, error) {
	if len(vals) == 0 {
		return nil, "", nil
	}
	name := root.LocationName
	if name == "" {
		name = root.Shape
	}
	w := &xmlWriter{svc: svc}
	ns := root.XMLNamespace
	if ns == nil {
		ns = sh.XMLNamespace
	}
	if ns == nil && svc.Metadata.XMLNamespace != "" {
		ns = &model.XMLNS{URI: svc.Metadata.XMLNamespace}
	}
	if err := w.structure(sh, name, ns, vals, path); err != nil {
		return nil, "", err
	}
	return w.buf.Bytes(), "application/xml", nil
}

type xmlWriter struct {
	svc *model.Service
	buf bytes.Buffer
}

func (w *xmlWriter) text(s string) { _ = xml.EscapeText(&w.buf, []byte(s)) }

func (w *xmlWriter) structure(sh *model.Shape, name string, ns *model.XMLNS, vals map[string]any, path string) error {
	w.buf.WriteString("<" + name)
	if ns != nil {
		if ns.Prefix != "" {
			w.buf.WriteString(" xmlns:" + ns.Prefix + `="`)
		} else {
			w.buf.WriteString(` xmlns="`)
		}
		w.text(ns.URI)
		w.buf.WriteString(`"`)
	}
	for _, m := range members(sh) {
		ref := sh.Members[m]
		v, ok := vals[m]
		if !ok || !ref.XMLAttribute {
			continue
		}
		msh, err := shapeOf(w.svc, ref)
		if err != nil {
			return err
		}
		s, err := scalarText(ref, msh, v, joinPath(path, StepFunctionsName(m)), tsISO8601)
		if err != nil {
			return err
		}
		an := ref.LocationName
		if an == "" {
			an = m
		}
		w.buf.WriteString(" " + an + `="`)
		w.text(s)
		w.buf.WriteString(`"`)
	}
	w.buf.WriteString(">")
	for _, m := range members(sh) {
		ref := sh.Members[m]
		v, ok := vals[m]
		if !ok || ref.XMLAttribute {
			continue
		}
		el := ref.LocationName
		if el == "" {
			el = m
		}
		if err := w.value(ref, el, v, joinPath(path, StepFunctionsName(m))); err != nil {
			return err
		}
	}
	w.buf.WriteString("</" + name + ">")
	return nil
}

func (w *xmlWriter) value(ref *model.ShapeRef, name string, v any, path string) error {
	sh, err := shapeOf(w.svc, ref)
	if err != nil {
		return err
	}
	switch sh.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return paramError(path, "expected an object, got %s", kind(v))
		}
		vals, err := structVals(sh, obj, path)
		if err != nil {
			return err
		}
		ns := ref.XMLNamespace
		if ns == nil {
			ns = sh.XMLNamespace
		}
		return w.structure(sh, name, ns, vals, path)
	case "list":
		list, ok := v.([]any)
		if !ok {
			return paramError(path, "expected an array, got %s", kind(v))
		}
		item := name
		if !ref.Flattened && !sh.Flattened {
			item = "member"
			if sh.Member.LocationName != "" {
				item = sh.Member.LocationName
			}
			w.buf.WriteString("<" + name + ">")
		}
		for i, e := range list {
			if e == nil {
				continue
			}
			if err := w.value(sh.Member, item, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		if !ref.Flattened && !sh.Flattened {
			w.buf.WriteString("</" + name + ">")
		}
		return nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return paramError(path, "expected an object, got %s", kind(v))
		}
		kn, vn := mapWireNames(sh, nil, "")
		w.buf.WriteString("<" + name + ">")
		for _, k := range sortedKeys(m) {
			w.buf.WriteString("<entry><" + kn + ">")
			w.text(k)
			w.buf.WriteString("</" + kn + ">")
			if err := w.value(sh.Value, vn, m[k], joinPath(path, k)); err != nil {
				return err
			}
			w.buf.WriteString("</entry>")
		}
		w.buf.WriteString("</" + name + ">")
		return nil
	}
	s, err := scalarText(ref, sh, v, path, tsISO8601)
	if err != nil {
		return err
	}
	w.buf.WriteString("<" + name)
	if ref.XMLNamespace != nil {
		w.buf.WriteString(` xmlns="`)
		w.text(ref.XMLNamespace.URI)
		w.buf.WriteString(`"`)
	}
	w.buf.WriteString(">")
	w.text(s)
	w.buf.WriteString("</" + name + ">")
	return nil
}
