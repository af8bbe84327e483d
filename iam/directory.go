package iam

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Directory.
type Options struct {
	Account, Region string
	// RootAccessKeyID and RootSecretAccessKey are the account root's credentials: allowed
	// everything. Empty: no root.
	RootAccessKeyID, RootSecretAccessKey string
	// File, if set, is where the state is kept (read at Open, rewritten after each change).
	File string
	// MaxSkew is how far a signature's time may be from the server's (default 5 minutes).
	MaxSkew time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Directory is the IAM state of one account, safe for concurrent use.
type Directory struct {
	opts Options
	mu   sync.RWMutex
	st   state
	// parsed caches parsed policy documents by their text.
	parsed map[string]*Policy
}

// state is what the file holds.
type state struct {
	Roles    map[string]*Role          `json:"roles"`
	Users    map[string]*User          `json:"users"`
	Policies map[string]*ManagedPolicy `json:"policies"` // by ARN
	Keys     map[string]*AccessKey     `json:"accessKeys"`
}

// Role is an IAM role.
type Role struct {
	RoleName                 string    `json:"roleName"`
	RoleID                   string    `json:"roleId"`
	Arn                      string    `json:"arn"`
	Path                     string    `json:"path"`
	Description              string    `json:"description,omitempty"`
	MaxSessionDuration       int       `json:"maxSessionDuration"`
	AssumeRolePolicyDocument string    `json:"assumeRolePolicyDocument"`
	CreateDate               time.Time `json:"createDate"`
	Grants
}

// User is an IAM user.
type User struct {
	UserName   string    `json:"userName"`
	UserID     string    `json:"userId"`
	Arn        string    `json:"arn"`
	Path       string    `json:"path"`
	CreateDate time.Time `json:"createDate"`
	Grants
}

// Grants are the policies of a role or user: its inline policies, by name, and the ARNs of
// the managed policies attached to it.
type Grants struct {
	InlinePolicies map[string]string `json:"inlinePolicies,omitempty"`
	Attached       []string          `json:"attached,omitempty"`
}

// ManagedPolicy is a managed policy: a customer's, or one of the AWS managed policies
// Stepwise knows.
type ManagedPolicy struct {
	PolicyName  string `json:"policyName"`
	PolicyID    string `json:"policyId"`
	Arn         string `json:"arn"`
	Path        string `json:"path"`
	Description string `json:"description,omitempty"`
	// Document is the default version's document: what is evaluated.
	Document   string    `json:"document"`
	CreateDate time.Time `json:"createDate"`
	// DefaultVersionID is the version in force; "" is v1 (a file from before versions).
	DefaultVersionID string `json:"defaultVersionId,omitempty"`
	// Versions are the policy's versions, oldest first; none is v1 alone, whose document is
	// Document (AWS managed policies, a file from before versions).
	Versions []PolicyVersion `json:"versions,omitempty"`
	// LastVersion is the number of the last version made: IAM does not reuse version ids.
	LastVersion int `json:"lastVersion,omitempty"`
}

// AccessKey is a user's access key.
type AccessKey struct {
	AccessKeyID     string    `json:"accessKeyId"`
	SecretAccessKey string    `json:"secretAccessKey"`
	UserName        string    `json:"userName"`
	Status          string    `json:"status"`
	CreateDate      time.Time `json:"createDate"`
}

// Principal is who signed a request, and what the request tells of where it came from
// (the condition keys aws:SourceIp, aws:SecureTransport and aws:RequestedRegion).
type Principal struct {
	// Arn is the user's ARN, or arn:aws:iam::ACCOUNT:root.
	Arn      string
	UserName string // empty for root
	UserID   string // the user's unique id (AIDA...); empty for root
	Root     bool
	KeyID    string
	// SourceIP is the caller's address (the connection's remote address, not a forwarded
	// header); empty when unknown.
	SourceIP string
	// SecureTransport is whether the request came over TLS.
	SecureTransport bool
	// Region is the region of the endpoint called: the server's for Step Functions,
	// us-east-1 for IAM (a global service).
	Region string
}

// SetOrigin records where r came from: its remote address and whether it used TLS.
func (p *Principal) SetOrigin(r *http.Request) {
	p.SourceIP = ""
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		p.SourceIP = ap.Addr().Unmap().String()
	} else if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		p.SourceIP = a.Unmap().String()
	}
	p.SecureTransport = r.TLS != nil
}

