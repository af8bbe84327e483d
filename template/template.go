package template

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Options are what a template is evaluated with.
type Options struct {
	// Parameters are values for the template's Parameters, by name (--parameter-overrides).
	// A parameter not given takes its Default.
	Parameters map[string]string
	// Region, Account and Partition are the pseudo parameters AWS::Region, AWS::AccountId and
	// AWS::Partition, and go into the ARNs. By default us-east-1, 123456789012 and aws.
	Region, Account, Partition string
	// StackName is AWS::StackName and part of generated names; by default the template's file
	// name without its extension.
	StackName string
	// Names give resources their physical name by logical ID, in place of the name the
	// template gives or CloudFormation would generate: deploy's --function LogicalId=NAME maps a
	// function to the one the server runs under NAME.
	Names map[string]string
}

// Template is what a template deploys to Stepwise, evaluated.
type Template struct {
	Path          string
	StackName     string
	StateMachines []StateMachine
	Activities    []Activity
	Functions     []Function
	Roles         []Role
	// Skipped are the resources Stepwise does not host (tables, queues, buckets...) and the
	// parts of hosted ones it does not carry out (event sources), each with why.
	Skipped []Resource
	// Warnings are things evaluated only in part (an unknown SAM policy template, a managed
	// policy the server may not know).
	Warnings []string
}

// StateMachine is an AWS::StepFunctions::StateMachine or AWS::Serverless::StateMachine.
type StateMachine struct {
	LogicalID string
	Name      string
	Arn       string
	Type      string // STANDARD or EXPRESS
	// Definition is the definition's JSON text, with intrinsics evaluated and
	// DefinitionSubstitutions applied, as CloudFormation gives it to CreateStateMachine.
	Definition []byte
	RoleArn    string
	Logging    *Logging // nil when the template sets none
	Tracing    bool
	Line       int
}

// Logging is a state machine's LoggingConfiguration.
type Logging struct {
	Level                string
	IncludeExecutionData bool
	LogGroupArns         []string
}

// Activity is an AWS::StepFunctions::Activity.
type Activity struct {
	LogicalID, Name, Arn string
	Line                 int
}

// Function is an AWS::Serverless::Function or AWS::Lambda::Function. Stepwise runs functions
// that `stepwise serve --function NAME=...` names; Name is the name the template's references
// resolve to.
type Function struct {
	LogicalID, Name, Arn string
	// Runtime, Handler and CodeUri are the template's, where they are plain strings (SAM's
	// Globals are not applied).
	Runtime, Handler, CodeUri string
	Line                      int
}

// Role is an AWS::IAM::Role, or the role SAM makes for a state machine without Role.
type Role struct {
	LogicalID, Name, Arn, Path string
	AssumeRolePolicy           []byte // JSON
	Policies                   []Policy
	ManagedPolicyArns          []string
	Line                       int
}

// Policy is an inline policy of a role.
type Policy struct {
	Name     string
	Document []byte // JSON
}

// Resource is a resource, or part of one, that Stepwise does not deploy.
type Resource struct {
	LogicalID, Type, Reason string
	Line                    int
}

// Error is bad input in a template: the file, the line and what is wrong.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// Load reads a SAM or CloudFormation template, YAML or JSON, and evaluates what Stepwise
// deploys from it.
func Load(path string, opts Options) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, opts)
}

// Parse is Load of a template already read; path names it in errors and is where relative
// DefinitionUri paths start from.
func Parse(path string, data []byte, opts Options) (*Template, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "123456789012"
	}
	if opts.Partition == "" {
		opts.Partition = "aws"
	}
	if opts.StackName == "" {
		base := filepath.Base(path)
		for _, ext := range []string{".yaml", ".yml", ".json", ".template"} {
			base = strings.TrimSuffix(base, ext)
		}
		opts.StackName = base
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{Path: path, Line: yamlErrorLine(err), Msg: yamlErrorText(err)}
	}
	l := &loader{path: path, dir: filepath.Dir(path), opts: opts, condVals: map[string]bool{}, busy: map[string]bool{}}
	if err := l.index(&doc); err != nil {
		return nil, err
	}
	return l.build()
}

// yamlErrorLine finds the line in yaml.v3's error text ("yaml: line 7: ...").
func yamlErrorLine(err error) int {
	var line int
	s := err.Error()
	if i := strings.Index(s, "line "); i >= 0 {
		fmt.Sscanf(s[i+5:], "%d", &line)
	}
	return line
}

func yamlErrorText(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	if strings.HasPrefix(s, "line ") {
		if i := strings.Index(s, ": "); i >= 0 {
			s = s[i+2:]
		}
	}
	return "not a YAML or JSON template: " + s
}

// resource is one entry of Resources, not yet evaluated.
type resource struct {
	id, typ   string
	node      *yaml.Node // the resource's mapping
	props     *yaml.Node // its Properties mapping, or nil
	condition string
	line      int
	name      string // the physical name, once known
}

func (r *resource) prop(key string) *yaml.Node { return mapGet(r.props, key) }

