// Package awssdk runs the aws-sdk Task states, arn:aws:states:::aws-sdk:<service>:<action>
// [.waitForTaskToken], for every service AWS publishes a model of, through one client driven
// by the services' API models (package model) and the AWS protocols (package protocol).
//
// A Call names a service as Step Functions does (dynamodb, s3, secretsmanager), an action
// (putItem) and the task's parameters in PascalCase. The Client finds the operation in the
// service's model, encodes the parameters with the first of the model's protocols that has a
// codec, sends the request to the service's endpoint signed with SigV4, and renders the
// answer as an aws-sdk task returns it: PascalCase members, no SDK metadata.
//
// # Where calls go
//
// Endpoints are chosen as the AWS SDKs choose them (the SDK for Go v2's config package reads
// the settings): AWS_ENDPOINT_URL_<SERVICE_ID> and the shared config file's services section
// for one service, then AWS_ENDPOINT_URL and the profile's endpoint_url for all, unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. Below these come Step Functions Local's
// variables (DYNAMODB_ENDPOINT, SQS_ENDPOINT, ...), so that a project set up for Step
// Functions Local runs unchanged. With none of them, calls go to AWS itself: the service's
// regional endpoint, or its global one (IAM, CloudFront, Route 53). S3 is addressed
// virtual-hosted style on AWS and path style on a configured endpoint, as the SDKs do.
//
// Credentials come from the default chain (environment, shared files, SSO, container and
// instance roles). With Options.AssumeRole each call is made as the execution's role, assumed
// through STS and cached until it expires, so that AWS enforces the role as it does in the
// cloud. A credential never appears in an error, a log or a result.
//
// # Errors
//
// A service error is a *ServiceError; its TaskError names it as Step Functions does:
// <ClientName>.<ErrorShape>Exception for errors the model declares (DynamoDb.
// ResourceNotFoundException, S3.NoSuchKeyException), the client's base exception otherwise
// (DynamoDb.DynamoDbException), with the Java SDK's cause text. A call that gets no answer
// (refused connection, timeout) fails with <ClientName>.SdkClientException. Parameters that
// do not fit the model fail the task with States.Runtime before anything is sent.
//
// docs/integrations.md describes all of this for users, with the decisions taken where AWS
// does not say.
package awssdk
