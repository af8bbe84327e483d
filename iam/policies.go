package iam

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Managed policies are read, listed, versioned and deleted here; CreatePolicy and the
// attachments are in entities.go.

// maxPolicyVersions is how many versions a managed policy may have (IAM's quota).
const maxPolicyVersions = 5

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	VersionID  string    `json:"versionId"`
	Document   string    `json:"document"`
	CreateDate time.Time `json:"createDate"`
}

// DefaultVersion is the id of the version in force.
func (p *ManagedPolicy) DefaultVersion() string {
	if p.DefaultVersionID == "" {
		return "v1"
	}
	return p.DefaultVersionID
}

// AllVersions are the policy's versions, oldest first.
func (p *ManagedPolicy) AllVersions() []PolicyVersion {
	if len(p.Versions) == 0 {
		return []PolicyVersion{{VersionID: "v1", Document: p.Document, CreateDate: p.CreateDate}}
	}
	return p.Versions
}

// UpdateDate is when the policy's newest version was made (IAM: its CreateDate while it has
// one version).
func (p *ManagedPolicy) UpdateDate() time.Time {
	t := p.CreateDate
	for _, v := range p.AllVersions() {
		if v.CreateDate.After(t) {
			t = v.CreateDate
		}
	}
	return t
}

// PolicyInfo is a managed policy as GetPolicy and ListPolicies show it: with the number of
// roles and users it is attached to.
type PolicyInfo struct {
	ManagedPolicy
	AttachmentCount int
	// AWS is whether AWS manages the policy (its ARN's account is "aws").
	AWS bool
}

var versionPattern = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)

// checkPolicyArn validates a PolicyArn parameter as IAM does: present, at least 20
// characters (the model's bound), and an ARN.
func checkPolicyArn(arn string) *Error {
	switch {
	case arn == "":
		return errValidation("Value null at 'policyArn' failed to satisfy constraint: Member must not be null")
	case len(arn) < 20:
		return errValidation(fmt.Sprintf("Value '%s' at 'policyArn' failed to satisfy constraint: Member must have length greater than or equal to 20", arn))
	case !strings.HasPrefix(arn, "arn:") || strings.Count(arn, ":") < 5:
		return errInvalidInput("ARN %s is not valid.", arn)
	}
	return nil
}

// policyInfo describes a managed policy; the caller holds mu.
func (d *Directory) policyInfo(p *ManagedPolicy) PolicyInfo {
	_, aws := awsManaged[p.Arn]
	return PolicyInfo{ManagedPolicy: *p, AttachmentCount: d.attachments(p.Arn), AWS: aws}
}

// findPolicy returns a managed policy by ARN, with IAM's errors.
func (d *Directory) findPolicy(arn string) (*ManagedPolicy, *Error) {
	if err := checkPolicyArn(arn); err != nil {
		return nil, err
	}
	p, ok := d.managed(arn)
	if !ok {
		return nil, errNoSuchEntity("Policy %s was not found.", arn)
	}
	return p, nil
}

// GetPolicy describes a managed policy: a customer's or an AWS managed one Stepwise knows.
func (d *Directory) GetPolicy(arn string) (PolicyInfo, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	p, err := d.findPolicy(arn)
	if err != nil {
		return PolicyInfo{}, err
	}
	return d.policyInfo(p), nil
}

// ListPolicies lists the managed policies of a scope ("All", "AWS" or "Local"; "" is All)
// whose path starts with prefix, only those attached to a role or user if onlyAttached,
// by name.
func (d *Directory) ListPolicies(scope, prefix string, onlyAttached bool) ([]PolicyInfo, error) {
	switch scope {
	case "":
		scope = "All"
	case "All", "AWS", "Local":
	default:
		return nil, errValidation(fmt.Sprintf("Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", scope))
	}
	if prefix == "" {
		prefix = "/"
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []PolicyInfo
	add := func(ps map[string]*ManagedPolicy) {
		for _, p := range ps {
			info := d.policyInfo(p)
			if strings.HasPrefix(p.Path, prefix) && (!onlyAttached || info.AttachmentCount > 0) {
				out = append(out, info)
			}
		}
	}
	if scope != "Local" {
		add(awsManaged)
	}
	if scope != "AWS" {
		add(d.st.Policies)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i].PolicyName), strings.ToLower(out[j].PolicyName)
		if a != b {
			return a < b
		}
		return out[i].Arn < out[j].Arn
	})
	return out, nil
}

