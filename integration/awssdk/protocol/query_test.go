package protocol

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/internal/awstest"
)

// TestSQSQueryAgainstGoaws speaks query to goaws from SQS's JSON model.
func TestSQSQueryAgainstGoaws(t *testing.T) {
	base := awstest.GoAWS(t)
	svc := svcModel(t, "sqs")
	c := For("query")
	name := "q-" + strings.ReplaceAll(t.Name(), "/", "-")

	out := mustCall(t, c, base, svc, "createQueue", paramsOf(t, fmt.Sprintf(`{"QueueName":%q,"Attributes":{"VisibilityTimeout":"0"}}`, name)))
	qurl, _ := out["QueueUrl"].(string)
	if !strings.HasSuffix(qurl, "/"+name) {
		t.Fatalf("createQueue = %s", jsonText(out))
	}
	got := mustCall(t, c, base, svc, "getQueueUrl", paramsOf(t, fmt.Sprintf(`{"QueueName":%q}`, name)))
	if got["QueueUrl"] != qurl {
		t.Errorf("getQueueUrl = %s, want %s", jsonText(got), qurl)
	}
	attrs := mustCall(t, c, base, svc, "getQueueAttributes", paramsOf(t, fmt.Sprintf(`{"QueueUrl":%q,"AttributeNames":["All"]}`, qurl)))
	if a, _ := attrs["Attributes"].(map[string]any); a["QueueArn"] != "arn:aws:sqs:us-east-1:000000000000:"+name {
		t.Errorf("getQueueAttributes = %s", jsonText(attrs))
	}

	sent := mustCall(t, c, base, svc, "sendMessage", paramsOf(t, fmt.Sprintf(`{"QueueUrl":%q,"MessageBody":"{\"hello\":\"world\"}","MessageAttributes":{"color":{"DataType":"String","StringValue":"blue"},"size":{"DataType":"Number","StringValue":"3"}}}`, qurl)))
	if sent["MessageId"] == nil || sent["MD5OfMessageBody"] != "fbc24bcc7a1794758fc1327fcfebdaf6" {
		t.Errorf("sendMessage = %s", jsonText(sent))
	}
	recv := mustCall(t, c, base, svc, "receiveMessage", paramsOf(t, fmt.Sprintf(`{"QueueUrl":%q,"MaxNumberOfMessages":10,"MessageAttributeNames":["All"],"WaitTimeSeconds":1}`, qurl)))
	msgs, _ := recv["Messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("receiveMessage = %s", jsonText(recv))
	}
	msg := msgs[0].(map[string]any)
	if msg["Body"] != `{"hello":"world"}` || msg["MessageId"] != sent["MessageId"] || msg["ReceiptHandle"] == nil {
		t.Errorf("message = %s", jsonText(msg))
	}
	ma, _ := msg["MessageAttributes"].(map[string]any)
	if color, _ := ma["color"].(map[string]any); color["StringValue"] != "blue" || color["DataType"] != "String" {
		t.Errorf("MessageAttributes = %s", jsonText(msg["MessageAttributes"]))
	}
	mustCall(t, c, base, svc, "deleteMessage", map[string]any{"QueueUrl": qurl, "ReceiptHandle": msg["ReceiptHandle"]})
	time.Sleep(10 * time.Millisecond)
	recv = mustCall(t, c, base, svc, "receiveMessage", paramsOf(t, fmt.Sprintf(`{"QueueUrl":%q,"WaitTimeSeconds":0}`, qurl)))
	if m, _ := recv["Messages"].([]any); len(m) != 0 {
		t.Errorf("after deleteMessage: %s", jsonText(recv))
	}

	// A missing queue: query code AWS.SimpleQueueService.NonExistentQueue, the exception
	// AWS SDKs (and so Step Functions) name QueueDoesNotExist.
	missing := strings.Replace(qurl, name, name+"-missing", 1)
	_, code, msg2, resp := call(t, c, base, svc, "sendMessage", paramsOf(t, fmt.Sprintf(`{"QueueUrl":%q,"MessageBody":"x"}`, missing)))
	if code != "QueueDoesNotExist" || resp.Status != 400 || !strings.Contains(msg2, "does not exist") {
		t.Errorf("missing queue: %d %q %q\n%s", resp.Status, code, msg2, resp.Body)
	}
}

// TestSNSQueryAgainstGoaws publishes through goaws to an SQS subscriber.
func TestSNSQueryAgainstGoaws(t *testing.T) {
	base := awstest.GoAWS(t)
	sns, sqs := svcModel(t, "sns"), svcModel(t, "sqs")
	c := For("query")
	name := "t-" + strings.ReplaceAll(t.Name(), "/", "-")

	topic := mustCall(t, c, base, sns, "createTopic", paramsOf(t, fmt.Sprintf(`{"Name":%q}`, name)))
	arn, _ := topic["TopicArn"].(string)
	if !strings.HasSuffix(arn, ":"+name) {
		t.Fatalf("createTopic = %s", jsonText(topic))
	}
	q := mustCall(t, c, base, sqs, "createQueue", paramsOf(t, fmt.Sprintf(`{"QueueName":%q}`, name+"-sub")))
	qurl := q["QueueUrl"].(string)
	sub := mustCall(t, c, base, sns, "subscribe", paramsOf(t, fmt.Sprintf(`{"TopicArn":%q,"Protocol":"sqs","Endpoint":"arn:aws:sqs:us-east-1:000000000000:%s-sub","Attributes":{"RawMessageDelivery":"true"}}`, arn, name)))
	if s, _ := sub["SubscriptionArn"].(string); !strings.HasPrefix(s, arn) {
		t.Errorf("subscribe = %s", jsonText(sub))
	}
	pub := mustCall(t, c, base, sns, "publish", paramsOf(t, fmt.Sprintf(`{"TopicArn":%q,"Message":"hello","Subject":"greeting","MessageAttributes":{"kind":{"DataType":"String","StringValue":"test"}}}`, arn)))
	if pub["MessageId"] == nil {
		t.Errorf("publish = %s", jsonText(pub))
	}
	recv := mustCall(t, c, base, sqs, "receiveMessage", paramsOf(t, fmt.Sprintf(`{"QueueUrl":%q,"WaitTimeSeconds":1}`, qurl)))
	msgs, _ := recv["Messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["Body"] != "hello" {
		t.Errorf("subscriber received %s", jsonText(recv))
	}

	list := mustCall(t, c, base, sns, "listTopics", map[string]any{})
	found := false
	for _, tp := range list["Topics"].([]any) {
		if tp.(map[string]any)["TopicArn"] == arn {
			found = true
		}
	}
	if !found {
		t.Errorf("listTopics = %s, want %s", jsonText(list), arn)
	}

	_, code, msg, resp := call(t, c, base, sns, "publish", paramsOf(t, fmt.Sprintf(`{"TopicArn":%q,"Message":"x"}`, arn+"-missing")))
	// goaws answers with its own code where AWS says NotFound (NotFoundException); the codec
	// returns the server's code.
	if code != "AWS.SimpleNotificationService.NonExistentTopic" || resp.Status != 400 || msg == "" {
		t.Errorf("missing topic: %d %q %q\n%s", resp.Status, code, msg, resp.Body)
	}
}
