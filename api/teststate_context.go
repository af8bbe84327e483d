package api

import (
	"sort"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
)

// contextFields are the Context object fields TestState lets a test set, by section.
var contextFields = map[string][]string{
	"Execution":    {"Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount", "RedriveTime"},
	"State":        {"EnteredTime", "Name", "RetryCount"},
	"StateMachine": {"Id", "Name"},
	"Task":         {"Token"},
}

// contextStart checks the test's Context object and turns what it sets into the execution
// the state runs in: its ARN, name, role, start time and input, the state machine's ARN and
// name, and the state's name. The state reads the object as given for $$, as on AWS, where
// an empty context gives an empty $$ and its Task.Token is the token the state passes on.
func (req *testStateRequest) contextStart(ts *testedState, st *asl.State, input string) (engine.Start, error) {
	start := engine.Start{Input: input}
	if req.Context == nil {
		return start, nil
	}
	invalid := func(format string, args ...any) error {
		return apiErr("ValidationException", "Invalid Context object provided: "+format, args...)
	}
	raw, err := value.DecodeMaps([]byte(*req.Context))
	obj, ok := raw.(map[string]any)
	if err != nil || !ok {
		return start, invalid("Context object must be a JSON object")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, section := range keys {
		if section == "Map" {
			return start, invalid("'Map' field is not supported when mocking a Context object")
		}
		allowed, ok := contextFields[section]
		if !ok {
			return start, invalid("Field '%s' is not allowed", section)
		}
		fields, ok := obj[section].(map[string]any)
		if !ok {
			return start, invalid("%s must be an object", section)
		}
		for name, v := range fields {
			if !contains(allowed, name) {
				return start, invalid("Field '%s' is not allowed", name)
			}
			switch name {
			case "Input":
			case "RedriveCount", "RetryCount":
				if !value.IsNumber(v) {
					return start, invalid("%s.%s must be a number", section, name)
				}
			default:
				if _, ok := v.(string); !ok {
					return start, invalid("%s.%s must be a string", section, name)
				}
			}
		}
	}
	ts.context = obj
	if _, ok := obj["Task"]; ok {
		r := engine.ParseResource(st.Resource)
		if st.Type != asl.TypeTask || r.Pattern == "" {
			return start, invalid("Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern")
		}
	}
	str := func(section, name string) string {
		m, _ := obj[section].(map[string]any)
		s, _ := m[name].(string)
		return s
	}
	start.ExecutionArn, start.Name, start.RoleArn = str("Execution", "Id"), str("Execution", "Name"), str("Execution", "RoleArn")
	start.StateMachineArn, start.StateMachineName = str("StateMachine", "Id"), str("StateMachine", "Name")
	for _, t := range []string{str("State", "EnteredTime"), str("Execution", "StartTime")} {
		if at, err := time.Parse(time.RFC3339Nano, t); err == nil {
			start.Time = at.UTC()
		}
	}
	if exec, _ := obj["Execution"].(map[string]any); exec != nil {
		if in, ok := exec["Input"]; ok {
			state, _ := value.DecodeString(input)
			ts.input, ts.setInput = state, true
			start.Input = value.Encode(in)
		}
	}
	if name := str("State", "Name"); name != "" && req.StateName == nil {
		ts.name = name
	}
	return start, nil
}
