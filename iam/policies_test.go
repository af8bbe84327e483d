package iam_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/stepwise-run/stepwise/iam"
)

// TestManagedPolicies reads, lists and deletes customer managed policies through the SDK,
// with IAM's errors: what a user of `aws iam` needs to manage the policies they create.
func TestManagedPolicies(t *testing.T) {
	file := filepath.Join(t.TempDir(), "iam.json")
	c, _ := newQuery(t, file)
	ctx := context.Background()
	s := aws.String
	const doc = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`
	const acct = "arn:aws:iam::123456789012:policy/"
	for _, in := range []*iamsdk.CreatePolicyInput{
		{PolicyName: s("run"), PolicyDocument: s(doc), Description: s("runs")},
		{PolicyName: s("Audit"), Path: s("/team/"), PolicyDocument: s(doc)},
		{PolicyName: s("spare"), PolicyDocument: s(doc)},
	} {
		if _, err := c.CreatePolicy(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("exec"), AssumeRolePolicyDocument: s(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("ada")}); err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{acct + "run", "arn:aws:iam::aws:policy/AWSStepFunctionsReadOnlyAccess"} {
		if _, err := c.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: s("exec"), PolicyArn: s(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: s("ada"), PolicyArn: s(acct + "run")}); err != nil {
		t.Fatal(err)
	}

	names := func(ps []types.Policy) []string {
		var out []string
		for _, p := range ps {
			out = append(out, aws.ToString(p.PolicyName))
		}
		return out
	}
	lists := []struct {
		name string
		in   iamsdk.ListPoliciesInput
		want []string
	}{
		{"local", iamsdk.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}, []string{"Audit", "run", "spare"}},
		{"local, attached", iamsdk.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, OnlyAttached: true}, []string{"run"}},
		{"all, attached", iamsdk.ListPoliciesInput{OnlyAttached: true}, []string{"AWSStepFunctionsReadOnlyAccess", "run"}},
		{"AWS, attached", iamsdk.ListPoliciesInput{Scope: types.PolicyScopeTypeAws, OnlyAttached: true}, []string{"AWSStepFunctionsReadOnlyAccess"}},
		{"path prefix", iamsdk.ListPoliciesInput{PathPrefix: s("/team/")}, []string{"Audit"}},
		{"first page", iamsdk.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, MaxItems: aws.Int32(2)}, []string{"Audit", "run"}},
		{"next page", iamsdk.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, MaxItems: aws.Int32(2), Marker: s("2")}, []string{"spare"}},
	}
	for _, tt := range lists {
		t.Run("ListPolicies "+tt.name, func(t *testing.T) {
			out, err := c.ListPolicies(ctx, &tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(out.Policies); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if more := tt.name == "first page"; out.IsTruncated != more || (aws.ToString(out.Marker) != "") != more {
				t.Errorf("IsTruncated %v, Marker %q", out.IsTruncated, aws.ToString(out.Marker))
			}
		})
	}

	gp, err := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: s(acct + "run")})
	if err != nil {
		t.Fatal(err)
	}
	if p := gp.Policy; aws.ToString(p.PolicyName) != "run" || aws.ToString(p.Arn) != acct+"run" || aws.ToString(p.Path) != "/" ||
		aws.ToString(p.DefaultVersionId) != "v1" || aws.ToInt32(p.AttachmentCount) != 2 || !p.IsAttachable ||
		aws.ToString(p.Description) != "runs" || p.CreateDate == nil || p.UpdateDate == nil || len(aws.ToString(p.PolicyId)) != 21 {
		t.Errorf("GetPolicy %+v", p)
	}
	pv, err := c.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: s(acct + "run"), VersionId: s("v1")})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := url.QueryUnescape(aws.ToString(pv.PolicyVersion.Document)); got != doc || !pv.PolicyVersion.IsDefaultVersion ||
		aws.ToString(pv.PolicyVersion.VersionId) != "v1" {
		t.Errorf("GetPolicyVersion %+v", pv.PolicyVersion)
	}
	lv, err := c.ListPolicyVersions(ctx, &iamsdk.ListPolicyVersionsInput{PolicyArn: s(acct + "run")})
	if err != nil || len(lv.Versions) != 1 || aws.ToString(lv.Versions[0].VersionId) != "v1" || !lv.Versions[0].IsDefaultVersion {
		t.Errorf("ListPolicyVersions %+v %v", lv, err)
	}
	le, err := c.ListEntitiesForPolicy(ctx, &iamsdk.ListEntitiesForPolicyInput{PolicyArn: s(acct + "run")})
	if err != nil || len(le.PolicyUsers) != 1 || aws.ToString(le.PolicyUsers[0].UserName) != "ada" ||
		len(le.PolicyRoles) != 1 || aws.ToString(le.PolicyRoles[0].RoleName) != "exec" || len(le.PolicyGroups) != 0 {
		t.Errorf("ListEntitiesForPolicy %+v %v", le, err)
	}
	le, err = c.ListEntitiesForPolicy(ctx, &iamsdk.ListEntitiesForPolicyInput{PolicyArn: s(acct + "run"), EntityFilter: types.EntityTypeRole})
	if err != nil || len(le.PolicyUsers) != 0 || len(le.PolicyRoles) != 1 {
		t.Errorf("ListEntitiesForPolicy Role %+v %v", le, err)
	}

	calls := []struct {
		name      string
		call      func() error
		code, msg string // "" when the call succeeds
	}{
		{"get a missing policy", func() error {
			_, err := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: s(acct + "nope")})
			return err
		},
			"NoSuchEntity", "Policy " + acct + "nope was not found."},
		{"get by a name in another case", func() error {
			_, err := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: s(acct + "RUN")})
			return err
		},
			"NoSuchEntity", "Policy " + acct + "RUN was not found."},
		{"get by something not an ARN", func() error {
			_, err := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: s("policy/run-not-an-arn")})
			return err
		}, "InvalidInput", "ARN policy/run-not-an-arn is not valid."},
		{"an AWS managed policy", func() error {
			_, err := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: s("arn:aws:iam::aws:policy/AdministratorAccess")})
			return err
		}, "", ""},
		{"a version it does not have", func() error {
			_, err := c.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: s(acct + "run"), VersionId: s("v2")})
			return err
		}, "NoSuchEntity", "Policy " + acct + "run version v2 does not exist or is not attachable."},
		{"a malformed version", func() error {
			_, err := c.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: s(acct + "run"), VersionId: s("1")})
			return err
		}, "ValidationError", `1 validation error detected: Value '1' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`},
		{"an unknown scope", func() error { _, err := c.ListPolicies(ctx, &iamsdk.ListPoliciesInput{Scope: "Mine"}); return err },
			"ValidationError", "1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"},
		{"delete an attached policy", func() error {
			_, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: s(acct + "run")})
			return err
		},
			"DeleteConflict", "Cannot delete a policy attached to entities."},
		{"detach it from the role", func() error {
			_, err := c.DetachRolePolicy(ctx, &iamsdk.DetachRolePolicyInput{RoleName: s("exec"), PolicyArn: s(acct + "run")})
			return err
		}, "", ""},
		{"delete it still attached to a user", func() error {
			_, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: s(acct + "run")})
			return err
		},
			"DeleteConflict", "Cannot delete a policy attached to entities."},
		{"detach it from the user", func() error {
			_, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: s("ada"), PolicyArn: s(acct + "run")})
			return err
		}, "", ""},
		{"delete it", func() error {
			_, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: s(acct + "run")})
			return err
		},
			"", ""},
		{"delete it again", func() error {
			_, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: s(acct + "run")})
			return err
		},
			"NoSuchEntity", "Policy " + acct + "run was not found."},
		{"its name is free again", func() error {
			_, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s("Run"), PolicyDocument: s(doc)})
			return err
		}, "", ""},
		{"delete an AWS managed policy", func() error {
			_, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: s("arn:aws:iam::aws:policy/AdministratorAccess")})
			return err
		}, "InvalidInput", "Cannot delete an AWS managed policy: arn:aws:iam::aws:policy/AdministratorAccess"},
	}
	for _, st := range calls {
		err := st.call()
		if st.code == "" {
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			continue
		}
		wantErr(t, st.name, err, st.code, st.msg)
	}

	// The deletion is in the file.
	c2, _ := newQuery(t, file)
	out, err := c2.ListPolicies(ctx, &iamsdk.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal})
	if got := names(out.Policies); err != nil || !slices.Equal(got, []string{"Audit", "Run", "spare"}) {
		t.Errorf("after reopening: %v %v", got, err)
	}
}

// TestPolicyVersions changes a customer managed policy as IAM's documentation says to: a new
// version, made the default (what is then evaluated), at most five, the default one
// undeletable, and the others deleted before the policy.
func TestPolicyVersions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "iam.json")
	c, _ := newQuery(t, file)
	ctx := context.Background()
	s := aws.String
	allow := func(action string) string {
		return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"` + action + `","Resource":"*"}}`
	}
	const arn = "arn:aws:iam::123456789012:policy/run"
	if _, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s("run"), PolicyDocument: s(allow("states:StartExecution"))}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("ada")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: s("ada"), PolicyArn: s(arn)}); err != nil {
		t.Fatal(err)
	}
	// mayStop is whether ada may call StopExecution, as a Directory reading the file decides.
	mayStop := func() bool {
		d, err := iam.Open(iam.Options{File: file})
		if err != nil {
			t.Fatal(err)
		}
		return d.Authorize(&iam.Principal{UserName: "ada", Arn: "arn:aws:iam::123456789012:user/ada"}, "states:StopExecution", "*") == nil
	}
	create := func(action string, setDefault bool) func() (string, error) {
		return func() (string, error) {
			out, err := c.CreatePolicyVersion(ctx, &iamsdk.CreatePolicyVersionInput{PolicyArn: s(arn), PolicyDocument: s(allow(action)), SetAsDefault: setDefault})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s %v", aws.ToString(out.PolicyVersion.VersionId), out.PolicyVersion.IsDefaultVersion), nil
		}
	}
	deleteVersion := func(v string) func() (string, error) {
		return func() (string, error) {
			_, err := c.DeletePolicyVersion(ctx, &iamsdk.DeletePolicyVersionInput{PolicyArn: s(arn), VersionId: s(v)})
			return "", err
		}
	}
	versions := func() (string, error) {
		out, err := c.ListPolicyVersions(ctx, &iamsdk.ListPolicyVersionsInput{PolicyArn: s(arn)})
		if err != nil {
			return "", err
		}
		var got []string
		for _, v := range out.Versions {
			got = append(got, fmt.Sprintf("%s %v", aws.ToString(v.VersionId), v.IsDefaultVersion))
		}
		p, err := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: s(arn)})
		if err != nil {
			return "", err
		}
		return strings.Join(got, ", ") + "; default " + aws.ToString(p.Policy.DefaultVersionId) + fmt.Sprintf("; may stop %v", mayStop()), nil
	}
	steps := []struct {
		name      string
		call      func() (string, error)
		want      string // the call's answer when it succeeds
		code, msg string // "" when the call succeeds
	}{
		{"a second version", create("states:StopExecution", false), "v2 false", "", ""},
		{"not in force", versions, "v2 false, v1 true; default v1; may stop false", "", ""},
		{"a third, made the default", create("states:StopExecution", true), "v3 true", "", ""},
		{"in force", versions, "v3 true, v2 false, v1 false; default v3; may stop true", "", ""},
		{"read a version", func() (string, error) {
			out, err := c.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: s(arn), VersionId: s("v1")})
			if err != nil {
				return "", err
			}
			doc, _ := url.QueryUnescape(aws.ToString(out.PolicyVersion.Document))
			return fmt.Sprintf("%v %s", out.PolicyVersion.IsDefaultVersion, doc), nil
		}, "false " + allow("states:StartExecution"), "", ""},
		{"delete the default version", deleteVersion("v3"), "", "DeleteConflict", "Cannot delete the default version of a policy."},
		{"delete a version it does not have", deleteVersion("v9"), "", "NoSuchEntity", "Policy " + arn + " version v9 does not exist or is not attachable."},
		{"a fourth", create("states:DescribeExecution", false), "v4 false", "", ""},
		{"a fifth", create("states:DescribeExecution", false), "v5 false", "", ""},
		{"a sixth", create("states:DescribeExecution", false), "", "LimitExceeded",
			"A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."},
		{"delete v2", deleteVersion("v2"), "", "", ""},
		{"ids are not reused", create("states:DescribeExecution", false), "v6 false", "", ""},
		{"a malformed document", create("states:*\"", false), "", "MalformedPolicyDocument", "This policy contains invalid Json"},
		{"back to v1", func() (string, error) {
			_, err := c.SetDefaultPolicyVersion(ctx, &iamsdk.SetDefaultPolicyVersionInput{PolicyArn: s(arn), VersionId: s("v1")})
			return "", err
		}, "", "", ""},
		{"v1 in force", versions, "v6 false, v5 false, v4 false, v3 false, v1 true; default v1; may stop false", "", ""},
		{"an AWS managed policy", func() (string, error) {
			_, err := c.CreatePolicyVersion(ctx, &iamsdk.CreatePolicyVersionInput{PolicyArn: s("arn:aws:iam::aws:policy/AdministratorAccess"), PolicyDocument: s(allow("*"))})
			return "", err
		}, "", "InvalidInput", "Cannot modify an AWS managed policy: arn:aws:iam::aws:policy/AdministratorAccess"},
		{"detach", func() (string, error) {
			_, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: s("ada"), PolicyArn: s(arn)})
			return "", err
		}, "", "", ""},
		{"delete the policy with its versions", func() (string, error) {
			_, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: s(arn)})
			return "", err
		}, "", "DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."},
		{"delete v3", deleteVersion("v3"), "", "", ""},
		{"delete v4", deleteVersion("v4"), "", "", ""},
		{"delete v5", deleteVersion("v5"), "", "", ""},
		{"delete v6", deleteVersion("v6"), "", "", ""},
		{"delete the policy", func() (string, error) {
			_, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: s(arn)})
			return "", err
		}, "", "", ""},
	}
	for _, st := range steps {
		got, err := st.call()
		if st.code != "" {
			wantErr(t, st.name, err, st.code, st.msg)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s: got %q, want %q", st.name, got, st.want)
		}
	}
}

