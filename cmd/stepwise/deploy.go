package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/stepwise-run/stepwise/template"
)

const deployUsage = "usage: stepwise deploy [--dry-run] [--endpoint URL] [--stack-name NAME] [--parameter-overrides K=V ...] [--function LogicalId=NAME ...] [--region R] [--account A] TEMPLATE"

// cmdDeploy creates or updates a template's state machines, activities and roles on a running
// server, through the Step Functions and IAM APIs as the AWS SDK calls them.
func cmdDeploy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("deploy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commandUsage(fs, stderr)
	endpoint := fs.String("endpoint", "http://127.0.0.1:8083", "the Stepwise server")
	stack := fs.String("stack-name", "", "the stack name (AWS::StackName, part of generated names); by default the template's file name")
	region := fs.String("region", "us-east-1", "AWS::Region: the server's --region")
	account := fs.String("account", "123456789012", "AWS::AccountId: the server's --account")
	params := map[string]string{}
	fs.Func("parameter-overrides", "template parameters: K=V (several in one argument, separated by spaces, as sam deploy takes them); repeatable", func(s string) error {
		return parseOverrides(s, params)
	})
	functions := map[string]string{}
	fs.Func("function", "LogicalId=NAME or FunctionName=NAME: the template's function is the one the server runs as NAME (stepwise serve --function NAME=PATH); repeatable", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" || v == "" {
			return fmt.Errorf("want LogicalId=NAME, not %q", s)
		}
		if strings.ContainsAny(v, "/:") {
			return fmt.Errorf("%s: deploy maps a function to one the server already runs: start the server with --function NAME=%s and deploy with --function %s=NAME", s, v, k)
		}
		functions[k] = v
		return nil
	})
	dryRun := fs.Bool("dry-run", false, "evaluate the template and print what deploy would do and each state machine's definition, without a server")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, deployUsage)
		return 2
	}
	opts := template.Options{Parameters: params, Region: *region, Account: *account, StackName: *stack}
	tpl, err := loadWithFunctions(pos[0], opts, functions)
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	if *dryRun {
		printPlan(stdout, tpl, functions)
		return 0
	}
	if _, err := url.ParseRequestURI(*endpoint); err != nil {
		fmt.Fprintln(stderr, "stepwise: --endpoint:", err)
		return 2
	}
	d, err := newDeployer(ctx, *endpoint, *region, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	if err := d.deploy(ctx, tpl, functions); err != nil {
		fmt.Fprintln(stderr, "stepwise:", err)
		return 1
	}
	return 0
}

// parseOverrides reads "K=V K2=V2" and CloudFormation's "ParameterKey=K,ParameterValue=V".
func parseOverrides(s string, into map[string]string) error {
	for _, f := range strings.Fields(s) {
		if rest, ok := strings.CutPrefix(f, "ParameterKey="); ok {
			k, v, ok := strings.Cut(rest, ",ParameterValue=")
			if !ok {
				return fmt.Errorf("want ParameterKey=K,ParameterValue=V, not %q", f)
			}
			into[k] = v
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return fmt.Errorf("want K=V, not %q", f)
		}
		into[k] = v
	}
	return nil
}

// loadWithFunctions loads a template with --function's mappings, whose left side may be a
// function's logical ID or the name the template gives it.
func loadWithFunctions(path string, opts template.Options, functions map[string]string) (*template.Template, error) {
	tpl, err := template.Load(path, opts)
	if err != nil || len(functions) == 0 {
		return tpl, err
	}
	opts.Names = map[string]string{}
	for k, v := range functions {
		found := false
		for _, f := range tpl.Functions {
			if f.LogicalID == k || f.Name == k {
				opts.Names[f.LogicalID] = v
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("--function %s=%s: the template has no function %s", k, v, k)
		}
	}
	return template.Load(path, opts)
}

// deployer makes the API calls.
type deployer struct {
	endpoint string
	sfn      *sfn.Client
	iam      *iam.Client
	lambda   *lambda.Client
	out      io.Writer
}

func newDeployer(ctx context.Context, endpoint, region string, out io.Writer) (*deployer, error) {
	// The default credentials sign the calls (a server with --enforce-iam needs them); without
	// any, calls go unsigned, which a server without --enforce-iam accepts. IMDS is off: this
	// talks to a local server, and probing IMDS would only add seconds of timeouts.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region), config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	if err != nil {
		return nil, err
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		cfg.Credentials = aws.AnonymousCredentials{}
	}
	return &deployer{
		endpoint: endpoint,
		sfn:      sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		iam:      iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		lambda:   lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		out:      out,
	}, nil
}

func (d *deployer) report(action, kind, id, detail string) {
	fmt.Fprintf(d.out, "%-9s %-14s %-28s %s\n", action, kind, id, detail)
}

