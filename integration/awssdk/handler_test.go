package awssdk_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/internal/awstest"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// stack runs executions on a node whose Registry sends aws-sdk tasks to a Client.
type stack struct {
	st   store.Store
	node *runner.Node
}

func newStack(t *testing.T) *stack {
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
	reg := &integration.Registry{Store: st, SDK: &awssdk.Handler{Client: client}}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: reg, Poll: 50 * time.Millisecond})
	reg.Execs = node
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go node.Run(runCtx)
	return &stack{st, node}
}

// run runs a state machine to its end.
func (s *stack) run(t *testing.T, name, def, input string) (*store.Execution, []history.Event) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	sm := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:" + name, Name: name, Type: "STANDARD",
		Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "1", Config: "{}",
		CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	ex, err := s.node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e1", Input: input})
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	done, err := s.node.WaitEnded(waitCtx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	events, err := s.st.History(ctx, ex.Arn, 0, 1000, false)
	if err != nil {
		t.Fatal(err)
	}
	return done, events
}

// taskEvents lists a history's task outcomes as "<type> <output or error>".
func taskEvents(t *testing.T, events []history.Event) []string {
	var out []string
	for _, e := range events {
		b, _ := json.Marshal(e)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		for k, v := range m {
			d, ok := v.(map[string]any)
			if !ok || !strings.HasPrefix(k, "task") || strings.HasPrefix(k, "taskScheduled") || strings.HasPrefix(k, "taskStarted") {
				continue
			}
			if o, ok := d["output"].(string); ok {
				out = append(out, k+" "+o)
			} else {
				out = append(out, k+" "+d["error"].(string)+": "+d["cause"].(string))
			}
		}
	}
	return out
}

// TestDynamoDBTasks runs the recorded put/update/get/delete sequence of aws-sdk:dynamodb tasks
// against dynalite, and compares the outputs with the recorded ones.
func TestDynamoDBTasks(t *testing.T) {
	url := awstest.Dynalite(t)
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": url})
	s := newStack(t)
	def := `{"StartAt":"CreateTable","States":{
		"CreateTable":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:createTable","Parameters":{
			"TableName.$":"$.TableName","BillingMode":"PAY_PER_REQUEST",
			"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
			"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]},"ResultPath":null,"Next":"Wait"},
		"Wait":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:describeTable","Parameters":{"TableName.$":"$.TableName"},
			"ResultSelector":{"Status.$":"$.Table.TableStatus"},"ResultPath":"$.table","Next":"Active?"},
		"Active?":{"Type":"Choice","Choices":[{"Variable":"$.table.Status","StringEquals":"ACTIVE","Next":"PutItem"}],"Default":"Wait"},
		"PutItem":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem","Parameters":{
			"TableName.$":"$.TableName","Item.$":"$.Item"},"ResultPath":"$.putItemOutput","Next":"UpdateItem"},
		"UpdateItem":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:updateItem","Parameters":{
			"TableName.$":"$.TableName","Key.$":"$.Key","UpdateExpression.$":"$.UpdateExpression",
			"ExpressionAttributeValues.$":"$.ExpressionAttributeValues","ReturnValues":"UPDATED_NEW"},"ResultPath":"$.updateItemOutput","Next":"GetItem"},
		"GetItem":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:getItem","Parameters":{
			"TableName.$":"$.TableName","Key.$":"$.Key"},"ResultPath":"$.getItemOutput","Next":"Query"},
		"Query":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:query","Parameters":{
			"TableName.$":"$.TableName","KeyConditionExpression":"id = :id","ExpressionAttributeValues":{":id":{"S":"id1"}}},
			"ResultSelector":{"Count.$":"$.Count","Items.$":"$.Items"},"ResultPath":"$.queryOutput","Next":"DeleteItem"},
		"DeleteItem":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:deleteItem","Parameters":{
			"TableName.$":"$.TableName","Key.$":"$.Key"},"ResultPath":"$.deleteItemOutput","End":true}}}`
	input := `{"TableName":"test-table","Item":{"data":{"S":"HelloWorld"},"id":{"S":"id1"}},"Key":{"id":{"S":"id1"}},
		"UpdateExpression":"set S=:r","ExpressionAttributeValues":{":r":{"S":"HelloWorldUpdated"}}}`
	done, events := s.run(t, "ddb", def, input)
	if done.Status != "SUCCEEDED" {
		t.Fatalf("%s: %v %v", done.Status, *done.Error, *done.Cause)
	}
	out, _ := value.DecodeMaps([]byte(*done.Output))
	m := out.(map[string]any)
	// The recorded outputs (services/test_aws_sdk_task_service: put_update_get_item,
	// put_delete_item): putItem {}, updateItem {"Attributes":{"S":{"S":...}}}, getItem the item,
	// deleteItem {}.
	want := map[string]string{
		"putItemOutput":    `{}`,
		"updateItemOutput": `{"Attributes":{"S":{"S":"HelloWorldUpdated"}}}`,
		"getItemOutput":    `{"Item":{"S":{"S":"HelloWorldUpdated"},"data":{"S":"HelloWorld"},"id":{"S":"id1"}}}`,
		"queryOutput":      `{"Count":1,"Items":[{"S":{"S":"HelloWorldUpdated"},"data":{"S":"HelloWorld"},"id":{"S":"id1"}}]}`,
		"deleteItemOutput": `{}`,
	}
	for k, w := range want {
		if got := value.Encode(m[k]); got != w {
			t.Errorf("%s: got %s, want %s", k, got, w)
		}
	}
	// History names the resource as AWS does.
	for _, e := range events {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), `"taskScheduledEventDetails"`) && !strings.Contains(string(b), `"resourceType":"aws-sdk:dynamodb"`) {
			t.Errorf("TaskScheduled %s, want resourceType aws-sdk:dynamodb", b)
		}
	}
}

