package template

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// statesTrust is the trust policy of the roles SAM makes for state machines.
const statesTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// stateMachine reads an AWS::StepFunctions::StateMachine.
func (l *loader) stateMachine(t *Template, r *resource) error {
	sm := StateMachine{LogicalID: r.id, Type: "STANDARD", Line: r.line}
	var err error
	if sm.Name, err = l.physicalName(r); err != nil {
		return err
	}
	sm.Arn = l.arn("states", "stateMachine:"+sm.Name)
	if p := r.prop("StateMachineType"); p != nil {
		if sm.Type, err = l.evalString(p, r.id+".StateMachineType"); err != nil {
			return err
		}
	}
	if p := r.prop("RoleArn"); p != nil {
		if sm.RoleArn, err = l.evalString(p, r.id+".RoleArn"); err != nil {
			return err
		}
	} else {
		return l.errorf(r.props, "state machine %s has no RoleArn", r.id)
	}
	if err := l.setDefinition(&sm, r, false); err != nil {
		return err
	}
	if sm.Logging, err = l.logging(r.prop("LoggingConfiguration")); err != nil {
		return err
	}
	if sm.Tracing, err = l.tracing(r.prop("TracingConfiguration")); err != nil {
		return err
	}
	t.StateMachines = append(t.StateMachines, sm)
	return nil
}

// samStateMachine reads an AWS::Serverless::StateMachine, and the role SAM makes for it when
// it names none.
func (l *loader) samStateMachine(t *Template, r *resource) error {
	sm := StateMachine{LogicalID: r.id, Type: "STANDARD", Line: r.line}
	if r.props == nil {
		return l.errorf(r.node, "state machine %s has no Properties", r.id)
	}
	var err error
	if sm.Name, err = l.physicalName(r); err != nil {
		return err
	}
	sm.Arn = l.arn("states", "stateMachine:"+sm.Name)
	if p := r.prop("Type"); p != nil {
		if sm.Type, err = l.evalString(p, r.id+".Type"); err != nil {
			return err
		}
	}
	if err := l.setDefinition(&sm, r, true); err != nil {
		return err
	}
	if p := r.prop("Role"); p != nil {
		if sm.RoleArn, err = l.evalString(p, r.id+".Role"); err != nil {
			return err
		}
		if p := r.prop("Policies"); p != nil {
			l.warnf("%s:%d: state machine %s has a Role, so SAM ignores its Policies", l.path, p.Line, r.id)
		}
	} else {
		roleRes, _ := l.resource(r.id+"Role", r.node)
		name, err := l.physicalName(roleRes)
		if err != nil {
			return err
		}
		role := Role{LogicalID: roleRes.id, Name: name, Path: "/", Arn: l.globalArn("iam", "role/"+name),
			AssumeRolePolicy: []byte(statesTrust), Line: r.line}
		if p := r.prop("Policies"); p != nil {
			if err := l.samPolicies(&role, r.id, p); err != nil {
				return err
			}
		}
		t.Roles = append(t.Roles, role)
		sm.RoleArn = role.Arn
	}
	if sm.Logging, err = l.logging(r.prop("Logging")); err != nil {
		return err
	}
	if sm.Tracing, err = l.tracing(r.prop("Tracing")); err != nil {
		return err
	}
	l.skipEvents(t, r)
	t.StateMachines = append(t.StateMachines, sm)
	return nil
}

// skipEvents lists a SAM resource's Events: Stepwise starts no execution from a schedule,
// a rule or an API.
func (l *loader) skipEvents(t *Template, r *resource) {
	ev := r.prop("Events")
	if ev == nil || ev.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(ev.Content); i += 2 {
		typ := "?"
		if tn := mapGet(ev.Content[i+1], "Type"); tn != nil {
			typ = tn.Value
		}
		t.Skipped = append(t.Skipped, Resource{LogicalID: r.id + "." + ev.Content[i].Value, Type: r.typ + " event " + typ,
			Line: ev.Content[i].Line, Reason: "event sources are not carried out: start executions with StartExecution"})
	}
}