func (d *deployer) deploy(ctx context.Context, tpl *template.Template, functions map[string]string) error {
	// Listing first finds out, before anything is created, whether a server answers.
	existing, err := d.stateMachines(ctx)
	if err != nil {
		return err
	}
	for _, r := range tpl.Roles {
		if err := d.role(ctx, r); err != nil {
			return fmt.Errorf("%s:%d: role %s: %w", tpl.Path, r.Line, r.LogicalID, apiError(err))
		}
	}
	for _, a := range tpl.Activities {
		out, err := d.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(a.Name)})
		if err != nil {
			return fmt.Errorf("%s:%d: activity %s: %w", tpl.Path, a.Line, a.LogicalID, apiError(err))
		}
		d.report("ready", "activity", a.LogicalID, aws.ToString(out.ActivityArn))
	}
	for _, f := range tpl.Functions {
		mapped := false
		if _, ok := functions[f.LogicalID]; ok || functions[f.Name] != "" {
			mapped = true
			d.report("mapped", "function", f.LogicalID, "the server's function "+f.Name)
		} else {
			d.report("named", "function", f.LogicalID, f.Name+": the server runs it if started with --function "+f.Name+"=PATH (or deploy with --function "+f.LogicalID+"=NAME)")
		}
		if !d.runs(ctx, f.Name) {
			how := "start it with --function " + f.Name + "=PATH"
			if !mapped {
				how += ", or deploy with --function " + f.LogicalID + "=NAME for one it runs"
			}
			fmt.Fprintf(d.out, "warning: function %s: the server does not run %s: its tasks will fail with Lambda.ResourceNotFoundException, unless the server invokes functions at a Lambda endpoint that has it (docs/integrations.md, \"Lambda functions\"); %s\n",
				f.LogicalID, f.Name, how)
		}
	}
	for _, sm := range tpl.StateMachines {
		if err := d.stateMachine(ctx, sm, existing); err != nil {
			return fmt.Errorf("%s:%d: state machine %s: %w", tpl.Path, sm.Line, sm.LogicalID, apiError(err))
		}
	}
	for _, s := range tpl.Skipped {
		d.report("skipped", s.Type, s.LogicalID, s.Reason)
	}
	for _, w := range tpl.Warnings {
		fmt.Fprintln(d.out, "warning:", w)
	}
	return nil
}

// runs reports whether the server runs a function: a DryRun invocation through its Lambda
// Invoke API, which checks the function without running it. Only ResourceNotFoundException
// says no: a server that cannot tell (one without the Invoke API) is taken to run it.
func (d *deployer) runs(ctx context.Context, name string) bool {
	_, err := d.lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), InvocationType: lambdatypes.InvocationTypeDryRun})
	var nf *lambdatypes.ResourceNotFoundException
	return !errors.As(err, &nf)
}

// role creates a role or, when it exists, puts its policies again.
func (d *deployer) role(ctx context.Context, r template.Role) error {
	action := "created"
	_, err := d.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.Name), Path: aws.String(r.Path),
		AssumeRolePolicyDocument: aws.String(string(r.AssumeRolePolicy))})
	var exists *iamtypes.EntityAlreadyExistsException
	if errors.As(err, &exists) {
		action = "updated"
	} else if err != nil {
		return err
	}
	if action == "updated" {
		// What the template no longer gives the role goes, as CloudFormation removes it. The
		// trust policy stays as it was created: the server's IAM has no UpdateAssumeRolePolicy.
		if err := d.pruneRole(ctx, r); err != nil {
			return err
		}
	}
	for _, p := range r.Policies {
		if _, err := d.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(p.Name),
			PolicyDocument: aws.String(string(p.Document))}); err != nil {
			return fmt.Errorf("policy %s: %w", p.Name, err)
		}
	}
	detail := fmt.Sprintf("%s (inline policies: %d", r.Arn, len(r.Policies))
	for _, arn := range r.ManagedPolicyArns {
		if _, err := d.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r.Name), PolicyArn: aws.String(arn)}); err != nil {
			fmt.Fprintf(d.out, "warning: role %s: managed policy %s not attached: %v\n", r.LogicalID, arn, err)
			continue
		}
		detail += ", " + arn
	}
	d.report(action, "role", r.LogicalID, detail+")")
	return nil
}

// pruneRole deletes the inline policies and detaches the managed policies of an existing role
// that the template no longer names.
func (d *deployer) pruneRole(ctx context.Context, r template.Role) error {
	keep := map[string]bool{}
	for _, p := range r.Policies {
		keep[p.Name] = true
	}
	inline, err := d.iam.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(r.Name)})
	if err != nil {
		return err
	}
	for _, name := range inline.PolicyNames {
		if !keep[name] {
			if _, err := d.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(name)}); err != nil {
				return fmt.Errorf("policy %s: %w", name, err)
			}
		}
	}
	for _, arn := range r.ManagedPolicyArns {
		keep[arn] = true
	}
	attached, err := d.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(r.Name)})
	if err != nil {
		return err
	}
	for _, p := range attached.AttachedPolicies {
		if !keep[aws.ToString(p.PolicyArn)] {
			if _, err := d.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(r.Name), PolicyArn: p.PolicyArn}); err != nil {
				return fmt.Errorf("managed policy %s: %w", aws.ToString(p.PolicyArn), err)
			}
		}
	}
	return nil
}

