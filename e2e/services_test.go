package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/internal/awstest"
)

// servicesDef calls DynamoDB (optimized and aws-sdk), SQS (a message, and a callback that a
// worker reading the queue answers), SNS, S3, and a Distributed Map that reads its items from
// S3 and writes its results there; two failures are caught by AWS's names.
const servicesDef = `{"StartAt":"Table","States":{
	"Table":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:createTable","Parameters":{"TableName":"orders","BillingMode":"PAY_PER_REQUEST",
		"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]},"ResultPath":null,"Next":"Table ready"},
	"Table ready":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:describeTable","Parameters":{"TableName":"orders"},
		"ResultSelector":{"s.$":"$.Table.TableStatus"},"ResultPath":"$.table","Next":"Active?"},
	"Active?":{"Type":"Choice","Choices":[{"Variable":"$.table.s","StringEquals":"ACTIVE","Next":"Save"}],"Default":"Table ready"},
	"Save":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"orders","Item":{"id":{"S":"o-1"},"qty":{"N":"3"}}},"ResultPath":null,"Next":"Load"},
	"Load":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:getItem","Parameters":{"TableName":"orders","Key":{"id":{"S":"o-1"}}},
		"ResultSelector":{"qty.$":"$.Item.qty.N"},"ResultPath":"$.order","Next":"No table"},
	"No table":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:getItem","Parameters":{"TableName":"nope","Key":{"id":{"S":"x"}}},
		"Catch":[{"ErrorEquals":["DynamoDb.ResourceNotFoundException"],"ResultPath":"$.caught.table","Next":"Queue"}],"End":true},
	"Queue":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:createQueue","Parameters":{"QueueName":"svc-events"},"ResultPath":"$.queue","Next":"Callbacks"},
	"Callbacks":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:createQueue","Parameters":{"QueueName":"svc-callbacks"},"ResultPath":"$.callbacks","Next":"Announce"},
	"Announce":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl.$":"$.queue.QueueUrl","MessageBody":{"order":"o-1"}},
		"ResultSelector":{"id.$":"$.MessageId"},"ResultPath":"$.announced","Next":"Approval"},
	"Approval":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl.$":"$.callbacks.QueueUrl",
		"MessageBody":{"order":"o-1","token.$":"$$.Task.Token"}},"TimeoutSeconds":60,"ResultPath":"$.approval","Next":"Topic"},
	"Topic":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sns:createTopic","Parameters":{"Name":"svc-topic"},"ResultPath":"$.topic","Next":"Notify"},
	"Notify":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn.$":"$.topic.TopicArn","Message":"o-1 approved"},
		"ResultSelector":{"id.$":"$.MessageId"},"ResultPath":"$.notified","Next":"Bucket"},
	"Bucket":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:createBucket","Parameters":{"Bucket":"svc-orders"},"ResultPath":null,"Next":"Items"},
	"Items":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject","Parameters":{"Bucket":"svc-orders","Key":"batch.json",
		"Body":[{"id":"a","n":1},{"id":"b","n":2},{"id":"c","n":3}]},"ResultPath":null,"Next":"Fan out"},
	"Fan out":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},
			"Parameters":{"Bucket":"svc-orders","Key":"batch.json"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Price","States":{
			"Price":{"Type":"Pass","Parameters":{"id.$":"$.id","price.$":"States.MathAdd($.n, 10)"},"End":true}}},
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"svc-orders","Prefix":"results"}},
		"ResultPath":"$.map","Next":"Manifest"},
	"Manifest":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"svc-orders","Key.$":"$.map.ResultWriterDetails.Key"},
		"ResultSelector":{"body.$":"$.Body"},"ResultPath":"$.manifest","Next":"No key"},
	"No key":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"svc-orders","Key":"missing.json"},
		"Catch":[{"ErrorEquals":["S3.NoSuchKeyException"],"ResultPath":"$.caught.key","Next":"Done"}],"End":true},
	"Done":{"Type":"Succeed"}}}`

