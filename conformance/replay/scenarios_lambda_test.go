package replay

import (
	"path/filepath"
	"strings"

	"github.com/stepwise-run/stepwise/asl/value"
)

// The Lambda functions the recorded tests deploy, written anew (./functions).
const (
	identityHandler = "identity.handler"     // returns its event
	bytesHandler    = "quoted_bytes.handler" // returns the bytes "HelloWorld!" in quotes
	greetingHandler = "greeting.handler"     // returns {"Return": "HelloWorld"}
	failingHandler  = "failing.handler"      // raises Exception("Some exception was raised.")
	customHandler   = "custom_error.handler" // raises a CustomException with no message
	slowHandler     = "slow.handler"         // sleeps 60 s
)

// stackTrace: the Python runtime's stackTrace names the handler's file where the function's
// code lives: /var/task/handler.py on Lambda, ./functions/<module>.py here.
const stackTrace = "the function's stackTrace names its file where the code lives: /var/task/handler.py on Lambda, conformance/replay/functions/*.py here"

// undoStackTraces declares the known difference of the failing functions' stackTrace: the
// file AWS names /var/task/handler.py.
func undoStackTraces(r *replay) {
	for _, module := range []string{"failing", "custom_error"} {
		r.undoing(`File "`+filepath.Join(functionsDir(), module+".py")+`"`, `File "/var/task/handler.py"`)
	}
}

// jsonValues are test_invoke_json_values' parameters, by id, as json.dumps writes them.
var jsonValues = map[string]string{"None": "null", "HelloWorld": `"HelloWorld"`, "0.0": "0.0", "0_0": "0", "0_1": "0",
	"True": "true", "json_value5": "{}", "json_value6": "[]", "json_value7": "[]"}

// Lambda Tasks whose Resource is a function ARN (services/test_lambda_task).
func init() {
	const resource = "services/statemachines/lambda_invoke_resource.json5"
	one := func(handler, input string) func(r *replay) {
		return func(r *replay) {
			r.servePython(fn{"lambda_1_func", handler})
			r.recordExecution(editStates(r, resource, setResource("step1", functionArn("lambda_1_func"))), input)
		}
	}
	scenarios := map[string]func(*replay){
		"test_invoke_bytes_payload":  one(bytesHandler, "{}"),
		"test_invoke_string_payload": one(identityHandler, `"HelloWorld"`),
		"test_invoke_pipe": func(r *replay) {
			r.servePython(fn{"lambda_1_func", greetingHandler}, fn{"lambda_2_func", greetingHandler})
			r.recordExecution(editStates(r, "services/statemachines/lambda_invoke_pipe.json5", func(s map[string]any) {
				setResource("step1", functionArn("lambda_1_func"))(s)
				setResource("step2", functionArn("lambda_2_func"))(s)
			}), "{}")
		},
		"test_lambda_task_filter_parameters_input": func(r *replay) {
			r.servePython(fn{"lambda_func", identityHandler})
			r.replace("lambda_func", "lambda_function_name")
			r.recordExecution(editStates(r, "services/statemachines/lambda_input_parameters_filter.json5",
				setResource("CheckComplete", functionArn("lambda_func"))), "{}")
		},
	}
	for id, input := range jsonValues {
		scenarios["test_invoke_json_values["+id+"]"] = one(identityHandler, input)
	}
	register(file{path: "v2/services/test_lambda_task.snapshot.json", services: true, concurrent: true, scenario: lookup(scenarios, "lambda")})
}

// lambda:invoke, the optimized integration (services/test_lambda_task_service).
func init() {
	invoke := func(handler, tmpl string, input map[string]any) func(r *replay) {
		return func(r *replay) {
			r.servePython(fn{"lambda_func", handler})
			input["FunctionName"] = "lambda_func"
			r.recordExecution(editStates(r, "services/statemachines/"+tmpl, nil), value.Encode(input))
		}
	}
	scenarios := map[string]func(*replay){
		"test_invoke":                   invoke(identityHandler, "lambda_invoke.json5", map[string]any{"Payload": nil}),
		"test_invoke_bytes_payload":     invoke(bytesHandler, "lambda_invoke.json5", map[string]any{"Payload": `"'{'Hello':'World'}'"`}),
		"test_invoke_unsupported_param": invoke(identityHandler, "lambda_invoke_log_type.json5", map[string]any{"Payload": nil, "LogType": "Tail"}),
	}
	for id, v := range jsonValues {
		scenarios["test_invoke_json_values["+id+"]"] = invoke(identityHandler, "lambda_invoke.json5", map[string]any{"Payload": v})
	}
	register(file{path: "v2/services/test_lambda_task_service.snapshot.json", services: true, concurrent: true, scenario: lookup(scenarios, "lambda")})
}

