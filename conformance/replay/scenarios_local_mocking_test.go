package replay

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/mock"
)

// Step Functions Local's mocked service integrations (local_mocking/test_base_scenarios,
// local_mocking/test_base_callbacks). The recordings are AWS's executions over real Lambda,
// SQS, SNS, EventBridge and DynamoDB; the recorded tests replay them, off AWS, through mock
// configurations whose mocked responses reproduce those services' answers
// (../recordings/local_mocked_service_integrations). The same configurations are given here
// to Stepwise (server.Config.Mocks, as `serve --mock-config`), and each execution is started
// on ARN#TestCaseName. What a mock cannot reproduce the recorded tests leave unverified:
// the HTTP metadata and ExecutedVersion, and, for the callbacks, the redrive members and the
// TaskSubmitted output a mocked .sync or .waitForTaskToken task does not have.
func init() {
	const sm, tc = "mocked_state_machine_a1b2c3", "TestCaseName"
	// mocked runs tmpl under the state machine name the mock configuration names, with
	// states answered by the mocked responses files given.
	mocked := func(tmpl string, edit func(map[string]any), input any, states map[string]string, responses map[string]string) func(*replay) {
		return func(r *replay) {
			r.serve(services{mocks: mockConfig(r, sm, tc, states, responses)})
			arn := str(r.call("CreateStateMachine", map[string]any{"name": sm, "definition": definition(r, tmpl, edit), "roleArn": role}), "stateMachineArn")
			s := r.call("StartExecution", map[string]any{"stateMachineArn": arn + "#" + tc, "input": value.Encode(input)})
			ex := str(s, "executionArn")
			if ex == "" {
				r.t.Fatalf("StartExecution: %v", s)
			}
			r.awaitEndWithin(ex, 30e9)
			r.history("get_execution_history", ex)
		}
	}
	const fn = "lambda_function_name"
	one := func(state, file string) map[string]string { return map[string]string{state: file} }
	const body = "lambda/200_string_body.json5"
	scenarios := map[string]func(*replay){
		"test_lambda_invoke": mocked("services/statemachines/lambda_invoke_resource.json5", func(d map[string]any) {
			d["States"].(map[string]any)["step1"].(map[string]any)["Resource"] = functionArn(fn)
		}, map[string]any{"body": "string body"}, one("step1", "r"), one("r", body)),
		"test_lambda_service_invoke": mocked("services/statemachines/lambda_invoke.json5", nil,
			map[string]any{"FunctionName": fn, "Payload": map[string]any{"body": "string body"}}, one("Start", "r"), one("r", body)),
		"test_sqs_send_message": mocked("services/statemachines/sqs_send_msg.json5", nil,
			map[string]any{"QueueUrl": "sqs-queue-url", "MessageBody": "test_message_body"}, one("SendSQS", "r"), one("r", "sqs/200_send_message.json5")),
		"test_sns_publish_base": mocked("services/statemachines/sns_publish.json5", nil,
			map[string]any{"TopicArn": "topic-arn", "Message": map[string]any{"message": "string-literal"}}, one("Publish", "r"), one("r", "sns/200_publish.json5")),
		"test_events_put_events": func(r *replay) {
			r.replace("detail_type_a1b2c3", "detail-type")
			mocked("services/statemachines/events_put_events.json5", nil, map[string]any{"Entries": []any{map[string]any{
				"Detail": `{"Message": "string-literal"}`, "DetailType": "detail_type_a1b2c3", "Source": "some.source"}}},
				one("PutEvents", "r"), one("r", "events/200_put_events.json5"))(r)
		},
		"test_dynamodb_put_get_item": func(r *replay) {
			r.replace("sfn_test_table_a1b2c3", "table-name")
			mocked("services/statemachines/dynamodb_put_get_item.json5", nil, map[string]any{"TableName": "sfn_test_table_a1b2c3",
				"Item": map[string]any{"data": map[string]any{"S": "string-literal"}, "id": map[string]any{"S": "id1"}},
				"Key":  map[string]any{"id": map[string]any{"S": "id1"}}},
				map[string]string{"PutItem": "put", "GetItem": "get"},
				map[string]string{"put": "dynamodb/200_put_item.json5", "get": "dynamodb/200_get_item.json5"})(r)
		},
		"test_map_state_lambda": func(r *replay) {
			// The test's own skip_snapshot_verify ($..events..previousEventId): AWS threads a
			// Distributed Map's MapStateExited from MapRunStarted or MapRunSucceeded, as its
			// concurrent writes fall (engine/map.go's mapDone).
			r.unverified = append(r.unverified, "previousEventId")
			mocked("scenarios/statemachines/map_state_config_distributed_reentrant_lambda.json5", func(d map[string]any) {
				st := d["States"].(map[string]any)
				st["StartState"].(map[string]any)["Parameters"].(map[string]any)["Values"].([]any)[0] = map[string]any{"body": "string body"}
				st["IterationBody"].(map[string]any)["ItemProcessor"].(map[string]any)["States"].(map[string]any)["ProcessValue"].(map[string]any)["Resource"] =
					"arn:aws:lambda:us-east-1:123456789012:function:nosuchfunction"
			}, map[string]any{}, one("ProcessValue", "r"), one("r", body))(r)
		},
	}
	scenarios["test_parallel_state_lambda"] = func(r *replay) {
		r.replace("lambda_branch1_a1b2c3", "function_name_branch1")
		r.replace("lambda_branch2_a1b2c3", "function_name_branch2")
		// The recorded test's own replacements of these outputs (JsonpathTransformer).
		r.replaceMember("output", "stateExitedEventDetails.output", "stateExitedEventDetails")
		r.replaceMember("output", "executionSucceededEventDetails.output", "executionSucceededEventDetails")
		r.rewrite = branchEventsUnordered
		mocked("scenarios/statemachines/parallel_state_service_lambda.json5", nil, map[string]any{
			"FunctionNameBranch1": "lambda_branch1_a1b2c3", "FunctionNameBranch2": "lambda_branch2_a1b2c3", "Payload": []any{"string-literal"}},
			map[string]string{"Branch1": "b1", "Branch2": "b2"},
			map[string]string{"b1": `{"0":{"Return":{"StatusCode":200,"Payload":["string-literal"]}}}`,
				"b2": `{"0":{"Return":{"StatusCode":200,"Payload":"input-event-['string-literal']"}}}`})(r)
	}
	scenarios["test_lambda_service_invoke_sync_execution"] = func(r *replay) {
		r.replace(fn, "lambda_function_name")
		r.serve(services{mocks: mockConfig(r, sm, tc, one("Start", "r"), one("r", body))})
		c := r.call("CreateStateMachine", map[string]any{"name": sm, "definition": template(r.t, "services/statemachines/lambda_invoke.json5"),
			"roleArn": role, "type": "EXPRESS"})
		r.record("creation_response", c)
		in := value.Encode(map[string]any{"FunctionName": fn, "Payload": map[string]any{"body": "string body"}})
		r.record("start_execution_sync_response", r.call("StartSyncExecution", map[string]any{"stateMachineArn": str(c, "stateMachineArn") + "#" + tc, "input": in}))
	}
	register(file{
		path:     "v2/local_mocking/test_base_scenarios.snapshot.json",
		services: true,
		unverified: map[string]string{
			"SdkHttpMetadata":     "the HTTP headers of the service's answer, which the mocks do not reproduce",
			"SdkResponseMetadata": "the request id of the service's answer, which the mocks do not reproduce",
			"ExecutedVersion":     "the Lambda version that ran, which the mocks do not reproduce",
			"billingDetails":      "what AWS bills for an Express execution (test_lambda_service_invoke_sync_execution's own skip_snapshot_verify)",
		},
		scenario: func(test string) (func(*replay), string) {
			switch test {
			case "test_numbered_mock_responses_multiple_success_invocations":
				return nil, "recorded after the stored source of the test: its state machine and mocks are not known"
			}
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			return nil, "unknown test " + test
		},
	})
}

