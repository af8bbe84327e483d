package iam_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/stepwise-run/stepwise/iam"
)

func newQuery(t *testing.T, file string) (*iamsdk.Client, string) {
	t.Helper()
	d, err := iam.Open(iam.Options{File: file})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&iam.Query{Directory: d})
	t.Cleanup(srv.Close)
	return iamsdk.New(iamsdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIAX", SecretAccessKey: "x"}, nil
		})}), srv.URL
}

func wantErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Errorf("%s: got %v, want %s: %s", what, err, code, msg)
	}
}

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// TestQueryAPIThroughTheSDK drives every action through the AWS SDK's IAM client, with the
// errors IAM gives, and reads the state back from the file.
func TestQueryAPIThroughTheSDK(t *testing.T) {
	file := filepath.Join(t.TempDir(), "iam.json")
	c, _ := newQuery(t, file)
	ctx := context.Background()
	s := aws.String

	r, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("exec"), AssumeRolePolicyDocument: s(trust), Description: s("runs things")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(r.Role.Arn); got != "arn:aws:iam::123456789012:role/exec" {
		t.Errorf("arn %s", got)
	}
	if !strings.HasPrefix(aws.ToString(r.Role.RoleId), "AROA") || r.Role.CreateDate == nil || aws.ToInt32(r.Role.MaxSessionDuration) != 3600 {
		t.Errorf("role %+v", r.Role)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(r.Role.AssumeRolePolicyDocument)); doc != trust {
		t.Errorf("trust policy %s", aws.ToString(r.Role.AssumeRolePolicyDocument))
	}
	_, err = c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("exec"), AssumeRolePolicyDocument: s(trust)})
	wantErr(t, "duplicate role", err, "EntityAlreadyExists", "Role with name exec already exists.")
	_, err = c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("bad name"), AssumeRolePolicyDocument: s(trust)})
	wantErr(t, "bad name", err, "ValidationError", `1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	_, err = c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("r2"), AssumeRolePolicyDocument: s("{")})
	wantErr(t, "bad trust", err, "MalformedPolicyDocument", "This policy contains invalid Json")
	_, err = c.GetRole(ctx, &iamsdk.GetRoleInput{RoleName: s("nope")})
	wantErr(t, "GetRole", err, "NoSuchEntity", "The role with name nope cannot be found.")
	if _, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("other"), Path: s("/svc/"), AssumeRolePolicyDocument: s(trust)}); err != nil {
		t.Fatal(err)
	}
	roles, err := c.ListRoles(ctx, &iamsdk.ListRolesInput{MaxItems: aws.Int32(1)})
	if err != nil || len(roles.Roles) != 1 || !roles.IsTruncated || aws.ToString(roles.Roles[0].RoleName) != "exec" {
		t.Fatalf("ListRoles page 1: %+v %v", roles, err)
	}
	roles, err = c.ListRoles(ctx, &iamsdk.ListRolesInput{Marker: roles.Marker})
	if err != nil || len(roles.Roles) != 1 || roles.IsTruncated || aws.ToString(roles.Roles[0].Arn) != "arn:aws:iam::123456789012:role/svc/other" {
		t.Fatalf("ListRoles page 2: %+v %v", roles, err)
	}

	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:StartExecution","Resource":"*"}]}`
	if _, err := c.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: s("exec"), PolicyName: s("start"), PolicyDocument: s(doc)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: s("exec"), PolicyName: s("bad"), PolicyDocument: s(`{"Statement":{"Effect":"Allow","Resource":"*"}}`)})
	wantErr(t, "no action", err, "MalformedPolicyDocument", "Policy statement must contain actions.")
	gp, err := c.GetRolePolicy(ctx, &iamsdk.GetRolePolicyInput{RoleName: s("exec"), PolicyName: s("start")})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := url.QueryUnescape(aws.ToString(gp.PolicyDocument)); got != doc || strings.ContainsAny(aws.ToString(gp.PolicyDocument), `{":`) {
		t.Errorf("GetRolePolicy %s", aws.ToString(gp.PolicyDocument))
	}
	_, err = c.GetRolePolicy(ctx, &iamsdk.GetRolePolicyInput{RoleName: s("exec"), PolicyName: s("nope")})
	wantErr(t, "GetRolePolicy", err, "NoSuchEntity", "The role policy with name nope cannot be found.")
	names, err := c.ListRolePolicies(ctx, &iamsdk.ListRolePoliciesInput{RoleName: s("exec")})
	if err != nil || len(names.PolicyNames) != 1 || names.PolicyNames[0] != "start" {
		t.Errorf("ListRolePolicies %+v %v", names, err)
	}

	mp, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s("invoke"), PolicyDocument: s(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(mp.Policy.Arn) != "arn:aws:iam::123456789012:policy/invoke" || aws.ToString(mp.Policy.DefaultVersionId) != "v1" || !mp.Policy.IsAttachable {
		t.Errorf("policy %+v", mp.Policy)
	}
	_, err = c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s("invoke"), PolicyDocument: s(doc)})
	wantErr(t, "duplicate policy", err, "EntityAlreadyExists", "A policy called invoke already exists. Duplicate names are not allowed.")
	_, err = c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s("p"), PolicyDocument: s(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`)})
	wantErr(t, "principal", err, "MalformedPolicyDocument", "Policy document should not specify a principal.")
	for _, arn := range []string{aws.ToString(mp.Policy.Arn), "arn:aws:iam::aws:policy/AWSStepFunctionsFullAccess"} {
		if _, err := c.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: s("exec"), PolicyArn: s(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: s("exec"), PolicyArn: s("arn:aws:iam::123456789012:policy/nope")})
	wantErr(t, "attach missing", err, "NoSuchEntity", "Policy arn:aws:iam::123456789012:policy/nope does not exist or is not attachable.")
	att, err := c.ListAttachedRolePolicies(ctx, &iamsdk.ListAttachedRolePoliciesInput{RoleName: s("exec")})
	if err != nil || len(att.AttachedPolicies) != 2 || aws.ToString(att.AttachedPolicies[1].PolicyName) != "AWSStepFunctionsFullAccess" {
		t.Errorf("ListAttachedRolePolicies %+v %v", att, err)
	}

	_, err = c.DeleteRole(ctx, &iamsdk.DeleteRoleInput{RoleName: s("exec")})
	wantErr(t, "delete with policies", err, "DeleteConflict", "Cannot delete entity, must delete policies first.")
	if _, err := c.DeleteRolePolicy(ctx, &iamsdk.DeleteRolePolicyInput{RoleName: s("exec"), PolicyName: s("start")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteRole(ctx, &iamsdk.DeleteRoleInput{RoleName: s("exec")})
	wantErr(t, "delete attached", err, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	_, err = c.DetachRolePolicy(ctx, &iamsdk.DetachRolePolicyInput{RoleName: s("exec"), PolicyArn: s("arn:aws:iam::123456789012:policy/nope")})
	wantErr(t, "detach missing", err, "NoSuchEntity", "Policy arn:aws:iam::123456789012:policy/nope was not found.")

	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("ada")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("ada")})
	wantErr(t, "duplicate user", err, "EntityAlreadyExists", "User with name ada already exists.")
	k, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: s("ada")})
	if err != nil || !strings.HasPrefix(aws.ToString(k.AccessKey.AccessKeyId), "AKIA") || len(aws.ToString(k.AccessKey.SecretAccessKey)) != 40 {
		t.Fatalf("CreateAccessKey %+v %v", k, err)
	}
	if _, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: s("ada"), PolicyName: s("p"), PolicyDocument: s(doc)}); err != nil {
		t.Fatal(err)
	}
	gup, err := c.GetUserPolicy(ctx, &iamsdk.GetUserPolicyInput{UserName: s("ada"), PolicyName: s("p")})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := url.QueryUnescape(aws.ToString(gup.PolicyDocument)); got != doc || aws.ToString(gup.UserName) != "ada" || aws.ToString(gup.PolicyName) != "p" {
		t.Errorf("GetUserPolicy %+v", gup)
	}
	_, err = c.GetUserPolicy(ctx, &iamsdk.GetUserPolicyInput{UserName: s("ada"), PolicyName: s("nope")})
	wantErr(t, "GetUserPolicy", err, "NoSuchEntity", "The user policy with name nope cannot be found.")
	unames, err := c.ListUserPolicies(ctx, &iamsdk.ListUserPoliciesInput{UserName: s("ada")})
	if err != nil || len(unames.PolicyNames) != 1 || unames.PolicyNames[0] != "p" {
		t.Errorf("ListUserPolicies %+v %v", unames, err)
	}
	_, err = c.ListUserPolicies(ctx, &iamsdk.ListUserPoliciesInput{UserName: s("nobody")})
	wantErr(t, "ListUserPolicies", err, "NoSuchEntity", "The user with name nobody cannot be found.")
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("Bob"), Path: s("/ops/")}); err != nil {
		t.Fatal(err)
	}
	gu, err := c.GetUser(ctx, &iamsdk.GetUserInput{UserName: s("Bob")})
	if err != nil || aws.ToString(gu.User.Arn) != "arn:aws:iam::123456789012:user/ops/Bob" || aws.ToString(gu.User.Path) != "/ops/" ||
		!strings.HasPrefix(aws.ToString(gu.User.UserId), "AIDA") || gu.User.CreateDate == nil {
		t.Errorf("GetUser %+v %v", gu, err)
	}
	_, err = c.GetUser(ctx, &iamsdk.GetUserInput{UserName: s("nobody")})
	wantErr(t, "GetUser", err, "NoSuchEntity", "The user with name nobody cannot be found.")
	_, err = c.GetUser(ctx, &iamsdk.GetUserInput{})
	wantErr(t, "GetUser without a name or a user's key", err, "ValidationError", "Must specify userName when calling with non-User credentials")
	for _, c2 := range []struct {
		prefix string
		want   []string
	}{{"", []string{"ada", "Bob"}}, {"/ops/", []string{"Bob"}}, {"/dev/", nil}} {
		in := &iamsdk.ListUsersInput{}
		if c2.prefix != "" {
			in.PathPrefix = s(c2.prefix)
		}
		lu, err := c.ListUsers(ctx, in)
		var got []string
		if err == nil {
			for _, u := range lu.Users {
				got = append(got, aws.ToString(u.UserName))
			}
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(c2.want) {
			t.Errorf("ListUsers %q: %v %v, want %v", c2.prefix, got, err, c2.want)
		}
	}
	lu, err := c.ListUsers(ctx, &iamsdk.ListUsersInput{MaxItems: aws.Int32(1)})
	if err != nil || len(lu.Users) != 1 || !lu.IsTruncated || aws.ToString(lu.Marker) == "" {
		t.Errorf("ListUsers page of 1: %+v %v", lu, err)
	} else if lu2, err := c.ListUsers(ctx, &iamsdk.ListUsersInput{Marker: lu.Marker}); err != nil || len(lu2.Users) != 1 ||
		aws.ToString(lu2.Users[0].UserName) != "Bob" || lu2.IsTruncated {
		t.Errorf("ListUsers second page: %+v %v", lu2, err)
	}
	if _, err := c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: s("Bob")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: s("ada"), PolicyArn: mp.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	uatt, err := c.ListAttachedUserPolicies(ctx, &iamsdk.ListAttachedUserPoliciesInput{UserName: s("ada")})
	if err != nil || len(uatt.AttachedPolicies) != 1 || aws.ToString(uatt.AttachedPolicies[0].PolicyArn) != aws.ToString(mp.Policy.Arn) {
		t.Errorf("ListAttachedUserPolicies %+v %v", uatt, err)
	}
	_, err = c.ListAttachedUserPolicies(ctx, &iamsdk.ListAttachedUserPoliciesInput{UserName: s("nobody")})
	wantErr(t, "ListAttachedUserPolicies", err, "NoSuchEntity", "The user with name nobody cannot be found.")
	_, err = c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: s("ada")})
	wantErr(t, "delete user with key", err, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	_, err = c.DeleteAccessKey(ctx, &iamsdk.DeleteAccessKeyInput{UserName: s("ada"), AccessKeyId: s("AKIANOPE")})
	wantErr(t, "delete missing key", err, "NoSuchEntity", "The Access Key with id AKIANOPE cannot be found.")
	if _, err := c.DeleteAccessKey(ctx, &iamsdk.DeleteAccessKeyInput{UserName: s("ada"), AccessKeyId: k.AccessKey.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: s("nobody")})
	wantErr(t, "delete missing user", err, "NoSuchEntity", "The user with name nobody cannot be found.")

	// The state survives a restart.
	c2, _ := newQuery(t, file)
	if _, err := c2.GetRole(ctx, &iamsdk.GetRoleInput{RoleName: s("other")}); err != nil {
		t.Errorf("after reopening: %v", err)
	}
	att, err = c2.ListAttachedRolePolicies(ctx, &iamsdk.ListAttachedRolePoliciesInput{RoleName: s("exec")})
	if err != nil || len(att.AttachedPolicies) != 2 {
		t.Errorf("after reopening: %+v %v", att, err)
	}
}

// TestQueryWire checks the XML as IAM writes it, and the error envelope.
func TestQueryWire(t *testing.T) {
	_, base := newQuery(t, "")
	post := func(form string) (int, string) {
		res, err := http.Post(base, "application/x-www-form-urlencoded; charset=utf-8", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	status, body := post("Action=CreateUser&Version=2010-05-08&UserName=bob")
	if status != 200 || !strings.HasPrefix(body, `<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateUserResult><User><Path>/</Path><UserName>bob</UserName><UserId>AIDA`) ||
		!strings.Contains(body, `</CreateUserResult><ResponseMetadata><RequestId>`) {
		t.Errorf("CreateUser: %d %s", status, body)
	}
	status, body = post("Action=GetRole&Version=2010-05-08&RoleName=nope")
	if status != 404 || !strings.HasPrefix(body, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name nope cannot be found.</Message></Error><RequestId>`) {
		t.Errorf("GetRole: %d %s", status, body)
	}
	status, body = post("Action=Frobnicate&Version=2010-05-08")
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code><Message>Could not find operation Frobnicate for version 2010-05-08</Message>") {
		t.Errorf("unknown action: %d %s", status, body)
	}
	// A body past 1 MiB is refused, not cut short and run as what its first MiB says.
	status, body = post("Action=CreateUser&Version=2010-05-08&UserName=carol&Padding=" + strings.Repeat("x", 1<<20))
	if status != 413 || !strings.Contains(body, "<Code>RequestEntityTooLarge</Code>") {
		t.Errorf("an oversized body: %d %.200s", status, body)
	}
	if status, body = post("Action=CreateUser&Version=2010-05-08&UserName=carol"); status != 200 {
		t.Errorf("the oversized CreateUser ran: creating carol again gives %d %s", status, body)
	}
}