// DeletePolicy deletes a customer managed policy attached to no role or user.
func (d *Directory) DeletePolicy(arn string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.findPolicy(arn)
	if err != nil {
		return err
	}
	if _, ok := awsManaged[p.Arn]; ok {
		return errInvalidInput("Cannot delete an AWS managed policy: %s", arn)
	}
	if d.attachments(arn) > 0 {
		return errConflict("Cannot delete a policy attached to entities.")
	}
	if len(p.AllVersions()) > 1 {
		// IAM's DeletePolicy reference: delete the other versions first; the default one goes
		// with the policy.
		return errConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	delete(d.st.Policies, arn)
	return d.save()
}

// checkVersion validates a VersionId parameter as IAM does.
func checkVersion(version string) *Error {
	if version == "" {
		return errValidation("Value null at 'versionId' failed to satisfy constraint: Member must not be null")
	}
	if !versionPattern.MatchString(version) {
		return errValidation(fmt.Sprintf(`Value '%s' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`, version))
	}
	return nil
}

// customerPolicy returns a customer managed policy, for the calls that change one; an AWS
// managed policy is refused.
func (d *Directory) customerPolicy(arn string) (*ManagedPolicy, *Error) {
	p, err := d.findPolicy(arn)
	if err != nil {
		return nil, err
	}
	if _, ok := awsManaged[p.Arn]; ok {
		return nil, errInvalidInput("Cannot modify an AWS managed policy: %s", arn)
	}
	return p, nil
}

// GetPolicyVersion returns a version of a managed policy and whether it is the default.
func (d *Directory) GetPolicyVersion(arn, version string) (PolicyVersion, bool, error) {
	if err := checkVersion(version); err != nil {
		return PolicyVersion{}, false, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	p, err := d.findPolicy(arn)
	if err != nil {
		return PolicyVersion{}, false, err
	}
	for _, v := range p.AllVersions() {
		if v.VersionID == version {
			return v, version == p.DefaultVersion(), nil
		}
	}
	return PolicyVersion{}, false, errNoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, version)
}

// CreatePolicyVersion adds a version to a customer managed policy (at most 5), its default
// if setDefault.
func (d *Directory) CreatePolicyVersion(arn, doc string, setDefault bool) (PolicyVersion, error) {
	if err := checkPolicyArn(arn); err != nil {
		return PolicyVersion{}, err
	}
	if err := checkDocument("policyDocument", doc); err != nil {
		return PolicyVersion{}, err
	}
	if err := checkPolicy(doc, kindManaged); err != nil {
		return PolicyVersion{}, err
	}
	if policySize(doc) > managedPolicySize {
		return PolicyVersion{}, errLimit("Cannot exceed quota for PolicySize: %d", managedPolicySize)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.customerPolicy(arn)
	if err != nil {
		return PolicyVersion{}, err
	}
	versions := p.AllVersions()
	if len(versions) >= maxPolicyVersions {
		return PolicyVersion{}, errLimit("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
	}
	last := max(p.LastVersion, 1)
	v := PolicyVersion{VersionID: "v" + strconv.Itoa(last+1), Document: doc, CreateDate: d.opts.Now().UTC().Truncate(1e9)}
	p.Versions = append(append([]PolicyVersion{}, versions...), v)
	p.LastVersion = last + 1
	if setDefault {
		p.DefaultVersionID, p.Document = v.VersionID, doc
	}
	return v, d.save()
}

// SetDefaultPolicyVersion makes a version of a customer managed policy the one in force.
func (d *Directory) SetDefaultPolicyVersion(arn, version string) error {
	if err := checkVersion(version); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.customerPolicy(arn)
	if err != nil {
		return err
	}
	for _, v := range p.AllVersions() {
		if v.VersionID == version {
			p.DefaultVersionID, p.Document = v.VersionID, v.Document
			return d.save()
		}
	}
	return errNoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, version)
}

// DeletePolicyVersion deletes a version of a customer managed policy other than its default.
func (d *Directory) DeletePolicyVersion(arn, version string) error {
	if err := checkVersion(version); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p, err := d.customerPolicy(arn)
	if err != nil {
		return err
	}
	var keep []PolicyVersion
	for _, v := range p.AllVersions() {
		if v.VersionID != version {
			keep = append(keep, v)
		}
	}
	switch {
	case len(keep) == len(p.AllVersions()):
		return errNoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, version)
	case version == p.DefaultVersion():
		return errConflict("Cannot delete the default version of a policy.")
	}
	p.Versions = keep
	return d.save()
}

// PolicyEntity is a role or user a managed policy is attached to.
type PolicyEntity struct {
	Role      bool
	Name, ID  string
	Path, Arn string
}

// ListEntitiesForPolicy lists the roles and users a managed policy is attached to, users
// first, each by name; filter is IAM's EntityFilter ("" for all).
func (d *Directory) ListEntitiesForPolicy(arn, filter, prefix string) ([]PolicyEntity, error) {
	switch filter {
	case "", "User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy":
	default:
		return nil, errValidation(fmt.Sprintf("Value '%s' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, LocalManagedPolicy, Group, AWSManagedPolicy]", filter))
	}
	if prefix == "" {
		prefix = "/"
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	p, err := d.findPolicy(arn)
	if err != nil {
		return nil, err
	}
	_, isAWS := awsManaged[p.Arn]
	switch {
	case filter == "Group", filter == "LocalManagedPolicy" && isAWS, filter == "AWSManagedPolicy" && !isAWS:
		return []PolicyEntity{}, nil
	}
	var users, roles []PolicyEntity
	if filter != "Role" {
		for _, u := range d.st.Users {
			if count(u.Attached, arn) > 0 && strings.HasPrefix(u.Path, prefix) {
				users = append(users, PolicyEntity{Name: u.UserName, ID: u.UserID, Path: u.Path, Arn: u.Arn})
			}
		}
	}
	if filter != "User" {
		for _, r := range d.st.Roles {
			if count(r.Attached, arn) > 0 && strings.HasPrefix(r.Path, prefix) {
				roles = append(roles, PolicyEntity{Role: true, Name: r.RoleName, ID: r.RoleID, Path: r.Path, Arn: r.Arn})
			}
		}
	}
	byName := func(l []PolicyEntity) {
		sort.Slice(l, func(i, j int) bool { return strings.ToLower(l[i].Name) < strings.ToLower(l[j].Name) })
	}
	byName(users)
	byName(roles)
	return append(append([]PolicyEntity{}, users...), roles...), nil
}