// TestPolicyFromBeforeVersions reads a file written before managed policies had versions:
// its policy is v1, the default, and gets v2 next.
func TestPolicyFromBeforeVersions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "iam.json")
	const doc = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`
	old := `{"roles":{},"users":{},"accessKeys":{},"policies":{"arn:aws:iam::123456789012:policy/old":{"policyName":"old",` +
		`"policyId":"ANPAOLDOLDOLDOLDOLDOL","arn":"arn:aws:iam::123456789012:policy/old","path":"/","document":` + strconv.Quote(doc) +
		`,"createDate":"2026-01-02T03:04:05Z"}}}`
	if err := os.WriteFile(file, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := newQuery(t, file)
	ctx := context.Background()
	arn := aws.String("arn:aws:iam::123456789012:policy/old")
	p, err := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: arn})
	if err != nil || aws.ToString(p.Policy.DefaultVersionId) != "v1" || !p.Policy.UpdateDate.Equal(*p.Policy.CreateDate) {
		t.Fatalf("GetPolicy %+v %v", p, err)
	}
	v, err := c.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")})
	if got, _ := url.QueryUnescape(aws.ToString(v.PolicyVersion.Document)); err != nil || got != doc || !v.PolicyVersion.IsDefaultVersion {
		t.Errorf("GetPolicyVersion %+v %v", v, err)
	}
	nv, err := c.CreatePolicyVersion(ctx, &iamsdk.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(doc)})
	if err != nil || aws.ToString(nv.PolicyVersion.VersionId) != "v2" {
		t.Errorf("CreatePolicyVersion %+v %v", nv, err)
	}
	vs, err := c.ListPolicyVersions(ctx, &iamsdk.ListPolicyVersionsInput{PolicyArn: arn})
	if err != nil || len(vs.Versions) != 2 || !vs.Versions[1].IsDefaultVersion || aws.ToString(vs.Versions[1].VersionId) != "v1" {
		t.Errorf("ListPolicyVersions %+v %v", vs, err)
	}
}
