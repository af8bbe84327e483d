package replay

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/awssdk"
)

// aws makes a call of the test's own to a fake (creating a queue, a table, a topic), as the
// recorded tests' fixtures made it with boto3, and returns the answer's members.
func (r *replay) aws(service, action string, params map[string]any) map[string]any {
	r.t.Helper()
	c, err := awssdk.New(awssdk.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	res, err := c.Call(context.Background(), awssdk.Call{Service: service, Action: action, Params: params})
	if err != nil {
		r.t.Fatalf("%s:%s: %v", service, action, err)
	}
	out, _ := res.Output.(map[string]any)
	return out
}

// unique names the fakes' resources: goaws and dynalite serve every test of the suite.
var uniqueN atomic.Int64

func unique(prefix string) string { return prefix + itoa(int(uniqueN.Add(1))) }

// queue creates an SQS queue and returns its URL; the recording names both.
func (r *replay) queue() string {
	name := unique("queue-replay-")
	url := str(r.aws("sqs", "createQueue", map[string]any{"QueueName": name}), "QueueUrl")
	r.replace(url, "<sqs_queue_url>")
	r.replace(name, "<sqs_queue_name>")
	return url
}

// The header differences of the fakes. The recordings keep the headers of AWS's answers in
// SdkHttpMetadata, unnormalised but for the request id and the date; a fake sends its own.
const (
	goawsSQSHeaders   = "goaws answers SQS in the query protocol (text/xml, its own Content-Length, no connection header) where AWS answers the JSON protocol (application/x-amz-json-1.0, Content-Length 106, connection keep-alive): SdkHttpMetadata carries the fake's headers"
	goawsSNSHeaders   = "goaws's SNS answer has its own Content-Length and no connection header where AWS's has Content-Length 294 and connection keep-alive: SdkHttpMetadata carries the fake's headers"
	sfnLength         = "Content-Length counts the bytes of AWS's answer: its execution ARN holds the region the recording normalised (<region>), three characters longer than the replay's us-east-1, and its startDate as many digits as its milliseconds need"
	goawsNoAttributes = "goaws answers an empty MD5OfMessageAttributes for a message without attributes, where SQS leaves the member out"
	goawsSequence     = "; goaws answers an empty SequenceNumber, which SQS has only for FIFO queues"
	goawsFIFO         = "goaws publishes to a FIFO topic without a MessageGroupId where SNS refuses it (InvalidParameter), so the execution succeeds where AWS's failed"
	goawsNotification = "goaws's notification to a subscribed queue has members SNS's has not (Subject, SubscribeURL and Token, empty), its own SigningCertURL and UnsubscribeURL forms, and a MessageId of its own where SNS's is the published message's"
	goawsNoBody       = "goaws sends a message with no body where SQS refuses it (MissingParameter), so the execution goes on where AWS's caught SQS.AmazonSQSException"
	goawsNoTopic      = "goaws answers a publish to a deleted topic with 400 AWS.SimpleNotificationService.NonExistentTopic (\"The specified topic does not exist for this wsdl version.\") where SNS answers 404 NotFound (\"Topic does not exist\"): the task fails with SNS.AmazonSNSException and the fake's words, not SNS.NotFoundException"
	dynaliteHeaders   = "dynalite's answers have headers of their own (Keep-Alive, its Content-Length and x-amz-crc32) where AWS's differ: SdkHttpMetadata carries the fake's headers"
)

// Step Functions' own startExecution (services/test_sfn_task_service, in process).
func init() {
	run := func(input any) func(r *replay) {
		return func(r *replay) {
			r.servePython()
			r.unchecking("Content-Length")
			// Named as the recorded test's helper names it: statemachine_create_and_record_execution_<8 characters>.
			target := r.createMachine("statemachine_create_and_record_execution_target00", passResult, nil)
			r.recordExecution(template(r.t, "services/statemachines/sfn_start_execution.json5"), value.Encode(map[string]any{
				"StateMachineArn": target["stateMachineArn"], "Input": input, "Name": "TestStartTarget"}))
		}
	}
	register(file{path: "v2/services/test_sfn_task_service.snapshot.json", services: true, concurrent: true, scenario: lookup(map[string]func(*replay){
		"test_start_execution":            run(nil),
		"test_start_execution_input_json": run(map[string]any{"Hello": "World"}),
	}), limits: map[string]string{
		"test_start_execution/get_execution_history":            sfnLength,
		"test_start_execution_input_json/get_execution_history": sfnLength,
	}})
	register(file{path: "v2/error_handling/test_task_service_sfn.snapshot.json", services: true, concurrent: true, scenario: lookup(map[string]func(*replay){
		"test_start_execution_no_such_arn": func(r *replay) {
			r.servePython()
			target := str(r.createMachine("target", passResult, nil), "stateMachineArn")
			r.recordExecution(template(r.t, "services/statemachines/sfn_start_execution.json5"), value.Encode(map[string]any{
				"StateMachineArn": target + "NoSuchArn", "Input": nil, "Name": "TestStartTarget"}))
		},
	})})
}

// The optimized DynamoDB integration against dynalite (services/test_dynamodb_task_service,
// error_handling/test_task_service_dynamodb).
func init() {
	base := func(tmpl string) func(r *replay) {
		return func(r *replay) {
			r.servePython()
			table := r.createTable()
			r.replace(table, "table-name")
			r.unchecking("AllHttpHeaders", "HttpHeaders")
			r.recordExecution(template(r.t, "services/statemachines/"+tmpl), value.Encode(map[string]any{
				"TableName": table,
				"Item":      map[string]any{"data": map[string]any{"S": "HelloWorld"}, "id": map[string]any{"S": "id1"}},
				"Key":       map[string]any{"id": map[string]any{"S": "id1"}},
				// The recordings' inputs have the update's members in every case.
				"UpdateExpression":          "set S=:r",
				"ExpressionAttributeValues": map[string]any{":r": map[string]any{"S": "HelloWorldUpdated"}},
			}))
		}
	}
	scenarios := map[string]func(*replay){
		"test_base_integrations[DYNAMODB_PUT_GET_ITEM]":        base("dynamodb_put_get_item.json5"),
		"test_base_integrations[DYNAMODB_PUT_DELETE_ITEM]":     base("dynamodb_put_delete_item.json5"),
		"test_base_integrations[DYNAMODB_PUT_UPDATE_GET_ITEM]": base("dynamodb_put_update_get_item.json5"),
		"test_base_integrations[DYNAMODB_PUT_QUERY]":           base("dynamodb_put_query.json5"),
		"test_invalid_integration": func(r *replay) {
			r.servePython()
			r.record("exception", exception("CreateStateMachine", r.createMachine("invalid", "services/statemachines/invalid_integration_dynamodb_query.json5", nil)))
		},
	}
	limits := map[string]string{}
	for name := range scenarios {
		if strings.HasPrefix(name, "test_base") {
			limits[name+"/get_execution_history"] = dynaliteHeaders
		}
	}
	register(file{path: "v2/services/test_dynamodb_task_service.snapshot.json", services: true, concurrent: true, scenario: lookup(scenarios, "dynamodb"), limits: limits})

	putItem := func(table string, item any) func(r *replay) {
		return func(r *replay) {
			r.servePython()
			r.recordExecution(template(r.t, "errorhandling/statemachines/task_service_dynamodb_put_item.json5"),
				value.Encode(map[string]any{"TableName": table, "Item": item}))
		}
	}
	item := map[string]any{"data": map[string]any{"S": "HelloWorld"}, "id": map[string]any{"S": "id1"}}
	register(file{path: "v2/error_handling/test_task_service_dynamodb.snapshot.json", services: true, concurrent: true, scenario: lookup(map[string]func(*replay){
		"test_put_item_no_such_table":      putItem(unique("no_such_sfn_test_table_"), item),
		"test_put_item_invalid_table_name": putItem("/"+unique("invalid_test_table_"), item),
		"test_invalid_param": func(r *replay) {
			r.servePython()
			r.recordExecution(template(r.t, "errorhandling/statemachines/task_service_dynamodb_put_item.json5"),
				value.Encode(map[string]any{"TableName": unique("no_such_sfn_test_table_"), "Key": nil, "Item": nil}))
		},
	}, "dynamodb")})
}

// The optimized SQS integration against goaws (services/test_sqs_task_service,
// error_handling/test_task_service_sqs).
func init() {
	send := func(tmpl string, attributes bool, input func(url string) map[string]any) func(r *replay) {
		return func(r *replay) {
			r.servePython()
			r.unchecking("AllHttpHeaders", "HttpHeaders")
			r.unchecking("SequenceNumber")
			if !attributes {
				r.unchecking("MD5OfMessageAttributes")
			}
			url := r.queue()
			r.recordExecution(template(r.t, tmpl), value.Encode(input(url)))
		}
	}
	const sendMsg = "services/statemachines/sqs_send_msg.json5"
	register(file{path: "v2/services/test_sqs_task_service.snapshot.json", services: true, concurrent: true, scenario: lookup(map[string]func(*replay){
		"test_send_message": send(sendMsg, false, func(url string) map[string]any {
			return map[string]any{"QueueUrl": url, "MessageBody": "test_message_body"}
		}),
		"test_send_message_unsupported_parameters": send(sendMsg, false, func(url string) map[string]any {
			return map[string]any{"QueueUrl": url, "MessageBody": "test", "MessageSystemAttribute": map[string]any{"AWSTraceHeader": "test"}}
		}),
		"test_send_message_attributes": send("services/statemachines/sqs_send_msg_attributes.json5", true, func(url string) map[string]any {
			return map[string]any{"QueueUrl": url, "Message": "test_message_body", "MessageAttributeValue1": "Hello", "MessageAttributeValue2": "World"}
		}),
	}), limits: map[string]string{
		"test_send_message/get_execution_history":                        goawsSQSHeaders + "; " + goawsNoAttributes + goawsSequence,
		"test_send_message_unsupported_parameters/get_execution_history": goawsSQSHeaders + "; " + goawsNoAttributes + goawsSequence,
		"test_send_message_attributes/get_execution_history":             goawsSQSHeaders + goawsSequence,
	}})
	register(file{path: "v2/error_handling/test_task_service_sqs.snapshot.json", services: true, concurrent: true, scenario: func(test string) (func(*replay), string) {
		switch test {
		case "test_send_message_no_such_queue", "test_send_message_no_such_queue_no_catch":
			return nil, "sends to a queue URL whose host does not exist (http://no-such-queue-...): the replay sends no request off the machine"
		}
		return lookup(map[string]func(*replay){
			// The fixture runs a worker that answers the task token with a failure; the test's
			// own goroutine does here.
			"test_sqs_failure_in_wait_for_task_tok": func(r *replay) {
				r.servePython()
				r.unchecking("AllHttpHeaders", "HttpHeaders", "MD5OfMessageAttributes", "SequenceNumber")
				url := r.queue()
				stop, done := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(done)
					r.tokenWorker(url, stop, func(body string) {
						var msg struct{ TaskToken string }
						if err := json.Unmarshal([]byte(body), &msg); err != nil {
							r.t.Errorf("message: %v", err)
							return
						}
						r.call("SendTaskFailure", map[string]any{"taskToken": msg.TaskToken, "error": "Failure error", "cause": "Failure cause"})
					})
				}()
				def := strings.ReplaceAll(template(r.t, "errorhandling/statemachines/aws_service_sqs_send_msg_catch_token_failure.json5"),
					"<%WaitForTaskTokenFailureErrorName%>", "Failure error")
				r.recordExecution(def, value.Encode(map[string]any{"QueueUrl": url, "Message": "test_message_txt"}))
				close(stop)
				<-done
			},
			"test_send_message_empty_body": func(r *replay) {
				r.servePython()
				url := r.queue()
				r.recordExecution(template(r.t, "errorhandling/statemachines/task_service_sqs_send_msg_catch.json5"),
					value.Encode(map[string]any{"QueueUrl": url, "MessageBody": nil}))
			},
		})(test)
	}, limits: map[string]string{
		"test_send_message_empty_body/get_execution_history":          goawsNoBody,
		"test_sqs_failure_in_wait_for_task_tok/get_execution_history": goawsSQSHeaders + "; " + goawsNoAttributes + goawsSequence,
	}})
}

