package replay

import (
	"context"
	"encoding/json"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/lambda"
)

// Callbacks (callback/test_callback): .waitForTaskToken through SQS and SNS, answered by
// SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat from a worker; startExecution.sync
// and .sync:2 over a child that succeeds, fails, times out or is interrupted by a task token.
// The workers are what the recorded tests' fixtures are: state machines that poll the queue
// (templates/callbacks/statemachines/sqs_*_on_task_token), run here on the same Stepwise, or
// threads reading the queue, here goroutines.
func init() {
	const cb = "callbacks/statemachines/"
	// waitSQS runs a .waitForTaskToken template whose input names a fresh queue, with a
	// worker state machine (or none) answering the tokens sent there.
	waitSQS := func(tmpl, worker, queueWord string, input map[string]any, edit func(map[string]any)) func(*replay) {
		return func(r *replay) {
			r.serve(services{})
			queue := r.createQueue("queue-" + shortID(r))
			r.replace(queue, queueWord)
			if worker != "" {
				r.startWorker(cb+worker, queue)
			}
			in := map[string]any{"QueueUrl": queue}
			for k, v := range input {
				in[k] = v
			}
			r.history("get_execution_history", r.execution(definition(r, tmpl, edit), value.Encode(in)))
		}
	}
	msg := map[string]any{"Message": "test_message_txt"}
	syncChild := func(resource, target string, input any, edit func(map[string]any)) func(*replay) {
		return func(r *replay) {
			r.serve(services{functions: map[string]lambda.Spec{"lambda_1_func_a1b2c3": {Func: waitSeconds(60), Timeout: 2 * time.Minute}}})
			child := r.createArn(definition(r, target, edit))
			in := map[string]any{"StateMachineArn": child, "Input": input, "Name": "TestStartTarget"}
			r.history("get_execution_history", r.execution(definition(r, resource, nil), value.Encode(in)))
		}
	}
	scenarios := map[string]func(*replay){
		"test_sqs_wait_for_task_token":            waitSQS(cb+"sqs_wait_for_task_token.json5", "sqs_success_on_task_token.json5", "<sqs_queue_url>", msg, nil),
		"test_sqs_wait_for_task_token_timeout":    waitSQS(cb+"sqs_wait_for_task_token_with_timeout.json5", "", "<sqs_queue_url>", msg, nil),
		"test_sqs_failure_in_wait_for_task_token": waitSQS(cb+"sqs_wait_for_task_token.json5", "sqs_failure_on_task_token.json5", "<sqs_queue_url>", msg, nil),
		"test_sqs_wait_for_task_tok_with_heartbeat": waitSQS("timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat.json5",
			"sqs_hearbeat_success_on_task_token.json5", "<sqs_queue_url>", msg, func(d map[string]any) {
				d["States"].(map[string]any)["SendMessageWithWait"].(map[string]any)["HeartbeatSeconds"] = value.FromInt(60)
			}),
		"test_sqs_wait_for_task_token_call_chain":         waitSQS(cb+"sqs_wait_for_task_token_call_chain.json5", "sqs_success_on_task_token.json5", "sqs_queue_url", map[string]any{"Message": "HelloWorld"}, nil),
		"test_sqs_wait_for_task_token_no_token_parameter": waitSQS(cb+"sqs_wait_for_task_token_no_token_parameter.json5", "", "sqs_queue_url", nil, nil),
		"test_start_execution_sync":                       syncChild(cb+"sfn_start_execution_sync.json5", passResult, nil, nil),
		"test_start_execution_sync2":                      syncChild(cb+"sfn_start_execution_sync2.json5", passResult, nil, nil),
		"test_start_execution_sync_delegate_failure":      syncChild(cb+"sfn_start_execution_sync.json5", "base/statemachines/raise_failure.json5", nil, nil),
		"test_start_execution_sync_delegate_timeout": func(r *replay) {
			r.replace("lambda_1_func_a1b2c3", "<lambda_function_1_name>")
			syncChild(cb+"sfn_start_execution_sync.json5", "timeouts/statemachines/lambda_wait_with_timeout_seconds.json5", map[string]any{"Payload": nil},
				func(d map[string]any) {
					d["States"].(map[string]any)["Start"].(map[string]any)["Resource"] = functionArn("lambda_1_func_a1b2c3")
				})(r)
		},
		"test_sync_with_task_token": func(r *replay) {
			r.serve(services{})
			queue := r.createQueue("queue-" + shortID(r))
			r.replace(queue, "sqs_queue_url")
			r.startWorker(cb+"sqs_success_on_task_token.json5", queue)
			child := r.createArn(template(r.t, "services/statemachines/sqs_send_msg_and_wait.json5"))
			in := map[string]any{"StateMachineArn": child, "Name": "TestStartTarget", "QueueUrl": queue}
			r.history("get_execution_history", r.execution(template(r.t, cb+"sfn_start_execution_sync_with_task_token.json5"), value.Encode(in)))
		},
		"test_sns_publish_wait_for_task_token": func(r *replay) {
			r.serve(services{})
			topic := r.createTopic("topic-" + shortID(r))
			queue := r.createQueue("queue-" + shortID(r))
			r.subscribeQueue(topic, queue)
			var messages []any
			done := make(chan struct{})
			go func() {
				defer close(done)
				body := r.receive(queue, 20*time.Second)
				if body == "" {
					return
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(body), &m); err != nil {
					return
				}
				messages = append(messages, m)
				var inner map[string]any
				_ = json.Unmarshal([]byte(str(m, "Message")), &inner)
				r.call("SendTaskSuccess", map[string]any{"taskToken": str(inner, "TaskToken"), "output": "{}"})
			}()
			in := map[string]any{"TopicArn": topic, "body": map[string]any{"arg1": "Hello", "arg2": "World"}}
			r.history("get_execution_history", r.execution(template(r.t, cb+"sns_publish_wait_for_task_token.json5"), value.Encode(in)))
			<-done
			r.record("messages", messages)
			r.skip("messages", "the SNS notification that carries the message to the queue is goaws's making, not Stepwise's (goaws adds an empty MessageAttributes)")
		},
		"test_multiple_heartbeat_notifications": func(r *replay) {
			r.serve(services{})
			queue := r.createQueue("queue-" + shortID(r))
			r.replace(queue, "sqs_queue_url")
			done := r.heartbeatWorker(queue)
			in := map[string]any{"QueueUrl": queue, "Message": "txt", "HeartbeatSecondsPath": value.FromInt(120)}
			r.history("get_execution_history", r.execution(template(r.t, "timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat_path.json5"), value.Encode(in)))
			<-done
		},
		"test_multiple_executions_and_heartbeat_notifications": func(r *replay) {
			r.serve(services{})
			queue := r.createQueue("queue-" + shortID(r))
			r.replace(queue, "sqs_queue_url")
			r.replaceMember("TaskToken", "a_task_token")
			r.replaceMember("MessageId", "a_message_id")
			sm := r.createArn(template(r.t, "timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat_path.json5"))
			in := value.Encode(map[string]any{"QueueUrl": queue, "Message": "txt", "HeartbeatSecondsPath": value.FromInt(120)})
			var arns []string
			for i := 0; i < 6; i++ {
				arns = append(arns, str(r.call("StartExecution", map[string]any{"stateMachineArn": sm, "input": in}), "executionArn"))
			}
			var workers []<-chan struct{}
			for range arns {
				workers = append(workers, r.heartbeatWorker(queue))
			}
			for _, w := range workers {
				<-w
			}
			for i, arn := range arns {
				r.awaitEnd(arn)
				r.history("execution_history_"+itoa(i), arn)
			}
		},
	}
	noErrorField := func(tmpl string) func(*replay) {
		return func(r *replay) {
			r.serve(services{})
			queue := r.createQueue("queue-" + shortID(r))
			r.replace(queue, "<sqs_queue_url>")
			done := make(chan struct{})
			go func() {
				defer close(done)
				body := r.receive(queue, 20*time.Second)
				var m map[string]any
				_ = json.Unmarshal([]byte(body), &m)
				r.call("SendTaskFailure", map[string]any{"taskToken": str(m, "TaskToken")})
			}()
			in := value.Encode(map[string]any{"QueueUrl": queue, "Message": "test_message_txt"})
			r.history("get_execution_history", r.execution(template(r.t, cb+tmpl), in))
			<-done
		}
	}
	register(file{
		path:       "v2/callback/test_callback.snapshot.json",
		services:   true,
		unverified: serviceMetadata,
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			name, id := param(test)
			if name == "test_sqs_failure_in_wait_for_task_tok_no_error_field" {
				switch id {
				case "SQS_PARALLEL_WAIT_FOR_TASK_TOKEN":
					return noErrorField("sqs_parallel_wait_for_task_token.json5"), ""
				case "SQS_WAIT_FOR_TASK_TOKEN_CATCH":
					return noErrorField("sqs_wait_for_task_token_catch.json5"), ""
				}
			}
			return nil, "unknown test " + test
		},
	})
}

