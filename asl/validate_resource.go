package asl

import (
	"regexp"
	"strings"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// arn is an Amazon Resource Name split into its parts.
type arn struct {
	partition, service, region, account, resource string
}

var partitions = setOf("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")

func parseARN(s string) (arn, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !partitions[parts[1]] {
		return arn{}, false
	}
	return arn{parts[1], parts[2], parts[3], parts[4], parts[5]}, true
}

// Integration patterns a service API supports.
const (
	patRequest  = 1 << iota // request-response: no suffix
	patSync                 // .sync: run a job
	patSync2                // .sync:2: run a job, JSON output
	patCallback             // .waitForTaskToken
)

// optimizedIntegrations are the service APIs Step Functions calls with arn:aws:states:::<service>:<api>.
var optimizedIntegrations = map[string]map[string]int{
	"lambda":   {"invoke": patRequest | patCallback},
	"batch":    {"submitJob": patRequest | patSync | patCallback},
	"dynamodb": {"getItem": patRequest, "putItem": patRequest, "deleteItem": patRequest, "updateItem": patRequest},
	"ecs":      {"runTask": patRequest | patSync | patCallback},
	"sns":      {"publish": patRequest | patCallback},
	"sqs":      {"sendMessage": patRequest | patCallback},
	"glue":     {"startJobRun": patRequest | patSync},
	"sagemaker": {"createEndpoint": patRequest, "createEndpointConfig": patRequest, "createModel": patRequest,
		"updateEndpoint": patRequest, "createHyperParameterTuningJob": patRequest | patSync,
		"createLabelingJob": patRequest | patSync, "createProcessingJob": patRequest | patSync,
		"createTrainingJob": patRequest | patSync, "createTransformJob": patRequest | patSync},
	"elasticmapreduce": {"createCluster": patRequest | patSync, "terminateCluster": patRequest | patSync,
		"addStep": patRequest | patSync, "cancelStep": patRequest, "setClusterTerminationProtection": patRequest,
		"modifyInstanceFleetByName": patRequest, "modifyInstanceGroupByName": patRequest},
	"emr-containers": {"createVirtualCluster": patRequest, "deleteVirtualCluster": patRequest | patSync,
		"startJobRun": patRequest | patSync},
	"emr-serverless": {"createApplication": patRequest | patSync, "startApplication": patRequest | patSync,
		"stopApplication": patRequest | patSync, "deleteApplication": patRequest | patSync,
		"startJobRun": patRequest | patSync, "cancelJobRun": patRequest | patSync},
	"codebuild": {"startBuild": patRequest | patSync, "stopBuild": patRequest, "batchDeleteBuilds": patRequest,
		"batchGetReports": patRequest, "startBuildBatch": patRequest | patSync, "stopBuildBatch": patRequest,
		"retryBuildBatch": patRequest | patSync, "deleteBuildBatch": patRequest},
	"athena": {"startQueryExecution": patRequest | patSync, "stopQueryExecution": patRequest,
		"getQueryExecution": patRequest, "getQueryResults": patRequest},
	"states":     {"startExecution": patRequest | patSync | patSync2 | patCallback},
	"events":     {"putEvents": patRequest | patCallback},
	"apigateway": {"invoke": patRequest | patCallback},
	"eks": {"createCluster": patRequest | patSync, "deleteCluster": patRequest | patSync,
		"createFargateProfile": patRequest | patSync, "deleteFargateProfile": patRequest | patSync,
		"createNodegroup": patRequest | patSync, "deleteNodegroup": patRequest | patSync,
		"runJob": patRequest | patSync, "call": patRequest},
	"databrew":     {"startJobRun": patRequest | patSync},
	"mediaconvert": {"createJob": patRequest | patSync},
	"bedrock": {"invokeModel": patRequest, "createModelCustomizationJob": patRequest | patSync,
		"createModelInvocationJob": patRequest},
	"http": {"invoke": patRequest},
}

var (
	sdkService   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	sdkAction    = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
	region       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	account      = regexp.MustCompile(`^[0-9]{12}$`)
	activityName = regexp.MustCompile(`^[^\s<>{}\[\]?*"#%\\^|~` + "`" + `$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$`)
	lambdaPart   = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	functionName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,140}(:[A-Za-z0-9_$-]{1,128})?$`)
)

// taskResource says what a Task's Resource names.
type taskResource int

const (
	resUnknown taskResource = iota
	resIntegration
	resActivity
	resLambda
)

// classifyResource recognises a Task resource and its integration pattern.
func classifyResource(res string) (taskResource, int) {
	a, ok := parseARN(res)
	if !ok {
		return resUnknown, 0
	}
	switch a.service {
	case "states":
		if a.region == "" && a.account == "" {
			return integration(a.resource)
		}
		if region.MatchString(a.region) && account.MatchString(a.account) {
			if name, ok := strings.CutPrefix(a.resource, "activity:"); ok {
				if activityName.MatchString(name) {
					return resActivity, patCallback
				}
				return resUnknown, 0
			}
			// Published, deployed machines name integrations with a region and an account
			// (arn:aws:states:us-east-1:123456789012:athena:startQueryExecution.sync); AWS
			// accepts them as the integration the rest names.
			return integration(a.resource)
		}
	case "lambda":
		// A function ARN with neither region nor account (arn:aws:lambda:::function:f) is
		// accepted as AWS accepts it; the function is the execution's region and account's.
		// Nor does AWS check the region and account of a function ARN for their form: a
		// published template's placeholder arn:aws:lambda:your-region:your-account-id:function:f
		// passes (test_state/test_state_configuration).
		if a.region == "" && a.account == "" || lambdaPart.MatchString(a.region) && lambdaPart.MatchString(a.account) {
			if name, ok := strings.CutPrefix(a.resource, "function:"); ok && functionName.MatchString(name) {
				return resLambda, patRequest
			}
		}
	}
	return resUnknown, 0
}

// integration recognises "<service>:<api>[.sync|.sync:2|.waitForTaskToken]" and
// "aws-sdk:<service>:<action>[.waitForTaskToken]".
func integration(r string) (taskResource, int) {
	pattern := patRequest
	switch {
	case strings.HasSuffix(r, ".sync:2"):
		pattern, r = patSync2, strings.TrimSuffix(r, ".sync:2")
	case strings.HasSuffix(r, ".sync"):
		pattern, r = patSync, strings.TrimSuffix(r, ".sync")
	case strings.HasSuffix(r, ".waitForTaskToken"):
		pattern, r = patCallback, strings.TrimSuffix(r, ".waitForTaskToken")
	}
	if rest, ok := strings.CutPrefix(r, "aws-sdk:"); ok {
		service, action, ok := strings.Cut(rest, ":")
		if ok && sdkService.MatchString(service) && sdkAction.MatchString(action) && pattern&(patRequest|patCallback) != 0 &&
			sdkActionExists(service, action) {
			return resIntegration, pattern
		}
		return resUnknown, 0
	}
	service, api, ok := strings.Cut(r, ":")
	if !ok {
		return resUnknown, 0
	}
	if optimizedIntegrations[service][api]&pattern == 0 {
		return resUnknown, 0
	}
	return resIntegration, pattern
}

// sdkActionExists tells whether an aws-sdk resource names a service and action of the AWS API
// models Stepwise embeds: AWS refuses any other at CreateStateMachine as not recognized, and
// so the actions its list of supported services gives as unsupported (sdkUnsupported).
// Actions are spelled as Step Functions spells them, the model's name with a lower-case first
// letter (putItem for PutItem).
func sdkActionExists(service, action string) bool {
	e := model.Embedded().Lookup(service)
	if e == nil || sdkUnsupported[service+":"+action] {
		return false
	}
	for _, op := range e.Operations {
		if model.ActionName(op) == action {
			return true
		}
	}
	return false
}

// resource checks a Task's Resource, and what an Express machine cannot use.
func (v *validator) resource(res, at string) {
	kind, pattern := classifyResource(res)
	if kind == resUnknown {
		v.fail(at, msgNotRecognized, res)
		return
	}
	if !v.express {
		return
	}
	switch {
	case kind == resActivity:
		v.fail(at, msgExpressActivity)
	case pattern&(patSync|patSync2) != 0:
		v.fail(at, msgExpressSync)
	case pattern == patCallback:
		v.fail(at, msgExpressCallback)
	}
}

// sdkUnsupported are the "Unsupported operations" of AWS's list of supported aws-sdk services
// (supported-services-awssdk) that the embedded models hold: event streams, and actions the
// SDK integration leaves out (STS's AssumeRole family, Lambda's InvokeAsync, ...). The others
// it lists (Security Lake's *Datalake* actions, ...) are in no model, so refused already.
var sdkUnsupported = setOf(
	"applicationdiscovery:describeExportConfigurations", "applicationdiscovery:exportConfigurations",
	"bedrockruntime:invokeModelWithResponseStream", "bedrockruntime:converseStream",
	"bedrockagentruntime:invokeAgent", "bedrockagentruntime:invokeFlow", "bedrockagentruntime:invokeInlineAgent",
	"bedrockagentruntime:optimizePrompt", "bedrockagentruntime:retrieveAndGenerateStream",
	"cloudwatchlogs:startLiveTail",
	"codedeploy:batchGetDeploymentInstances", "codedeploy:getDeploymentInstance", "codedeploy:listDeploymentInstances",
	"codedeploy:skipWaitTimeForInstanceTermination",
	"comprehendmedical:detectEntities",
	"dataexchange:sendApiAsset",
	"directconnect:allocateConnectionOnInterconnect", "directconnect:describeConnectionLoa",
	"directconnect:describeConnectionsOnInterconnect", "directconnect:describeInterconnectLoa",
	"efs:createTags",
	"emr:describeJobFlows",
	"iot:attachPrincipalPolicy", "iot:listPrincipalPolicies", "iot:detachPrincipalPolicy", "iot:listPolicyPrincipals",
	"iotsitewise:invokeAssistant",
	"kinesis:subscribeToShard",
	"lambda:invokeAsync", "lambda:invokeWithResponseStream",
	"lexruntimev2:startConversation",
	"mediapackage:rotateChannelCredentials",
	"qbusiness:chat",
	"rdsdata:executeSql",
	"s3:selectObjectContent",
	"sagemakerruntime:invokeEndpointWithResponseStream",
	"sts:assumeRole", "sts:assumeRoleWithSAML", "sts:assumeRoleWithWebIdentity",
	"shield:deleteSubscription",
)
