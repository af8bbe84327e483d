package replay

import (
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
)

// Activity tasks run by a worker (activities/test_activities): the recorded tests ran their
// worker as a second state machine calling GetActivityTask and SendTask* through the AWS SDK
// integration; here a goroutine makes the same calls over the API. Each test records the
// execution's history.
func init() {
	const (
		worker = "BASE_ID_ACTIVITY_CONSUMER"
		input  = `{"Value1": "HelloWorld"}`
	)
	// A task is what the worker does with the task it got: token and input.
	type task func(r *replay, token, input any)
	succeed := func(r *replay, token, input any) {
		r.call("SendTaskSuccess", map[string]any{"taskToken": token, "output": input})
	}
	fail := func(r *replay, token, input any) {
		r.call("SendTaskFailure", map[string]any{"taskToken": token, "error": "Programmatic Error", "cause": input})
	}
	heartbeat := func(r *replay, token, input any) {
		time.Sleep(2 * time.Second)
		r.call("SendTaskHeartbeat", map[string]any{"taskToken": token})
		time.Sleep(2 * time.Second)
		succeed(r, token, input)
	}
	ignore := func(r *replay, token, input any) {}

	// run creates the activity, starts a worker (unless do is nil), runs the task machine and
	// records its history.
	run := func(tmpl string, workerName string, do task, deleted bool) func(*replay) {
		return func(r *replay) {
			name := "activity-a1b2c3d4"
			c := r.call("CreateActivity", map[string]any{"name": name})
			arn := str(c, "activityArn")
			r.replace(arn, "activity_arn")
			r.replace(name, "activity_name")
			r.record("create_activity_output", c)
			if deleted {
				r.call("DeleteActivity", map[string]any{"activityArn": arn})
			}
			stop := make(chan struct{})
			done := make(chan struct{})
			if do != nil {
				go func() {
					defer close(done)
					req := map[string]any{"activityArn": arn}
					if workerName != "" {
						req["workerName"] = workerName
					}
					for {
						select {
						case <-stop:
							return
						default:
						}
						got := r.call("GetActivityTask", req)
						if token, ok := got["taskToken"]; ok {
							do(r, token, got["input"])
							return
						}
					}
				}()
			} else {
				close(done)
			}
			def, err := value.DecodeMaps([]byte(template(r.t, tmpl)))
			if err != nil {
				r.t.Fatal(err)
			}
			def.(map[string]any)["States"].(map[string]any)["ActivityTask"].(map[string]any)["Resource"] = arn
			m := r.call("CreateStateMachine", map[string]any{"name": "sm_s", "definition": value.Encode(def), "roleArn": role})
			e := r.call("StartExecution", map[string]any{"stateMachineArn": m["stateMachineArn"], "input": input})
			r.awaitEnd(str(e, "executionArn"))
			close(stop)
			<-done
			r.record("get_execution_history", r.call("GetExecutionHistory", map[string]any{"executionArn": e["executionArn"]}))
		}
	}
	const (
		base      = "activities/statemachines/base_activity_task.json5"
		withBeat  = "activities/statemachines/base_activity_task_heartbeat.json5"
		withLimit = "activities/statemachines/base_activity_task_timeout.json5"
	)
	scenarios := map[string]func(*replay){
		"test_activity_task":                run(base, worker, succeed, false),
		"test_activity_task_no_worker_name": run(base, "", succeed, false),
		"test_activity_task_on_deleted":     run(base, "", nil, true),
		"test_activity_task_failure":        run(base, worker, fail, false),
		"test_activity_task_with_heartbeat": run(withBeat, worker, heartbeat, false),
		"test_activity_task_start_timeout":  run(withLimit, worker, ignore, false),
	}
	register(file{
		path: "v2/activities/test_activities.snapshot.json",
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			return nil, "unknown test " + test
		},
	})
}
