package awssdk_test

import (
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/internal/awstest"
)

// TestS3Tasks runs aws-sdk:s3 tasks against gofakes3 through real executions: a bucket, an
// object put as JSON and read back as text, a listing, and the recorded NoSuchKey and
// NoSuchBucket errors caught by name.
func TestS3Tasks(t *testing.T) {
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_S3": awstest.S3(t)})
	s := newStack(t)
	def := `{"StartAt":"Bucket","States":{
		"Bucket":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:createBucket","Parameters":{"Bucket":"orders"},"ResultPath":null,"Next":"Put"},
		"Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject","Parameters":{"Bucket":"orders","Key":"a/1.json","Body":{"id":1,"item":"tea"}},
			"ResultSelector":{"ETag.$":"$.ETag"},"ResultPath":"$.put","Next":"Get"},
		"Get":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"orders","Key":"a/1.json"},
			"ResultSelector":{"Body.$":"$.Body","ContentLength.$":"$.ContentLength"},"ResultPath":"$.get","Next":"List"},
		"List":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:listObjectsV2","Parameters":{"Bucket":"orders","Prefix":"a/"},
			"ResultSelector":{"KeyCount.$":"$.KeyCount","Keys.$":"$.Contents[*].Key"},"ResultPath":"$.list","Next":"Missing"},
		"Missing":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"orders","Key":"no_such_key.json"},
			"Catch":[{"ErrorEquals":["S3.NoSuchKeyException"],"ResultPath":"$.missing","Next":"NoBucket"}],"End":true},
		"NoBucket":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:listObjects","Parameters":{"Bucket":"someNonexistentBucketName"},
			"Catch":[{"ErrorEquals":["S3.NoSuchBucketException"],"ResultPath":"$.nobucket","Next":"Done"}],"End":true},
		"Done":{"Type":"Succeed"}}}`
	done, _ := s.run(t, "s3", def, `{}`)
	if done.Status != "SUCCEEDED" {
		t.Fatalf("%s: %v %v", done.Status, str(done.Error), str(done.Cause))
	}
	out, _ := value.DecodeMaps([]byte(*done.Output))
	m := out.(map[string]any)
	if got := value.Encode(m["get"]); got != `{"Body":"{\"id\":1,\"item\":\"tea\"}","ContentLength":21}` {
		t.Errorf("getObject: %s", got)
	}
	if got := value.Encode(m["list"]); got != `{"KeyCount":1,"Keys":["a/1.json"]}` {
		t.Errorf("listObjectsV2: %s", got)
	}
	// The message is the server's own (AWS: "The specified key does not exist."; gofakes3
	// says "NoSuchKey"), the frame around it the Java SDK's, as recorded.
	for k, want := range map[string]string{"missing": "NoSuchKey (Service: S3, Status Code: 404, Request ID: ",
		"nobucket": "The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: "} {
		cause, _ := m[k].(map[string]any)["Cause"].(string)
		if !strings.HasPrefix(cause, want) || !strings.Contains(cause, "Extended Request ID: ") {
			t.Errorf("%s: cause %q, want %q...", k, cause, want)
		}
	}
}

// TestSQSAndSNSTasks runs aws-sdk:sqs and aws-sdk:sns tasks against goaws, which speaks only
// the query protocol: SQS's JSON model is spoken as query once the endpoint refuses JSON. A
// message sent, received and deleted; a topic that delivers to the queue; a missing queue
// caught as Sqs.QueueDoesNotExistException.
func TestSQSAndSNSTasks(t *testing.T) {
	url := awstest.GoAWS(t)
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_SQS": url, "AWS_ENDPOINT_URL_SNS": url})
	s := newStack(t)
	q := "q-" + strings.ReplaceAll(t.Name(), "/", "-")
	def := `{"StartAt":"Queue","States":{
		"Queue":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:createQueue","Parameters":{"QueueName":"` + q + `"},"ResultPath":"$.queue","Next":"Send"},
		"Send":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:sendMessage","Parameters":{"QueueUrl.$":"$.queue.QueueUrl","MessageBody":"hello",
			"MessageAttributes":{"kind":{"DataType":"String","StringValue":"greeting"}}},"ResultSelector":{"MessageId.$":"$.MessageId"},"ResultPath":"$.sent","Next":"Receive"},
		"Receive":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:receiveMessage","Parameters":{"QueueUrl.$":"$.queue.QueueUrl","MaxNumberOfMessages":1,"WaitTimeSeconds":1},
			"ResultSelector":{"Body.$":"$.Messages[0].Body","Handle.$":"$.Messages[0].ReceiptHandle"},"ResultPath":"$.received","Next":"Delete"},
		"Delete":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:deleteMessage","Parameters":{"QueueUrl.$":"$.queue.QueueUrl","ReceiptHandle.$":"$.received.Handle"},
			"ResultPath":null,"Next":"Topic"},
		"Topic":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sns:createTopic","Parameters":{"Name":"t-` + q + `"},"ResultPath":"$.topic","Next":"Publish"},
		"Publish":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sns:publish","Parameters":{"TopicArn.$":"$.topic.TopicArn","Message":"news"},
			"ResultSelector":{"MessageId.$":"$.MessageId"},"ResultPath":"$.published","Next":"NoQueue"},
		"NoQueue":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:sendMessage","Parameters":{"QueueUrl":"` + url + `/000000000000/no-such-queue","MessageBody":"x"},
			"Catch":[{"ErrorEquals":["Sqs.QueueDoesNotExistException"],"ResultPath":"$.noqueue","Next":"Done"}],"End":true},
		"Done":{"Type":"Succeed"}}}`
	done, _ := s.run(t, "sqs", def, `{}`)
	if done.Status != "SUCCEEDED" {
		t.Fatalf("%s: %v %v", done.Status, str(done.Error), str(done.Cause))
	}
	out, _ := value.DecodeMaps([]byte(*done.Output))
	m := out.(map[string]any)
	if body := m["received"].(map[string]any)["Body"]; body != "hello" {
		t.Errorf("received %v", body)
	}
	if id, _ := m["published"].(map[string]any)["MessageId"].(string); id == "" {
		t.Errorf("publish: %v", m["published"])
	}
	if e := m["noqueue"].(map[string]any)["Error"]; e != "Sqs.QueueDoesNotExistException" {
		t.Errorf("missing queue: %v", m["noqueue"])
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