// Open makes a Directory, reading its file if one is named and exists.
func Open(opts Options) (*Directory, error) {
	if opts.Account == "" {
		opts.Account = "123456789012"
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.MaxSkew == 0 {
		opts.MaxSkew = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if (opts.RootAccessKeyID == "") != (opts.RootSecretAccessKey == "") {
		return nil, errors.New("iam: the root access key id and secret access key go together")
	}
	d := &Directory{opts: opts, parsed: map[string]*Policy{}}
	d.st = state{Roles: map[string]*Role{}, Users: map[string]*User{}, Policies: map[string]*ManagedPolicy{}, Keys: map[string]*AccessKey{}}
	if opts.File != "" {
		data, err := os.ReadFile(opts.File)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("iam: %w", err)
		}
		if err == nil {
			if err := json.Unmarshal(data, &d.st); err != nil {
				return nil, fmt.Errorf("iam: %s: %w", opts.File, err)
			}
			if d.st.Roles == nil {
				d.st.Roles = map[string]*Role{}
			}
			if d.st.Users == nil {
				d.st.Users = map[string]*User{}
			}
			if d.st.Policies == nil {
				d.st.Policies = map[string]*ManagedPolicy{}
			}
			if d.st.Keys == nil {
				d.st.Keys = map[string]*AccessKey{}
			}
		}
	}
	return d, nil
}

// HasCredentials reports whether anyone could sign a request: root keys or a user's key.
func (d *Directory) HasCredentials() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.opts.RootAccessKeyID != "" || len(d.st.Keys) > 0
}

// Account is the account id in ARNs.
func (d *Directory) Account() string { return d.opts.Account }

// save writes the state to the file, atomically; the caller holds mu.
func (d *Directory) save() error {
	if d.opts.File == "" {
		return nil
	}
	data, err := json.MarshalIndent(&d.st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(d.opts.File), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(d.opts.File), ".iam-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), d.opts.File)
}

// policy parses a document once.
func (d *Directory) policy(doc string) *Policy {
	if p, ok := d.parsed[doc]; ok {
		return p
	}
	p, err := parsePolicy(doc, false)
	if err != nil {
		// Stored documents were checked when they were put (perhaps less strictly, by an
		// older Stepwise: they are not checked again); a builtin one may not be.
		p = &Policy{}
	}
	d.parsed[doc] = p
	return p
}

// managed returns a managed policy by ARN: a customer's or one of the AWS managed policies
// Stepwise knows.
func (d *Directory) managed(arn string) (*ManagedPolicy, bool) {
	if p, ok := d.st.Policies[arn]; ok {
		return p, true
	}
	p, ok := awsManaged[arn]
	return p, ok
}

func (d *Directory) policiesOf(inline map[string]string, attached []string) []*Policy {
	var out []*Policy
	names := make([]string, 0, len(inline))
	for n := range inline {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, d.policy(inline[n]))
	}
	for _, a := range attached {
		if mp, ok := d.managed(a); ok {
			out = append(out, d.policy(mp.Document))
		}
	}
	return out
}

// Authorize decides whether p may perform action on resource; the error is an
// AccessDeniedException worded as AWS words it.
func (d *Directory) Authorize(p *Principal, action, resource string) error {
	return d.AuthorizeContext(context.Background(), p, action, resource)
}

// AuthorizeContext is Authorize with the condition keys ctx carries (WithContextKeys)
// besides the caller's: the Step Functions API's states:StateMachineQualifier.
func (d *Directory) AuthorizeContext(ctx context.Context, p *Principal, action, resource string) error {
	if p == nil {
		return newErr(http.StatusBadRequest, "MissingAuthenticationTokenException", msgMissingToken)
	}
	if p.Root {
		return nil
	}
	d.mu.Lock()
	var dec Decision
	if u, ok := d.st.Users[p.UserName]; ok {
		rc := d.callerContext(p, u)
		rc.add(ctx)
		dec = Evaluate(d.policiesOf(u.InlinePolicies, u.Attached), action, resource, rc)
	}
	d.mu.Unlock()
	return denial(dec, p.Arn, action, resource)
}

