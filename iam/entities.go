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
	if err := checkMaxSession(maxSession); err != nil {
		return nil, err
	}
	if maxSession == 0 {
		maxSession = 3600
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if findFold(d.st.Roles, name) != nil {
		return nil, errExists("Role with name %s already exists.", name)
	}
	r := &Role{RoleName: name, RoleID: newID("AROA", 17), Arn: d.arn("role", path, name), Path: path, Description: description,
		MaxSessionDuration: maxSession, AssumeRolePolicyDocument: trustPolicy, CreateDate: d.opts.Now().UTC().Truncate(1e9)}
	d.st.Roles[name] = r
	return r, d.save()
}

// UpdateAssumeRolePolicy replaces a role's trust policy, checked as CreateRole checks it; it
// is what decides, from the next call on, whether Step Functions may assume the role.
func (d *Directory) UpdateAssumeRolePolicy(name, trustPolicy string) error {
	if err := checkDocument("policyDocument", trustPolicy); err != nil {
		return err
	}
	if err := checkPolicy(trustPolicy, kindTrust); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.role(name)
	if err != nil {
		return err
	}
	r.AssumeRolePolicyDocument = trustPolicy
	return d.save()
}

// UpdateRole changes a role's description and, when maxSession is not 0, its maximum
// session duration (3600–43200 seconds, as CreateRole).
func (d *Directory) UpdateRole(name string, description *string, maxSession int) error {
	if err := checkMaxSession(maxSession); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.role(name)
	if err != nil {
		return err
	}
	if description != nil {
		r.Description = *description
	}
	if maxSession != 0 {
		r.MaxSessionDuration = maxSession
	}
	return d.save()
}

// checkMaxSession refuses a maximum session duration outside 3600–43200 seconds; 0 is none
// given.
func checkMaxSession(maxSession int) *Error {
	if maxSession != 0 && maxSession < 3600 {
		return errValidation(fmt.Sprintf("Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600", maxSession))
	}
	if maxSession > 43200 {
		return errValidation(fmt.Sprintf("Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200", maxSession))
	}
	return nil
}

