package iam

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

var (
	namePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern = regexp.MustCompile(`^(/|/[\x21-\x7e]+/)$`)
)

// checkName validates a RoleName, UserName or PolicyName as IAM does.
func checkName(field, v string, max int) *Error {
	switch {
	case v == "":
		return errValidation(fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field))
	case len(v) > max:
		return errValidation(fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, field, max))
	case !namePattern.MatchString(v):
		return errValidation(fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", v, field))
	}
	return nil
}

func checkPath(v string) (string, *Error) {
	if v == "" {
		return "/", nil
	}
	if len(v) > 512 || !pathPattern.MatchString(v) {
		return "", errValidation(fmt.Sprintf("Value '%s' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", v))
	}
	return v, nil
}

// IAM's default quotas on policies (IAM and AWS STS quotas): sizes count characters other
// than white space; an entity's inline policies count together.
const (
	managedPolicySize = 6144
	rolePoliciesSize  = 10240
	userPoliciesSize  = 2048
	attachedPerEntity = 10
)

// policySize is a document's size as IAM counts it against its quotas: white space is not
// counted.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// inlineSize is the size of an entity's inline policies once name holds doc.
func inlineSize(inline map[string]string, name, doc string) int {
	n := policySize(doc)
	for k, v := range inline {
		if k != name {
			n += policySize(v)
		}
	}
	return n
}

func checkDocument(field, doc string) *Error {
	if doc == "" {
		return errValidation(fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field))
	}
	return nil
}

func (d *Directory) arn(kind, path, name string) string {
	return "arn:aws:iam::" + d.opts.Account + ":" + kind + path + name
}