// TestQuotas checks IAM's default quotas on policies: sizes without white space, an
// entity's inline policies together, ten managed policies per role or user.
func TestQuotas(t *testing.T) {
	c, _ := newQuery(t, filepath.Join(t.TempDir(), "iam.json"))
	ctx := context.Background()
	s := aws.String
	if _, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("exec"), AssumeRolePolicyDocument: s(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("dev")}); err != nil {
		t.Fatal(err)
	}
	// doc is a policy of exactly n characters other than white space, with some white space.
	doc := func(n int) string {
		head, tail := `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "states:*", "Resource": "arn:aws:states:::stateMachine:`, `"}}`
		size := len(strings.Join(strings.Fields(head+tail), ""))
		return head + strings.Repeat("a", n-size) + tail
	}
	for i := range 11 {
		if _, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s(fmt.Sprintf("p%d", i)), PolicyDocument: s(doc(200))}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		arn := s(fmt.Sprintf("arn:aws:iam::123456789012:policy/p%d", i))
		if _, err := c.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: s("exec"), PolicyArn: arn}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: s("dev"), PolicyArn: arn}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		call      func() error
		code, msg string // "" when the call succeeds
	}{
		{"managed policy at the quota", func() error {
			_, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s("at"), PolicyDocument: s(doc(6144))})
			return err
		}, "", ""},
		{"managed policy over the quota", func() error {
			_, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s("over"), PolicyDocument: s(doc(6145))})
			return err
		}, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144"},
		{"role inline policy at the quota", func() error {
			_, err := c.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: s("exec"), PolicyName: s("a"), PolicyDocument: s(doc(10240))})
			return err
		}, "", ""},
		{"replacing a role's inline policy counts it once", func() error {
			_, err := c.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: s("exec"), PolicyName: s("a"), PolicyDocument: s(doc(10000))})
			return err
		}, "", ""},
		{"role inline policies together over the quota", func() error {
			_, err := c.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: s("exec"), PolicyName: s("b"), PolicyDocument: s(doc(241))})
			return err
		}, "LimitExceeded", "Maximum policy size of 10240 bytes exceeded for role exec"},
		{"user inline policy over the quota", func() error {
			_, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: s("dev"), PolicyName: s("a"), PolicyDocument: s(doc(2049))})
			return err
		}, "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user dev"},
		{"eleventh managed policy on a role", func() error {
			_, err := c.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: s("exec"), PolicyArn: s("arn:aws:iam::123456789012:policy/p10")})
			return err
		}, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10"},
		{"attaching an attached policy again", func() error {
			_, err := c.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: s("exec"), PolicyArn: s("arn:aws:iam::123456789012:policy/p0")})
			return err
		}, "", ""},
		{"eleventh managed policy on a user", func() error {
			_, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: s("dev"), PolicyArn: s("arn:aws:iam::123456789012:policy/p10")})
			return err
		}, "LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, tt.name, err, tt.code, tt.msg)
		})
	}
}

