package history

import (
	"encoding/json"
	"strconv"

	"github.com/stepwise-run/stepwise/internal/jsontext"
)

// appendDetails appends the JSON of the frequent details types as encoding/json writes them
// (the same bytes: jsontext.FuzzAppendString, TestAppendDetails), without its reflection, which was a
// tenth of the server's time writing steps; the other types go through json.Marshal.
func appendDetails(b []byte, d any) ([]byte, error) {
	switch d := d.(type) {
	case *StateEntered:
		b = appendField(b, '{', "name", d.Name)
		b = appendField(b, ',', "input", d.Input)
		return appendDataDetails(b, "inputDetails", d.InputDetails), nil
	case *StateExited:
		if d.AssignedVariables != nil || d.AssignedVariablesDetails != nil {
			break
		}
		b = appendField(b, '{', "name", d.Name)
		b = appendField(b, ',', "output", d.Output)
		return appendDataDetails(b, "outputDetails", d.OutputDetails), nil
	case *Output:
		b = appendField(b, '{', "output", d.Output)
		return appendDataDetails(b, "outputDetails", d.OutputDetails), nil
	case *TaskResource:
		b = appendField(b, '{', "resourceType", d.ResourceType)
		b = appendField(b, ',', "resource", d.Resource)
		return append(b, '}'), nil
	case *TaskOutput:
		b = appendField(b, '{', "resourceType", d.ResourceType)
		b = appendField(b, ',', "resource", d.Resource)
		b = appendField(b, ',', "output", d.Output)
		return appendDataDetails(b, "outputDetails", d.OutputDetails), nil
	}
	data, err := json.Marshal(d)
	return append(b, data...), err
}

// appendField appends sep, "key":, and s as a JSON string.
func appendField(b []byte, sep byte, key, s string) []byte {
	b = append(b, sep, '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return jsontext.AppendString(b, s, true)
}

// appendDataDetails appends ,"key":{"truncated":...} and closes the object.
func appendDataDetails(b []byte, key string, d DataDetails) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":{"truncated":`...)
	b = strconv.AppendBool(b, d.Truncated)
	return append(b, '}', '}')
}
