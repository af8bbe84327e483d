package awssdk

import (
	"context"
	"github.com/stepwise-run/stepwise/integration/awssdk/protocol"
	"os"
	"path/filepath"
	"testing"
)

func TestResolveEndpoint(t *testing.T) {
	const services = "[default]\nservices = local\n\n[services local]\ndynamodb =\n  endpoint_url = http://from-services:2\nsecrets_manager =\n  endpoint_url = http://sm-services:2\n"
	const profile = "[default]\nendpoint_url = http://from-profile:1\n"
	tests := []struct {
		name, service, region string
		env                   map[string]string
		config                string
		want, signingRegion   string
	}{
		{"AWS itself", "dynamodb", "eu-west-1", nil, "", "https://dynamodb.eu-west-1.amazonaws.com", "eu-west-1"},
		{"China", "dynamodb", "cn-north-1", nil, "", "https://dynamodb.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{"global endpoint", "iam", "eu-west-1", nil, "", "https://iam.amazonaws.com", "us-east-1"},
		{"AWS_ENDPOINT_URL", "dynamodb", "us-east-1", map[string]string{"AWS_ENDPOINT_URL": "http://all:1"}, "", "http://all:1", "us-east-1"},
		{"service variable first", "dynamodb", "us-east-1",
			map[string]string{"AWS_ENDPOINT_URL": "http://all:1", "AWS_ENDPOINT_URL_DYNAMODB": "http://ddb:2/"}, "", "http://ddb:2", "us-east-1"},
		{"service id with a space", "secretsmanager", "us-east-1",
			map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://sm:3"}, "", "http://sm:3", "us-east-1"},
		{"other service's variable ignored", "sqs", "us-east-1",
			map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://ddb:2"}, "", "https://sqs.us-east-1.amazonaws.com", "us-east-1"},
		{"Step Functions Local variable", "dynamodb", "us-east-1", map[string]string{"DYNAMODB_ENDPOINT": "http://sfnlocal:4"}, "", "http://sfnlocal:4", "us-east-1"},
		{"SDK variable over Step Functions Local's", "dynamodb", "us-east-1",
			map[string]string{"DYNAMODB_ENDPOINT": "http://sfnlocal:4", "AWS_ENDPOINT_URL": "http://all:1"}, "", "http://all:1", "us-east-1"},
		{"SageMaker's Step Functions Local name", "sagemaker", "us-east-1", map[string]string{"SAGE_MAKER_ENDPOINT": "http://sm:5"}, "", "http://sm:5", "us-east-1"},
		{"config services section", "dynamodb", "us-east-1", nil, services, "http://from-services:2", "us-east-1"},
		{"services section over AWS_ENDPOINT_URL", "dynamodb", "us-east-1", map[string]string{"AWS_ENDPOINT_URL": "http://all:1"}, services, "http://from-services:2", "us-east-1"},
		{"service variable over services section", "dynamodb", "us-east-1",
			map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://ddb:2"}, services, "http://ddb:2", "us-east-1"},
		{"services section, service id with a space", "secretsmanager", "us-east-1", nil, services, "http://sm-services:2", "us-east-1"},
		{"profile endpoint_url", "sqs", "us-east-1", nil, profile, "http://from-profile:1", "us-east-1"},
		{"AWS_ENDPOINT_URL over profile", "sqs", "us-east-1", map[string]string{"AWS_ENDPOINT_URL": "http://all:1"}, profile, "http://all:1", "us-east-1"},
		{"ignore configured endpoints", "dynamodb", "us-east-1",
			map[string]string{"AWS_ENDPOINT_URL": "http://all:1", "AWS_ENDPOINT_URL_DYNAMODB": "http://ddb:2", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
			services, "https://dynamodb.us-east-1.amazonaws.com", "us-east-1"},
		{"ignore keeps Step Functions Local's", "dynamodb", "us-east-1",
			map[string]string{"AWS_ENDPOINT_URL": "http://all:1", "DYNAMODB_ENDPOINT": "http://sfnlocal:4", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
			"", "http://sfnlocal:4", "us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t, tt.env)
			if tt.config != "" {
				if err := os.WriteFile(filepath.Join(os.Getenv("HOME"), "config"), []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			c := newClient(t)
			svc, err := c.catalog.Service(tt.service)
			if err != nil {
				t.Fatal(err)
			}
			ep, err := resolveEndpoint(context.Background(), c.cfg, c.getenv, svc, tt.region)
			if err != nil {
				t.Fatal(err)
			}
			if ep.url.String() != tt.want || ep.signingRegion != tt.signingRegion {
				t.Errorf("got %s (signed for %s), want %s (%s)", ep.url, ep.signingRegion, tt.want, tt.signingRegion)
			}
		})
	}
}

func TestResolveEndpointInvalid(t *testing.T) {
	isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "localhost:8000"})
	c := newClient(t)
	svc, _ := c.catalog.Service("dynamodb")
	if _, err := resolveEndpoint(context.Background(), c.cfg, c.getenv, svc, "us-east-1"); err == nil {
		t.Fatal("an endpoint without a scheme was accepted")
	}
}

func TestVirtualHosted(t *testing.T) {
	tests := []struct{ path, host, wantPath string }{
		{"/my-bucket/a/b.json", "my-bucket.s3.us-east-1.amazonaws.com", "/a/b.json"},
		{"/my-bucket", "my-bucket.s3.us-east-1.amazonaws.com", "/"},
		{"/My_Bucket/k", "s3.us-east-1.amazonaws.com", "/My_Bucket/k"},
		{"/", "s3.us-east-1.amazonaws.com", "/"},
	}
	for _, tt := range tests {
		r := &protocol.Request{Path: tt.path}
		protocol.S3VirtualHosted(r)
		host, path := r.HostPrefix+"s3.us-east-1.amazonaws.com", r.Path
		if host != tt.host || path != tt.wantPath {
			t.Errorf("%s: got %s %s, want %s %s", tt.path, host, path, tt.host, tt.wantPath)
		}
	}
}