// startWorker starts the recorded tests' worker fixture: a state machine that polls the queue
// and answers the task tokens it finds there.
func (r *replay) startWorker(tmpl, queue string) {
	r.t.Helper()
	sm := r.createArn(template(r.t, tmpl))
	in := value.Encode(map[string]any{"QueueUrl": queue, "Iterator": map[string]any{"Count": value.FromInt(300)}})
	if s := r.call("StartExecution", map[string]any{"stateMachineArn": sm, "input": in}); str(s, "executionArn") == "" {
		r.t.Fatalf("starting the worker: %v", s)
	}
}

// heartbeatWorker reads one task token from the queue, sends ten heartbeats for it, then
// SendTaskSuccess with the message's body as output (the recorded tests'
// _handle_sqs_task_token_with_heartbeats_and_success).
func (r *replay) heartbeatWorker(queue string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		body := r.receive(queue, 30*time.Second)
		var m map[string]any
		_ = json.Unmarshal([]byte(body), &m)
		token := str(m, "TaskToken")
		for i := 0; i < 10; i++ {
			r.call("SendTaskHeartbeat", map[string]any{"taskToken": token})
		}
		r.call("SendTaskSuccess", map[string]any{"taskToken": token, "output": body})
	}()
	return done
}

// createArn creates a state machine of definition and returns its ARN.
func (r *replay) createArn(definition string) string {
	r.t.Helper()
	r.created++
	c := r.call("CreateStateMachine", map[string]any{"name": "sm-" + itoa(r.created), "definition": definition, "roleArn": role})
	arn := str(c, "stateMachineArn")
	if arn == "" {
		r.t.Fatalf("CreateStateMachine: %v", c)
	}
	return arn
}