// setDefinition reads a state machine's definition from whichever property holds it and
// applies DefinitionSubstitutions.
func (l *loader) setDefinition(sm *StateMachine, r *resource, sam bool) error {
	var text []byte
	var from *yaml.Node
	fileBased := false
	count := 0
	if p := r.prop("Definition"); p != nil {
		count++
		v, err := l.eval(p)
		if err != nil {
			return err
		}
		if _, ok := v.(*object); !ok {
			return l.errorf(p, "%s.Definition must be a mapping (the state machine's definition), not %s", r.id, kind(v))
		}
		if text, err = toJSON(v); err != nil {
			return l.errorf(p, "%s.Definition: %v", r.id, err)
		}
		from = p
	}
	if p := r.prop("DefinitionString"); p != nil && !sam {
		count++
		s, err := l.evalString(p, r.id+".DefinitionString")
		if err != nil {
			return err
		}
		text, from = []byte(s), p
	}
	if p := r.prop("DefinitionS3Location"); p != nil && !sam {
		return l.errorf(p, "%s.DefinitionS3Location: Stepwise cannot read a definition from S3; put it in the template (Definition or DefinitionString) or use SAM's DefinitionUri with a local file", r.id)
	}
	if p := r.prop("DefinitionUri"); p != nil && sam {
		count++
		if p.Kind != yaml.ScalarNode || strings.HasPrefix(p.Value, "s3://") {
			return l.errorf(p, "%s.DefinitionUri: Stepwise cannot read a definition from S3; give a local file path", r.id)
		}
		path := p.Value
		if !filepath.IsAbs(path) {
			path = filepath.Join(l.dir, path)
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			// A template written on a case-insensitive file system (macOS, Windows) may name
			// statemachine/StateMachine.asl.json for stateMachine.asl.json; sam build there
			// finds it, so Stepwise does too, and says so.
			if other := caseInsensitiveMatch(path); other != "" {
				l.warnf("%s:%d: %s.DefinitionUri: no file %s; using %s, whose name differs only in case", l.path, p.Line, r.id, p.Value, filepath.Base(other))
				data, err = os.ReadFile(other)
			}
		}
		if err != nil {
			return l.errorf(p, "%s.DefinitionUri: %v", r.id, err)
		}
		text, from, fileBased = data, p, true
	}
	switch {
	case count == 0:
		what := "Definition or DefinitionString"
		if sam {
			what = "Definition or DefinitionUri"
		}
		return l.errorf(r.node, "state machine %s has no %s", r.id, what)
	case count > 1:
		return l.errorf(from, "state machine %s has more than one of Definition, DefinitionString and DefinitionUri", r.id)
	}
	if p := r.prop("DefinitionSubstitutions"); p != nil {
		v, err := l.eval(p)
		if err != nil {
			return err
		}
		subs, ok := v.(*object)
		if !ok {
			return l.errorf(p, "%s.DefinitionSubstitutions must be a mapping, not %s", r.id, kind(v))
		}
		if text, err = l.substitute(text, subs, p, r.id); err != nil {
			return err
		}
	}
	if fileBased && !json.Valid(text) {
		path := from.Value
		if !filepath.IsAbs(path) {
			path = filepath.Join(l.dir, path)
		}
		js, err := DefinitionJSON(path, text)
		if err != nil {
			return err
		}
		text = js
	}
	sm.Definition = text
	return nil
}

// substitute replaces ${key} in a definition with DefinitionSubstitutions' values, as Step
// Functions does when CloudFormation creates the state machine. Placeholders with no value
// are left as they are.
func (l *loader) substitute(text []byte, subs *object, at *yaml.Node, id string) ([]byte, error) {
	s := string(text)
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return []byte(b.String()), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return []byte(b.String()), nil
		}
		key := s[i+2 : i+j]
		v, ok := subs.vals[key]
		if !ok {
			b.WriteString(s[:i+j+1])
			s = s[i+j+1:]
			continue
		}
		str, ok := asString(v)
		if !ok {
			return nil, l.errorf(at, "%s.DefinitionSubstitutions.%s must be a string, number or boolean, not %s", id, key, kind(v))
		}
		b.WriteString(s[:i])
		b.WriteString(str)
		s = s[i+j+1:]
	}
}