// TestDynamoDBTaskErrors: the recorded errors, caught by name, and an unreachable endpoint
// retried and then caught.
func TestDynamoDBTaskErrors(t *testing.T) {
	url := awstest.Dynalite(t)
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": url, "AWS_ENDPOINT_URL_SECRETS_MANAGER": awstest.ClosedPort(t)})
	s := newStack(t)
	catch := func(name string) string {
		return `"Catch":[{"ErrorEquals":["` + name + `"],"ResultPath":"$.caught","Next":"Done"}]`
	}
	tests := []struct {
		name, state, wantErr, wantCause string
		retries                         int
	}{
		{"missing table", `"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem","Parameters":{"TableName":"no-such-table","Item":{"id":{"S":"1"}}},` + catch("DynamoDb.ResourceNotFoundException"),
			"DynamoDb.ResourceNotFoundException", `^Requested resource not found \(Service: DynamoDb, Status Code: 400, Request ID: [A-Z0-9]+\)$`, 0},
		{"null item", `"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem","Parameters":{"TableName":"tbl","Item":null},` + catch("DynamoDb.DynamoDbException"),
			"DynamoDb.DynamoDbException", `^1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null \(Service: DynamoDb, Status Code: 400, Request ID: [A-Z0-9]+\)$`, 0},
		{"failed condition", `"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem","Parameters":{"TableName":"tbl","Item":{"id":{"S":"1"}},"ConditionExpression":"attribute_exists(id)"},` + catch("DynamoDb.ConditionalCheckFailedException"),
			"DynamoDb.ConditionalCheckFailedException", `^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: [A-Z0-9]+\)$`, 0},
		{"unreachable, retried", `"Type":"Task","Resource":"arn:aws:states:::aws-sdk:secretsmanager:listSecrets","Parameters":{},
			"Retry":[{"ErrorEquals":["SecretsManager.SdkClientException"],"IntervalSeconds":1,"MaxAttempts":1}],` + catch("SecretsManager.SdkClientException"),
			"SecretsManager.SdkClientException", `^Unable to execute HTTP request: Connect to 127\.0\.0\.1:\d+ failed: `, 1},
	}
	// The table the condition test writes to.
	_, _ = s.run(t, "setup", `{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:createTable","Parameters":{
		"TableName":"tbl","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]},"Next":"W"},"W":{"Type":"Wait","Seconds":1,"End":true}}}`, `{}`)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"S","States":{"S":{` + tt.state + `,"End":true},"Done":{"Type":"Succeed"}}}`
			done, events := s.run(t, "m"+string(rune('a'+i)), def, `{}`)
			if done.Status != "SUCCEEDED" {
				t.Fatalf("%s: %v %v", done.Status, *done.Error, *done.Cause)
			}
			var out struct{ Caught struct{ Error, Cause string } }
			_ = json.Unmarshal([]byte(*done.Output), &out)
			if out.Caught.Error != tt.wantErr || !regexp.MustCompile(tt.wantCause).MatchString(out.Caught.Cause) {
				t.Errorf("caught %s %q\nwant %s %s", out.Caught.Error, out.Caught.Cause, tt.wantErr, tt.wantCause)
			}
			if got := len(taskEvents(t, events)); got != tt.retries+1 {
				t.Errorf("%d task outcomes, want %d: %v", got, tt.retries+1, taskEvents(t, events))
			}
		})
	}
}

// TestDynamoDBCallback: a .waitForTaskToken aws-sdk task makes its call (the item carries the
// token), records TaskSubmitted with the service's answer, and ends when a worker that found
// the token in the table answers with SendTaskSuccess.
func TestDynamoDBCallback(t *testing.T) {
	url := awstest.Dynalite(t)
	awstest.Isolate(t, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": url})
	s := newStack(t)
	client, err := awssdk.New(awssdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.Call(ctx, awssdk.Call{Service: "dynamodb", Action: "createTable", Params: map[string]any{
		"TableName": "jobs", "BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
		"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	// The worker: waits for the job's item and answers with its token.
	go func() {
		for i := 0; i < 300; i++ {
			res, err := client.Call(ctx, awssdk.Call{Service: "dynamodb", Action: "getItem",
				Params: map[string]any{"TableName": "jobs", "Key": map[string]any{"id": map[string]any{"S": "job-1"}}}})
			if err == nil {
				if item, ok := res.Output.(map[string]any)["Item"].(map[string]any); ok {
					token := item["token"].(map[string]any)["S"].(string)
					_ = s.node.Answer(ctx, token, engine.Event{Kind: engine.TaskSucceeded, Output: `{"done":true}`})
					return
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	def := `{"StartAt":"Enqueue","States":{"Enqueue":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken",
		"Parameters":{"TableName":"jobs","Item":{"id":{"S":"job-1"},"token":{"S.$":"$$.Task.Token"}}},"TimeoutSeconds":20,"End":true}}}`
	done, events := s.run(t, "callback", def, `{}`)
	if done.Status != "SUCCEEDED" || *done.Output != `{"done":true}` {
		t.Fatalf("%s %v", done.Status, done.Output)
	}
	got := strings.Join(taskEvents(t, events), "\n")
	if want := "taskSubmittedEventDetails {}\ntaskSucceededEventDetails {\"done\":true}"; got != want {
		t.Errorf("task events:\n%s\nwant:\n%s", got, want)
	}
}

// TestUnknownParameterFailsBeforeScheduling: a parameter the action's model has not fails the
// execution before the task is scheduled, with the state's States.Runtime prefix, and no
// catcher takes it, as AWS does (data-science-sdk-python#198).
func TestUnknownParameterFailsBeforeScheduling(t *testing.T) {
	s := newStack(t)
	def := `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:getItem",
		"Parameters":{"TableName":"tbl","Keys":{}},"End":true,
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}]},"Done":{"Type":"Succeed"}}}`
	done, events := s.run(t, "unknown", def, `{}`)
	want := `An error occurred while executing the state 'S' (entered at the event id #2). The Parameters '{"TableName":"tbl","Keys":{}}' ` +
		`could not be used to start the Task: [The field "Keys" is not supported by Step Functions]`
	if done.Status != "FAILED" || done.Error == nil || *done.Error != "States.Runtime" || done.Cause == nil || *done.Cause != want {
		t.Fatalf("%s %v %v, want FAILED States.Runtime %s", done.Status, done.Error, done.Cause, want)
	}
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, " "); got != "ExecutionStarted TaskStateEntered ExecutionFailed" {
		t.Errorf("history %s", got)
	}
}
