package api

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckMockedFields(t *testing.T) {
	const (
		putEvents = "arn:aws:states:::events:putEvents"
		startExec = "arn:aws:states:::states:startExecution"
		getObject = "arn:aws:states:::aws-sdk:s3:getObject"
		encrypt   = "arn:aws:states:::aws-sdk:kms:encrypt"
		getFunc   = "arn:aws:states:::aws-sdk:lambda:getFunction"
		putItem   = "arn:aws:states:::dynamodb:putItem"
		sqsSend   = "arn:aws:states:::sqs:sendMessage"
	)
	for _, c := range []struct {
		resource, mode, result, want string
	}{
		{putEvents, "", `{"random":"json"}`, ""},
		{putEvents, "", `{"Entries":"x"}`, "Field 'Entries' must be an array"},
		{putEvents, "", `{"Entries":[{"EventId":"a"},{"EventId":[1]}]}`, "Field 'EventId' must be a string"},
		{putEvents, "", `{"FailedEntryCount":"1"}`, "Field 'FailedEntryCount' must be a number"},
		{startExec, "STRICT", `{}`, "Required field 'ExecutionArn' is missing"},
		{startExec, "STRICT", `{"ExecutionArn":"a"}`, "Required field 'StartDate' is missing"},
		{startExec, "STRICT", `{"ExecutionArn":"a","StartDate":"2024-01-01T00:00:00Z"}`, ""},
		{startExec, "PRESENT", `{}`, ""},
		{startExec, "PRESENT", `{"StartDate":1}`, "Field 'StartDate' must be a string"},
		{startExec, "NONE", `{"StartDate":true}`, ""},
		{startExec, "", `{"executionArn":1,"startDate":2}`, "Required field 'ExecutionArn' is missing"},
		{getObject, "", `{"StorageClass":"Papyrus"}`, "Field 'StorageClass' is not an expected value"},
		{getObject, "", `{"StorageClass":"GLACIER","DeleteMarker":"yes"}`, "Field 'DeleteMarker' must be a boolean"},
		{getObject, "", `{"Metadata":{"k":1}}`, "Field 'Metadata' must be a string"},
		{getObject, "", `{"Metadata":[]}`, "Field 'Metadata' must be an object"},
		{encrypt, "", `{"CiphertextBlob":""}`, "Field 'CiphertextBlob' is smaller than the minimum length"},
		{encrypt, "", `{"KeyId":"` + strings.Repeat("k", 2049) + `"}`, "Field 'KeyId' exceeds the maximum length"},
		{getFunc, "", `{"Configuration":{"MemorySize":127}}`, "Field 'MemorySize' is less than the minimum value"},
		{getFunc, "", `{"Configuration":{"MemorySize":99999}}`, "Field 'MemorySize' exceeds the maximum value"},
		{getFunc, "", `{"Configuration":"x"}`, "Field 'Configuration' must be an object"},
		{putItem, "", `{"ConsumedCapacity":{"CapacityUnits":"1.5"}}`, "Field 'CapacityUnits' must be a number"},
		{putItem, "", `{"ConsumedCapacity":{"CapacityUnits":1.5}}`, ""},
		// Not the API's output, or no model: nothing to check.
		{sqsSend + ".waitForTaskToken", "", `{"MessageId":1}`, ""},
		{"arn:aws:states:::states:startExecution.sync:2", "", `{}`, ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:f", "", `{"StatusCode":"x"}`, ""},
		{"arn:aws:states:::apigateway:invoke", "", `{"StatusCode":"x"}`, ""},
		{sqsSend, "", `null`, ""},
	} {
		err := checkMockedFields(c.resource, c.mode, c.result)
		got := ""
		var ae *Error
		if errors.As(err, &ae) {
			got = ae.Message
		} else if err != nil {
			got = err.Error()
		}
		want := c.want
		if want != "" {
			want = "Mock result schema validation error: " + want
		}
		if got != want {
			t.Errorf("%s %s %s: got %q, want %q", c.resource, c.mode, c.result, got, want)
		}
	}
	if err := checkMockedFields(sqsSend, "", `"text"`); err == nil {
		t.Error("a mocked result that is no object passed the check of an API whose output is a structure")
	}
}
