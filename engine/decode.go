package engine

import (
	"encoding/json"

	"github.com/stepwise-run/stepwise/asl/value"
)

// The stored state of an execution holds JSON values (inputs, outputs, variables, Map items).
// encoding/json would read them into Go maps, which lose their key order; these UnmarshalJSON
// methods read them with value.Decode instead, so an execution reloaded from its store keeps
// the order of every object, as AWS does. The other fields decode as encoding/json does.

func (ex *Execution) UnmarshalJSON(data []byte) error {
	type plain Execution
	var aux struct {
		*plain
		Input json.RawMessage            `json:"input"`
		Vars  map[string]json.RawMessage `json:"vars,omitempty"`
	}
	aux.plain = (*plain)(ex)
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	var err error
	if ex.Input, err = decodeRaw(aux.Input); err != nil {
		return err
	}
	ex.Vars, err = decodeVars(aux.Vars)
	return err
}

func (f *Frame) UnmarshalJSON(data []byte) error {
	type plain Frame
	var aux struct {
		*plain
		Input     json.RawMessage            `json:"input"`
		Effective json.RawMessage            `json:"effective,omitempty"`
		Output    json.RawMessage            `json:"output,omitempty"`
		Vars      map[string]json.RawMessage `json:"vars,omitempty"`
	}
	aux.plain = (*plain)(f)
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	var err error
	if f.Input, err = decodeRaw(aux.Input); err != nil {
		return err
	}
	if f.Effective, err = decodeRaw(aux.Effective); err != nil {
		return err
	}
	if f.Output, err = decodeRaw(aux.Output); err != nil {
		return err
	}
	f.Vars, err = decodeVars(aux.Vars)
	return err
}

func (m *MapRun) UnmarshalJSON(data []byte) error {
	type plain MapRun
	var aux struct {
		*plain
		Items   []json.RawMessage `json:"items"`
		Results []json.RawMessage `json:"results"`
	}
	aux.plain = (*plain)(m)
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	var err error
	if m.Items, err = decodeList(aux.Items); err != nil {
		return err
	}
	m.Results, err = decodeList(aux.Results)
	return err
}

func decodeRaw(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	return value.Decode(raw)
}

func decodeVars(raw map[string]json.RawMessage) (map[string]any, error) {
	if raw == nil {
		return nil, nil
	}
	vars := make(map[string]any, len(raw))
	for k, r := range raw {
		v, err := decodeRaw(r)
		if err != nil {
			return nil, err
		}
		vars[k] = v
	}
	return vars, nil
}

func decodeList(raw []json.RawMessage) ([]any, error) {
	if raw == nil {
		return nil, nil
	}
	out := make([]any, len(raw))
	for i, r := range raw {
		v, err := decodeRaw(r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
