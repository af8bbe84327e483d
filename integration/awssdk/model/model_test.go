package model

import (
	"strings"
	"testing"
)

func TestClientName(t *testing.T) {
	for _, c := range []struct{ id, want string }{
		{"DynamoDB", "DynamoDb"},
		{"Secrets Manager", "SecretsManager"},
		{"SFN", "Sfn"},
		{"S3", "S3"},
		{"ACM PCA", "AcmPca"},
		{"EC2", "Ec2"},
		{"API Gateway", "ApiGateway"},
		{"ApiGatewayV2", "ApiGatewayV2"},
		{"CloudWatch Logs", "CloudWatchLogs"},
		{"Elastic Load Balancing v2", "ElasticLoadBalancingV2"},
		{"EventBridge", "EventBridge"},
		{"DynamoDB Streams", "DynamoDbStreams"},
		// The Java SDK drops a trailing "Service" (DatabaseMigrationClient); Step Functions'
		// list of aws-sdk services names them so: aws-sdk:databasemigration, DatabaseMigration.
		{"Database Migration Service", "DatabaseMigration"},
		{"Config Service", "Config"},
		{"Directory Service", "Directory"},
		{"Directory Service Data", "DirectoryServiceData"},
		{"Service Quotas", "ServiceQuotas"},
	} {
		if got := ClientName(c.id); got != c.want {
			t.Errorf("ClientName(%q) = %q, want %q", c.id, got, c.want)
		}
	}
}

func TestEmbeddedModels(t *testing.T) {
	c := Embedded()
	idx, err := c.Index()
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) < 300 {
		t.Fatalf("the index has %d services", len(idx))
	}
	for _, name := range []string{"dynamodb", "s3", "sqs", "sns", "sfn", "eventbridge", "secretsmanager", "lambda", "ec2",
		"databasemigration", "config", "directory", "elasticsearch", "lexmodelbuilding", "lexruntime",
		"applicationdiscovery", "marketplaceentitlement", "costandusagereport"} {
		if idx[name] == nil {
			t.Errorf("no %s in the index", name)
		}
	}
	svc, err := c.Service("dynamodb")
	if err != nil {
		t.Fatal(err)
	}
	if svc.ClientName != "DynamoDb" || svc.Metadata.TargetPrefix != "DynamoDB_20120810" {
		t.Fatalf("dynamodb: %+v", svc.Metadata)
	}
	op := svc.Operation("putItem")
	if op == nil || op.Input.Shape != "PutItemInput" {
		t.Fatalf("putItem: %+v", op)
	}
	in := svc.Shape("PutItemInput")
	if got := strings.Join(in.MemberOrder[:2], ","); got != "TableName,Item" {
		t.Errorf("PutItemInput members start %s, want TableName,Item", got)
	}
	if svc.Operation("noSuchAction") != nil {
		t.Error("found an operation that does not exist")
	}
	again, _ := c.Service("dynamodb")
	if again != svc {
		t.Error("the model was parsed twice")
	}
	if _, err := c.Service("nosuchservice"); err == nil {
		t.Error("no error for an unknown service")
	}
}

// The models keep the length and range constraints TestState checks mocked results against.
func TestConstraints(t *testing.T) {
	svc, err := Embedded().Service("kms")
	if err != nil {
		t.Fatal(err)
	}
	s := svc.Shape("CiphertextType")
	if s == nil || s.Min == nil || *s.Min != 1 || s.Max == nil || *s.Max != 6144 {
		t.Fatalf("kms CiphertextType: %+v", s)
	}
}
