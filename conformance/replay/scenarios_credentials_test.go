package replay

import (
	"context"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/integration/lambda"
)

// Task Credentials (credentials/test_credentials_base): a Task that calls as another role
// (Credentials.RoleArn, from a path, the Context object, a variable, an intrinsic or JSONata),
// over startExecution.sync, lambda:invoke (with a retried failure) and a function ARN; and
// the definitions CreateStateMachine refuses for their Credentials. The recorded tests' roles
// are in a second account; Stepwise hosts one, and the role is named as given.
func init() {
	const dir = "credentials/statemachines/"
	const trusted = "arn:aws:iam::123456789012:role/trusted-a1b2c3"
	const fn = "lambda_func_a1b2c3"
	// identity is the recorded tests' LAMBDA_ID_FUNCTION: it answers its event.
	identity := lambda.Spec{Func: func(_ context.Context, payload []byte) ([]byte, error) { return payload, nil }}
	// raising is LAMBDA_FUNC_RAISE_EXCEPTION: it fails with an Exception.
	raising := lambda.Spec{Func: func(context.Context, []byte) ([]byte, error) {
		return nil, &lambda.FunctionError{Type: "Exception", Message: "Some exception was raised."}
	}}
	crossSync := func(tmpl string) func(*replay) {
		return func(r *replay) {
			r.serve(services{})
			r.replace(trusted, "<trusted_role_arn>")
			target := r.createArn(template(r.t, passResult))
			in := map[string]any{"StateMachineArn": target, "Input": `"InputFromTrustedAccount"`, "Name": "TestTaskTargetWithCredentials",
				"CredentialsRoleArn": trusted}
			r.replaceMember("StartDate", "<start-date>", "output")
			r.replaceMember("StopDate", "<stop-date>", "output")
			r.history("get_execution_history", r.execution(template(r.t, dir+tmpl), value.Encode(in)))
		}
	}
	lambdaRun := func(spec lambda.Spec, tmpl string, input map[string]any, edit func(map[string]any)) func(*replay) {
		return func(r *replay) {
			r.serve(services{functions: map[string]lambda.Spec{fn: spec}})
			r.replace(trusted, "<trusted_role_arn>")
			r.replace(fn, "<lambda_function_name>")
			input["CredentialsRoleArn"] = trusted
			r.history("get_execution_history", r.execution(definition(r, dir+tmpl, edit), value.Encode(input)))
		}
	}
	payload := `"PayloadFromTrustedAccount"`
	scenarios := map[string]func(*replay){
		"test_cross_account_lambda_task": lambdaRun(identity, "lambda_task.json5", map[string]any{"Payload": payload}, func(d map[string]any) {
			d["States"].(map[string]any)["LambdaTask"].(map[string]any)["Resource"] = functionArn(fn)
		}),
		"test_cross_account_service_lambda_invoke": lambdaRun(identity, "service_lambda_invoke.json5", map[string]any{"FunctionName": fn, "Payload": payload}, nil),
		"test_cross_account_service_lambda_invoke_retry": func(r *replay) {
			lambdaRun(raising, "service_lambda_invoke_retry.json5", map[string]any{"FunctionName": fn, "Payload": payload}, nil)(r)
			r.skip("get_execution_history", pythonErrorDocument)
		},
	}
	register(file{
		path:     "v2/credentials/test_credentials_base.snapshot.json",
		services: true,
		unverified: map[string]string{
			"SdkHttpMetadata":     serviceMetadata["SdkHttpMetadata"],
			"SdkResponseMetadata": serviceMetadata["SdkResponseMetadata"],
			"RedriveCount":        "unverified by the recorded test",
			"RedriveStatus":       "unverified by the recorded test",
			"RedriveStatusReason": "unverified by the recorded test",
		},
		scenario: func(test string) (func(*replay), string) {
			if run, ok := scenarios[test]; ok {
				return run, ""
			}
			name, id := param(test)
			switch name {
			case "test_cross_account_states_start_sync_execution":
				return crossSync(map[string]string{
					"SFN_START_EXECUTION_SYNC_ROLE_ARN_JSONATA":      "sfn_start_execution_sync_role_arn_jsonata.json5",
					"SFN_START_EXECUTION_SYNC_ROLE_ARN_PATH":         "sfn_start_execution_sync_role_arn_path.json5",
					"SFN_START_EXECUTION_SYNC_ROLE_ARN_PATH_CONTEXT": "sfn_start_execution_sync_role_arn_path_context.json5",
					"SFN_START_EXECUTION_SYNC_ROLE_ARN_VARIABLE":     "sfn_start_execution_sync_role_arn_variable.json5",
					"SFN_START_EXECUTION_SYNC_ROLE_ARN_INTRINSIC":    "sfn_start_execution_sync_role_arn_intrinsic.json5",
				}[id]), ""
			case "test_invalid_credentials_field":
				return func(r *replay) {
					tmpl := map[string]string{"EMPTY_CREDENTIALS": "empty_credentials.json5", "INVALID_CREDENTIALS_FIELD": "invalid_credentials_field.json5"}[id]
					r.serve(services{})
					r.record("invalid_definition", r.call("CreateStateMachine", map[string]any{"name": "statemachine_a1b2c3",
						"definition": template(r.t, dir+tmpl), "roleArn": role}))
				}, ""
			}
			return nil, "unknown test " + test
		},
	})
}

// pythonErrorDocument is why a recorded failure of a Python function is not compared: its
// cause is the error document of AWS's Python runtime (errorMessage and errorType, and the
// runtime's own requestId and stackTrace of /var/task/handler.py); a function run here reports
// errorMessage and errorType alone.
const pythonErrorDocument = "the failure's cause is the error document of the recorded function's Python runtime (its requestId, a stack trace of /var/task/handler.py)"
