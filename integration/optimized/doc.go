// Package optimized runs Step Functions' optimized service integrations: the Task resources
// arn:aws:states:::<service>:<api>[.sync|.waitForTaskToken] whose request and result Step
// Functions shapes itself, as opposed to the generic arn:aws:states:::aws-sdk:* ones.
//
// A Handler turns a task's parameters into one or more AWS API calls made through a Caller
// (the model-driven client of integration/awssdk, behind a small adapter), and renders the
// answer as Step Functions does:
//
//   - request-response results are the AWS SDK for Java v1 result objects, PascalCase, plus
//     SdkHttpMetadata (AllHttpHeaders: every header as a list; HttpHeaders: one value each;
//     HttpStatusCode) and SdkResponseMetadata {RequestId}, built from the real response's
//     headers; events:putEvents and bedrock:invokeModel carry no metadata, as recorded;
//   - service errors are named <Prefix>.<Exception> for modelled errors and
//     <Prefix>.<V1Client>Exception for the others (DynamoDB.ResourceNotFoundException,
//     DynamoDB.AmazonDynamoDBException), with the Java SDK's cause text
//     "<msg> (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: <code>; Request ID:
//     <id>; Proxy: null)"; a request that gets no answer is <Prefix>.SdkClientException;
//   - .sync jobs (ecs:runTask, batch:submitJob, glue:startJobRun,
//     athena:startQueryExecution, codebuild:startBuild) report the submission with
//     runner.Submit, poll the job's describe call every PollInterval until it ends, return
//     the final description, fail with States.TaskFailed and the description as cause when
//     the job failed, and stop the job when the task is no longer wanted;
//   - apigateway:invoke calls the API itself over HTTP (SigV4 for AuthType IAM_ROLE).
//
// services.go holds the table of services: their error prefix, their Java SDK v1 client name
// (the "Service:" of a cause) and which APIs run how. docs/integrations.md lists
// every integration, what it was tested against and the choices made where AWS is silent.
package optimized
