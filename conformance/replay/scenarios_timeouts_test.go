package replay

import (
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/lambda"
)

// Timeouts (timeouts/test_timeouts, timeouts/test_heartbeats): a Task's TimeoutSeconds and
// TimeoutSecondsPath over a Lambda function that outlasts them, called as a function ARN, as
// lambda:invoke and from a Map; an execution's own TimeoutSeconds; a .waitForTaskToken whose
// heartbeat nobody sends.
func init() {
	const tt = "timeouts/statemachines/"
	const fn = "lambda_1_func_a1b2c3"
	// slow is the recorded tests' LAMBDA_WAIT_60_SECONDS, with a timeout of its own longer
	// than that, as the tests' functions have.
	slow := services{functions: map[string]lambda.Spec{fn: {Func: waitSeconds(60), Timeout: 2 * time.Minute}}}
	lambdaRun := func(tmpl string, input map[string]any, edit func(map[string]any)) func(*replay) {
		return func(r *replay) {
			r.serve(slow)
			r.replace(fn, "<lambda_function_1_name>")
			r.history("get_execution_history", r.execution(definition(r, tt+tmpl, edit), value.Encode(input)))
		}
	}
	timeouts := map[string]func(*replay){
		// Recorded with the input of the test below (its TimeoutSecondsValue too).
		"test_fixed_timeout_service_lambda": lambdaRun("service_lambda_wait_with_timeout_seconds.json5",
			map[string]any{"TimeoutSecondsValue": value.FromInt(5), "FunctionName": fn, "Payload": nil}, nil),
		"test_fixed_timeout_service_lambda_with_path": lambdaRun("service_lambda_wait_with_timeout_seconds_path.json5",
			map[string]any{"TimeoutSecondsValue": value.FromInt(5), "FunctionName": fn, "Payload": nil}, nil),
		"test_fixed_timeout_lambda": lambdaRun("lambda_wait_with_timeout_seconds.json5", map[string]any{"Payload": nil}, func(d map[string]any) {
			d["States"].(map[string]any)["Start"].(map[string]any)["Resource"] = functionArn(fn)
		}),
		"test_global_timeout": func(r *replay) {
			r.serve(services{})
			sm := r.createArn(definition(r, "base/statemachines/wait_1_min.json5", func(d map[string]any) { d["TimeoutSeconds"] = value.FromInt(1) }))
			name := "exec_of-test_global_timeout-a1b2c3"
			r.replace(name, "<execution-name>")
			arn := str(r.call("StartExecution", map[string]any{"stateMachineArn": sm, "name": name}), "executionArn")
			r.awaitEndWithin(arn, time.Minute)
			r.record("describe_execution", r.call("DescribeExecution", map[string]any{"executionArn": arn}))
		},
	}
	register(file{
		path:     "v2/timeouts/test_timeouts.snapshot.json",
		services: true,
		scenario: func(test string) (func(*replay), string) {
			if run, ok := timeouts[test]; ok {
				return run, ""
			}
			if test == "test_service_lambda_map_timeout" {
				return nil, mapTimeoutOrder
			}
			return nil, "unknown test " + test
		},
	})

	heartbeat := func(edit func(map[string]any), input map[string]any) func(*replay) {
		return func(r *replay) {
			r.serve(services{})
			queue := r.createQueue("queue-" + shortID(r))
			r.replace(queue, "<sqs_queue_url>")
			in := map[string]any{"QueueUrl": queue, "Message": "test_message_txt"}
			for k, v := range input {
				in[k] = v
			}
			tmpl := tt + "service_sqs_send_and_wait_for_task_token_with_heartbeat.json5"
			if _, ok := input["HeartbeatSecondsPath"]; ok {
				tmpl = tt + "service_sqs_send_and_wait_for_task_token_with_heartbeat_path.json5"
			}
			r.history("get_execution_history", r.execution(definition(r, tmpl, edit), value.Encode(in)))
		}
	}
	heartbeats := map[string]func(*replay){
		"test_heartbeat_timeout":      heartbeat(nil, nil),
		"test_heartbeat_path_timeout": heartbeat(nil, map[string]any{"HeartbeatSecondsPath": value.FromInt(5)}),
		"test_heartbeat_no_timeout": heartbeat(func(d map[string]any) {
			delete(d["States"].(map[string]any)["SendMessageWithWait"].(map[string]any), "TimeoutSeconds")
		}, nil),
	}
	register(file{
		path:     "v2/timeouts/test_heartbeats.snapshot.json",
		services: true,
		// The test class's skip_snapshot_verify, and each test's ($..MD5OfMessageBody).
		unverified: map[string]string{
			"SdkHttpMetadata":     serviceMetadata["SdkHttpMetadata"],
			"SdkResponseMetadata": serviceMetadata["SdkResponseMetadata"],
			"MD5OfMessageBody":    "the digest of a message body that holds a task token, different in every run",
		},
		scenario: func(test string) (func(*replay), string) {
			if run, ok := heartbeats[test]; ok {
				return run, ""
			}
			return nil, "unknown test " + test
		},
	})
}

// mapTimeoutOrder is why test_service_lambda_map_timeout is not compared: its history is the
// order in which AWS's threads happened to record four concurrent iterations (all four
// MapIterationStarted before any TaskStateEntered, the TaskTimedOut events out of index
// order, all four timeouts recorded before the first failure was handled), which no
// deterministic engine reproduces; the recorded test is skipped by its authors for the same
// reason.
const mapTimeoutOrder = "AWS's own nondeterminism: the interleaving of four concurrent Map iterations' events"