// The optimized SNS integration against goaws (services/test_sns_task_service).
func init() {
	topic := func(r *replay) string {
		return str(r.aws("sns", "createTopic", map[string]any{"Name": unique("topic-replay-")}), "TopicArn")
	}
	publish := func(r *replay) {
		r.servePython()
		r.unchecking("AllHttpHeaders", "HttpHeaders")
		r.recordExecution(template(r.t, "services/statemachines/sns_publish.json5"), value.Encode(map[string]any{
			"TopicArn": topic(r), "Message": map[string]any{"Message": "HelloWorld!"}}))
	}
	scenarios := map[string]func(*replay){
		"test_publish_message_attributes": func(r *replay) {
			r.servePython()
			r.unchecking("AllHttpHeaders", "HttpHeaders")
			// Recorded in 2023, before the template gained its third attribute (Version).
			def := editStates(r, "services/statemachines/sns_publish_message_attributes.json5", func(s map[string]any) {
				delete(s["Publish"].(map[string]any)["Parameters"].(map[string]any)["MessageAttributes"].(map[string]any), "Version")
			})
			r.recordExecution(def, value.Encode(map[string]any{
				"TopicArn": topic(r), "Message": "HelloWorld!", "MessageAttributeValue1": "Hello", "MessageAttributeValue2": "World!"}))
		},
		"test_publish_base_error_topic_arn": func(r *replay) {
			r.servePython()
			r.unchecking("cause", "error")
			arn := topic(r)
			r.aws("sns", "deleteTopic", map[string]any{"TopicArn": arn})
			r.recordExecution(template(r.t, "services/statemachines/sns_publish.json5"), value.Encode(map[string]any{
				"TopicArn": arn, "Message": map[string]any{"Message": "HelloWorld!"}}))
		},
	}
	// The parametrized test subscribes a queue to the topic and records the messages it gets.
	for id, message := range map[string]any{"HelloWorld": "HelloWorld", `"HelloWorld"`: `"HelloWorld"`, "{}": "{}", "message_value3": map[string]any{}} {
		scenarios["test_publish_message_attributes["+id+"]"] = func(r *replay) {
			r.servePython()
			r.unchecking("AllHttpHeaders", "HttpHeaders", "Subject", "SubscribeURL", "Token", "SigningCertURL", "UnsubscribeURL")
			arn := topic(r)
			name := unique("queue-replay-")
			url := str(r.aws("sqs", "createQueue", map[string]any{"QueueName": name}), "QueueUrl")
			attrs, _ := r.aws("sqs", "getQueueAttributes", map[string]any{"QueueUrl": url, "AttributeNames": []any{"QueueArn"}})["Attributes"].(map[string]any)
			r.aws("sns", "subscribe", map[string]any{"TopicArn": arn, "Protocol": "sqs", "Endpoint": attrs["QueueArn"]})
			r.recordExecution(template(r.t, "services/statemachines/sns_publish_message_attributes.json5"), value.Encode(map[string]any{
				"TopicArn": arn, "Message": message, "MessageAttributeValue1": "Hello", "MessageAttributeValue2": "World!"}))
			var messages []any
			for i := 0; i < 20 && len(messages) == 0; i++ {
				got, _ := r.aws("sqs", "receiveMessage", map[string]any{"QueueUrl": url, "WaitTimeSeconds": value.FromInt(1)})["Messages"].([]any)
				for _, m := range got {
					body, err := value.DecodeMaps([]byte(str(m.(map[string]any), "Body")))
					if err != nil {
						r.t.Fatalf("message body: %v", err)
					}
					messages = append(messages, body)
				}
			}
			r.record("messages", messages)
		}
	}
	// A FIFO topic: published to without a group id (the template without one), and with one.
	fifo := func(tmpl string, input map[string]any) func(r *replay) {
		return func(r *replay) {
			r.servePython()
			if _, grouped := input["MessageGroupId"]; grouped {
				r.unchecking("AllHttpHeaders", "HttpHeaders", "SequenceNumber")
			}
			input["TopicArn"] = str(r.aws("sns", "createTopic", map[string]any{"Name": unique("topic-replay-") + ".fifo",
				"Attributes": map[string]any{"FifoTopic": "true", "ContentBasedDeduplication": "false"}}), "TopicArn")
			input["Message"] = map[string]any{"Message": "HelloWorld!"}
			r.recordExecution(template(r.t, "services/statemachines/"+tmpl), value.Encode(input))
		}
	}
	scenarios["test_fifo_message_attribute[input_params0-True]"] = fifo("sns_fifo_publish_fail.json5", map[string]any{})
	scenarios["test_fifo_message_attribute[input_params1-False]"] = fifo("sns_fifo_publish.json5", map[string]any{"MessageGroupId": "a-group", "MessageDeduplicationId": "dedup-1"})
	limits := map[string]string{
		"test_fifo_message_attribute[input_params0-True]/get_execution_history":  goawsFIFO,
		"test_fifo_message_attribute[input_params1-False]/get_execution_history": goawsSNSHeaders,
		"test_publish_message_attributes/get_execution_history":                  goawsSNSHeaders,
		"test_publish_base_error_topic_arn/get_execution_history":                goawsNoTopic,
	}
	for _, id := range []string{"HelloWorld", `"HelloWorld"`, "{}", "message_value3"} {
		limits["test_publish_message_attributes["+id+"]/get_execution_history"] = goawsSNSHeaders
		limits["test_publish_message_attributes["+id+"]/messages"] = goawsNotification
	}
	// The parameter is not used: every case publishes the same message.
	for _, id := range []string{"HelloWorld", "message1", "1", "True", "None", ""} {
		name := "test_publish_base[" + id + "]"
		scenarios[name] = publish
		limits[name+"/get_execution_history"] = goawsSNSHeaders
	}
	register(file{path: "v2/services/test_sns_task_service.snapshot.json", services: true, concurrent: true, scenario: lookup(scenarios), limits: limits})
}