// TestCreateRoleRefuses checks CreateRole's refusals: trust policies as IAM checks them and
// MaxSessionDuration's bounds, each with IAM's message.
func TestCreateRoleRefuses(t *testing.T) {
	c, _ := newQuery(t, filepath.Join(t.TempDir(), "iam.json"))
	ctx := context.Background()
	tests := []struct {
		name, trust string
		maxSession  int32
		code, msg   string // "" when the role is created
	}{
		{"trust without a principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, 0,
			"MalformedPolicyDocument", "Missing required field Principal"},
		{"trust with a resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`, 0,
			"MalformedPolicyDocument", "Has prohibited field Resource"},
		{"trust with another service's action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":["sts:AssumeRole","states:StartExecution"]}]}`, 0,
			"MalformedPolicyDocument", "AssumeRole policy may only specify STS AssumeRole actions."},
		{"trust with STS actions", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`, 0,
			"", ""},
		{"session too short", trust, 900,
			"ValidationError", "1 validation error detected: Value '900' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"},
		{"session too long", trust, 43201,
			"ValidationError", "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &iamsdk.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("r%d", i)), AssumeRolePolicyDocument: aws.String(tt.trust)}
			if tt.maxSession != 0 {
				in.MaxSessionDuration = aws.Int32(tt.maxSession)
			}
			_, err := c.CreateRole(ctx, in)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, tt.name, err, tt.code, tt.msg)
		})
	}
}