// findFold finds a role or user by name; IAM names are unique case-insensitively.
func findFold[T any](m map[string]*T, name string) *T {
	if v, ok := m[name]; ok {
		return v
	}
	for n, v := range m {
		if strings.EqualFold(n, name) {
			return v
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

// kind is a role or a user, for what both have: their Grants.
type kind struct {
	noun       string // in messages: "role", "user"
	quota      string // the quota on attached policies: "PoliciesPerRole"
	inlineSize int    // the most bytes its inline policies may hold
	grants     func(d *Directory, name string) (*Grants, *Error)
}

var (
	roleKind = kind{"role", "PoliciesPerRole", rolePoliciesSize, func(d *Directory, name string) (*Grants, *Error) {
		r, err := d.role(name)
		if err != nil {
			return nil, err
		}
		return &r.Grants, nil
	}}
	userKind = kind{"user", "PoliciesPerUser", userPoliciesSize, func(d *Directory, name string) (*Grants, *Error) {
		u, err := d.user(name)
		if err != nil {
			return nil, err
		}
		return &u.Grants, nil
	}}
)

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
	return underPath(d.st.Roles, prefix, func(r *Role) (string, string) { return r.Path, r.RoleName })
}

// underPath is copies of the roles or users whose path starts with prefix, by name,
// case-insensitively (as IAM lists them); names gives one's path and name.
func underPath[T any](m map[string]*T, prefix string, names func(*T) (path, name string)) []T {
	var out []T
	for _, v := range m {
		if path, _ := names(v); strings.HasPrefix(path, prefix) {
			out = append(out, *v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		_, a := names(&out[i])
		_, b := names(&out[j])
		return strings.ToLower(a) < strings.ToLower(b)
	})
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
	return d.putPolicy(roleKind, role, name, doc)
}

// GetRolePolicy returns a role's inline policy document.
func (d *Directory) GetRolePolicy(role, name string) (string, error) {
	return d.inlinePolicy(roleKind, role, name)
}

// ListRolePolicies lists the names of a role's inline policies.
func (d *Directory) ListRolePolicies(role string) ([]string, error) {
	return d.policyNames(roleKind, role)
}

// DeleteRolePolicy deletes a role's inline policy.
func (d *Directory) DeleteRolePolicy(role, name string) error {
	return d.deletePolicy(roleKind, role, name)
}

// PutUserPolicy adds or replaces a user's inline policy.
func (d *Directory) PutUserPolicy(user, name, doc string) error {
	return d.putPolicy(userKind, user, name, doc)
}

// GetUserPolicy returns a user's inline policy document.
func (d *Directory) GetUserPolicy(user, name string) (string, error) {
	return d.inlinePolicy(userKind, user, name)
}

// ListUserPolicies lists the names of a user's inline policies.
func (d *Directory) ListUserPolicies(user string) ([]string, error) {
	return d.policyNames(userKind, user)
}

// DeleteUserPolicy deletes a user's inline policy.
func (d *Directory) DeleteUserPolicy(user, name string) error {
	return d.deletePolicy(userKind, user, name)
}

// putPolicy adds or replaces an inline policy of a role or user.
func (d *Directory) putPolicy(k kind, who, name, doc string) error {
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
	g, err := k.grants(d, who)
	if err != nil {
		return err
	}
	if inlineSize(g.InlinePolicies, name, doc) > k.inlineSize {
		return errLimit("Maximum policy size of %d bytes exceeded for %s %s", k.inlineSize, k.noun, who)
	}
	if g.InlinePolicies == nil {
		g.InlinePolicies = map[string]string{}
	}
	g.InlinePolicies[name] = doc
	return d.save()
}

// inlinePolicy returns the document of an inline policy of a role or user.
func (d *Directory) inlinePolicy(k kind, who, name string) (string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	g, err := k.grants(d, who)
	if err != nil {
		return "", err
	}
	doc, ok := g.InlinePolicies[name]
	if !ok {
		return "", errNoSuchEntity("The %s policy with name %s cannot be found.", k.noun, name)
	}
	return doc, nil
}

// policyNames lists the names of a role's or user's inline policies, sorted.
func (d *Directory) policyNames(k kind, who string) ([]string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	g, err := k.grants(d, who)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for n := range g.InlinePolicies {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// deletePolicy deletes an inline policy of a role or user.
func (d *Directory) deletePolicy(k kind, who, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := k.grants(d, who)
	if err != nil {
		return err
	}
	if _, ok := g.InlinePolicies[name]; !ok {
		return errNoSuchEntity("The %s policy with name %s cannot be found.", k.noun, name)
	}
	delete(g.InlinePolicies, name)
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
	return d.attachPolicy(roleKind, role, arn)
}

// DetachRolePolicy detaches a managed policy from a role.
func (d *Directory) DetachRolePolicy(role, arn string) error {
	return d.detachPolicy(roleKind, role, arn)
}

// AttachUserPolicy attaches a managed policy to a user.
func (d *Directory) AttachUserPolicy(user, arn string) error {
	return d.attachPolicy(userKind, user, arn)
}

// DetachUserPolicy detaches a managed policy from a user.
func (d *Directory) DetachUserPolicy(user, arn string) error {
	return d.detachPolicy(userKind, user, arn)
}

// attachPolicy attaches a managed policy to a role or user (again: nothing changes).
func (d *Directory) attachPolicy(k kind, who, arn string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := k.grants(d, who)
	if err != nil {
		return err
	}
	if err := d.attachable(arn); err != nil {
		return err
	}
	if count(g.Attached, arn) == 0 && len(g.Attached) >= attachedPerEntity {
		return errLimit("Cannot exceed quota for %s: %d", k.quota, attachedPerEntity)
	}
	g.Attached = attach(g.Attached, arn)
	return d.save()
}

// detachPolicy detaches a managed policy from a role or user.
func (d *Directory) detachPolicy(k kind, who, arn string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := k.grants(d, who)
	if err != nil {
		return err
	}
	if count(g.Attached, arn) == 0 {
		return errNoSuchEntity("Policy %s was not found.", arn)
	}
	var keep []string
	for _, a := range g.Attached {
		if a != arn {
			keep = append(keep, a)
		}
	}
	g.Attached = keep
	return d.save()
}

// AttachedPolicy names a managed policy attached to a role or user.
type AttachedPolicy struct {
	PolicyName string
	PolicyArn  string
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (d *Directory) ListAttachedRolePolicies(role string) ([]AttachedPolicy, error) {
	return d.attachedTo(roleKind, role)
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (d *Directory) ListAttachedUserPolicies(user string) ([]AttachedPolicy, error) {
	return d.attachedTo(userKind, user)
}

// attachedTo names the managed policies attached to a role or user.
func (d *Directory) attachedTo(k kind, who string) ([]AttachedPolicy, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	g, err := k.grants(d, who)
	if err != nil {
		return nil, err
	}
	return d.attachedPolicies(g.Attached), nil
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
	if findFold(d.st.Users, name) != nil {
		return nil, errExists("User with name %s already exists.", name)
	}
	u := &User{UserName: name, UserID: newID("AIDA", 17), Arn: d.arn("user", path, name), Path: path, CreateDate: d.opts.Now().UTC().Truncate(1e9)}
	d.st.Users[name] = u
	c := *u
	return &c, d.save()
}

// GetUser returns a copy of a user.
func (d *Directory) GetUser(name string) (*User, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	u, err := d.user(name)
	if err != nil {
		return nil, err
	}
	c := *u
	return &c, nil
}

// ListUsers lists users by name, those whose path starts with prefix.
func (d *Directory) ListUsers(prefix string) []User {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return underPath(d.st.Users, prefix, func(u *User) (string, string) { return u.Path, u.UserName })
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
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.keyOf(user, id); err != nil {
		return err
	}
	delete(d.st.Keys, id)
	return d.save()
}

// UpdateAccessKey makes a user's access key Active or Inactive: an inactive key signs
// nothing (lookupKey), from the next request on.
func (d *Directory) UpdateAccessKey(user, id, status string) error {
	if status == "" {
		return errValidation("Value null at 'status' failed to satisfy constraint: Member must not be null")
	}
	if status != "Active" && status != "Inactive" {
		return errValidation(fmt.Sprintf("Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	k, err := d.keyOf(user, id)
	if err != nil {
		return err
	}
	k.Status = status
	return d.save()
}

// ListAccessKeys lists a user's access keys (without their secrets), oldest first.
func (d *Directory) ListAccessKeys(user string) ([]AccessKey, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	u, err := d.user(user)
	if err != nil {
		return nil, err
	}
	out := []AccessKey{}
	for _, k := range d.st.Keys {
		if k.UserName == u.UserName {
			c := *k
			c.SecretAccessKey = ""
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreateDate.Equal(out[j].CreateDate) {
			return out[i].CreateDate.Before(out[j].CreateDate)
		}
		return out[i].AccessKeyID < out[j].AccessKeyID
	})
	return out, nil
}

// keyOf finds an access key of a user; the caller holds mu.
func (d *Directory) keyOf(user, id string) (*AccessKey, *Error) {
	if id == "" {
		return nil, errValidation("Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null")
	}
	u, err := d.user(user)
	if err != nil {
		return nil, err
	}
	k, ok := d.st.Keys[id]
	if !ok || k.UserName != u.UserName {
		return nil, errNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return k, nil
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