// A bucket of gofakes3 for a test; the recordings name it bucket-name.
func (r *replay) bucket(name string) string {
	r.aws("s3", "createBucket", map[string]any{"Bucket": name})
	r.replace(name, "bucket-name")
	return name
}

// putRaw stores an object as boto3's put_object does: the bytes as they are, no media type.
// (Stepwise's own client sends a Body as Step Functions does, as JSON text.)
func (r *replay) putRaw(bucket, key, body string) {
	req, err := http.NewRequest(http.MethodPut, hosted.s3+"/"+bucket+"/"+key, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("put %s/%s: %s", bucket, key, resp.Status)
	}
}

const (
	gofakes3NoKey = "gofakes3 answers NoSuchKey with no message, where S3 says \"The specified key does not exist.\": the cause carries the code instead"
	gofakes3Type  = "; an object stored without a media type has the one gofakes3 sniffs from its bytes (or none, when empty), where S3 gives binary/octet-stream"
	gofakes3Put   = "gofakes3 answers putObject with its ETag alone, where S3 adds ChecksumCRC32, ChecksumType and ServerSideEncryption"
	gofakes3Get   = "gofakes3 answers getObject without S3's ServerSideEncryption and ChecksumType"
)

// The aws-sdk integrations (services/test_aws_sdk_task_service): DynamoDB against dynalite, S3
// against gofakes3, Step Functions in process.
func init() {
	const dir = "services/statemachines/"
	dynamo := func(tmpl string, update bool) func(r *replay) {
		return func(r *replay) {
			r.servePython()
			table := r.createTable()
			input := map[string]any{"TableName": table,
				"Item": map[string]any{"data": map[string]any{"S": "HelloWorld"}, "id": map[string]any{"S": "id1"}},
				"Key":  map[string]any{"id": map[string]any{"S": "id1"}}}
			if update {
				input["UpdateExpression"] = "set S=:r"
				input["ExpressionAttributeValues"] = map[string]any{":r": map[string]any{"S": "HelloWorldUpdated"}}
			}
			r.recordExecution(template(r.t, dir+tmpl), value.Encode(input))
		}
	}
	token := func(tmpl string) func(r *replay) {
		return func(r *replay) {
			r.servePython()
			r.recordExecution(template(r.t, dir+tmpl), `{"TaskToken":"NoSuchTaskToken"}`)
		}
	}
	scenarios := map[string]func(*replay){
		"test_dynamodb_put_get_item":                                             dynamo("aws_sdk_dynamodb_put_get_item.json5", false),
		"test_dynamodb_put_delete_item":                                          dynamo("aws_sdk_dynamodb_put_delete_item.json5", false),
		"test_dynamodb_put_update_get_item":                                      dynamo("aws_sdk_dynamodb_put_update_get_item.json5", true),
		"test_sfn_send_task_outcome_with_no_such_token[state_machine_template0]": token("aws_sdk_sfn_send_task_success.json5"),
		"test_sfn_send_task_outcome_with_no_such_token[state_machine_template1]": token("aws_sdk_sfn_send_task_failure.json5"),
		"test_sfn_start_execution": func(r *replay) {
			r.servePython()
			target := r.createMachine("statemachine_create_and_record_execution_target00", "base/statemachines/raise_failure.json5", nil)
			r.recordExecution(template(r.t, dir+"aws_sdk_sfn_start_execution.json5"), value.Encode(map[string]any{
				"StateMachineArn": target["stateMachineArn"], "Input": nil, "Name": "TestStartTarget"}))
		},
		"test_sfn_start_execution_implicit_json_serialisation": func(r *replay) {
			r.servePython()
			target := str(r.createMachine("statemachine_create_and_record_execution_target00", passResult, nil), "stateMachineArn")
			r.recordExecution(editStates(r, dir+"aws_sdk_sfn_start_execution_implicit_json_serialisation.json5", func(s map[string]any) {
				s["StartTarget"].(map[string]any)["Parameters"].(map[string]any)["StateMachineArn"] = target
			}), "{}")
		},
	}
	limits := map[string]string{}
	for id, body := range map[string]string{"empty_str": "", "str": "text data", "empty_binary": "", "binary": "binary data", "bytearray": "byte array data"} {
		name := "test_s3_get_object[" + id + "]"
		scenarios[name] = func(r *replay) {
			r.servePython()
			r.unchecking("ServerSideEncryption", "ChecksumType", "ContentType")
			bucket := r.bucket(unique("bucket-replay-"))
			r.putRaw(bucket, "file_key", body)
			r.recordExecution(template(r.t, dir+"aws_sdk_s3_get_object.json5"), value.Encode(map[string]any{"Bucket": bucket, "Key": "file_key"}))
		}
		limits[name+"/get_execution_history"] = gofakes3Get + gofakes3Type
	}
	for id, body := range map[string]any{"str": "text data", "dict": map[string]any{"Dict": "Value"}, "list": []any{"List", "Data"},
		"bool": false, "num": value.FromInt(0)} {
		name := "test_s3_put_object[" + id + "]"
		scenarios[name] = func(r *replay) {
			r.servePython()
			r.unchecking("ServerSideEncryption", "ChecksumType", "ChecksumCRC32")
			bucket := r.bucket(unique("bucket-replay-"))
			r.recordExecution(template(r.t, dir+"aws_sdk_s3_put_object.json5"), value.Encode(map[string]any{"Bucket": bucket, "Key": "file-key", "Body": body}))
			// The test reads the object back with boto3: its members, the body as text.
			got := r.aws("s3", "getObject", map[string]any{"Bucket": bucket, "Key": "file-key"})
			got["ResponseMetadata"] = map[string]any{"HTTPStatusCode": value.FromInt(200)}
			r.record("get-s3-object", got)
		}
		limits[name+"/get_execution_history"] = gofakes3Put
		limits[name+"/get-s3-object"] = gofakes3Get
	}
	register(file{path: "v2/services/test_aws_sdk_task_service.snapshot.json", services: true, concurrent: true, limits: limits,
		scenario: func(test string) (func(*replay), string) {
			if test == "test_list_secrets" {
				return nil, noSecrets
			}
			if strings.HasPrefix(test, "test_dynamodb") {
				return lookup(scenarios, "dynamodb")(test)
			}
			return lookup(scenarios)(test)
		}})
}

