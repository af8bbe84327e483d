package iam

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Managed policies are read, listed and deleted here; CreatePolicy and the attachments are
// in entities.go. A customer managed policy has one version, v1 (CreatePolicyVersion is not
// served), which is its default.

// defaultVersion is the only version a managed policy has here.
const defaultVersion = "v1"

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
	delete(d.st.Policies, arn)
	return d.save()
}

// GetPolicyVersion returns a version of a managed policy: there is only v1.
func (d *Directory) GetPolicyVersion(arn, version string) (PolicyInfo, error) {
	if version == "" {
		return PolicyInfo{}, errValidation("Value null at 'versionId' failed to satisfy constraint: Member must not be null")
	}
	if !versionPattern.MatchString(version) {
		return PolicyInfo{}, errValidation(fmt.Sprintf(`Value '%s' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`, version))
	}
	info, err := d.GetPolicy(arn)
	if err != nil {
		return PolicyInfo{}, err
	}
	if version != defaultVersion {
		return PolicyInfo{}, errNoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, version)
	}
	return info, nil
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
