package iam

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/stepwise-run/stepwise/internal/ids"
)

const xmlns = "https://iam.amazonaws.com/doc/2010-05-08/"

// Query serves the IAM API subset in IAM's Query protocol: POST / with a form-encoded body
// (Action=...&Version=2010-05-08&...), answered in XML as IAM answers.
type Query struct {
	Directory *Directory
	// Enforce requires every call to be SigV4-signed (service "iam") by a known key and
	// allowed by the caller's policies (iam:<Action>).
	Enforce bool
	Logger  *slog.Logger
}

// params are a request's parameters.
type params url.Values

func (p params) get(k string) string { return url.Values(p).Get(k) }

type queryAction struct {
	// resource is the ARN the action is authorized against.
	resource func(d *Directory, p params, caller *Principal) string
	run      func(d *Directory, p params, caller *Principal) (any, error)
}

func roleResource(d *Directory, p params, _ *Principal) string {
	return d.resourceArn("role", p.get("RoleName"), p.get("Path"))
}

func userResource(d *Directory, p params, caller *Principal) string {
	name := p.get("UserName")
	if name == "" && caller != nil {
		name = caller.UserName
	}
	return d.resourceArn("user", name, p.get("Path"))
}

var queryActions = map[string]queryAction{
	"CreateRole": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		max, err := maxSessionParam(p)
		if err != nil {
			return nil, err
		}
		r, err := d.CreateRole(p.get("RoleName"), p.get("Path"), p.get("AssumeRolePolicyDocument"), p.get("Description"), max)
		if err != nil {
			return nil, err
		}
		return struct{ Role roleXML }{toRoleXML(r)}, nil
	}},
	"GetRole": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		r, err := d.GetRole(p.get("RoleName"))
		if err != nil {
			return nil, err
		}
		return struct{ Role roleXML }{toRoleXML(r)}, nil
	}},
	"ListRoles": {func(d *Directory, _ params, _ *Principal) string { return d.arn("role", "/", "") },
		func(d *Directory, p params, _ *Principal) (any, error) {
			page, marker, truncated, err := underPrefix(p, d.ListRoles, toRoleXML)
			return struct {
				Roles       members[roleXML]
				IsTruncated bool
				Marker      string `xml:",omitempty"`
			}{members[roleXML]{page}, truncated, marker}, err
		}},
	"UpdateRole": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		max, err := maxSessionParam(p)
		if err != nil {
			return nil, err
		}
		var description *string
		if v, ok := url.Values(p)["Description"]; ok && len(v) > 0 {
			description = &v[0]
		}
		// An empty UpdateRoleResult, which IAM's model names (not so UpdateAssumeRolePolicy's).
		return struct{}{}, d.UpdateRole(p.get("RoleName"), description, max)
	}},
	"UpdateAssumeRolePolicy": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.UpdateAssumeRolePolicy(p.get("RoleName"), p.get("PolicyDocument"))
	}},
	"DeleteRole": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.DeleteRole(p.get("RoleName"))
	}},
	"PutRolePolicy": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.PutRolePolicy(p.get("RoleName"), p.get("PolicyName"), p.get("PolicyDocument"))
	}},
	"GetRolePolicy": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		doc, err := d.GetRolePolicy(p.get("RoleName"), p.get("PolicyName"))
		if err != nil {
			return nil, err
		}
		return struct {
			RoleName, PolicyName, PolicyDocument string
		}{p.get("RoleName"), p.get("PolicyName"), escape(doc)}, nil
	}},
	"ListRolePolicies": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return namesPage(d.ListRolePolicies(p.get("RoleName")))(p)
	}},
	"DeleteRolePolicy": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.DeleteRolePolicy(p.get("RoleName"), p.get("PolicyName"))
	}},
	"CreatePolicy": {func(d *Directory, p params, _ *Principal) string {
		path := p.get("Path")
		if path == "" {
			path = "/"
		}
		return d.arn("policy", path, p.get("PolicyName"))
	}, func(d *Directory, p params, _ *Principal) (any, error) {
		mp, err := d.CreatePolicy(p.get("PolicyName"), p.get("Path"), p.get("PolicyDocument"), p.get("Description"))
		if err != nil {
			return nil, err
		}
		return struct{ Policy policyXML }{policyXML{PolicyName: mp.PolicyName, DefaultVersionId: "v1", PolicyId: mp.PolicyID,
			Path: mp.Path, Arn: mp.Arn, AttachmentCount: 0, PermissionsBoundaryUsageCount: 0, IsAttachable: true,
			Description: mp.Description, CreateDate: isoTime(mp.CreateDate), UpdateDate: isoTime(mp.CreateDate)}}, nil
	}},
	"GetPolicy":               {policyResource, getPolicy},
	"ListPolicies":            {func(d *Directory, _ params, _ *Principal) string { return d.arn("policy", "/", "") }, listPolicies},
	"DeletePolicy":            {policyResource, deletePolicy},
	"GetPolicyVersion":        {policyResource, getPolicyVersion},
	"ListPolicyVersions":      {policyResource, listPolicyVersions},
	"ListEntitiesForPolicy":   {policyResource, listEntitiesForPolicy},
	"CreatePolicyVersion":     {policyResource, createPolicyVersion},
	"SetDefaultPolicyVersion": {policyResource, setDefaultPolicyVersion},
	"DeletePolicyVersion":     {policyResource, deletePolicyVersion},
	"AttachRolePolicy": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.AttachRolePolicy(p.get("RoleName"), p.get("PolicyArn"))
	}},
	"DetachRolePolicy": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.DetachRolePolicy(p.get("RoleName"), p.get("PolicyArn"))
	}},
	"ListAttachedRolePolicies": {roleResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return attachedPage(d.ListAttachedRolePolicies(p.get("RoleName")))(p)
	}},
	"ListAttachedUserPolicies": {userResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return attachedPage(d.ListAttachedUserPolicies(p.get("UserName")))(p)
	}},
	"CreateUser": {userResource, func(d *Directory, p params, _ *Principal) (any, error) {
		u, err := d.CreateUser(p.get("UserName"), p.get("Path"))
		if err != nil {
			return nil, err
		}
		return struct{ User userXML }{toUserXML(u)}, nil
	}},
	"DeleteUser": {userResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.DeleteUser(p.get("UserName"))
	}},
	"CreateAccessKey": {userResource, func(d *Directory, p params, caller *Principal) (any, error) {
		name, err := namedOrCaller(p, caller)
		if err != nil {
			return nil, err
		}
		k, err := d.CreateAccessKey(name)
		if err != nil {
			return nil, err
		}
		return struct{ AccessKey accessKeyXML }{accessKeyXML{UserName: k.UserName, AccessKeyId: k.AccessKeyID, Status: k.Status,
			SecretAccessKey: k.SecretAccessKey, CreateDate: isoTime(k.CreateDate)}}, nil
	}},
	"DeleteAccessKey": {userResource, func(d *Directory, p params, caller *Principal) (any, error) {
		name, err := keyOwner(d, p, caller)
		if err != nil {
			return nil, err
		}
		return nil, d.DeleteAccessKey(name, p.get("AccessKeyId"))
	}},
	"UpdateAccessKey": {userResource, func(d *Directory, p params, caller *Principal) (any, error) {
		name, err := keyOwner(d, p, caller)
		if err != nil {
			return nil, err
		}
		return nil, d.UpdateAccessKey(name, p.get("AccessKeyId"), p.get("Status"))
	}},
	"ListAccessKeys": {userResource, func(d *Directory, p params, caller *Principal) (any, error) {
		name, err := namedOrCaller(p, caller)
		if err != nil {
			return nil, err
		}
		keys, err := d.ListAccessKeys(name)
		if err != nil {
			return nil, err
		}
		page, marker, truncated, err := paginate(len(keys), p)
		if err != nil {
			return nil, err
		}
		out := []accessKeyXML{}
		for _, k := range keys[page[0]:page[1]] {
			out = append(out, accessKeyXML{UserName: k.UserName, AccessKeyId: k.AccessKeyID, Status: k.Status, CreateDate: isoTime(k.CreateDate)})
		}
		return struct {
			AccessKeyMetadata members[accessKeyXML]
			IsTruncated       bool
			Marker            string `xml:",omitempty"`
		}{members[accessKeyXML]{out}, truncated, marker}, nil
	}},
	"GetUser": {userResource, func(d *Directory, p params, caller *Principal) (any, error) {
		name, err := namedOrCaller(p, caller)
		if err != nil {
			return nil, err
		}
		u, err := d.GetUser(name)
		if err != nil {
			return nil, err
		}
		return struct{ User userXML }{toUserXML(u)}, nil
	}},
	"ListUsers": {func(d *Directory, _ params, _ *Principal) string { return d.arn("user", "/", "") },
		func(d *Directory, p params, _ *Principal) (any, error) {
			page, marker, truncated, err := underPrefix(p, d.ListUsers, toUserXML)
			return struct {
				Users       members[userXML]
				IsTruncated bool
				Marker      string `xml:",omitempty"`
			}{members[userXML]{page}, truncated, marker}, err
		}},
	"GetUserPolicy": {userResource, func(d *Directory, p params, _ *Principal) (any, error) {
		doc, err := d.GetUserPolicy(p.get("UserName"), p.get("PolicyName"))
		if err != nil {
			return nil, err
		}
		return struct {
			UserName, PolicyName, PolicyDocument string
		}{p.get("UserName"), p.get("PolicyName"), escape(doc)}, nil
	}},
	"ListUserPolicies": {userResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return namesPage(d.ListUserPolicies(p.get("UserName")))(p)
	}},
	"PutUserPolicy": {userResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.PutUserPolicy(p.get("UserName"), p.get("PolicyName"), p.get("PolicyDocument"))
	}},
	"AttachUserPolicy": {userResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.AttachUserPolicy(p.get("UserName"), p.get("PolicyArn"))
	}},
	"DeleteUserPolicy": {userResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.DeleteUserPolicy(p.get("UserName"), p.get("PolicyName"))
	}},
	"DetachUserPolicy": {userResource, func(d *Directory, p params, _ *Principal) (any, error) {
		return nil, d.DetachUserPolicy(p.get("UserName"), p.get("PolicyArn"))
	}},
}