// Errors of the aws-sdk integrations (error_handling/test_aws_sdk).
func init() {
	const dir = "errorhandling/statemachines/"
	item := map[string]any{"data": map[string]any{"S": "HelloWorld"}, "id": map[string]any{"S": "id1"}}
	putItem := func(input map[string]any) func(r *replay) {
		return func(r *replay) {
			r.servePython()
			r.recordExecution(template(r.t, dir+"task_service_aws_sdk_dynamodb_put_item.json5"), value.Encode(input))
		}
	}
	scenarios := map[string]func(*replay){
		"test_dynamodb_invalid_param":          putItem(map[string]any{"TableName": unique("no_such_sfn_test_table_"), "Key": nil, "Item": nil}),
		"test_dynamodb_put_item_no_such_table": putItem(map[string]any{"TableName": unique("no_such_sfn_test_table_"), "Item": item}),
		"test_no_such_bucket": func(r *replay) {
			r.servePython()
			bucket := unique("someNonexistentBucketName")
			r.replace(bucket, "someNonexistentBucketName")
			r.recordExecution(template(r.t, dir+"aws_sdk_task_error_s3_list_objects.json5"), value.Encode(map[string]any{"Bucket": bucket}))
		},
		"test_s3_no_such_key": func(r *replay) {
			r.servePython()
			r.unchecking("cause", "Cause")
			bucket := r.bucket(unique("bucket-replay-"))
			r.recordExecution(template(r.t, dir+"aws_sdk_task_error_s3_no_such_key.json5"), value.Encode(map[string]any{"Bucket": bucket}))
		},
	}
	register(file{path: "v2/error_handling/test_aws_sdk.snapshot.json", services: true, concurrent: true, limits: map[string]string{
		"test_s3_no_such_key/get_execution_history": gofakes3NoKey,
	}, scenario: func(test string) (func(*replay), string) {
		switch {
		case test == "test_invalid_secret_name":
			return nil, noSecrets
		case strings.HasPrefix(test, "test_dynamodb"):
			return lookup(scenarios, "dynamodb")(test)
		}
		return lookup(scenarios)(test)
	}})
}

