package template

import (
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// samTemplate is one of SAM's policy templates: the statements it stands for, with ${Param}
// for its parameters and ${AWS::Partition}, ${AWS::Region}, ${AWS::AccountId}.
type samTemplate struct {
	params     []string
	statements []samStatement
}

type samStatement struct {
	actions   []string
	resources []string
}

const (
	pra = "arn:${AWS::Partition}:"
	ra  = ":${AWS::Region}:${AWS::AccountId}:"
)

// samTemplates are the common SAM policy templates (their actions and resources, as SAM's
// policy_templates.json defines them; a few lists are abridged to what state machines call).
// The others are listed as warnings and not deployed.
var samTemplates = map[string]samTemplate{
	"LambdaInvokePolicy": {[]string{"FunctionName"}, []samStatement{{[]string{"lambda:InvokeFunction"},
		[]string{pra + "lambda" + ra + "function:${FunctionName}*"}}}},
	"StepFunctionsExecutionPolicy": {[]string{"StateMachineName"}, []samStatement{{[]string{"states:StartExecution"},
		[]string{pra + "states" + ra + "stateMachine:${StateMachineName}"}}}},
	"DynamoDBCrudPolicy": {[]string{"TableName"}, []samStatement{{[]string{"dynamodb:GetItem", "dynamodb:DeleteItem",
		"dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem",
		"dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"}, ddbTable}}},
	"DynamoDBReadPolicy": {[]string{"TableName"}, []samStatement{{[]string{"dynamodb:GetItem", "dynamodb:Scan",
		"dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"}, ddbTable}}},
	"DynamoDBWritePolicy": {[]string{"TableName"}, []samStatement{{[]string{"dynamodb:PutItem", "dynamodb:UpdateItem",
		"dynamodb:BatchWriteItem"}, ddbTable}}},
	"SQSSendMessagePolicy": {[]string{"QueueName"}, []samStatement{{[]string{"sqs:SendMessage*"},
		[]string{pra + "sqs" + ra + "${QueueName}"}}}},
	"SQSPollerPolicy": {[]string{"QueueName"}, []samStatement{{[]string{"sqs:ChangeMessageVisibility",
		"sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage", "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes",
		"sqs:ReceiveMessage"}, []string{pra + "sqs" + ra + "${QueueName}"}}}},
	"SNSPublishMessagePolicy": {[]string{"TopicName"}, []samStatement{{[]string{"sns:Publish"},
		[]string{pra + "sns" + ra + "${TopicName}"}}}},
	"S3ReadPolicy": {[]string{"BucketName"}, []samStatement{{[]string{"s3:GetObject", "s3:ListBucket",
		"s3:GetBucketLocation", "s3:GetObjectVersion", "s3:GetLifecycleConfiguration"}, s3Bucket}}},
	"S3WritePolicy": {[]string{"BucketName"}, []samStatement{{[]string{"s3:PutObject", "s3:PutObjectAcl",
		"s3:PutLifecycleConfiguration"}, s3Bucket}}},
	"S3CrudPolicy": {[]string{"BucketName"}, []samStatement{{[]string{"s3:GetObject", "s3:ListBucket",
		"s3:GetBucketLocation", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl", "s3:GetLifecycleConfiguration",
		"s3:PutLifecycleConfiguration", "s3:DeleteObject"}, s3Bucket}}},
	"EventBridgePutEventsPolicy": {[]string{"EventBusName"}, []samStatement{{[]string{"events:PutEvents"},
		[]string{pra + "events" + ra + "event-bus/${EventBusName}"}}}},
	"CloudWatchPutMetricPolicy": {nil, []samStatement{{[]string{"cloudwatch:PutMetricData"}, []string{"*"}}}},
	"AWSSecretsManagerGetSecretValuePolicy": {[]string{"SecretArn"}, []samStatement{{
		[]string{"secretsmanager:GetSecretValue"}, []string{"${SecretArn}"}}}},
	"SSMParameterReadPolicy": {[]string{"ParameterName"}, []samStatement{
		{[]string{"ssm:DescribeParameters"}, []string{"*"}},
		{[]string{"ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"},
			[]string{pra + "ssm" + ra + "parameter/${ParameterName}"}}}},
	"KMSDecryptPolicy": {[]string{"KeyId"}, []samStatement{{[]string{"kms:Decrypt"},
		[]string{pra + "kms" + ra + "key/${KeyId}"}}}},
	"ComprehendBasicAccessPolicy": {nil, []samStatement{{[]string{"comprehend:BatchDetectKeyPhrases",
		"comprehend:DetectDominantLanguage", "comprehend:DetectEntities", "comprehend:BatchDetectEntities",
		"comprehend:DetectKeyPhrases", "comprehend:DetectSentiment", "comprehend:BatchDetectDominantLanguage",
		"comprehend:BatchDetectSentiment"}, []string{"*"}}}},
	"RekognitionDetectOnlyPolicy": {nil, []samStatement{{[]string{"rekognition:DetectFaces",
		"rekognition:DetectLabels", "rekognition:DetectModerationLabels", "rekognition:DetectText"}, []string{"*"}}}},
	"TextractPolicy": {nil, []samStatement{{[]string{"textract:*"}, []string{"*"}}}},
	"EcsRunTaskPolicy": {[]string{"TaskDefinition"}, []samStatement{{[]string{"ecs:RunTask"},
		[]string{pra + "ecs" + ra + "task-definition/${TaskDefinition}"}}}},
	"AthenaQueryPolicy": {[]string{"WorkGroupName"}, []samStatement{
		{[]string{"athena:ListWorkGroups", "athena:GetExecutionEngine", "athena:GetExecutionEngines",
			"athena:GetNamespace", "athena:GetCatalogs", "athena:GetNamespaces", "athena:GetTables", "athena:GetTable"}, []string{"*"}},
		{[]string{"athena:StartQueryExecution", "athena:GetQueryResults", "athena:DeleteNamedQuery",
			"athena:GetNamedQuery", "athena:ListQueryExecutions", "athena:StopQueryExecution",
			"athena:GetQueryResultsStream", "athena:ListNamedQueries", "athena:CreateNamedQuery",
			"athena:GetQueryExecution", "athena:BatchGetNamedQuery", "athena:BatchGetQueryExecution",
			"athena:GetWorkGroup"}, []string{pra + "athena" + ra + "workgroup/${WorkGroupName}"}}}},
}

var ddbTable = []string{pra + "dynamodb" + ra + "table/${TableName}", pra + "dynamodb" + ra + "table/${TableName}/index/*"}
var s3Bucket = []string{"arn:${AWS::Partition}:s3:::${BucketName}", "arn:${AWS::Partition}:s3:::${BucketName}/*"}

// serviceRolePolicies are AWS managed policies whose ARN has the service-role/ path, for SAM's
// Policies given by name.
var serviceRolePolicies = map[string]bool{
	"AWSLambdaRole": true, "AWSLambdaBasicExecutionRole": true, "AWSLambdaVPCAccessExecutionRole": true,
	"AWSLambdaDynamoDBExecutionRole": true, "AWSLambdaKinesisExecutionRole": true,
	"AWSLambdaSQSQueueExecutionRole": true, "AWSLambdaENIManagementAccess": true,
}

// samPolicies reads a SAM resource's Policies onto the role SAM makes for it: a managed policy
// by name or ARN, a policy document, or a policy template, alone or in a list.
func (l *loader) samPolicies(role *Role, id string, n *yaml.Node) error {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode && shortName(n.Tag) == "" {
		items = n.Content
	}
	for _, it := range items {
		v, err := l.eval(it)
		if err != nil {
			return err
		}
		if v == noValue {
			continue
		}
		policyName := id + "RolePolicy" + strconv.Itoa(len(role.Policies))
		switch v := v.(type) {
		case string:
			arn := v
			if !strings.HasPrefix(v, "arn:") {
				path := ""
				if serviceRolePolicies[v] {
					path = "service-role/"
				}
				arn = "arn:" + l.opts.Partition + ":iam::aws:policy/" + path + v
			}
			role.ManagedPolicyArns = append(role.ManagedPolicyArns, arn)
		case *object:
			if _, ok := v.vals["Statement"]; ok {
				doc, err := toJSON(v)
				if err != nil {
					return l.errorf(it, "%s.Policies: %v", id, err)
				}
				role.Policies = append(role.Policies, Policy{Name: policyName, Document: doc})
				continue
			}
			for _, name := range v.keys {
				doc, ok, err := l.samTemplate(name, v.vals[name], it, id)
				if err != nil {
					return err
				}
				if !ok {
					l.warnf("%s:%d: %s.Policies: SAM policy template %s is not known to Stepwise; the role is made without it", l.path, it.Line, id, name)
					continue
				}
				role.Policies = append(role.Policies, Policy{Name: id + "RolePolicy" + strconv.Itoa(len(role.Policies)), Document: doc})
			}
		default:
			return l.errorf(it, "%s.Policies: a policy is a managed policy's name or ARN, a policy document or a policy template, not %s", id, kind(v))
		}
	}
	return nil
}

// samTemplate expands one policy template to a policy document.
func (l *loader) samTemplate(name string, arg any, at *yaml.Node, id string) ([]byte, bool, error) {
	tpl, ok := samTemplates[name]
	if !ok {
		return nil, false, nil
	}
	vals := map[string]string{"AWS::Partition": l.opts.Partition, "AWS::Region": l.opts.Region, "AWS::AccountId": l.opts.Account}
	o, _ := arg.(*object)
	for _, p := range tpl.params {
		var s string
		if o != nil {
			s, ok = asString(o.vals[p])
		}
		if !ok || o == nil {
			return nil, false, l.errorf(at, "%s.Policies: policy template %s needs %s", id, name, p)
		}
		vals[p] = s
	}
	doc := &object{}
	doc.set("Version", "2012-10-17")
	var stmts []any
	for _, st := range tpl.statements {
		s := &object{}
		s.set("Effect", "Allow")
		var actions, resources []any
		for _, a := range st.actions {
			actions = append(actions, a)
		}
		for _, r := range st.resources {
			resources = append(resources, expand(r, vals))
		}
		s.set("Action", actions)
		s.set("Resource", resources)
		stmts = append(stmts, s)
	}
	doc.set("Statement", stmts)
	b, err := toJSON(doc)
	return b, true, err
}

// expand replaces ${Name} with vals[Name].
func expand(s string, vals map[string]string) string {
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s = strings.ReplaceAll(s, "${"+k+"}", vals[k])
	}
	return s
}