// CreateRole creates a role.
func (d *Directory) CreateRole(name, path, trustPolicy, description string, maxSession int) (*Role, error) {
	if err := checkName("roleName", name, 64); err != nil {
		return nil, err
	}
	path, perr := checkPath(path)
	if perr != nil {
		return nil, perr
	}
	if err := checkDocument("assumeRolePolicyDocument", trustPolicy); err != nil {
		return nil, err
	}
	if err := checkPolicy(trustPolicy, kindTrust); err != nil {
		return nil, err
	}
	if maxSession == 0 {
		maxSession = 3600
	}
	if maxSession < 3600 {
		return nil, errValidation(fmt.Sprintf("Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600", maxSession))
	}
	if maxSession > 43200 {
		return nil, errValidation(fmt.Sprintf("Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200", maxSession))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.findRole(name) != nil {
		return nil, errExists("Role with name %s already exists.", name)
	}
	r := &Role{RoleName: name, RoleID: newID("AROA", 17), Arn: d.arn("role", path, name), Path: path, Description: description,
		MaxSessionDuration: maxSession, AssumeRolePolicyDocument: trustPolicy, CreateDate: d.opts.Now().UTC().Truncate(1e9)}
	d.st.Roles[name] = r
	return r, d.save()
}

// findRole finds a role by name; IAM names are unique case-insensitively.
func (d *Directory) findRole(name string) *Role {
	if r, ok := d.st.Roles[name]; ok {
		return r
	}
	for n, r := range d.st.Roles {
		if strings.EqualFold(n, name) {
			return r
		}
	}
	return nil
}

func (d *Directory) findUser(name string) *User {
	if u, ok := d.st.Users[name]; ok {
		return u
	}
	for n, u := range d.st.Users {
		if strings.EqualFold(n, name) {
			return u
		}
	}
	return nil
}

func (d *Directory) role(name string) (*Role, *Error) {
	if err := checkName("roleName", name, 64); err != nil {
		return nil, err
	}
	r, ok := d.st.Roles[name]
	if !ok {
		return nil, errNoSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

func (d *Directory) user(name string) (*User, *Error) {
	if err := checkName("userName", name, 64); err != nil {
		return nil, err
	}
	u, ok := d.st.Users[name]
	if !ok {
		return nil, errNoSuchEntity("The user with name %s cannot be found.", name)
	}
	return u, nil
}

// GetRole returns a copy of a role.
func (d *Directory) GetRole(name string) (*Role, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	r, err := d.role(name)
	if err != nil {
		return nil, err
	}
	c := *r
	return &c, nil
}

// ListRoles lists roles by name, those whose path starts with prefix.
func (d *Directory) ListRoles(prefix string) []Role {
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []Role
	for _, r := range d.st.Roles {
		if strings.HasPrefix(r.Path, prefix) {
			out = append(out, *r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].RoleName) < strings.ToLower(out[j].RoleName) })
	return out
}

// DeleteRole deletes a role that has no policies left.
func (d *Directory) DeleteRole(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.role(name)
	if err != nil {
		return err
	}
	if len(r.InlinePolicies) > 0 {
		return errConflict("Cannot delete entity, must delete policies first.")
	}
	if len(r.Attached) > 0 {
		return errConflict("Cannot delete entity, must detach all policies first.")
	}
	delete(d.st.Roles, name)
	return d.save()
}

// PutRolePolicy adds or replaces a role's inline policy.
func (d *Directory) PutRolePolicy(role, name, doc string) error {
	if err := checkName("policyName", name, 128); err != nil {
		return err
	}
	if err := checkDocument("policyDocument", doc); err != nil {
		return err
	}
	if _, err := ParsePolicy(doc); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.role(role)
	if err != nil {
		return err
	}
	if inlineSize(r.InlinePolicies, name, doc) > rolePoliciesSize {
		return errLimit("Maximum policy size of %d bytes exceeded for role %s", rolePoliciesSize, r.RoleName)
	}
	if r.InlinePolicies == nil {
		r.InlinePolicies = map[string]string{}
	}
	r.InlinePolicies[name] = doc
	return d.save()
}

// GetRolePolicy returns a role's inline policy document.
func (d *Directory) GetRolePolicy(role, name string) (string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	r, err := d.role(role)
	if err != nil {
		return "", err
	}
	doc, ok := r.InlinePolicies[name]
	if !ok {
		return "", errNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	return doc, nil
}

// ListRolePolicies lists the names of a role's inline policies.
func (d *Directory) ListRolePolicies(role string) ([]string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	r, err := d.role(role)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for n := range r.InlinePolicies {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// DeleteRolePolicy deletes a role's inline policy.
func (d *Directory) DeleteRolePolicy(role, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.role(role)
	if err != nil {
		return err
	}
	if _, ok := r.InlinePolicies[name]; !ok {
		return errNoSuchEntity("The role policy with name %s cannot be found.", name)
	}
	delete(r.InlinePolicies, name)
	return d.save()
}

// CreatePolicy creates a customer managed policy.
func (d *Directory) CreatePolicy(name, path, doc, description string) (*ManagedPolicy, error) {
	if err := checkName("policyName", name, 128); err != nil {
		return nil, err
	}
	path, perr := checkPath(path)
	if perr != nil {
		return nil, perr
	}
	if err := checkDocument("policyDocument", doc); err != nil {
		return nil, err
	}
	if err := checkPolicy(doc, kindManaged); err != nil {
		return nil, err
	}
	if policySize(doc) > managedPolicySize {
		return nil, errLimit("Cannot exceed quota for PolicySize: %d", managedPolicySize)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.st.Policies {
		if strings.EqualFold(p.PolicyName, name) {
			return nil, errExists("A policy called %s already exists. Duplicate names are not allowed.", name)
		}
	}
	p := &ManagedPolicy{PolicyName: name, PolicyID: newID("ANPA", 17), Arn: d.arn("policy", path, name), Path: path,
		Description: description, Document: doc, CreateDate: d.opts.Now().UTC().Truncate(1e9), DefaultVersionID: "v1", LastVersion: 1}
	p.Versions = []PolicyVersion{{VersionID: "v1", Document: doc, CreateDate: p.CreateDate}}
	d.st.Policies[p.Arn] = p
	c := *p
	return &c, d.save()
}

// attachments counts the roles and users a managed policy is attached to; caller holds mu.
func (d *Directory) attachments(arn string) int {
	n := 0
	for _, r := range d.st.Roles {
		n += count(r.Attached, arn)
	}
	for _, u := range d.st.Users {
		n += count(u.Attached, arn)
	}
	return n
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func (d *Directory) attachable(arn string) *Error {
	if arn == "" {
		return errValidation("Value null at 'policyArn' failed to satisfy constraint: Member must not be null")
	}
	if _, ok := d.managed(arn); !ok {
		return errNoSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	return nil
}

func attach(list []string, arn string) []string {
	if count(list, arn) > 0 {
		return list
	}
	return append(list, arn)
}

// AttachRolePolicy attaches a managed policy to a role.
func (d *Directory) AttachRolePolicy(role, arn string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.role(role)
	if err != nil {
		return err
	}
	if err := d.attachable(arn); err != nil {
		return err
	}
	if count(r.Attached, arn) == 0 && len(r.Attached) >= attachedPerEntity {
		return errLimit("Cannot exceed quota for PoliciesPerRole: %d", attachedPerEntity)
	}
	r.Attached = attach(r.Attached, arn)
	return d.save()
}

// DetachRolePolicy detaches a managed policy from a role.
func (d *Directory) DetachRolePolicy(role, arn string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.role(role)
	if err != nil {
		return err
	}
	if count(r.Attached, arn) == 0 {
		return errNoSuchEntity("Policy %s was not found.", arn)
	}
	var keep []string
	for _, a := range r.Attached {
		if a != arn {
			keep = append(keep, a)
		}
	}
	r.Attached = keep
	return d.save()
}

// AttachedPolicy names a managed policy attached to a role or user.
type AttachedPolicy struct {
	PolicyName string
	PolicyArn  string
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (d *Directory) ListAttachedRolePolicies(role string) ([]AttachedPolicy, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	r, err := d.role(role)
	if err != nil {
		return nil, err
	}
	return d.attachedPolicies(r.Attached), nil
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (d *Directory) ListAttachedUserPolicies(user string) ([]AttachedPolicy, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	u, err := d.user(user)
	if err != nil {
		return nil, err
	}
	return d.attachedPolicies(u.Attached), nil
}

// attachedPolicies names the managed policies of an attachment list; the caller holds mu.
func (d *Directory) attachedPolicies(attached []string) []AttachedPolicy {
	out := []AttachedPolicy{}
	for _, a := range attached {
		if p, ok := d.managed(a); ok {
			out = append(out, AttachedPolicy{PolicyName: p.PolicyName, PolicyArn: a})
		}
	}
	return out
}

// CreateUser creates a user.
func (d *Directory) CreateUser(name, path string) (*User, error) {
	if err := checkName("userName", name, 64); err != nil {
		return nil, err
	}
	path, perr := checkPath(path)
	if perr != nil {
		return nil, perr
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.findUser(name) != nil {
		return nil, errExists("User with name %s already exists.", name)
	}
	u := &User{UserName: name, UserID: newID("AIDA", 17), Arn: d.arn("user", path, name), Path: path, CreateDate: d.opts.Now().UTC().Truncate(1e9)}
	d.st.Users[name] = u
	c := *u
	return &c, d.save()
}

// DeleteUser deletes a user that has no access keys or policies left.
func (d *Directory) DeleteUser(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(name)
	if err != nil {
		return err
	}
	for _, k := range d.st.Keys {
		if k.UserName == u.UserName {
			return errConflict("Cannot delete entity, must delete access keys first.")
		}
	}
	if len(u.InlinePolicies) > 0 {
		return errConflict("Cannot delete entity, must delete policies first.")
	}
	if len(u.Attached) > 0 {
		return errConflict("Cannot delete entity, must detach all policies first.")
	}
	delete(d.st.Users, name)
	return d.save()
}

// CreateAccessKey makes a new access key for a user (at most two each, as on AWS).
func (d *Directory) CreateAccessKey(user string) (*AccessKey, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(user)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, k := range d.st.Keys {
		if k.UserName == u.UserName {
			n++
		}
	}
	if n >= 2 {
		return nil, errLimit("Cannot exceed quota for AccessKeysPerUser: 2")
	}
	k := &AccessKey{AccessKeyID: newID("AKIA", 16), SecretAccessKey: newSecret(), UserName: u.UserName, Status: "Active",
		CreateDate: d.opts.Now().UTC().Truncate(1e9)}
	d.st.Keys[k.AccessKeyID] = k
	c := *k
	return &c, d.save()
}

// DeleteAccessKey deletes a user's access key.
func (d *Directory) DeleteAccessKey(user, id string) error {
	if id == "" {
		return errValidation("Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(user)
	if err != nil {
		return err
	}
	k, ok := d.st.Keys[id]
	if !ok || k.UserName != u.UserName {
		return errNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	delete(d.st.Keys, id)
	return d.save()
}

// PutUserPolicy adds or replaces a user's inline policy.
func (d *Directory) PutUserPolicy(user, name, doc string) error {
	if err := checkName("policyName", name, 128); err != nil {
		return err
	}
	if err := checkDocument("policyDocument", doc); err != nil {
		return err
	}
	if _, err := ParsePolicy(doc); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(user)
	if err != nil {
		return err
	}
	if inlineSize(u.InlinePolicies, name, doc) > userPoliciesSize {
		return errLimit("Maximum policy size of %d bytes exceeded for user %s", userPoliciesSize, u.UserName)
	}
	if u.InlinePolicies == nil {
		u.InlinePolicies = map[string]string{}
	}
	u.InlinePolicies[name] = doc
	return d.save()
}

// DeleteUserPolicy deletes a user's inline policy.
func (d *Directory) DeleteUserPolicy(user, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(user)
	if err != nil {
		return err
	}
	if _, ok := u.InlinePolicies[name]; !ok {
		return errNoSuchEntity("The user policy with name %s cannot be found.", name)
	}
	delete(u.InlinePolicies, name)
	return d.save()
}

// DetachUserPolicy detaches a managed policy from a user.
func (d *Directory) DetachUserPolicy(user, arn string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(user)
	if err != nil {
		return err
	}
	if count(u.Attached, arn) == 0 {
		return errNoSuchEntity("Policy %s was not found.", arn)
	}
	var keep []string
	for _, a := range u.Attached {
		if a != arn {
			keep = append(keep, a)
		}
	}
	u.Attached = keep
	return d.save()
}

// AttachUserPolicy attaches a managed policy to a user.
func (d *Directory) AttachUserPolicy(user, arn string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(user)
	if err != nil {
		return err
	}
	if err := d.attachable(arn); err != nil {
		return err
	}
	if count(u.Attached, arn) == 0 && len(u.Attached) >= attachedPerEntity {
		return errLimit("Cannot exceed quota for PoliciesPerUser: %d", attachedPerEntity)
	}
	u.Attached = attach(u.Attached, arn)
	return d.save()
}

// userOfKey is the user an access key belongs to ("" if none).
func (d *Directory) userOfKey(id string) string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if k, ok := d.st.Keys[id]; ok {
		return k.UserName
	}
	return ""
}

// resourceArn is the ARN an IAM action on a role or user is authorized against.
func (d *Directory) resourceArn(kind, name, path string) string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	switch kind {
	case "role":
		if r, ok := d.st.Roles[name]; ok {
			return r.Arn
		}
	case "user":
		if u, ok := d.st.Users[name]; ok {
			return u.Arn
		}
	}
	if path == "" {
		path = "/"
	}
	return d.arn(kind, path, name)
}
