package history

import (
	"encoding/json"

	"github.com/stepwise-run/stepwise/internal/jsontext"
)

// Without execution data. Step Functions can leave the data out of an execution's events: its
// execution logs do when the logging configuration's includeExecutionData is false, and
// GetExecutionHistory does when its request's is. What goes is what the logs were recorded
// dropping against AWS (package execlog's testdata/recorded.json): the input, output,
// parameters, results and assigned variables, with their ...Details; names, resources,
// errors and causes stay. GetExecutionHistory's own choice was not recorded; it follows the
// logs'.

// dataMembers are the details members that carry execution data.
var dataMembers = [...]string{"input", "inputDetails", "output", "outputDetails", "parameters",
	"result", "resultDetails", "assignedVariables", "assignedVariablesDetails"}

// AppendDetailsWithoutData appends an event's details as AppendDetails does, without the
// members that carry execution data. The members left are written in key order
// (encoding/json's order for a map), as the recorded log events show them; details with
// nothing left are {}.
func AppendDetailsWithoutData(b []byte, details any) ([]byte, error) {
	// The frequent details are written without a round trip through a map (a fifth of the
	// time of a logged step).
	switch d := details.(type) {
	case *StateEntered:
		b = append(b, `{"name":`...)
		return append(jsontext.AppendString(b, d.Name, true), '}'), nil
	case *StateExited:
		b = append(b, `{"name":`...)
		return append(jsontext.AppendString(b, d.Name, true), '}'), nil
	case *Output, nil:
		return append(b, '{', '}'), nil
	}
	raw, err := appendDetails(nil, details)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	for _, k := range dataMembers {
		delete(m, k)
	}
	out, err := json.Marshal(m)
	return append(b, out...), err
}

// AppendJSONWithoutData appends the event as AppendJSON does, its details without execution
// data (AppendDetailsWithoutData): GetExecutionHistory's answer with includeExecutionData
// false. An event without details has none either way.
func (e Event) AppendJSONWithoutData(b []byte) ([]byte, error) {
	return e.appendJSON(b, false)
}