// TestDeleteUserAfterItsPolicies follows DeleteUser's DeleteConflict as IAM's documentation
// says to: delete the inline policies, detach the managed ones, then the user goes.
func TestDeleteUserAfterItsPolicies(t *testing.T) {
	c, _ := newQuery(t, filepath.Join(t.TempDir(), "iam.json"))
	ctx := context.Background()
	s := aws.String
	const managed = "arn:aws:iam::aws:policy/AWSStepFunctionsReadOnlyAccess"
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("dev")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: s("dev"), PolicyName: s("p"),
		PolicyDocument: s(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: s("dev"), PolicyArn: s(managed)}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name      string
		call      func() error
		code, msg string // "" when the call succeeds
	}{
		{"delete with an inline policy", func() error { _, err := c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: s("dev")}); return err },
			"DeleteConflict", "Cannot delete entity, must delete policies first."},
		{"delete the inline policy", func() error {
			_, err := c.DeleteUserPolicy(ctx, &iamsdk.DeleteUserPolicyInput{UserName: s("dev"), PolicyName: s("p")})
			return err
		}, "", ""},
		{"delete it again", func() error {
			_, err := c.DeleteUserPolicy(ctx, &iamsdk.DeleteUserPolicyInput{UserName: s("dev"), PolicyName: s("p")})
			return err
		}, "NoSuchEntity", "The user policy with name p cannot be found."},
		{"delete with a managed policy", func() error { _, err := c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: s("dev")}); return err },
			"DeleteConflict", "Cannot delete entity, must detach all policies first."},
		{"detach the managed policy", func() error {
			_, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: s("dev"), PolicyArn: s(managed)})
			return err
		}, "", ""},
		{"detach it again", func() error {
			_, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: s("dev"), PolicyArn: s(managed)})
			return err
		}, "NoSuchEntity", "Policy " + managed + " was not found."},
		{"delete the user", func() error { _, err := c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: s("dev")}); return err },
			"", ""},
	}
	for _, st := range steps {
		err := st.call()
		if st.code == "" {
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			continue
		}
		wantErr(t, st.name, err, st.code, st.msg)
	}
}