// TestServeCallsAWSServices runs servicesDef through `stepwise serve` with nothing but the
// AWS_ENDPOINT_URL_<SERVICE> variables pointing at dynalite, goaws and gofakes3.
func TestServeCallsAWSServices(t *testing.T) {
	sqsURL := awstest.GoAWS(t)
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": awstest.Dynalite(t), "AWS_ENDPOINT_URL_SQS": sqsURL,
		"AWS_ENDPOINT_URL_SNS": sqsURL, "AWS_ENDPOINT_URL_S3": awstest.S3(t)})
	s := serve(t, "--store", "sqlite:"+t.TempDir()+"/db")
	c := client(s.url)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("services"), RoleArn: aws.String(role), Definition: aws.String(servicesDef)})
	if err != nil {
		t.Fatal(err)
	}
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("o-1")})
	if err != nil {
		t.Fatal(err)
	}

	// The worker: reads the callback queue as any SQS consumer would, and answers the token.
	sqs, err := awssdk.New(awssdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	worker := make(chan error, 1)
	go func() {
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			res, err := sqs.Call(ctx, awssdk.Call{Service: "sqs", Action: "receiveMessage",
				Params: map[string]any{"QueueUrl": sqsURL + "/000000000000/svc-callbacks", "WaitTimeSeconds": json.Number("1")}})
			if err != nil {
				time.Sleep(200 * time.Millisecond) // the queue is made by the execution
				continue
			}
			msgs, _ := res.Output.(map[string]any)["Messages"].([]any)
			if len(msgs) == 0 {
				continue
			}
			var body struct{ Token string }
			if err := json.Unmarshal([]byte(msgs[0].(map[string]any)["Body"].(string)), &body); err != nil {
				worker <- err
				return
			}
			_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(body.Token), Output: aws.String(`{"approved":true}`)})
			worker <- err
			return
		}
		worker <- context.DeadlineExceeded
	}()

	var d *sfn.DescribeExecutionOutput
	deadline := time.Now().Add(90 * time.Second)
	for {
		if d, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
			t.Fatal(err)
		}
		if d.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := <-worker; err != nil {
		t.Errorf("worker: %v", err)
	}
	if d.Status != types.ExecutionStatusSucceeded {
		logSlowSteps(t, c, start.ExecutionArn)
		t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var out struct {
		Order    map[string]string `json:"order"`
		Approval map[string]bool   `json:"approval"`
		Notified map[string]string `json:"notified"`
		Map      struct {
			ResultWriterDetails struct{ Bucket, Key string }
		} `json:"map"`
		Manifest map[string]string `json:"manifest"`
		Caught   map[string]struct{ Error string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &out); err != nil {
		t.Fatal(err)
	}
	if out.Order["qty"] != "3" || !out.Approval["approved"] || out.Notified["id"] == "" {
		t.Errorf("order %v, approval %v, notified %v", out.Order, out.Approval, out.Notified)
	}
	if out.Map.ResultWriterDetails.Bucket != "svc-orders" || !strings.HasSuffix(out.Map.ResultWriterDetails.Key, "manifest.json") ||
		!strings.Contains(out.Manifest["body"], "SUCCEEDED_0.json") {
		t.Errorf("map %+v, manifest %v", out.Map, out.Manifest)
	}
	if out.Caught["table"].Error != "DynamoDb.ResourceNotFoundException" || out.Caught["key"].Error != "S3.NoSuchKeyException" {
		t.Errorf("caught %+v", out.Caught)
	}
}

// logSlowSteps logs the events that came a second or more after the one before them.
func logSlowSteps(t *testing.T, c *sfn.Client, arn *string) {
	h, err := c.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: arn, MaxResults: 1000})
	if err != nil {
		return
	}
	for i := 1; i < len(h.Events); i++ {
		if gap := h.Events[i].Timestamp.Sub(*h.Events[i-1].Timestamp); gap >= time.Second {
			t.Logf("%s after %s: %s", h.Events[i].Type, h.Events[i-1].Type, gap)
		}
	}
}