// callerContext is the request context of a signed API call by an IAM user.
func (d *Directory) callerContext(p *Principal, u *User) RequestContext {
	rc := d.baseContext()
	rc.Set("aws:PrincipalArn", u.Arn)
	rc.Set("aws:PrincipalType", "User")
	rc.Set("aws:username", u.UserName)
	rc.Set("aws:userid", u.UserID)
	rc.Set("aws:SecureTransport", strconv.FormatBool(p.SecureTransport))
	if p.SourceIP != "" {
		rc.Set("aws:SourceIp", p.SourceIP)
	}
	region := p.Region
	if region == "" {
		region = d.opts.Region
	}
	rc.Set("aws:RequestedRegion", region)
	return rc
}

// baseContext holds the keys every request has: the account and the time.
func (d *Directory) baseContext() RequestContext {
	now := d.opts.Now().UTC()
	rc := RequestContext{}
	rc.Set("aws:PrincipalAccount", d.opts.Account)
	rc.Set("aws:CurrentTime", now.Format("2006-01-02T15:04:05Z"))
	rc.Set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	return rc
}

func denial(dec Decision, who, action, resource string) error {
	switch dec {
	case Allowed:
		return nil
	case ExplicitDeny:
		return newErr(http.StatusBadRequest, "AccessDeniedException",
			"User: %s is not authorized to perform: %s on resource: %s with an explicit deny in an identity-based policy", who, action, resource)
	}
	return newErr(http.StatusBadRequest, "AccessDeniedException",
		"User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action", who, action, resource, action)
}

type sessionKey struct{}

type contextKeysKey struct{}

// WithContextKeys adds condition keys to the request context of the AuthorizeRole and
// AuthorizeContext calls made with ctx: what only their caller knows (states:HTTPMethod,
// states:HTTPEndpoint, aws:RequestedRegion, states:StateMachineQualifier).
func WithContextKeys(ctx context.Context, keys RequestContext) context.Context {
	return context.WithValue(ctx, contextKeysKey{}, keys)
}

// WithSession names the role session in AccessDenied messages for a role (AuthorizeRole):
// Step Functions assumes an execution's role once per execution.
func WithSession(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, sessionKey{}, name)
}

