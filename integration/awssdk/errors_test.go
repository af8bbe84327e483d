package awssdk

import (
	"testing"

	"github.com/stepwise-run/stepwise/integration/awssdk/model"
)

// TestServiceErrorNames: errors are named as the recordings and AWS's documentation name them.
func TestServiceErrorNames(t *testing.T) {
	tests := []struct {
		service, code, msg string
		status             int
		name, cause        string
	}{
		{"dynamodb", "ResourceNotFoundException", "Requested resource not found", 400,
			"DynamoDb.ResourceNotFoundException", "Requested resource not found (Service: DynamoDb, Status Code: 400, Request ID: R1)"},
		{"dynamodb", "ValidationException", "1 validation error detected", 400,
			"DynamoDb.DynamoDbException", "1 validation error detected (Service: DynamoDb, Status Code: 400, Request ID: R1)"},
		{"secretsmanager", "ValidationException", "Invalid name.", 400,
			"SecretsManager.SecretsManagerException", "Invalid name. (Service: SecretsManager, Status Code: 400, Request ID: R1)"},
		{"s3", "NoSuchKey", "The specified key does not exist.", 404,
			"S3.NoSuchKeyException", "The specified key does not exist. (Service: S3, Status Code: 404, Request ID: R1, Extended Request ID: X1)"},
		{"s3", "NoSuchBucket", "The specified bucket does not exist", 404,
			"S3.NoSuchBucketException", "The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: R1, Extended Request ID: X1)"},
		{"sqs", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", 400,
			"Sqs.QueueDoesNotExistException", "The specified queue does not exist. (Service: Sqs, Status Code: 400, Request ID: R1)"},
		{"sqs", "QueueDoesNotExist", "The specified queue does not exist.", 400,
			"Sqs.QueueDoesNotExistException", "The specified queue does not exist. (Service: Sqs, Status Code: 400, Request ID: R1)"},
		{"sqs", "AWS.SimpleQueueService.PurgeQueueInProgress", "wait", 400,
			"Sqs.PurgeQueueInProgressException", "wait (Service: Sqs, Status Code: 400, Request ID: R1)"},
		{"sqs", "QueueAlreadyExists", "exists", 400, "Sqs.QueueNameExistsException", "exists (Service: Sqs, Status Code: 400, Request ID: R1)"},
		{"iam", "NoSuchEntity", "The role with name r cannot be found.", 404,
			"Iam.NoSuchEntityException", "The role with name r cannot be found. (Service: Iam, Status Code: 404, Request ID: R1)"},
		{"acmpca", "ResourceNotFoundException", "gone", 400, "AcmPca.ResourceNotFoundException", "gone (Service: AcmPca, Status Code: 400, Request ID: R1)"},
		{"dynamodb", "", "", 503, "DynamoDb.DynamoDbException", "Service returned HTTP status code 503 (Service: DynamoDb, Status Code: 503, Request ID: R1)"},
	}
	for _, tt := range tests {
		t.Run(tt.service+"/"+tt.code, func(t *testing.T) {
			svc, err := model.Embedded().Service(tt.service)
			if err != nil {
				t.Fatal(err)
			}
			te := newServiceError(svc, tt.code, tt.msg, tt.status, "R1", "X1").TaskError()
			if te.Name != tt.name || te.Cause != tt.cause {
				t.Errorf("got %s %q\nwant %s %q", te.Name, te.Cause, tt.name, tt.cause)
			}
		})
	}
}