func (l *loader) logging(n *yaml.Node) (*Logging, error) {
	if n == nil {
		return nil, nil
	}
	v, err := l.eval(n)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*object)
	if !ok {
		return nil, l.errorf(n, "a logging configuration must be a mapping")
	}
	lg := &Logging{Level: "OFF"}
	if s, ok := asString(o.vals["Level"]); ok {
		lg.Level = s
	}
	if b, ok := o.vals["IncludeExecutionData"].(bool); ok {
		lg.IncludeExecutionData = b
	}
	if ds, ok := o.vals["Destinations"].([]any); ok {
		for _, d := range ds {
			if do, ok := d.(*object); ok {
				if cw, ok := do.vals["CloudWatchLogsLogGroup"].(*object); ok {
					if a, ok := asString(cw.vals["LogGroupArn"]); ok {
						lg.LogGroupArns = append(lg.LogGroupArns, a)
					}
				}
			}
		}
	}
	return lg, nil
}

func (l *loader) tracing(n *yaml.Node) (bool, error) {
	if n == nil {
		return false, nil
	}
	v, err := l.eval(n)
	if err != nil {
		return false, err
	}
	if o, ok := v.(*object); ok {
		b, _ := o.vals["Enabled"].(bool)
		return b, nil
	}
	return false, nil
}

// function reads an AWS::Serverless::Function or AWS::Lambda::Function.
func (l *loader) function(t *Template, r *resource) error {
	name, err := l.physicalName(r)
	if err != nil {
		return err
	}
	f := Function{LogicalID: r.id, Name: name, Arn: l.arn("lambda", "function:"+name), Line: r.line}
	if p := r.prop("Runtime"); p != nil && p.Kind == yaml.ScalarNode {
		f.Runtime = p.Value
	}
	if p := r.prop("Handler"); p != nil && p.Kind == yaml.ScalarNode {
		f.Handler = p.Value
	}
	if p := r.prop("CodeUri"); p != nil && p.Kind == yaml.ScalarNode {
		f.CodeUri = p.Value
	}
	l.skipEvents(t, r)
	t.Functions = append(t.Functions, f)
	return nil
}

// role reads an AWS::IAM::Role.
func (l *loader) role(t *Template, r *resource) error {
	name, err := l.physicalName(r)
	if err != nil {
		return err
	}
	role := Role{LogicalID: r.id, Name: name, Path: "/", Line: r.line}
	if p := r.prop("Path"); p != nil {
		if role.Path, err = l.evalString(p, r.id+".Path"); err != nil {
			return err
		}
	}
	role.Arn = l.globalArn("iam", "role"+role.Path+name)
	p := r.prop("AssumeRolePolicyDocument")
	if p == nil {
		return l.errorf(r.node, "role %s has no AssumeRolePolicyDocument", r.id)
	}
	if role.AssumeRolePolicy, err = l.document(p, r.id+".AssumeRolePolicyDocument"); err != nil {
		return err
	}
	if ps := r.prop("Policies"); ps != nil {
		if ps.Kind != yaml.SequenceNode {
			return l.errorf(ps, "%s.Policies must be a list", r.id)
		}
		for _, pn := range ps.Content {
			v, err := l.eval(pn)
			if err != nil {
				return err
			}
			if v == noValue {
				continue
			}
			o, ok := v.(*object)
			if !ok {
				return l.errorf(pn, "%s.Policies: a policy is a mapping with PolicyName and PolicyDocument", r.id)
			}
			pname, _ := asString(o.vals["PolicyName"])
			doc, err := toJSON(o.vals["PolicyDocument"])
			if err != nil || pname == "" || o.vals["PolicyDocument"] == nil {
				return l.errorf(pn, "%s.Policies: a policy is a mapping with PolicyName and PolicyDocument", r.id)
			}
			role.Policies = append(role.Policies, Policy{Name: pname, Document: doc})
		}
	}
	if mp := r.prop("ManagedPolicyArns"); mp != nil {
		list, err := l.evalList(mp, r.id+".ManagedPolicyArns")
		if err != nil {
			return err
		}
		for _, v := range list {
			s, ok := asString(v)
			if !ok {
				return l.errorf(mp, "%s.ManagedPolicyArns: an ARN must be a string, not %s", r.id, kind(v))
			}
			role.ManagedPolicyArns = append(role.ManagedPolicyArns, s)
		}
	}
	t.Roles = append(t.Roles, role)
	return nil
}