// definition reads a template and lets edit change it, as tests change a loaded template.
func definition(r *replay, tmpl string, edit func(map[string]any)) string {
	if edit == nil {
		return template(r.t, tmpl)
	}
	v, err := value.DecodeMaps([]byte(template(r.t, tmpl)))
	if err != nil {
		r.t.Fatal(err)
	}
	edit(v.(map[string]any))
	return value.Encode(v)
}

// shortID is a name suffix unique in the test binary (goaws is shared by every test).
func shortID(r *replay) string {
	r.created++
	return time.Now().Format("150405.000000")[7:] + itoa(r.created)
}

// waitSeconds is the recorded tests' LAMBDA_WAIT_60_SECONDS: a function that waits, then
// answers its input.
func waitSeconds(n int) lambda.Func {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		select {
		case <-time.After(time.Duration(n) * time.Second):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return payload, nil
	}
}

// functionArn is the ARN Stepwise gives a function it runs.
func functionArn(name string) string { return "arn:aws:lambda:us-east-1:123456789012:function:" + name }

// serviceMetadata is what the recorded tests that call SQS, SNS or Lambda through Step
// Functions leave unverified (their skip_snapshot_verify paths $..SdkHttpMetadata and
// $..SdkResponseMetadata): the service's HTTP headers and request id.
var serviceMetadata = map[string]string{
	"SdkHttpMetadata":     "the HTTP headers of the service's answer: here the fake's",
	"SdkResponseMetadata": "the request id of the service's answer: here the fake's",
}