// stateMachines lists the server's state machines by name.
func (d *deployer) stateMachines(ctx context.Context) (map[string]sfntypes.StateMachineListItem, error) {
	byName := map[string]sfntypes.StateMachineListItem{}
	p := sfn.NewListStateMachinesPaginator(d.sfn, &sfn.ListStateMachinesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" {
			return nil, fmt.Errorf("no server answers at %s (start one with stepwise serve, or give --endpoint): %v", d.endpoint, oe)
		}
		if err != nil {
			return nil, fmt.Errorf("listing the server's state machines: %w", apiError(err))
		}
		for _, sm := range page.StateMachines {
			byName[aws.ToString(sm.Name)] = sm
		}
	}
	return byName, nil
}

// stateMachine creates a state machine, or updates the one of its name.
func (d *deployer) stateMachine(ctx context.Context, sm template.StateMachine, existing map[string]sfntypes.StateMachineListItem) error {
	var logging *sfntypes.LoggingConfiguration
	if sm.Logging != nil {
		logging = &sfntypes.LoggingConfiguration{Level: sfntypes.LogLevel(sm.Logging.Level), IncludeExecutionData: sm.Logging.IncludeExecutionData}
		for _, a := range sm.Logging.LogGroupArns {
			logging.Destinations = append(logging.Destinations, sfntypes.LogDestination{
				CloudWatchLogsLogGroup: &sfntypes.CloudWatchLogsLogGroup{LogGroupArn: aws.String(a)}})
		}
	}
	var tracing *sfntypes.TracingConfiguration
	if sm.Tracing {
		tracing = &sfntypes.TracingConfiguration{Enabled: true}
	}
	if cur, ok := existing[sm.Name]; ok {
		if string(cur.Type) != sm.Type {
			return fmt.Errorf("%s exists as a %s state machine; a state machine's type cannot change: delete it first", sm.Name, cur.Type)
		}
		_, err := d.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: cur.StateMachineArn,
			Definition: aws.String(string(sm.Definition)), RoleArn: aws.String(sm.RoleArn), LoggingConfiguration: logging, TracingConfiguration: tracing})
		if err != nil {
			return err
		}
		d.report("updated", "state machine", sm.LogicalID, aws.ToString(cur.StateMachineArn))
		return nil
	}
	out, err := d.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(sm.Name), Type: sfntypes.StateMachineType(sm.Type),
		Definition: aws.String(string(sm.Definition)), RoleArn: aws.String(sm.RoleArn), LoggingConfiguration: logging, TracingConfiguration: tracing})
	if err != nil {
		return err
	}
	arn := aws.ToString(out.StateMachineArn)
	d.report("created", "state machine", sm.LogicalID, arn)
	if arn != sm.Arn {
		fmt.Fprintf(d.out, "warning: the server made %s, where the template's references say %s: deploy with the server's --region and --account\n", arn, sm.Arn)
	}
	return nil
}

// apiError is the service's error code and message, without the SDK's operation, status and
// request ID around them.
func apiError(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}
	return err
}

// printPlan prints what deploy would do with a template, and each state machine's definition
// as it would be created.
func printPlan(w io.Writer, tpl *template.Template, functions map[string]string) {
	d := &deployer{out: w}
	for _, r := range tpl.Roles {
		d.report("role", "role", r.LogicalID, fmt.Sprintf("%s (inline policies: %d, managed: %d)", r.Arn, len(r.Policies), len(r.ManagedPolicyArns)))
	}
	for _, a := range tpl.Activities {
		d.report("activity", "activity", a.LogicalID, a.Arn)
	}
	for _, f := range tpl.Functions {
		how := "named"
		if _, ok := functions[f.LogicalID]; ok || functions[f.Name] != "" {
			how = "mapped"
		}
		d.report(how, "function", f.LogicalID, f.Arn)
	}
	for _, sm := range tpl.StateMachines {
		d.report("machine", "state machine", sm.LogicalID, sm.Arn+" ("+sm.Type+", role "+sm.RoleArn+")")
	}
	for _, s := range tpl.Skipped {
		d.report("skipped", s.Type, s.LogicalID, s.Reason)
	}
	for _, warning := range tpl.Warnings {
		fmt.Fprintln(w, "warning:", warning)
	}
	for _, sm := range tpl.StateMachines {
		fmt.Fprintf(w, "\n%s definition:\n%s\n", sm.LogicalID, sm.Definition)
	}
}
