package optimized_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/integration/optimized"
	"github.com/stepwise-run/stepwise/internal/awstest"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// runOnServers runs a state machine whose optimized tasks go through the model-driven client
// to the endpoints the environment names, and returns the ended execution.
func runOnServers(t *testing.T, def string) *store.Execution {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	client, err := awssdk.New(awssdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reg := &integration.Registry{Store: st, SDK: &awssdk.Handler{Client: client},
		Optimized: optimized.New(optimized.Options{Caller: optimized.FromClient(client), Region: "us-east-1"})}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: reg, Poll: 50 * time.Millisecond})
	reg.Execs = node
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go node.Run(runCtx)
	now := time.Now().UTC()
	sm := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", Name: "m", Type: "STANDARD",
		Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "1", Config: "{}",
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	done, err := node.WaitEnded(waitCtx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "SUCCEEDED" {
		t.Fatalf("%s: %s %s", done.Status, deref(done.Error), deref(done.Cause))
	}
	return done
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// metadataOK checks the Java SDK v1's response metadata an optimized result carries.
func metadataOK(t *testing.T, what string, v any) {
	t.Helper()
	m, _ := v.(map[string]any)
	meta, _ := m["SdkHttpMetadata"].(map[string]any)
	resp, _ := m["SdkResponseMetadata"].(map[string]any)
	if meta == nil || resp == nil || value.Encode(meta["HttpStatusCode"]) != "200" || meta["AllHttpHeaders"] == nil || resp["RequestId"] == "" {
		t.Errorf("%s: metadata %s", what, value.Encode(v))
	}
}

// TestDynamoDBOptimizedOnDynalite runs dynamodb:putItem, getItem, updateItem and deleteItem
// against dynalite through the model-driven client, and the recorded failures: a missing
// table (DynamoDB.ResourceNotFoundException), a null item (DynamoDB.AmazonDynamoDBException)
// and a failed condition (DynamoDB.ConditionalCheckFailedException), each caught by name
// with the Java SDK v1's cause.
func TestDynamoDBOptimizedOnDynalite(t *testing.T) {
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": awstest.Dynalite(t)})
	catch := func(name, next string) string {
		return `"Catch":[{"ErrorEquals":["` + name + `"],"ResultPath":"$.caught.` + next + `","Next":"` + next + `"}]`
	}
	done := runOnServers(t, `{"StartAt":"Create","States":{
		"Create":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:createTable","Parameters":{"TableName":"orders","BillingMode":"PAY_PER_REQUEST",
			"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]},"ResultPath":null,"Next":"Describe"},
		"Describe":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:describeTable","Parameters":{"TableName":"orders"},"ResultSelector":{"s.$":"$.Table.TableStatus"},"ResultPath":"$.table","Next":"Active?"},
		"Active?":{"Type":"Choice","Choices":[{"Variable":"$.table.s","StringEquals":"ACTIVE","Next":"Put"}],"Default":"Describe"},
		"Put":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"orders","Item":{"id":{"S":"o-1"},"total":{"N":"12"}}},"ResultPath":"$.put","Next":"Update"},
		"Update":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:updateItem","Parameters":{"TableName":"orders","Key":{"id":{"S":"o-1"}},
			"UpdateExpression":"SET #s = :s","ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":s":{"S":"paid"}},"ReturnValues":"ALL_NEW"},"ResultPath":"$.update","Next":"Get"},
		"Get":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem","Parameters":{"TableName":"orders","Key":{"id":{"S":"o-1"}}},"ResultPath":"$.get","Next":"NoTable"},
		"NoTable":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"no-such-table","Item":{"id":{"S":"x"}}},`+catch("DynamoDB.ResourceNotFoundException", "NullItem")+`,"End":true},
		"NullItem":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"orders","Item":null},`+catch("DynamoDB.AmazonDynamoDBException", "Condition")+`,"End":true},
		"Condition":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"orders","Item":{"id":{"S":"o-1"}},"ConditionExpression":"attribute_not_exists(id)"},`+catch("DynamoDB.ConditionalCheckFailedException", "Delete")+`,"End":true},
		"Delete":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:deleteItem","Parameters":{"TableName":"orders","Key":{"id":{"S":"o-1"}}},"ResultPath":"$.delete","End":true}}}`)
	out, _ := value.DecodeMaps([]byte(*done.Output))
	m := out.(map[string]any)
	for _, k := range []string{"put", "update", "get", "delete"} {
		metadataOK(t, k, m[k])
	}
	if got := value.Encode(m["get"].(map[string]any)["Item"]); got != `{"id":{"S":"o-1"},"status":{"S":"paid"},"total":{"N":"12"}}` {
		t.Errorf("getItem: %s", got)
	}
	caught := m["caught"].(map[string]any)
	for next, want := range map[string]string{
		"NullItem":  "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: ",
		"Condition": "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: ",
		"Delete":    "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: ",
	} {
		cause, _ := caught[next].(map[string]any)["Cause"].(string)
		if !strings.Contains(cause, want) || !strings.HasSuffix(cause, "; Proxy: null)") {
			t.Errorf("caught before %s: %q, want it to hold %q", next, cause, want)
		}
	}
}

// TestSQSAndSNSOptimizedOnGoaws runs sqs:sendMessage and sns:publish against goaws (query
// only) through the model-driven client, and a queue whose host does not answer, caught as
// SQS.SdkClientException with the Java SDK's cause.
func TestSQSAndSNSOptimizedOnGoaws(t *testing.T) {
	url := awstest.GoAWS(t)
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_SQS": url, "AWS_ENDPOINT_URL_SNS": url})
	q := "opt-" + strings.ReplaceAll(t.Name(), "/", "-")
	closed := awstest.ClosedPort(t)
	done := runOnServers(t, `{"StartAt":"Queue","States":{
		"Queue":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:createQueue","Parameters":{"QueueName":"`+q+`"},"ResultPath":"$.queue","Next":"Send"},
		"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl.$":"$.queue.QueueUrl","MessageBody":{"order":"o-1"}},"ResultPath":"$.sent","Next":"Receive"},
		"Receive":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sqs:receiveMessage","Parameters":{"QueueUrl.$":"$.queue.QueueUrl","WaitTimeSeconds":1},
			"ResultSelector":{"Body.$":"$.Messages[0].Body"},"ResultPath":"$.received","Next":"Topic"},
		"Topic":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sns:createTopic","Parameters":{"Name":"t-`+q+`"},"ResultPath":"$.topic","Next":"Publish"},
		"Publish":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn.$":"$.topic.TopicArn","Message":"shipped"},"ResultPath":"$.published","Next":"NoQueue"},
		"NoQueue":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"`+url+`/000000000000/gone","MessageBody":"x"},
			"Catch":[{"ErrorEquals":["SQS.QueueDoesNotExistException"],"ResultPath":"$.noqueue","Next":"Done"}],"End":true},
		"Done":{"Type":"Succeed"}}}`)
	out, _ := value.DecodeMaps([]byte(*done.Output))
	m := out.(map[string]any)
	sent := m["sent"].(map[string]any)
	if sent["MessageId"] == nil || sent["MD5OfMessageBody"] == nil {
		t.Errorf("sendMessage: %s", value.Encode(sent))
	}
	metadataOK(t, "sendMessage", sent)
	metadataOK(t, "publish", m["published"])
	if got := m["received"].(map[string]any)["Body"]; got != `{"order":"o-1"}` {
		t.Errorf("the message body sent as JSON text: %v", got)
	}
	if cause, _ := m["noqueue"].(map[string]any)["Cause"].(string); !strings.Contains(cause, "(Service: AmazonSQS; Status Code: 400; Error Code: ") {
		t.Errorf("missing queue: %q", cause)
	}

	// An SQS endpoint that does not answer: SQS.SdkClientException, as recorded.
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_SQS": closed})
	done = runOnServers(t, `{"StartAt":"Send","States":{
		"Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"`+closed+`/000000000000/q","MessageBody":"x"},
			"Catch":[{"ErrorEquals":["SQS.SdkClientException"],"Next":"Done"}],"End":true},
		"Done":{"Type":"Pass","End":true}}}`)
	out, _ = value.DecodeMaps([]byte(*done.Output))
	if cause, _ := out.(map[string]any)["Cause"].(string); !strings.HasPrefix(cause, "Unable to execute HTTP request: 127.0.0.1: Connection refused") {
		t.Errorf("unreachable endpoint: %q", cause)
	}
}

// TestParametersTheAPIHasNoPlaceFor: a member the API does not have (here from a path, which
// CreateStateMachine cannot check) fails the task before any call, as Step Functions fails
// it: States.Runtime, naming the parameters and the field, not the service's SdkClientException.
func TestParametersTheAPIHasNoPlaceFor(t *testing.T) {
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": awstest.ClosedPort(t)})
	client, err := awssdk.New(awssdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := optimized.New(optimized.Options{Caller: optimized.FromClient(client), Region: "us-east-1"})
	params := `{"tableName":"orders","Key":{"id":{"S":"o-1"}}}`
	_, err = h.RunTask(context.Background(), &engine.Task{Resource: "arn:aws:states:::dynamodb:getItem", ResourceType: "dynamodb",
		ResourceName: "getItem", Parameters: params, Execution: "arn:aws:states:us-east-1:123456789012:execution:m:e"})
	var te *runner.TaskError
	want := `The Parameters '` + params + `' could not be used to start the Task: [The field "tableName" is not supported by Step Functions]`
	if !errors.As(err, &te) || te.Name != "States.Runtime" || te.Cause != want {
		t.Errorf("got %v\nwant States.Runtime: %s", err, want)
	}
}
