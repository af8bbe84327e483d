package template

import (
	"crypto/sha256"
	"strings"

	"go.yaml.in/yaml/v3"
)

// What Ref and Fn::GetAtt give, by resource type, and the names CloudFormation generates for
// resources a template leaves unnamed.

// nameProps is the property that names a resource, by type.
var nameProps = map[string]string{
	"AWS::StepFunctions::StateMachine": "StateMachineName", "AWS::Serverless::StateMachine": "Name",
	"AWS::StepFunctions::Activity": "Name", "AWS::Lambda::Function": "FunctionName",
	"AWS::Serverless::Function": "FunctionName", "AWS::IAM::Role": "RoleName",
	"AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::Policy": "PolicyName",
	"AWS::DynamoDB::Table": "TableName", "AWS::DynamoDB::GlobalTable": "TableName",
	"AWS::Serverless::SimpleTable": "TableName", "AWS::SQS::Queue": "QueueName",
	"AWS::SNS::Topic": "TopicName", "AWS::S3::Bucket": "BucketName", "AWS::Events::EventBus": "Name",
	"AWS::Events::Rule": "Name", "AWS::Events::Connection": "Name", "AWS::Events::ApiDestination": "Name",
	"AWS::Logs::LogGroup": "LogGroupName", "AWS::Kinesis::Stream": "Name", "AWS::ECS::Cluster": "ClusterName",
	"AWS::Glue::Job": "Name", "AWS::Glue::Crawler": "Name", "AWS::SecretsManager::Secret": "Name",
	"AWS::SSM::Parameter": "Name", "AWS::Athena::WorkGroup": "Name", "AWS::Scheduler::Schedule": "Name",
	"AWS::Batch::JobQueue": "JobQueueName", "AWS::Batch::JobDefinition": "JobDefinitionName",
	"AWS::CodeBuild::Project": "Name", "AWS::Lambda::LayerVersion": "LayerName",
	"AWS::Serverless::LayerVersion": "LayerName", "AWS::ECS::TaskDefinition": "Family",
	"AWS::KinesisFirehose::DeliveryStream": "DeliveryStreamName", "AWS::Pipes::Pipe": "Name",
}

// maxNameLen is the longest name a service takes, where CloudFormation shortens a generated
// one to fit.
var maxNameLen = map[string]int{
	"AWS::StepFunctions::StateMachine": 80, "AWS::Serverless::StateMachine": 80,
	"AWS::Lambda::Function": 64, "AWS::Serverless::Function": 64, "AWS::IAM::Role": 64,
	"AWS::SQS::Queue": 80, "AWS::S3::Bucket": 63, "AWS::Events::Rule": 64,
	"AWS::IAM::ManagedPolicy": 128, "AWS::Kinesis::Stream": 128,
}

// physicalName is a resource's name: the one Options.Names gives, else its name property, else
// the one CloudFormation would generate.
func (l *loader) physicalName(r *resource) (string, error) {
	if r.name != "" {
		return r.name, nil
	}
	if n, ok := l.opts.Names[r.id]; ok {
		r.name = n
		return n, nil
	}
	if p := r.prop(nameProps[r.typ]); p != nil && nameProps[r.typ] != "" {
		key := "name " + r.id
		if l.busy[key] {
			return "", l.errorf(p, "the name of %s depends on itself", r.id)
		}
		l.busy[key] = true
		v, err := l.eval(p)
		delete(l.busy, key)
		if err != nil {
			return "", err
		}
		if v != noValue {
			s, ok := asString(v)
			if !ok {
				return "", l.errorf(p, "%s.%s must be a string, not %s", r.id, nameProps[r.typ], kind(v))
			}
			r.name = s
			return s, nil
		}
	}
	r.name = l.generatedName(r)
	return r.name, nil
}