// loader evaluates one template.
type loader struct {
	path, dir  string
	opts       Options
	params     map[string]*yaml.Node
	mappings   *yaml.Node
	conditions *yaml.Node
	condVals   map[string]bool
	resources  map[string]*resource
	order      []*resource
	busy       map[string]bool // names and conditions being evaluated, to catch cycles
	warnings   []string
	values     int        // values evaluated so far, bounded by maxValues
	aliasAt    *yaml.Node // the outermost alias being expanded
}

func (l *loader) errorf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{Path: l.path, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (l *loader) warnf(format string, args ...any) {
	l.warnings = append(l.warnings, fmt.Sprintf(format, args...))
}

// index reads the template's top-level sections.
func (l *loader) index(doc *yaml.Node) error {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return l.errorf(root, "a template is a mapping with a Resources section")
	}
	if t := mapGet(root, "Transform"); t != nil {
		for _, n := range listOrOne(t) {
			if n.Kind == yaml.ScalarNode && n.Value != "AWS::Serverless-2016-10-31" && n.Value != "AWS::LanguageExtensions" {
				return l.errorf(n, "Transform %s is not supported (only AWS::Serverless-2016-10-31 and AWS::LanguageExtensions)", n.Value)
			}
			if n.Kind != yaml.ScalarNode {
				return l.errorf(n, "Transform with Parameters (AWS::Include) is not supported")
			}
		}
	}
	l.params = map[string]*yaml.Node{}
	if p := mapGet(root, "Parameters"); p != nil {
		if p.Kind != yaml.MappingNode {
			return l.errorf(p, "Parameters must be a mapping")
		}
		for i := 0; i+1 < len(p.Content); i += 2 {
			l.params[p.Content[i].Value] = p.Content[i+1]
		}
	}
	for name := range l.opts.Parameters {
		if _, ok := l.params[name]; !ok {
			return &Error{Path: l.path, Msg: fmt.Sprintf("parameter override %s: the template has no parameter %s", name, name)}
		}
	}
	l.mappings = mapGet(root, "Mappings")
	l.conditions = mapGet(root, "Conditions")
	res := mapGet(root, "Resources")
	if res == nil || res.Kind != yaml.MappingNode {
		return l.errorf(root, "a template needs a Resources section (a mapping)")
	}
	l.resources = map[string]*resource{}
	for i := 0; i+1 < len(res.Content); i += 2 {
		k, v := res.Content[i], res.Content[i+1]
		if v.Kind != yaml.MappingNode {
			return l.errorf(v, "resource %s must be a mapping with a Type", k.Value)
		}
		typ := mapGet(v, "Type")
		if typ == nil || typ.Kind != yaml.ScalarNode {
			return l.errorf(k, "resource %s has no Type", k.Value)
		}
		r := &resource{id: k.Value, typ: typ.Value, node: v, props: mapGet(v, "Properties"), line: k.Line}
		if c := mapGet(v, "Condition"); c != nil {
			r.condition = c.Value
		}
		if r.props != nil && r.props.Kind != yaml.MappingNode {
			return l.errorf(r.props, "resource %s: Properties must be a mapping", k.Value)
		}
		l.resources[r.id] = r
		l.order = append(l.order, r)
	}
	return nil
}

// build evaluates the resources Stepwise deploys and lists the rest.
func (l *loader) build() (*Template, error) {
	t := &Template{Path: l.path, StackName: l.opts.StackName}
	var policies []*resource
	for _, r := range l.order {
		if r.condition != "" {
			ok, err := l.condition(r.condition, mapGet(r.node, "Condition"))
			if err != nil {
				return nil, err
			}
			if !ok {
				t.Skipped = append(t.Skipped, Resource{LogicalID: r.id, Type: r.typ, Line: r.line, Reason: "its Condition " + r.condition + " is false"})
				continue
			}
		}
		var err error
		switch r.typ {
		case "AWS::StepFunctions::StateMachine":
			err = l.stateMachine(t, r)
		case "AWS::Serverless::StateMachine":
			err = l.samStateMachine(t, r)
		case "AWS::StepFunctions::Activity":
			var name string
			if name, err = l.physicalName(r); err == nil {
				t.Activities = append(t.Activities, Activity{LogicalID: r.id, Name: name, Arn: l.arn("states", "activity:"+name), Line: r.line})
			}
		case "AWS::Serverless::Function", "AWS::Lambda::Function":
			err = l.function(t, r)
		case "AWS::IAM::Role":
			err = l.role(t, r)
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			policies = append(policies, r)
		default:
			t.Skipped = append(t.Skipped, Resource{LogicalID: r.id, Type: r.typ, Line: r.line, Reason: skipReason(r.typ)})
		}
		if err != nil {
			return nil, err
		}
	}
	if err := l.attachPolicies(t, policies); err != nil {
		return nil, err
	}
	t.Warnings = l.warnings
	sort.SliceStable(t.Skipped, func(i, j int) bool { return t.Skipped[i].Line < t.Skipped[j].Line })
	return t, nil
}

func skipReason(typ string) string {
	if strings.HasPrefix(typ, "Custom::") || typ == "AWS::CloudFormation::CustomResource" {
		return "a custom resource: Stepwise runs no CloudFormation provider"
	}
	return "not hosted by Stepwise: state machines reach the real one through the AWS service integrations"
}

// mapGet is the value of key in a mapping node, or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// listOrOne is a sequence's items, or the node itself.
func listOrOne(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}
