package iam

import "strconv"

// The Query actions on managed policies: GetPolicy, ListPolicies, DeletePolicy, the
// versions (GetPolicyVersion, ListPolicyVersions, CreatePolicyVersion,
// SetDefaultPolicyVersion, DeletePolicyVersion) and ListEntitiesForPolicy.

func policyResource(_ *Directory, p params, _ *Principal) string { return p.get("PolicyArn") }

func toPolicyXML(info PolicyInfo, withDescription bool) policyXML {
	x := policyXML{PolicyName: info.PolicyName, DefaultVersionId: info.DefaultVersion(), PolicyId: info.PolicyID, Path: info.Path,
		Arn: info.Arn, AttachmentCount: info.AttachmentCount, IsAttachable: true,
		CreateDate: isoTime(info.CreateDate), UpdateDate: isoTime(info.UpdateDate())}
	if withDescription {
		// IAM's list operations leave the description out (ListPolicies' reference says so).
		x.Description = info.Description
	}
	return x
}

type policyVersionXML struct {
	Document         string `xml:",omitempty"`
	VersionId        string
	IsDefaultVersion bool
	CreateDate       string
}

func getPolicy(d *Directory, p params, _ *Principal) (any, error) {
	info, err := d.GetPolicy(p.get("PolicyArn"))
	if err != nil {
		return nil, err
	}
	return struct{ Policy policyXML }{toPolicyXML(info, true)}, nil
}

func listPolicies(d *Directory, p params, _ *Principal) (any, error) {
	only := false
	if v := p.get("OnlyAttached"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, errValidation("Value '" + v + "' at 'onlyAttached' failed to satisfy constraint: Member must be a boolean")
		}
		only = b
	}
	list, err := d.ListPolicies(p.get("Scope"), p.get("PathPrefix"), only)
	if err != nil {
		return nil, err
	}
	page, marker, truncated, err := paginate(len(list), p)
	if err != nil {
		return nil, err
	}
	out := []policyXML{}
	for _, info := range list[page[0]:page[1]] {
		out = append(out, toPolicyXML(info, false))
	}
	return struct {
		Policies    members[policyXML]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}{members[policyXML]{out}, truncated, marker}, nil
}

func deletePolicy(d *Directory, p params, _ *Principal) (any, error) {
	return nil, d.DeletePolicy(p.get("PolicyArn"))
}

func getPolicyVersion(d *Directory, p params, _ *Principal) (any, error) {
	v, isDefault, err := d.GetPolicyVersion(p.get("PolicyArn"), p.get("VersionId"))
	if err != nil {
		return nil, err
	}
	return struct{ PolicyVersion policyVersionXML }{policyVersionXML{Document: escape(v.Document), VersionId: v.VersionID,
		IsDefaultVersion: isDefault, CreateDate: isoTime(v.CreateDate)}}, nil
}

// listPolicyVersions lists a policy's versions, newest first, without their documents.
func listPolicyVersions(d *Directory, p params, _ *Principal) (any, error) {
	info, err := d.GetPolicy(p.get("PolicyArn"))
	if err != nil {
		return nil, err
	}
	all := info.AllVersions()
	versions := make([]policyVersionXML, 0, len(all))
	for i := len(all) - 1; i >= 0; i-- {
		versions = append(versions, policyVersionXML{VersionId: all[i].VersionID, IsDefaultVersion: all[i].VersionID == info.DefaultVersion(),
			CreateDate: isoTime(all[i].CreateDate)})
	}
	page, marker, truncated, err := paginate(len(versions), p)
	if err != nil {
		return nil, err
	}
	return struct {
		Versions    members[policyVersionXML]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}{members[policyVersionXML]{versions[page[0]:page[1]]}, truncated, marker}, nil
}

func createPolicyVersion(d *Directory, p params, _ *Principal) (any, error) {
	setDefault := false
	if v := p.get("SetAsDefault"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, errValidation("Value '" + v + "' at 'setAsDefault' failed to satisfy constraint: Member must be a boolean")
		}
		setDefault = b
	}
	v, err := d.CreatePolicyVersion(p.get("PolicyArn"), p.get("PolicyDocument"), setDefault)
	if err != nil {
		return nil, err
	}
	return struct{ PolicyVersion policyVersionXML }{policyVersionXML{VersionId: v.VersionID, IsDefaultVersion: setDefault,
		CreateDate: isoTime(v.CreateDate)}}, nil
}

func setDefaultPolicyVersion(d *Directory, p params, _ *Principal) (any, error) {
	return nil, d.SetDefaultPolicyVersion(p.get("PolicyArn"), p.get("VersionId"))
}

func deletePolicyVersion(d *Directory, p params, _ *Principal) (any, error) {
	return nil, d.DeletePolicyVersion(p.get("PolicyArn"), p.get("VersionId"))
}

func listEntitiesForPolicy(d *Directory, p params, _ *Principal) (any, error) {
	list, err := d.ListEntitiesForPolicy(p.get("PolicyArn"), p.get("EntityFilter"), p.get("PathPrefix"))
	if err != nil {
		return nil, err
	}
	page, marker, truncated, err := paginate(len(list), p)
	if err != nil {
		return nil, err
	}
	type userXML struct{ UserName, UserId string }
	type roleXML struct{ RoleName, RoleId string }
	users, roles := []userXML{}, []roleXML{}
	for _, e := range list[page[0]:page[1]] {
		if e.Role {
			roles = append(roles, roleXML{e.Name, e.ID})
		} else {
			users = append(users, userXML{e.Name, e.ID})
		}
	}
	return struct {
		PolicyGroups members[struct{ GroupName, GroupId string }]
		PolicyUsers  members[userXML]
		PolicyRoles  members[roleXML]
		IsTruncated  bool
		Marker       string `xml:",omitempty"`
	}{PolicyUsers: members[userXML]{users}, PolicyRoles: members[roleXML]{roles}, IsTruncated: truncated, Marker: marker}, nil
}