// TestCreatePolicyVersion checks that a managed policy must be written in the 2012-10-17
// language, as IAM requires of CreatePolicy, while an inline policy may still be older.
func TestCreatePolicyVersion(t *testing.T) {
	c, _ := newQuery(t, filepath.Join(t.TempDir(), "iam.json"))
	ctx := context.Background()
	s := aws.String
	if _, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("exec"), AssumeRolePolicyDocument: s(trust)}); err != nil {
		t.Fatal(err)
	}
	const statement = `"Statement":{"Effect":"Allow","Action":"states:StartExecution","Resource":"*"}`
	for i, tc := range []struct {
		name, doc, msg string // msg "" when the policy is created
	}{
		{"no version", `{` + statement + `}`, "Policy document must be version 2012-10-17 or greater."},
		{"2008-10-17", `{"Version":"2008-10-17",` + statement + `}`, "Policy document must be version 2012-10-17 or greater."},
		{"syntax comes first", `{"Extra":1,` + statement + `}`, "Syntax errors in policy."},
		{"version before Sids", `{"Statement":[{"Sid":"a","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"a","Effect":"Allow"}]}`,
			"Policy document must be version 2012-10-17 or greater."},
		{"2012-10-17", `{"Version":"2012-10-17",` + statement + `}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s(fmt.Sprintf("p%d", i)), PolicyDocument: s(tc.doc)})
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, tc.name, err, "MalformedPolicyDocument", tc.msg)
		})
	}
	if _, err := c.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: s("exec"), PolicyName: s("old"), PolicyDocument: s(`{` + statement + `}`)}); err != nil {
		t.Errorf("inline policy without Version: %v", err)
	}
}

// TestNamesUniqueWhateverTheirCase checks what IAM documents of names ("Names are not
// distinguished by case. For example, you cannot create resources named both "MyResource"
// and "myresource"."): a second role, user or managed policy whose name differs only by
// case is EntityAlreadyExists, while lookups stay exact (the documentation says nothing of
// them).
func TestNamesUniqueWhateverTheirCase(t *testing.T) {
	c, _ := newQuery(t, filepath.Join(t.TempDir(), "iam.json"))
	ctx := context.Background()
	s := aws.String
	const doc = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:*","Resource":"*"}}`
	if _, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("r1"), AssumeRolePolicyDocument: s(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("ada")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s("run"), PolicyDocument: s(doc)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"role", func() error {
			_, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("R1"), AssumeRolePolicyDocument: s(trust)})
			return err
		}, "EntityAlreadyExists", "Role with name R1 already exists."},
		{"user", func() error { _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("Ada")}); return err },
			"EntityAlreadyExists", "User with name Ada already exists."},
		{"policy on another path", func() error {
			_, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s("RUN"), Path: s("/team/"), PolicyDocument: s(doc)})
			return err
		}, "EntityAlreadyExists", "A policy called RUN already exists. Duplicate names are not allowed."},
		{"role looked up in another case", func() error { _, err := c.GetRole(ctx, &iamsdk.GetRoleInput{RoleName: s("R1")}); return err },
			"NoSuchEntity", "The role with name R1 cannot be found."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.name, tt.call(), tt.code, tt.msg) })
	}
}