// underPrefix reads a ListRoles or ListUsers request: the page, in XML, of what list gives
// for its PathPrefix ("/": all), the next marker and whether there is more.
func underPrefix[T, X any](p params, list func(prefix string) []T, toXML func(*T) X) ([]X, string, bool, error) {
	prefix := p.get("PathPrefix")
	if prefix == "" {
		prefix = "/"
	}
	all := list(prefix)
	page, marker, truncated, err := paginate(len(all), p)
	if err != nil {
		return nil, "", false, err
	}
	out := make([]X, 0, page[1]-page[0])
	for i := page[0]; i < page[1]; i++ {
		out = append(out, toXML(&all[i]))
	}
	return out, marker, truncated, nil
}

// namesPage answers ListRolePolicies and ListUserPolicies: a page of the inline policies'
// names.
func namesPage(names []string, err error) func(params) (any, error) {
	return func(p params) (any, error) {
		if err != nil {
			return nil, err
		}
		page, marker, truncated, err := paginate(len(names), p)
		if err != nil {
			return nil, err
		}
		return struct {
			PolicyNames members[string]
			IsTruncated bool
			Marker      string `xml:",omitempty"`
		}{members[string]{names[page[0]:page[1]]}, truncated, marker}, nil
	}
}

// attachedPage answers ListAttachedRolePolicies and ListAttachedUserPolicies: a page of
// the list.
func attachedPage(list []AttachedPolicy, err error) func(params) (any, error) {
	return func(p params) (any, error) {
		if err != nil {
			return nil, err
		}
		page, marker, truncated, err := paginate(len(list), p)
		if err != nil {
			return nil, err
		}
		return struct {
			AttachedPolicies members[AttachedPolicy]
			IsTruncated      bool
			Marker           string `xml:",omitempty"`
		}{members[AttachedPolicy]{list[page[0]:page[1]]}, truncated, marker}, nil
	}
}