// generatedName is the name CloudFormation gives an unnamed resource: for a state machine
// LogicalId-Suffix (AWS's CloudFormation tutorial shows MyStateMachine-ABCDEFGHIJ1K), for the
// others StackName-LogicalId-Suffix (lower case for a bucket; a function's suffix mixes
// cases), shortened to fit the service's limit. The suffix is random on AWS; here it is derived from
// the stack and logical ID, so that deploying the same template again finds the same names.
func (l *loader) generatedName(r *resource) string {
	sum := sha256.Sum256([]byte(l.opts.StackName + "/" + r.id))
	const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	const mixed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	alphabet := upper
	if r.typ == "AWS::Lambda::Function" || r.typ == "AWS::Serverless::Function" {
		alphabet = mixed
	}
	suffix := make([]byte, 12)
	for i := range suffix {
		suffix[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	stack, id := l.opts.StackName, r.id
	max := maxNameLen[r.typ]
	if max == 0 {
		max = 255
	}
	var name string
	switch r.typ {
	case "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine":
		if len(id)+13 > max {
			id = id[:max-13]
		}
		name = id + "-" + string(suffix)
	default:
		for len(stack)+len(id)+14 > max && len(stack) > 0 {
			stack = stack[:len(stack)-1]
		}
		for len(stack)+len(id)+14 > max {
			id = id[:len(id)-1]
		}
		name = stack + "-" + id + "-" + string(suffix)
	}
	switch r.typ {
	case "AWS::S3::Bucket":
		name = strings.ToLower(name)
	case "AWS::SQS::Queue":
		if p := r.prop("FifoQueue"); p != nil && strings.EqualFold(p.Value, "true") {
			name += ".fifo"
		}
	}
	return name
}

func (l *loader) arn(service, rest string) string {
	return "arn:" + l.opts.Partition + ":" + service + ":" + l.opts.Region + ":" + l.opts.Account + ":" + rest
}

func (l *loader) globalArn(service, rest string) string {
	return "arn:" + l.opts.Partition + ":" + service + "::" + l.opts.Account + ":" + rest
}

// ref evaluates Ref of a parameter, a pseudo parameter or a resource.
func (l *loader) ref(name string, at *yaml.Node) (any, error) {
	switch name {
	case "AWS::Region":
		return l.opts.Region, nil
	case "AWS::AccountId":
		return l.opts.Account, nil
	case "AWS::Partition":
		return l.opts.Partition, nil
	case "AWS::StackName":
		return l.opts.StackName, nil
	case "AWS::StackId":
		sum := sha256.Sum256([]byte(l.opts.StackName))
		return l.arn("cloudformation", "stack/"+l.opts.StackName+"/"+uuidOf(sum[:])), nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue, nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	}
	if p, ok := l.params[name]; ok {
		return l.param(name, p, at)
	}
	if id, suffix, ok := strings.Cut(name, "."); ok {
		// SAM's Ref of a function published with AutoPublishAlias: MyFunction.Alias and
		// MyFunction.Version.
		if r, found := l.resources[id]; found && r.typ == "AWS::Serverless::Function" && r.prop("AutoPublishAlias") != nil {
			fn, err := l.physicalName(r)
			if err != nil {
				return nil, err
			}
			switch suffix {
			case "Alias":
				alias, err := l.evalString(r.prop("AutoPublishAlias"), id+".AutoPublishAlias")
				if err != nil {
					return nil, err
				}
				return l.arn("lambda", "function:"+fn+":"+alias), nil
			case "Version":
				return l.arn("lambda", "function:"+fn+":1"), nil
			}
		}
	}
	r, err := l.resource(name, at)
	if err != nil {
		return nil, err
	}
	n, err := l.physicalName(r)
	if err != nil {
		return nil, err
	}
	switch r.typ {
	case "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine":
		return l.arn("states", "stateMachine:"+n), nil
	case "AWS::StepFunctions::Activity":
		return l.arn("states", "activity:"+n), nil
	case "AWS::IAM::ManagedPolicy":
		return l.globalArn("iam", "policy/"+n), nil
	case "AWS::SQS::Queue":
		return "https://sqs." + l.opts.Region + ".amazonaws.com/" + l.opts.Account + "/" + n, nil
	case "AWS::SNS::Topic":
		return l.arn("sns", n), nil
	case "AWS::Batch::JobQueue":
		return l.arn("batch", "job-queue/"+n), nil
	case "AWS::Batch::JobDefinition":
		return l.arn("batch", "job-definition/"+n+":1"), nil
	case "AWS::SecretsManager::Secret":
		return l.arn("secretsmanager", "secret:"+n), nil
	case "AWS::Serverless::Api", "AWS::ApiGateway::RestApi", "AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api":
		return strings.ToLower(l.generatedName(r)[len(l.generatedName(r))-10:]), nil
	}
	return n, nil
}

// param is a parameter's value: the override, else its Default.
func (l *loader) param(name string, p *yaml.Node, at *yaml.Node) (any, error) {
	typ := ""
	if t := mapGet(p, "Type"); t != nil {
		typ = t.Value
	}
	v, ok := l.opts.Parameters[name]
	if !ok {
		d := mapGet(p, "Default")
		if d == nil {
			return nil, l.errorf(at, "parameter %s has no value: give it with --parameter-overrides %s=VALUE", name, name)
		}
		if strings.HasPrefix(typ, "AWS::SSM::Parameter::Value") {
			return nil, l.errorf(at, "parameter %s is read from SSM Parameter Store (%s): give its value with --parameter-overrides %s=VALUE", name, d.Value, name)
		}
		if d.Kind == yaml.SequenceNode {
			dv, err := l.eval(d)
			return dv, err
		}
		v = d.Value
	}
	if strings.HasPrefix(typ, "List<") || typ == "CommaDelimitedList" {
		var out []any
		for _, s := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(s))
		}
		return out, nil
	}
	if av := mapGet(p, "AllowedValues"); av != nil && av.Kind == yaml.SequenceNode {
		allowed := false
		for _, a := range av.Content {
			allowed = allowed || a.Value == v
		}
		if !allowed {
			return nil, l.errorf(av, "parameter %s: %q is not one of its AllowedValues", name, v)
		}
	}
	return v, nil
}

