package protocol

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// queryCodec speaks awsQuery ("query": SNS, STS, IAM, CloudFormation, ...) and ec2Query
// ("ec2"): a form-encoded POST of Action, Version and the members, flattened into dotted
// names (Attributes.entry.1.key, Filter.1.Value.1), answered with XML.
//
// It also speaks query to SQS from SQS's JSON model (awsQueryCompatible): AWS still accepts
// query for SQS, and servers such as goaws speak nothing else. The names the JSON model lost
// come from sqsQueryNames.
type queryCodec struct{ ec2 bool }

func init() {
	register("query", queryCodec{})
	register("ec2", queryCodec{ec2: true})
}

// queryCompat gives the query names of a JSON model spoken as query, or nil.
func queryCompat(svc *model.Service) *queryNames {
	if svc.Metadata.Protocol == "query" || svc.Metadata.Protocol == "ec2" {
		return nil
	}
	if svc.Metadata.ServiceID == "SQS" {
		return sqsQueryNames
	}
	return nil
}

func (c queryCodec) Encode(svc *model.Service, op *model.Operation, params map[string]any) (*Request, error) {
	form := url.Values{}
	form.Set("Action", op.Name)
	form.Set("Version", svc.Metadata.APIVersion)
	w := &queryWriter{svc: svc, ec2: c.ec2, names: queryCompat(svc), form: form}
	if op.Input != nil {
		sh, err := shapeOf(svc, op.Input)
		if err != nil {
			return nil, err
		}
		vals, err := structVals(sh, params, "")
		if err != nil {
			return nil, err
		}
		if err := w.structure(op.Input.Shape, sh, vals, "", ""); err != nil {
			return nil, err
		}
	} else if len(params) > 0 {
		for k := range params {
			return nil, paramError("", "The field %s is not supported by Step Functions", k)
		}
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return &Request{Method: http.MethodPost, Path: "/", Query: url.Values{}, Header: h, Body: []byte(form.Encode())}, nil
}

type queryWriter struct {
	svc   *model.Service
	ec2   bool
	names *queryNames
	form  url.Values
}

// memberName is a member's name on the wire: for query its locationName (botocore's
// QuerySerializer), for ec2 its queryName, else its locationName with a capital (ec2's
// rules), else the member's name.
func (w *queryWriter) memberName(shapeName, m string, ref *model.ShapeRef) string {
	if w.names != nil {
		if n := w.names.member(shapeName, m); n != "" {
			return n
		}
	}
	if w.ec2 {
		if ref.QueryName != "" {
			return ref.QueryName
		}
		if ref.LocationName != "" {
			return StepFunctionsName(ref.LocationName)
		}
		return m
	}
	if ref.LocationName != "" {
		return ref.LocationName
	}
	return m
}

func (w *queryWriter) structure(shapeName string, sh *model.Shape, vals map[string]any, prefix, path string) error {
	for _, m := range members(sh) {
		v, ok := vals[m]
		if !ok {
			continue
		}
		ref := sh.Members[m]
		name := w.memberName(shapeName, m, ref)
		if prefix != "" {
			name = prefix + "." + name
		}
		if err := w.value(ref, v, name, joinPath(path, StepFunctionsName(m))); err != nil {
			return err
		}
	}
	return nil
}

func (w *queryWriter) value(ref *model.ShapeRef, v any, prefix, path string) error {
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
		return w.structure(ref.Shape, sh, vals, prefix, path)
	case "list":
		list, ok := v.([]any)
		if !ok {
			return paramError(path, "expected an array, got %s", kind(v))
		}
		if len(list) == 0 {
			if !w.ec2 {
				w.form.Set(prefix, "") // an empty list is sent as the bare name, as botocore does
			}
			return nil
		}
		itemPrefix := prefix
		switch {
		case w.ec2:
		case ref.Flattened || sh.Flattened:
			if sh.Member.LocationName != "" && w.names == nil {
				i := strings.LastIndexByte(prefix, '.')
				itemPrefix = prefix[:i+1] + sh.Member.LocationName
			}
		default:
			item := "member"
			if sh.Member.LocationName != "" {
				item = sh.Member.LocationName
			}
			itemPrefix = prefix + "." + item
		}
		for i, e := range list {
			if err := w.value(sh.Member, e, fmt.Sprintf("%s.%d", itemPrefix, i+1), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return paramError(path, "expected an object, got %s", kind(v))
		}
		entry := prefix + ".entry"
		if ref.Flattened || sh.Flattened {
			entry = prefix
		}
		kn, vn := mapWireNames(sh, w.names, ref.Shape)
		ksh, err := shapeOf(w.svc, sh.Key)
		if err != nil {
			return err
		}
		for i, k := range sortedKeys(m) {
			ep := fmt.Sprintf("%s.%d", entry, i+1)
			ks, err := scalarText(sh.Key, ksh, k, joinPath(path, k), tsISO8601)
			if err != nil {
				return err
			}
			w.form.Set(ep+"."+kn, ks)
			if err := w.value(sh.Value, m[k], ep+"."+vn, joinPath(path, k)); err != nil {
				return err
			}
		}
		return nil
	}
	s, err := scalarText(ref, sh, v, path, tsISO8601)
	if err != nil {
		return err
	}
	w.form.Set(prefix, s)
	return nil
}

// Decode reads <ActionResponse><ActionResult>...</ActionResult></ActionResponse> (the
// output's resultWrapper; for a JSON model spoken as query, ActionResult), or for ec2 the
// members right under the root.
func (c queryCodec) Decode(svc *model.Service, op *model.Operation, resp *Response) (any, error) {
	if op.Output == nil {
		return map[string]any{}, nil
	}
	sh, err := shapeOf(svc, op.Output)
	if err != nil {
		return nil, err
	}
	root, err := parseXML(resp.Body)
	if err != nil {
		return nil, err
	}
	names := queryCompat(svc)
	node := root
	if !c.ec2 {
		wrapper := op.Output.ResultWrapper
		if wrapper == "" && names != nil {
			wrapper = op.Name + "Result"
		}
		if wrapper != "" {
			if node = root.child(wrapper); node == nil {
				return map[string]any{}, nil
			}
		}
	}
	r := &xmlReader{svc: svc, names: names}
	return r.structure(op.Output.Shape, sh, node, 0)
}

// Error reads <ErrorResponse><Error><Code/><Message/></Error></ErrorResponse> (query) or
// <Response><Errors><Error>... (ec2). A code that the model gives to an exception shape
// (SNS's NotFound is NotFoundException; SQS's AWS.SimpleQueueService.NonExistentQueue is
// QueueDoesNotExist) is returned as that shape's name, as the AWS SDKs name their exceptions.
func (c queryCodec) Error(svc *model.Service, resp *Response) (string, string) {
	code, msg := xmlError(resp)
	if names := queryCompat(svc); names != nil {
		if s, ok := names.errors[code]; ok {
			return s, msg
		}
	}
	for name, sh := range svc.Shapes {
		if sh.Exception && sh.Error != nil && sh.Error.Code == code {
			return name, msg
		}
	}
	return code, msg
}