// Errors of Lambda Tasks whose Resource is a function ARN (error_handling/test_task_lambda).
func init() {
	const dir = "errorhandling/statemachines/"
	run := func(handler, tmpl, state, called string) func(r *replay) {
		return func(r *replay) {
			r.servePython(fn{"lambda_func", handler})
			r.recordExecution(editStates(r, dir+tmpl, setResource(state, functionArn("lambda_func"))),
				value.Encode(map[string]any{"FunctionName": called, "Payload": nil}))
		}
	}
	scenarios := map[string]func(*replay){
		"test_raise_exception":       run(failingHandler, "task_lambda_invoke_catch_unknown.json5", "Start", "lambda_func"),
		"test_raise_exception_catch": run(failingHandler, "task_lambda_invoke_catch_relevant.json5", "Start", "lambda_func"),
		// The template's Catch leaves ErrorEquals to the test; the stored source does not show
		// it, and the history (caught, ErrorMatched) fits the error's own name.
		"test_raise_custom_exception": func(r *replay) {
			r.servePython(fn{"lambda_func", customHandler})
			r.recordExecution(editStates(r, dir+"task_lambda_invoke_catch_tbd.json5", func(s map[string]any) {
				setResource("InvokeLambda", functionArn("lambda_func"))(s)
				catchOnly(s, "InvokeLambda", "CustomException")
			}), value.Encode(map[string]any{"FunctionName": "lambda_func", "Payload": nil}))
		},
		// The input names another function; the Resource is still the deployed one's ARN.
		"test_no_such_function":       run(failingHandler, "task_lambda_invoke_catch_unknown.json5", "Start", "no_such_lambda_func"),
		"test_no_such_function_catch": run(failingHandler, "task_lambda_invoke_catch_relevant.json5", "Start", "no_such_lambda_func"),
	}
	limits := map[string]string{}
	for name, run := range scenarios {
		limits[name+"/get_execution_history"] = stackTrace
		scenarios[name] = func(r *replay) { undoStackTraces(r); run(r) }
	}
	register(file{path: "v2/error_handling/test_task_lambda.snapshot.json", services: true, concurrent: true, scenario: lookup(scenarios, "lambda"), limits: limits})
}

// Errors of lambda:invoke (error_handling/test_task_service_lambda).
func init() {
	const dir = "errorhandling/statemachines/"
	run := func(handler, tmpl, called string) func(r *replay) {
		return func(r *replay) {
			r.servePython(fn{"lambda_func", handler})
			r.recordExecution(editStates(r, dir+tmpl, nil), value.Encode(map[string]any{"FunctionName": called, "Payload": nil}))
		}
	}
	scenarios := map[string]func(*replay){
		"test_raise_exception":       run(failingHandler, "task_service_lambda_invoke_catch_unknown.json5", "lambda_func"),
		"test_raise_exception_catch": run(failingHandler, "task_service_lambda_invoke_catch_relevant.json5", "lambda_func"),
		"test_raise_custom_exception": func(r *replay) {
			r.servePython(fn{"lambda_func", customHandler})
			r.recordExecution(editStates(r, dir+"task_service_lambda_invoke_catch_tbd.json5", func(s map[string]any) {
				catchOnly(s, "InvokeLambda", "CustomException")
			}), value.Encode(map[string]any{"FunctionName": "lambda_func", "Payload": nil}))
		},
		"test_no_such_function":       run(failingHandler, "task_service_lambda_invoke_catch_unknown.json5", "no_such_lambda_func"),
		"test_no_such_function_catch": run(failingHandler, "task_service_lambda_invoke_catch_relevant.json5", "no_such_lambda_func"),
		"test_invoke_timeout":         run(slowHandler, "task_service_lambda_invoke_catch_timeout.json5", "lambda_func"),
	}
	limits := map[string]string{}
	for _, name := range []string{"test_raise_exception", "test_raise_exception_catch", "test_raise_custom_exception"} {
		limits[name+"/get_execution_history"] = stackTrace
	}
	for _, path := range []string{"None", "$.Payload", "$.no.such.path"} {
		name := "test_raise_exception_catch_output_path[" + path + "]"
		scenarios[name] = func(r *replay) {
			r.servePython(fn{"lambda_func", failingHandler})
			r.replace("lambda_func", "lambda_function_name")
			r.recordExecution(editStates(r, dir+"task_service_lambda_invoke_catch_all_output_path.json5", func(s map[string]any) {
				st := s["InvokeLambda"].(map[string]any)
				if path == "None" {
					delete(st, "OutputPath")
				} else {
					st["OutputPath"] = path
				}
			}), value.Encode(map[string]any{"FunctionName": "lambda_func", "Payload": map[string]any{"payload_input_value_0": value.FromInt(0)}}))
		}
		limits[name+"/get_execution_history"] = stackTrace
	}
	for name, run := range scenarios {
		scenarios[name] = func(r *replay) { undoStackTraces(r); run(r) }
	}
	register(file{path: "v2/error_handling/test_task_service_lambda.snapshot.json", services: true, concurrent: true, scenario: lookup(scenarios, "lambda"), limits: limits})
}

// catchOnly sets the ErrorEquals of a state's first Catch.
func catchOnly(states map[string]any, state string, errs ...any) {
	states[state].(map[string]any)["Catch"].([]any)[0].(map[string]any)["ErrorEquals"] = errs
}

// lookup returns a file's scenario function: the scenario of the test's name, or why it cannot
// be replayed (a service it needs is missing here, or no scenario is written for it).
func lookup(scenarios map[string]func(*replay), services ...string) func(string) (func(*replay), string) {
	return func(test string) (func(*replay), string) {
		run, ok := scenarios[test]
		if !ok {
			return nil, "no scenario written for " + strings.SplitN(test, "[", 2)[0]
		}
		if why := needs(services...); why != "" {
			return nil, why
		}
		return run, ""
	}
}