// resource finds a resource by logical ID, with the roles SAM makes for functions and state
// machines that name none (LogicalIdRole).
func (l *loader) resource(id string, at *yaml.Node) (*resource, error) {
	if r, ok := l.resources[id]; ok {
		return r, nil
	}
	if base, ok := strings.CutSuffix(id, "Role"); ok {
		if r, ok := l.resources[base]; ok && (r.typ == "AWS::Serverless::Function" || r.typ == "AWS::Serverless::StateMachine") && r.prop("Role") == nil {
			implicit := &resource{id: id, typ: "AWS::IAM::Role", line: r.line}
			l.resources[id] = implicit
			return implicit, nil
		}
	}
	switch id { // the APIs SAM makes for functions' Api and HttpApi events
	case "ServerlessRestApi", "ServerlessHttpApi":
		typ := "AWS::Serverless::Api"
		if id == "ServerlessHttpApi" {
			typ = "AWS::Serverless::HttpApi"
		}
		implicit := &resource{id: id, typ: typ, line: at.Line}
		l.resources[id] = implicit
		return implicit, nil
	}
	return nil, l.errorf(at, "%s is not a parameter or a resource of the template", id)
}

// getAtt evaluates Fn::GetAtt.
func (l *loader) getAtt(id, attr string, at *yaml.Node) (any, error) {
	r, err := l.resource(id, at)
	if err != nil {
		return nil, err
	}
	n, err := l.physicalName(r)
	if err != nil {
		return nil, err
	}
	p := l.opts.Partition
	switch r.typ + "." + attr {
	case "AWS::StepFunctions::StateMachine.Arn", "AWS::Serverless::StateMachine.Arn":
		return l.arn("states", "stateMachine:"+n), nil
	case "AWS::StepFunctions::StateMachine.Name", "AWS::Serverless::StateMachine.Name",
		"AWS::StepFunctions::Activity.Name", "AWS::SQS::Queue.QueueName", "AWS::SNS::Topic.TopicName",
		"AWS::Events::EventBus.Name":
		return n, nil
	case "AWS::StepFunctions::Activity.Arn":
		return l.arn("states", "activity:"+n), nil
	case "AWS::Lambda::Function.Arn", "AWS::Serverless::Function.Arn":
		return l.arn("lambda", "function:"+n), nil
	case "AWS::IAM::Role.Arn":
		path := "/"
		if pp := r.prop("Path"); pp != nil && pp.Kind == yaml.ScalarNode {
			path = pp.Value
		}
		return l.globalArn("iam", "role"+path+n), nil
	case "AWS::IAM::Role.RoleId":
		return "AROA" + strings.ToUpper(l.generatedName(r)[len(l.generatedName(r))-12:]), nil
	case "AWS::DynamoDB::Table.Arn", "AWS::DynamoDB::GlobalTable.Arn", "AWS::Serverless::SimpleTable.Arn":
		return l.arn("dynamodb", "table/"+n), nil
	case "AWS::DynamoDB::Table.StreamArn", "AWS::DynamoDB::GlobalTable.StreamArn", "AWS::Serverless::SimpleTable.StreamArn":
		return l.arn("dynamodb", "table/"+n+"/stream/1970-01-01T00:00:00.000"), nil
	case "AWS::SQS::Queue.Arn":
		return l.arn("sqs", n), nil
	case "AWS::SQS::Queue.QueueUrl":
		return "https://sqs." + l.opts.Region + ".amazonaws.com/" + l.opts.Account + "/" + n, nil
	case "AWS::SNS::Topic.TopicArn":
		return l.arn("sns", n), nil
	case "AWS::S3::Bucket.Arn":
		return "arn:" + p + ":s3:::" + n, nil
	case "AWS::S3::Bucket.DomainName":
		return n + ".s3.amazonaws.com", nil
	case "AWS::S3::Bucket.RegionalDomainName":
		return n + ".s3." + l.opts.Region + ".amazonaws.com", nil
	case "AWS::S3::Bucket.WebsiteURL":
		return "http://" + n + ".s3-website-" + l.opts.Region + ".amazonaws.com", nil
	case "AWS::Events::EventBus.Arn":
		return l.arn("events", "event-bus/"+n), nil
	case "AWS::Events::Rule.Arn":
		return l.arn("events", "rule/"+n), nil
	case "AWS::Events::Connection.Arn":
		return l.arn("events", "connection/"+n+"/"+uuidOf(sha(n))), nil
	case "AWS::Events::ApiDestination.Arn":
		return l.arn("events", "api-destination/"+n+"/"+uuidOf(sha(n))), nil
	case "AWS::Logs::LogGroup.Arn":
		return l.arn("logs", "log-group:"+n+":*"), nil
	case "AWS::Kinesis::Stream.Arn":
		return l.arn("kinesis", "stream/"+n), nil
	case "AWS::ECS::Cluster.Arn":
		return l.arn("ecs", "cluster/"+n), nil
	case "AWS::SecretsManager::Secret.Id":
		return l.arn("secretsmanager", "secret:"+n), nil
	case "AWS::Glue::Job.Name", "AWS::Glue::Crawler.Name":
		return n, nil
	case "AWS::IAM::ManagedPolicy.PolicyArn":
		return l.globalArn("iam", "policy/"+n), nil
	}
	if (r.typ == "AWS::CloudFormation::Stack" || r.typ == "AWS::Serverless::Application") && strings.HasPrefix(attr, "Outputs.") {
		return nil, l.errorf(at, "Fn::GetAtt %s.%s: a nested stack's outputs cannot be evaluated: Stepwise deploys one template", id, attr)
	}
	switch r.typ {
	case "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine", "AWS::StepFunctions::Activity",
		"AWS::Lambda::Function", "AWS::Serverless::Function", "AWS::IAM::Role":
		return nil, l.errorf(at, "Fn::GetAtt %s.%s: a %s has no attribute %s that Stepwise knows", id, attr, r.typ, attr)
	}
	if attr == "Arn" {
		// The common ARN form, for the types not listed above: arn:P:service:R:A:type/name.
		parts := strings.Split(r.typ, "::")
		if len(parts) == 3 {
			return l.arn(strings.ToLower(parts[1]), strings.ToLower(parts[2])+"/"+n), nil
		}
	}
	v := r.id + "." + attr
	l.warnf("%s:%d: Fn::GetAtt %s.%s: Stepwise does not know what CloudFormation gives for this attribute of a %s; it is written as %q", l.path, at.Line, id, attr, r.typ, v)
	return v, nil
}

func sha(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// uuidOf writes 16 bytes in the UUID form.
func uuidOf(b []byte) string {
	const hex = "0123456789abcdef"
	var out []byte
	for i := 0; i < 16; i++ {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[b[i]>>4], hex[b[i]&15])
	}
	return string(out)
}