// TestUpdatesAndKeys: UpdateRole, UpdateAssumeRolePolicy, ListAccessKeys and UpdateAccessKey
// through the SDK, with IAM's refusals.
func TestUpdatesAndKeys(t *testing.T) {
	c, _ := newQuery(t, filepath.Join(t.TempDir(), "iam.json"))
	ctx := context.Background()
	s := aws.String
	if _, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("exec"), AssumeRolePolicyDocument: s(trust), Description: s("old")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateRole(ctx, &iamsdk.UpdateRoleInput{RoleName: s("exec"), Description: s("new"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.UpdateRole(ctx, &iamsdk.UpdateRoleInput{RoleName: s("exec"), MaxSessionDuration: aws.Int32(60)})
	wantErr(t, "UpdateRole short session", err, "ValidationError",
		"1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600")
	_, err = c.UpdateRole(ctx, &iamsdk.UpdateRoleInput{RoleName: s("nobody")})
	wantErr(t, "UpdateRole missing", err, "NoSuchEntity", "The role with name nobody cannot be found.")
	other := strings.Replace(trust, "states.amazonaws.com", "lambda.amazonaws.com", 1)
	if _, err := c.UpdateAssumeRolePolicy(ctx, &iamsdk.UpdateAssumeRolePolicyInput{RoleName: s("exec"), PolicyDocument: s(other)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateAssumeRolePolicy(ctx, &iamsdk.UpdateAssumeRolePolicyInput{RoleName: s("exec"),
		PolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`)})
	wantErr(t, "UpdateAssumeRolePolicy with a Resource", err, "MalformedPolicyDocument", "Has prohibited field Resource")
	r, err := c.GetRole(ctx, &iamsdk.GetRoleInput{RoleName: s("exec")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(r.Role.AssumeRolePolicyDocument)); doc != other || aws.ToString(r.Role.Description) != "new" ||
		aws.ToInt32(r.Role.MaxSessionDuration) != 7200 {
		t.Errorf("GetRole after the updates: %s %q %d", doc, aws.ToString(r.Role.Description), aws.ToInt32(r.Role.MaxSessionDuration))
	}

	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("ada")}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 2 {
		k, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: s("ada")})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(k.AccessKey.AccessKeyId))
	}
	if _, err := c.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: s("ada"), AccessKeyId: s(ids[1]), Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: s("ada"), AccessKeyId: s(ids[0]), Status: "Paused"})
	wantErr(t, "UpdateAccessKey status", err, "ValidationError",
		"1 validation error detected: Value 'Paused' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
	_, err = c.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: s("ada"), AccessKeyId: s("AKIANOPE"), Status: "Inactive"})
	wantErr(t, "UpdateAccessKey missing", err, "NoSuchEntity", "The Access Key with id AKIANOPE cannot be found.")
	keys, err := c.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{UserName: s("ada")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, k := range keys.AccessKeyMetadata {
		got[aws.ToString(k.AccessKeyId)] = string(k.Status)
		if aws.ToString(k.UserName) != "ada" || k.CreateDate == nil ||
			i > 0 && k.CreateDate.Before(*keys.AccessKeyMetadata[i-1].CreateDate) {
			t.Errorf("ListAccessKeys: key %d %+v (oldest first)", i, k)
		}
	}
	if want := map[string]string{ids[0]: "Active", ids[1]: "Inactive"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ListAccessKeys %v, want %v", got, want)
	}
	_, err = c.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{})
	wantErr(t, "ListAccessKeys without a user", err, "ValidationError", "Must specify userName when calling with non-User credentials")
}

// TestGetCallerIdentity: STS's GetCallerIdentity on the same endpoint, through the SDK's STS
// client. Without enforcement an unknown key is the account's root and a known one its user;
// enforced, an unknown key is refused, and a user denied everything still learns who it is.
func TestGetCallerIdentity(t *testing.T) {
	ctx := context.Background()
	for _, enforce := range []bool{false, true} {
		d, err := iam.Open(iam.Options{File: filepath.Join(t.TempDir(), "iam.json"), RootAccessKeyID: "AKIAROOT", RootSecretAccessKey: "root"})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(&iam.Query{Directory: d, Enforce: enforce})
		t.Cleanup(srv.Close)
		client := func(id, secret string) *sts.Client {
			return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
				Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, nil
				})})
		}
		if _, err := d.CreateUser("ada", "/ops/"); err != nil {
			t.Fatal(err)
		}
		if err := d.PutUserPolicy("ada", "none", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`); err != nil {
			t.Fatal(err)
		}
		k, err := d.CreateAccessKey("ada")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := d.GetUser("ada")
		got, err := client(k.AccessKeyID, k.SecretAccessKey).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(got.Arn) != "arn:aws:iam::123456789012:user/ops/ada" || aws.ToString(got.UserId) != u.UserID ||
			aws.ToString(got.Account) != "123456789012" {
			t.Errorf("enforce=%v, ada's key: %+v %v", enforce, got, err)
		}
		got, err = client("AKIAROOT", "root").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(got.Arn) != "arn:aws:iam::123456789012:root" || aws.ToString(got.UserId) != "123456789012" {
			t.Errorf("enforce=%v, root's key: %+v %v", enforce, got, err)
		}
		got, err = client("AKIANOBODY", "x").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if enforce {
			wantErr(t, "an unknown key, enforced", err, "InvalidClientTokenId", "The security token included in the request is invalid.")
		} else if err != nil || aws.ToString(got.Arn) != "arn:aws:iam::123456789012:root" {
			t.Errorf("an unknown key, not enforced: %+v %v", got, err)
		}
	}
}
