package optimized

// service is what Step Functions' optimized integration knows of an AWS service.
type service struct {
	// prefix starts the service's error names: "DynamoDB" in DynamoDB.ResourceNotFoundException.
	prefix string
	// client is the AWS SDK for Java v1 client's service name, the "Service:" of an error's
	// cause: the client class name without "Client" (AmazonDynamoDBClient of package
	// dynamodbv2 says AmazonDynamoDBv2, AmazonSNSClient AmazonSNS).
	client string
	// exception is the client's exception class for unmodelled errors: the base of
	// <prefix>.<exception> (AmazonDynamoDBException, AmazonSQSException).
	exception string
	// sdk is the service's name in the model-driven client (Request.Service).
	sdk string
}

// services maps a resource's service ("dynamodb" in arn:aws:states:::dynamodb:putItem).
// Recorded against AWS: DynamoDB/AmazonDynamoDBv2, SQS/AmazonSQS, SNS/AmazonSNS,
// EventBridge.FailedEntry. The other client names follow the Java SDK v1 class names
// (AmazonECSClient, AWSBatchClient, AWSGlueClient, AmazonAthenaClient, AWSCodeBuildClient,
// AmazonEventBridgeClient, AmazonBedrockRuntimeClient).
var services = map[string]service{
	"dynamodb":   {"DynamoDB", "AmazonDynamoDBv2", "AmazonDynamoDBException", "dynamodb"},
	"sqs":        {"SQS", "AmazonSQS", "AmazonSQSException", "sqs"},
	"sns":        {"SNS", "AmazonSNS", "AmazonSNSException", "sns"},
	"events":     {"EventBridge", "AmazonEventBridge", "AmazonEventBridgeException", "eventbridge"},
	"ecs":        {"ECS", "AmazonECS", "AmazonECSException", "ecs"},
	"batch":      {"Batch", "AWSBatch", "AWSBatchException", "batch"},
	"glue":       {"Glue", "AWSGlue", "AWSGlueException", "glue"},
	"athena":     {"Athena", "AmazonAthena", "AmazonAthenaException", "athena"},
	"codebuild":  {"CodeBuild", "AWSCodeBuild", "AWSCodeBuildException", "codebuild"},
	"bedrock":    {"Bedrock", "AmazonBedrockRuntime", "AmazonBedrockRuntimeException", "bedrockruntime"},
	"apigateway": {"ApiGateway", "", "", ""},
}

// kind is how an API runs.
type kind int

const (
	plain   kind = iota // one call; the result with the SDK's HTTP metadata
	bare                // one call; the result as is (events:putEvents, bedrock:invokeModel)
	job                 // one call, and with .sync a job polled until it ends
	gateway             // apigateway:invoke, an HTTP call of its own
)

// apis are the integrations this package runs: "<service>:<api>", and the patterns each
// accepts beyond request-response, as asl/validate_resource.go's table (AWS's) allows them.
var apis = map[string]struct {
	kind     kind
	callback bool // .waitForTaskToken
	sync     bool // .sync
}{
	"dynamodb:getItem":           {plain, false, false},
	"dynamodb:putItem":           {plain, false, false},
	"dynamodb:updateItem":        {plain, false, false},
	"dynamodb:deleteItem":        {plain, false, false},
	"sqs:sendMessage":            {plain, true, false},
	"sns:publish":                {plain, true, false},
	"events:putEvents":           {bare, true, false},
	"apigateway:invoke":          {gateway, true, false},
	"bedrock:invokeModel":        {bare, false, false},
	"ecs:runTask":                {job, true, true},
	"batch:submitJob":            {job, true, true},
	"glue:startJobRun":           {job, false, true},
	"athena:startQueryExecution": {job, false, true},
	"codebuild:startBuild":       {job, false, true},
}