// keyOwner is the user DeleteAccessKey and UpdateAccessKey act on: the one named, else the
// calling user (as IAM), else, for a caller that is no user (the root, or anyone when IAM is
// not enforced), the key's own. A user that names no user reaches only its own keys: it is
// authorized on its own ARN.
func keyOwner(d *Directory, p params, caller *Principal) (string, error) {
	if name := p.get("UserName"); name != "" {
		return name, nil
	}
	if caller != nil && caller.UserName != "" {
		return caller.UserName, nil
	}
	if name := d.userOfKey(p.get("AccessKeyId")); name != "" {
		return name, nil
	}
	return "", errNoSuchEntity("The Access Key with id %s cannot be found.", p.get("AccessKeyId"))
}

// maxSessionParam reads CreateRole's and UpdateRole's MaxSessionDuration (0: not given).
func maxSessionParam(p params) (int, error) {
	v := p.get("MaxSessionDuration")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errValidation("Value '" + v + "' at 'maxSessionDuration' failed to satisfy constraint: Member must be a number")
	}
	return n, nil
}

// namedOrCaller is the user CreateAccessKey, ListAccessKeys and GetUser act on: the one named, else the
// calling user.
func namedOrCaller(p params, caller *Principal) (string, error) {
	if name := p.get("UserName"); name != "" {
		return name, nil
	}
	if caller != nil && caller.UserName != "" {
		return caller.UserName, nil
	}
	// IAM's own words, without the "1 validation error detected: " of its other validation
	// errors.
	return "", newErr(http.StatusBadRequest, "ValidationError", "Must specify userName when calling with non-User credentials")
}

