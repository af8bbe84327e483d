package awssdk

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// sfnLocalVariables are Step Functions Local's endpoint settings, by the Step Functions
// name of the service they point (its documented list, plus EVENTBRIDGE_ENDPOINT, which
// projects set up for LocalStack's Step Functions use). STEP_FUNCTIONS_ENDPOINT has no entry:
// Step Functions is Stepwise itself and stays in process.
var sfnLocalVariables = map[string]string{
	"lambda":      "LAMBDA_ENDPOINT",
	"batch":       "BATCH_ENDPOINT",
	"dynamodb":    "DYNAMODB_ENDPOINT",
	"ecs":         "ECS_ENDPOINT",
	"glue":        "GLUE_ENDPOINT",
	"sagemaker":   "SAGE_MAKER_ENDPOINT",
	"sqs":         "SQS_ENDPOINT",
	"sns":         "SNS_ENDPOINT",
	"eventbridge": "EVENTBRIDGE_ENDPOINT",
}

// endpoint is where a service's calls go.
type endpoint struct {
	url *url.URL
	// configured is true for an endpoint the user set (S3 then uses path-style addressing,
	// and a missing credential is replaced by a placeholder: local servers check only that
	// requests are signed).
	configured bool
	// signingRegion is the region requests are signed for (us-east-1 for global endpoints).
	signingRegion string
}

// resolveEndpoint chooses a service's endpoint for a region, in the AWS SDKs' order of
// precedence, then Step Functions Local's variables, then AWS's own endpoint.
func resolveEndpoint(ctx context.Context, cfg aws.Config, getenv func(string) string, svc *model.Service, region string) (endpoint, error) {
	if u, ok := userEndpoint(ctx, cfg, getenv, svc); ok {
		return parseEndpoint(u, region)
	}
	return awsEndpoint(svc, region)
}

// userEndpoint is the endpoint URL a user set for a service: the SDK settings', else Step
// Functions Local's variable for it.
func userEndpoint(ctx context.Context, cfg aws.Config, getenv func(string) string, svc *model.Service) (string, bool) {
	if u, ok := configuredEndpoint(ctx, cfg, svc.Metadata.ServiceID); ok {
		return u, true
	}
	if v := sfnLocalVariables[svc.Name]; v != "" {
		if u := getenv(v); u != "" {
			return u, true
		}
	}
	return "", false
}

// ConfiguredEndpoint is the endpoint URL a user set for a service (by its Step Functions name:
// lambda, dynamodb), through the SDK settings or Step Functions Local's variables; false when
// its calls go to AWS's own endpoint.
func (c *Client) ConfiguredEndpoint(ctx context.Context, service string) (string, bool) {
	svc, err := c.catalog.Service(service)
	if err != nil {
		return "", false
	}
	return userEndpoint(ctx, c.cfg, c.getenv, svc)
}

// configuredEndpoint is the endpoint URL the SDK settings give a service: the service's own
// (AWS_ENDPOINT_URL_<SERVICE>, the config file's services section) before the global ones
// (AWS_ENDPOINT_URL, endpoint_url), none when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is set.
func configuredEndpoint(ctx context.Context, cfg aws.Config, serviceID string) (string, bool) {
	if ignore, found, _ := config.GetIgnoreConfiguredEndpoints(ctx, cfg.ConfigSources); found && ignore {
		return "", false
	}
	type serviceEndpoint interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(serviceEndpoint); ok {
			if u, found, err := p.GetServiceBaseEndpoint(ctx, serviceID); err == nil && found && u != "" {
				return u, true
			}
		}
	}
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		return *cfg.BaseEndpoint, true
	}
	return "", false
}

func parseEndpoint(raw, region string) (endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return endpoint{}, fmt.Errorf("the endpoint URL %q is not an http or https URL", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return endpoint{url: u, configured: true, signingRegion: region}, nil
}

// awsEndpoint is a service's endpoint on AWS: https://<endpointPrefix>.<region>.<dnsSuffix>,
// or its global endpoint, which is signed for us-east-1 (aws-cn-global: cn-north-1).
func awsEndpoint(svc *model.Service, region string) (endpoint, error) {
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	if g := svc.Metadata.GlobalEndpoint; g != "" && !strings.HasPrefix(region, "cn-") {
		return endpoint{url: &url.URL{Scheme: "https", Host: g}, signingRegion: "us-east-1"}, nil
	}
	if svc.Metadata.EndpointPrefix == "" {
		return endpoint{}, fmt.Errorf("the model of %s names no endpoint", svc.Name)
	}
	host := fmt.Sprintf("%s.%s.%s", svc.Metadata.EndpointPrefix, region, suffix)
	return endpoint{url: &url.URL{Scheme: "https", Host: host}, signingRegion: region}, nil
}