// document evaluates a policy document to JSON; a string holding JSON is taken as is.
func (l *loader) document(n *yaml.Node, what string) ([]byte, error) {
	v, err := l.eval(n)
	if err != nil {
		return nil, err
	}
	if s, ok := v.(string); ok && json.Valid([]byte(s)) {
		return []byte(s), nil
	}
	if _, ok := v.(*object); !ok {
		return nil, l.errorf(n, "%s must be a policy document (a mapping), not %s", what, kind(v))
	}
	return toJSON(v)
}

// attachPolicies puts the template's AWS::IAM::Policy and AWS::IAM::ManagedPolicy documents on
// the template's roles they name, as inline policies: Stepwise's IAM evaluates an attached
// customer policy and an inline one alike, and this keeps deploy to PutRolePolicy.
func (l *loader) attachPolicies(t *Template, policies []*resource) error {
	byName := map[string]*Role{}
	for i := range t.Roles {
		byName[t.Roles[i].Name] = &t.Roles[i]
	}
	for _, r := range policies {
		name, err := l.physicalName(r)
		if err != nil {
			return err
		}
		p := r.prop("PolicyDocument")
		if p == nil {
			return l.errorf(r.node, "policy %s has no PolicyDocument", r.id)
		}
		doc, err := l.document(p, r.id+".PolicyDocument")
		if err != nil {
			return err
		}
		var roles []string
		if rn := r.prop("Roles"); rn != nil {
			list, err := l.evalList(rn, r.id+".Roles")
			if err != nil {
				return err
			}
			for _, v := range list {
				if s, ok := asString(v); ok {
					roles = append(roles, s)
				}
			}
		}
		if r.typ == "AWS::IAM::ManagedPolicy" {
			arn := l.globalArn("iam", "policy/"+name)
			for i := range t.Roles {
				role := &t.Roles[i]
				for j, a := range role.ManagedPolicyArns {
					if a == arn {
						role.ManagedPolicyArns = append(role.ManagedPolicyArns[:j:j], role.ManagedPolicyArns[j+1:]...)
						roles = append(roles, role.Name)
						break
					}
				}
			}
		}
		for _, rn := range roles {
			role, ok := byName[rn]
			if !ok {
				l.warnf("%s:%d: policy %s names role %s, which the template does not create; it is not deployed", l.path, r.line, r.id, rn)
				continue
			}
			role.Policies = append(role.Policies, Policy{Name: name, Document: doc})
		}
		t.Skipped = append(t.Skipped, Resource{LogicalID: r.id, Type: r.typ, Line: r.line,
			Reason: "deployed as an inline policy of the roles it names"})
	}
	return nil
}

// caseInsensitiveMatch is the one file in path's directory whose name equals path's base name
// but for case, or "".
func caseInsensitiveMatch(path string) string {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return ""
	}
	found := ""
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(e.Name(), filepath.Base(path)) {
			if found != "" {
				return ""
			}
			found = filepath.Join(filepath.Dir(path), e.Name())
		}
	}
	return found
}