// AuthorizeRole decides whether a role may perform action on resource: what a state
// machine's integration calls need. The error is an AccessDeniedException naming the
// assumed-role session, as a task's cause shows it.
func (d *Directory) AuthorizeRole(ctx context.Context, roleArn, action, resource string) error {
	session, _ := ctx.Value(sessionKey{}).(string)
	if session == "" {
		session = "stepwise"
	}
	d.mu.Lock()
	var dec Decision
	var name string
	if r := d.roleByArn(roleArn); r != nil {
		name = r.RoleName
		dec = Evaluate(d.policiesOf(r.InlinePolicies, r.Attached), action, resource, d.roleContext(ctx, r, session))
	}
	d.mu.Unlock()
	if name == "" {
		name = roleArn[strings.LastIndex(roleArn, "/")+1:]
	}
	return denial(dec, fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", d.opts.Account, name, session), action, resource)
}

// roleContext is the request context of a call made with a role's session: the role's ARN
// (aws:PrincipalArn names the role, not the session), AssumedRole, ROLEID:SESSION as
// aws:userid, and the keys the caller added with WithContextKeys. No aws:username (roles
// have none), no aws:SourceIp or aws:SecureTransport (Stepwise makes the call itself).
func (d *Directory) roleContext(ctx context.Context, r *Role, session string) RequestContext {
	rc := d.baseContext()
	rc.Set("aws:PrincipalArn", r.Arn)
	rc.Set("aws:PrincipalType", "AssumedRole")
	rc.Set("aws:userid", r.RoleID+":"+session)
	rc.Set("aws:RequestedRegion", d.opts.Region)
	rc.add(ctx)
	return rc
}

// add sets the keys ctx carries (WithContextKeys), replacing those rc has.
func (rc RequestContext) add(ctx context.Context) {
	if extra, ok := ctx.Value(contextKeysKey{}).(RequestContext); ok {
		for k, v := range extra {
			rc.Set(k, v...)
		}
	}
}

func (d *Directory) roleByArn(arn string) *Role {
	name := arn[strings.LastIndex(arn, "/")+1:]
	if r, ok := d.st.Roles[name]; ok && r.Arn == arn {
		return r
	}
	return nil
}

// CheckRoleForStates reports whether a role exists whose trust policy lets Step Functions
// assume it for the state machine stateMachineArn, with the error CreateStateMachine gives
// when not. A trust statement's conditions see aws:SourceAccount and aws:SourceArn (the
// state machine), the keys AWS's confused-deputy advice for Step Functions narrows them by.
func (d *Directory) CheckRoleForStates(roleArn, stateMachineArn string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.roleByArn(roleArn)
	if r != nil {
		rc := d.baseContext()
		rc.Set("aws:SourceAccount", d.opts.Account)
		rc.Set("aws:SourceArn", stateMachineArn)
		rc.Set("aws:RequestedRegion", d.opts.Region)
		if tp, err := parsePolicy(r.AssumeRolePolicyDocument, true); err == nil && trusts(tp, r.AssumeRolePolicyDocument, d.opts.Region, rc) {
			return nil
		}
	}
	return newErr(http.StatusBadRequest, "AccessDeniedException",
		"Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role.")
}

// trusts reports whether a trust policy allows states.amazonaws.com (or the regional
// principal) sts:AssumeRole, its conditions evaluated against rc.
func trusts(p *Policy, doc, region string, rc RequestContext) bool {
	var raw struct {
		Statement json.RawMessage
	}
	_ = json.Unmarshal([]byte(doc), &raw)
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(raw.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(raw.Statement, &one) != nil {
			return false
		}
		stmts = []map[string]json.RawMessage{one}
	}
	// An explicit deny wins over any allow, in a trust policy as everywhere.
	allowed := false
	for i, s := range p.Statements {
		if !s.matchAction("sts:AssumeRole") || !s.conditionsHold(rc) || i >= len(stmts) || !namesStates(stmts[i]["Principal"], region) {
			continue
		}
		if s.Effect == Deny {
			return false
		}
		allowed = true
	}
	return allowed
}

// namesStates reports whether a trust statement's Principal is Step Functions: "*", or a
// Service that is states.amazonaws.com or its regional name.
func namesStates(principal json.RawMessage, region string) bool {
	var pr struct {
		Service any
	}
	var star string
	if json.Unmarshal(principal, &star) == nil && star == "*" {
		return true
	}
	if json.Unmarshal(principal, &pr) != nil {
		return false
	}
	var services []string
	switch v := pr.Service.(type) {
	case string:
		services = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				services = append(services, s)
			}
		}
	}
	for _, s := range services {
		if s == "states.amazonaws.com" || s == "states."+region+".amazonaws.com" {
			return true
		}
	}
	return false
}

// newID makes an IAM unique id: a prefix (AROA, AIDA, ANPA, AKIA) and random letters and
// digits.
func newID(prefix string, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

func newSecret() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 40)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// awsManaged are the AWS managed policies Stepwise knows (read only), so that attaching
// them works as on AWS.
var awsManaged = builtinPolicies()

func builtinPolicies() map[string]*ManagedPolicy {
	out := map[string]*ManagedPolicy{}
	for name, doc := range map[string]string{
		"AdministratorAccess":            `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		"AWSStepFunctionsFullAccess":     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"}]}`,
		"AWSStepFunctionsReadOnlyAccess": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["states:ListStateMachines","states:ListActivities","states:DescribeStateMachine","states:DescribeStateMachineForExecution","states:ListExecutions","states:DescribeExecution","states:GetExecutionHistory","states:DescribeActivity","states:ListMapRuns","states:DescribeMapRun","states:ListTagsForResource","states:ListStateMachineVersions","states:ListStateMachineAliases","states:DescribeStateMachineAlias"],"Resource":"*"}]}`,
		"service-role/AWSLambdaRole":     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["*"]}]}`,
		"IAMFullAccess":                  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}`,
		"IAMReadOnlyAccess":              `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}`,
	} {
		path := "/"
		if i := strings.LastIndex(name, "/"); i >= 0 {
			path = "/" + name[:i+1]
			name = name[i+1:]
		}
		arn := "arn:aws:iam::aws:policy" + path + name
		out[arn] = &ManagedPolicy{PolicyName: name, PolicyID: "ANPA" + strings.ToUpper(strings.ReplaceAll(name, "-", ""))[:min(17, len(name))],
			Arn: arn, Path: path, Document: doc, CreateDate: time.Date(2015, 2, 6, 18, 40, 0, 0, time.UTC)}
	}
	return out
}