// paginate reads Marker and MaxItems (1..1000, default 100) and returns the slice bounds of
// the page, the next marker and whether there is more.
func paginate(n int, p params) ([2]int, string, bool, error) {
	max := 100
	if v := p.get("MaxItems"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 || m > 1000 {
			return [2]int{}, "", false, errValidation("Value '" + v + "' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000")
		}
		max = m
	}
	start := 0
	if v := p.get("Marker"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 0 || m > n {
			return [2]int{}, "", false, newErr(http.StatusBadRequest, "ValidationError", "Invalid Marker.")
		}
		start = m
	}
	end := min(start+max, n)
	if end < n {
		return [2]int{start, end}, strconv.Itoa(end), true, nil
	}
	return [2]int{start, end}, "", false, nil
}

// maxQueryBody is the largest IAM request body read: a policy document is at most 131,072
// characters, URL-encoded up to three times longer.
const maxQueryBody = 1 << 20

// ServeHTTP implements the Query protocol.
func (q *Query) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := ids.UUID()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxQueryBody+1))
	if err != nil {
		q.writeError(w, reqID, newErr(http.StatusBadRequest, "MalformedInput", "could not read the request body"))
		return
	}
	if len(body) > maxQueryBody {
		// Refused, not cut: the rest of a form cut short would be read as a shorter request.
		q.writeError(w, reqID, newErr(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is larger than %d bytes", maxQueryBody))
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		q.writeError(w, reqID, newErr(http.StatusBadRequest, "MalformedQueryString", "%s", err.Error()))
		return
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			form.Add(k, v)
		}
	}
	p := params(form)
	name := p.get("Action")
	if name == "GetCallerIdentity" {
		q.callerIdentity(w, r, body, reqID) // STS's, on the same endpoint (sts.go)
		return
	}
	var caller *Principal
	if q.Enforce {
		if caller, err = q.Directory.Authenticate(r, body, "iam"); err != nil {
			q.writeError(w, reqID, err)
			return
		}
	}
	act, ok := queryActions[name]
	if !ok {
		q.writeError(w, reqID, newErr(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", name, p.get("Version")))
		return
	}
	if q.Enforce {
		if err := q.Directory.Authorize(caller, "iam:"+name, act.resource(q.Directory, p, caller)); err != nil {
			q.writeError(w, reqID, err)
			return
		}
	}
	start := time.Now()
	out, err := act.run(q.Directory, p, caller)
	if err != nil {
		q.logger().Debug("iam", "action", name, "err", err, "duration", time.Since(start))
		q.writeError(w, reqID, err)
		return
	}
	q.logger().Debug("iam", "action", name, "duration", time.Since(start))
	if err := writeResult(w, reqID, xmlns, name, out); err != nil {
		q.writeError(w, reqID, err)
	}
}

// writeResult answers a Query call: <ActionResponse xmlns> with out as <ActionResult> (none
// for nil), then the request id. It writes nothing when out cannot be encoded.
func writeResult(w http.ResponseWriter, reqID, ns, action string, out any) error {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	resp := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}}}
	_ = enc.EncodeToken(resp)
	if out != nil {
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return err
		}
	}
	_ = enc.EncodeElement(struct {
		RequestId string
	}{reqID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	_ = enc.EncodeToken(resp.End())
	_ = enc.Flush()
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", reqID)
	_, _ = w.Write(buf.Bytes())
	return nil
}

func (q *Query) logger() *slog.Logger {
	if q.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return q.Logger
}

func (q *Query) writeError(w http.ResponseWriter, reqID string, err error) {
	var e *Error
	if !errors.As(err, &e) {
		q.logger().Error("iam", "err", err)
		e = newErr(http.StatusInternalServerError, "ServiceFailure", "An internal error occurred")
	}
	code, status := queryCode(e)
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	data, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Xmlns   string   `xml:"xmlns,attr"`
		Error   struct {
			Type, Code, Message string
		}
		RequestId string
	}{Xmlns: xmlns, Error: struct{ Type, Code, Message string }{typ, code, e.Message}, RequestId: reqID})
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", reqID)
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// members is a Query-protocol list: <member> elements.
type members[T any] struct {
	Member []T `xml:"member"`
}

