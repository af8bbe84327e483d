package replay

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
)

// The sample workflows of scenarios/test_sfn_scenarios. The recorded tests deploy them with
// CloudFormation; here the state machine is created with the definition the template's
// DefinitionString gives (the template's other resources as the replay has them: a goaws
// queue, and the test's own worker in place of the Lambda function that an SQS event source
// mapping runs).
func init() {
	// record is the test's _record_execution: start, wait for the end, describe, history.
	record := func(r *replay, arn, name string, input map[string]any) {
		start := r.call("StartExecution", map[string]any{"stateMachineArn": arn, "input": value.Encode(input)})
		exec := str(start, "executionArn")
		r.replace(exec[strings.LastIndex(exec, ":")+1:], "<execution-id-"+name+">")
		r.record(name+"__start_execution_result", start)
		r.record(name+"__describe_ex_done", r.awaitEnd(exec))
		r.record(name+"__execution_history", r.call("GetExecutionHistory", map[string]any{"executionArn": exec}))
	}
	scenarios := map[string]func(*replay){
		"test_path_based_on_data": func(r *replay) {
			r.servePython()
			def := `{"StartAt":"Choice State","States":{"Choice State":{"Type":"Choice","Choices":[` +
				`{"Not":{"Variable":"$.type","StringEquals":"Private"},"Next":"NEXT_STATE_ONE"},` +
				`{"Variable":"$.value","NumericEquals":0,"Next":"NEXT_STATE_TWO"},` +
				`{"And":[{"Variable":"$.value","NumericGreaterThanEquals":20},{"Variable":"$.value","NumericLessThan":30}],"Next":"NEXT_STATE_TWO"}],` +
				`"Default":"DEFAULT_STATE"},"DEFAULT_STATE":{"Type":"Pass","End":true},"NEXT_STATE_ONE":{"Type":"Pass","End":true},"NEXT_STATE_TWO":{"Type":"Pass","End":true}}}`
			arn := str(r.call("CreateStateMachine", map[string]any{"name": "statemachineC5962F3E-path", "definition": def, "roleArn": role}), "stateMachineArn")
			r.record("describe_statemachine", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": arn}))
			record(r, arn, "first_path", map[string]any{"type": "Public", "value": value.FromInt(3)})
			record(r, arn, "second_path", map[string]any{"type": "Private", "value": value.FromInt(25)})
			record(r, arn, "default_path", map[string]any{"type": "Private", "value": value.FromInt(3)})
		},
		"test_wait_for_callback": func(r *replay) {
			r.servePython()
			r.unchecking("AllHttpHeaders", "HttpHeaders", "MD5OfMessageAttributes", "SequenceNumber")
			url := str(r.aws("sqs", "createQueue", map[string]any{"QueueName": unique("queue276F7297-")}), "QueueUrl")
			def := `{"StartAt":"Start Task And Wait For Callback","States":{"Start Task And Wait For Callback":{"Next":"Succeed State",` +
				`"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Fail State"}],"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",` +
				`"Parameters":{"QueueUrl":"` + url + `","MessageBody":{"MessageTitle":"Task started by Step Functions. Waiting for callback with task token.",` +
				`"ShouldFail.$":"$.shouldfail","TaskToken.$":"$$.Task.Token"}}},"Succeed State":{"Type":"Succeed"},"Fail State":{"Type":"Fail"}}}`
			arn := str(r.call("CreateStateMachine", map[string]any{"name": "statemachineC5962F3E-callback", "definition": def, "roleArn": role}), "stateMachineArn")
			r.record("describe_statemachine", r.call("DescribeStateMachine", map[string]any{"stateMachineArn": arn}))
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() { defer close(done); r.callbackWorker(url, stop) }()
			record(r, arn, "success", map[string]any{"shouldfail": "no"})
			record(r, arn, "failure", map[string]any{"shouldfail": "yes"})
			close(stop)
			<-done
		},
	}
	register(file{path: "v2/scenarios/test_sfn_scenarios.snapshot.json", services: true, concurrent: true,
		limits: map[string]string{
			"test_wait_for_callback/success__execution_history": goawsCallbackLength,
			"test_wait_for_callback/failure__execution_history": goawsCallbackLength,
		},
		scenario: func(test string) (func(*replay), string) {
			if test == "test_step_functions_calling_api_gateway" {
				return nil, noAPIGateway
			}
			return lookup(scenarios)(test)
		}})
}

const goawsCallbackLength = "goaws's SendMessage answer (the query protocol, as AWS's SQS answered in 2023) has headers of its own (application/xml, its Content-Length, no x-amzn-RequestId) where AWS's had text/xml, 378 and a request id: SdkHttpMetadata carries the fake's headers; and an empty MD5OfMessageAttributes and SequenceNumber that SQS leaves out"

// callbackWorker is the recorded template's Lambda function, run by the test: it reads the
// queue's messages and answers each task token with success, or with the failure the message
// asks for, until stop.
func (r *replay) callbackWorker(queueURL string, stop chan struct{}) {
	r.tokenWorker(queueURL, stop, func(body string) {
		var data struct{ ShouldFail, TaskToken string }
		if err := json.Unmarshal([]byte(body), &data); err != nil {
			r.t.Errorf("callback message: %v", err)
			return
		}
		if data.ShouldFail == "yes" {
			r.call("SendTaskFailure", map[string]any{"taskToken": data.TaskToken, "error": "IntentionalFail", "cause": "Intentional failure"})
		} else {
			r.call("SendTaskSuccess", map[string]any{"taskToken": data.TaskToken, "output": `{"message": "Successfully executed lambda"}`})
		}
	})
}

// tokenWorker reads a queue's messages until stop, hands each body to answer and deletes it.
func (r *replay) tokenWorker(queueURL string, stop chan struct{}, answer func(body string)) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		out := r.aws("sqs", "receiveMessage", map[string]any{"QueueUrl": queueURL, "WaitTimeSeconds": value.FromInt(1)})
		msgs, _ := out["Messages"].([]any)
		for _, m := range msgs {
			msg, _ := m.(map[string]any)
			answer(str(msg, "Body"))
			r.aws("sqs", "deleteMessage", map[string]any{"QueueUrl": queueURL, "ReceiptHandle": msg["ReceiptHandle"]})
		}
		if len(msgs) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
}