// The recordings of services no fake here serves: listed with the reason, none replayed.
func init() {
	for path, why := range map[string]string{
		"v2/services/test_ecs_task_service.snapshot.json":    noECS,
		"v2/services/test_events_task_service.snapshot.json": noEventBridge,
	} {
		register(file{path: path, services: true, concurrent: true, scenario: func(string) (func(*replay), string) { return nil, why }})
	}
}

// apigateway:invoke (services/test_apigetway_task_service). No fake serves API Gateway, but a
// request whose parameters AWS refuses never reaches it: those tests replay.
func init() {
	scenarios := map[string]func(*replay){
		// A header's value must be a list of strings: the execution fails before any task is
		// scheduled.
		"test_invoke_with_headers[singleStringHeader]": func(r *replay) {
			r.serve(services{})
			endpoint := "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
			r.replace(endpoint, "<api-endpoint>")
			input := map[string]any{"ApiEndpoint": endpoint, "Method": "POST", "Path": "id_func", "Stage": "sfn-apigw-api",
				"RequestBody": map[string]any{"message": "HelloWorld!"}, "Headers": map[string]any{"custom_header": "singleStringHeader"}}
			r.recordExecution(template(r.t, "services/statemachines/api_gateway_invoke_with_headers.json5"), value.Encode(input))
		},
	}
	register(file{path: "v2/services/test_apigetway_task_service.snapshot.json", services: true, concurrent: true,
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			return nil, noAPIGateway
		}})
}

// createTable creates, on dynalite, a table of a new name keyed by the string "id", as the
// recorded tests' create_table does, and returns its name.
func (r *replay) createTable() string {
	table := unique("sfn_test_table_")
	r.aws("dynamodb", "createTable", map[string]any{"TableName": table, "BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
		"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}})
	return table
}