type roleXML struct {
	Path                     string
	AssumeRolePolicyDocument string
	MaxSessionDuration       int
	RoleId                   string
	RoleName                 string
	Arn                      string
	CreateDate               string
	Description              string `xml:",omitempty"`
}

func toRoleXML(r *Role) roleXML {
	return roleXML{Path: r.Path, AssumeRolePolicyDocument: escape(r.AssumeRolePolicyDocument), MaxSessionDuration: r.MaxSessionDuration,
		RoleId: r.RoleID, RoleName: r.RoleName, Arn: r.Arn, CreateDate: isoTime(r.CreateDate), Description: r.Description}
}

type policyXML struct {
	PolicyName                    string
	DefaultVersionId              string
	PolicyId                      string
	Path                          string
	Arn                           string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    string
	UpdateDate                    string
}

type userXML struct {
	Path, UserName, UserId, Arn, CreateDate string
}

func toUserXML(u *User) userXML {
	return userXML{Path: u.Path, UserName: u.UserName, UserId: u.UserID, Arn: u.Arn, CreateDate: isoTime(u.CreateDate)}
}

type accessKeyXML struct {
	UserName, AccessKeyId, Status string
	SecretAccessKey               string `xml:",omitempty"` // CreateAccessKey's answer alone
	CreateDate                    string
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