// mockConfig is the recorded tests' mock configuration: one state machine, one test case
// mapping states to mocked responses, each read from a file of
// ../recordings/local_mocked_service_integrations/mocked_responses.
func mockConfig(r *replay, machine, testCase string, states, files map[string]string) *mock.Config {
	r.t.Helper()
	// The documents are put together as text: mock.Parse reads the relaxed JSON the
	// recorded files are written in (comments, trailing commas, single-quoted strings).
	var responses []string
	for name, file := range files {
		data := []byte(file) // a response written inline
		if !strings.HasPrefix(file, "{") {
			var err error
			if data, err = os.ReadFile(filepath.Join(recordings, "local_mocked_service_integrations", "mocked_responses", file)); err != nil {
				r.t.Fatal(err)
			}
		}
		responses = append(responses, value.Encode(name)+":"+string(data))
	}
	cases := map[string]any{}
	for k, v := range states {
		cases[k] = v
	}
	machines := value.Encode(map[string]any{machine: map[string]any{"TestCases": map[string]any{testCase: cases}}})
	c, err := mock.Parse([]byte(`{"StateMachines":` + machines + `,"MockedResponses":{` + strings.Join(responses, ",") + `}}`))
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// branchEventsUnordered is what the recorded test's SfnNoneRecursiveParallelTransformer does
// to a history, as its output shows: the events of the Parallel state's branches, whose
// interleaving is the branches' concurrency, lose their ids (id [0], previousEventId 0) and
// are sorted by their JSON text (keys sorted); ParallelStateSucceeded goes with them.
func branchEventsUnordered(v any) any {
	m, _ := v.(map[string]any)
	events, _ := m["events"].([]any)
	start, end := -1, -1
	for i, e := range events {
		switch str(e.(map[string]any), "type") {
		case "ParallelStateStarted":
			start = i
		case "ParallelStateExited":
			end = i
		}
	}
	if start < 0 || end < start {
		return v
	}
	var branch []any
	var keys []string
	for _, e := range events[start+1 : end] {
		ev := e.(map[string]any)
		if str(ev, "type") == "ParallelStateSucceeded" {
			continue
		}
		c := map[string]any{}
		for k, x := range ev {
			c[k] = x
		}
		c["id"], c["previousEventId"] = []any{value.FromInt(0)}, value.FromInt(0)
		branch = append(branch, c)
		keys = append(keys, pythonJSON(c))
	}
	sort.Sort(byKey{branch, keys})
	out := append(append(append([]any{}, events[:start+1]...), branch...), events[end:]...)
	n := map[string]any{}
	for k, x := range m {
		n[k] = x
	}
	n["events"] = out
	return n
}

type byKey struct {
	items []any
	keys  []string
}

func (b byKey) Len() int           { return len(b.items) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.items[i], b.items[j] = b.items[j], b.items[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}

// pythonJSON is json.dumps(v, sort_keys=True) for the values of a history: the text the
// transformer sorts by.
func pythonJSON(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = value.Encode(k) + ": " + pythonJSON(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pythonJSON(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return value.Encode(v)
}

// The callbacks of local_mocking/test_base_callbacks, mocked: startExecution.sync and .sync:2
// answered by a mocked child execution, a .waitForTaskToken answered by a mocked
// SendTaskSuccess or SendTaskFailure.
func init() {
	const sm, tc = "mocked_state_machine_a1b2c3", "TestCaseName"
	const cb = "callbacks/statemachines/"
	run := func(tmpl, state, response string, input map[string]any, describe bool) func(*replay) {
		return func(r *replay) {
			r.serve(services{mocks: mockConfig(r, sm, tc, map[string]string{state: "r"}, map[string]string{"r": response})})
			arn := str(r.call("CreateStateMachine", map[string]any{"name": sm, "definition": template(r.t, tmpl), "roleArn": role}), "stateMachineArn")
			ex := str(r.call("StartExecution", map[string]any{"stateMachineArn": arn + "#" + tc, "input": value.Encode(input)}), "executionArn")
			if ex == "" {
				r.t.Fatal("StartExecution failed")
			}
			r.awaitEndWithin(ex, 30e9)
			r.history("get_execution_history", ex)
			if describe {
				r.record("describe_execution_response", r.call("DescribeExecution", map[string]any{"executionArn": ex}))
			}
		}
	}
	syncStart := func(tmpl, response string) func(*replay) {
		return func(r *replay) {
			// The recorded test's replacements (JsonpathTransformer without replace_reference).
			r.replaceMember("StateMachineArn", "state-machine-arn")
			r.replaceMember("ExecutionArn", "execution-arn")
			r.replaceMember("StartDate", "start-date", "output")
			r.replaceMember("StopDate", "stop-date", "output")
			run(cb+tmpl, "StartExecution", response, map[string]any{"StateMachineArn": "state-machine-arn", "Input": nil, "Name": "TestStartTarget"}, false)(r)
		}
	}
	msg := map[string]any{"QueueUrl": "sqs_queue_url", "Message": "string-literal"}
	scenarios := map[string]func(*replay){
		"test_sfn_start_execution_sync[SFN_SYNC]":   syncStart("sfn_start_execution_sync.json5", "states/200_start_execution_sync.json5"),
		"test_sfn_start_execution_sync[SFN_SYNC2]":  syncStart("sfn_start_execution_sync2.json5", "states/200_start_execution_sync2.json5"),
		"test_sqs_wait_for_task_token":              run(cb+"sqs_wait_for_task_token.json5", "SendMessageWithWait", "callback/task_success_string_literal.json5", msg, false),
		"test_sqs_wait_for_task_token_task_failure": run(cb+"sqs_wait_for_task_token_catch.json5", "SendMessageWithWait", "callback/task_failure.json5", msg, true),
	}
	register(file{
		path:     "v2/local_mocking/test_base_callbacks.snapshot.json",
		services: true,
		// The recorded test class's skip_snapshot_verify.
		unverified: map[string]string{
			"SdkHttpMetadata":                  "the HTTP headers of the service's answer, which the mocks do not reproduce",
			"SdkResponseMetadata":              "the request id of the service's answer, which the mocks do not reproduce",
			"ExecutedVersion":                  "the Lambda version that ran, which the mocks do not reproduce",
			"RedriveCount":                     "unverified by the recorded test",
			"redriveCount":                     "unverified by the recorded test",
			"RedriveStatus":                    "unverified by the recorded test",
			"redriveStatus":                    "unverified by the recorded test",
			"RedriveStatusReason":              "unverified by the recorded test",
			"redriveStatusReason":              "unverified by the recorded test",
			"taskSubmittedEventDetails.output": "the submitted request's answer, which a mocked .sync or .waitForTaskToken task does not have",
		},
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			return nil, "unknown test " + test
		},
	})
}
