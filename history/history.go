// Package history defines an execution's history events exactly as the Step Functions API
// returns them (GetExecutionHistory's HistoryEvent): the type names, ids, previousEventId and
// the one "...EventDetails" member each type carries. The engine produces them, stores keep
// them, the API and the console show them.
//
// Input, output, parameters and cause are JSON text inside strings, as on the wire.
package history

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Event is one history event. Details holds the one "...EventDetails" member of its type
// (one of the structs below, by pointer), or nil for the types that carry none; the JSON
// encoding names the member after the type, as GetExecutionHistory does.
type Event struct {
	Timestamp       Time
	Type            string
	ID              int64
	PreviousEventID int64
	Details         any
}

// DetailsKey returns the name of the details member for an event type, e.g.
// "stateEnteredEventDetails" for "PassStateEntered".
func DetailsKey(eventType string) string {
	if k, ok := detailsKeys[eventType]; ok {
		return k
	}
	switch {
	case strings.HasSuffix(eventType, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(eventType, "StateExited"):
		return "stateExitedEventDetails"
	case eventType == "":
		return "" // not an event type; found by fuzzing, it used to panic
	}
	return strings.ToLower(eventType[:1]) + eventType[1:] + "EventDetails"
}

var detailsKeys = map[string]string{
	"LambdaFunctionScheduled":      "lambdaFunctionScheduledEventDetails",
	"LambdaFunctionScheduleFailed": "lambdaFunctionScheduleFailedEventDetails",
}

// newDetails returns an empty details value for an event type, for decoding.
func newDetails(eventType string) any {
	switch {
	case eventType == "ExecutionStarted":
		return &ExecutionStarted{}
	case eventType == "ExecutionRedriven":
		return &ExecutionRedriven{}
	case strings.HasSuffix(eventType, "StateEntered"):
		return &StateEntered{}
	case strings.HasSuffix(eventType, "StateExited"):
		return &StateExited{}
	case eventType == "EvaluationFailed":
		return &EvaluationFailed{}
	case eventType == "MapStateStarted":
		return &MapStateStarted{}
	case strings.HasPrefix(eventType, "MapIteration"):
		return &MapIteration{}
	case eventType == "MapRunStarted":
		return &MapRunStarted{}
	case eventType == "MapRunRedriven":
		return &MapRunRedriven{}
	case eventType == "TaskScheduled":
		return &TaskScheduled{}
	case eventType == "TaskStarted":
		return &TaskResource{}
	case eventType == "TaskSubmitted", eventType == "TaskSucceeded":
		return &TaskOutput{}
	case strings.HasPrefix(eventType, "Task"):
		return &TaskFailure{}
	case eventType == "LambdaFunctionScheduled":
		return &LambdaScheduled{}
	case eventType == "ActivityScheduled":
		return &ActivityScheduled{}
	case eventType == "ActivityStarted":
		return &ActivityStarted{}
	case strings.HasSuffix(eventType, "Succeeded"):
		return &Output{}
	}
	return &Failure{}
}

// MarshalJSON renders the event as the AWS JSON protocol does.
func (e Event) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, 256))
}

// AppendJSON appends the event's MarshalJSON to b: the stores encode a step's events into one
// buffer instead of one allocation (and a copy into a string) each.
func (e Event) AppendJSON(b []byte) ([]byte, error) {
	return e.appendJSON(b, true)
}

// appendJSON is AppendJSON, the details without their execution data unless withData.
func (e Event) appendJSON(b []byte, withData bool) ([]byte, error) {
	b = append(b, `{"timestamp":`...)
	b = e.Timestamp.appendJSON(b)
	b = append(b, `,"type":`...)
	b = strconv.AppendQuote(b, e.Type)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"previousEventId":`...)
	b = strconv.AppendInt(b, e.PreviousEventID, 10)
	if e.Details != nil {
		b = append(b, ',', '"')
		b = append(b, DetailsKey(e.Type)...)
		b = append(b, '"', ':')
		var err error
		if withData {
			b, err = appendDetails(b, e.Details)
		} else {
			b, err = AppendDetailsWithoutData(b, e.Details)
		}
		if err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads an event in the AWS JSON protocol's shape.
func (e *Event) UnmarshalJSON(data []byte) error {
	if e.decodeFast(data) {
		return nil
	}
	return e.decodeReflect(data)
}

// decodeReflect is UnmarshalJSON with encoding/json, for what decodeFast leaves.
func (e *Event) decodeReflect(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*e = Event{}
	if err := json.Unmarshal(raw["type"], &e.Type); err != nil {
		return fmt.Errorf("history event: type: %w", err)
	}
	if v, ok := raw["timestamp"]; ok {
		if err := e.Timestamp.UnmarshalJSON(v); err != nil {
			return err
		}
	}
	if v, ok := raw["id"]; ok {
		if err := json.Unmarshal(v, &e.ID); err != nil {
			return err
		}
	}
	if v, ok := raw["previousEventId"]; ok {
		if err := json.Unmarshal(v, &e.PreviousEventID); err != nil {
			return err
		}
	}
	if v, ok := raw[DetailsKey(e.Type)]; ok {
		d := newDetails(e.Type)
		if err := json.Unmarshal(v, d); err != nil {
			return err
		}
		e.Details = d
	}
	return nil
}

// DataDetails says whether input or output was truncated.
type DataDetails struct {
	Truncated bool `json:"truncated"`
}

type ExecutionStarted struct {
	Input                  string      `json:"input"`
	InputDetails           DataDetails `json:"inputDetails"`
	RoleArn                string      `json:"roleArn"`
	StateMachineAliasArn   string      `json:"stateMachineAliasArn,omitempty"`
	StateMachineVersionArn string      `json:"stateMachineVersionArn,omitempty"`
}

type Output struct {
	Output        string      `json:"output"`
	OutputDetails DataDetails `json:"outputDetails"`
}

// Failure is the error/cause pair. Both are omitted when empty, as AWS does.
type Failure struct {
	Error *string `json:"error,omitempty"`
	Cause *string `json:"cause,omitempty"`
}

type ExecutionRedriven struct {
	RedriveCount int `json:"redriveCount"`
}

type StateEntered struct {
	Name         string      `json:"name"`
	Input        string      `json:"input"`
	InputDetails DataDetails `json:"inputDetails"`
}

type StateExited struct {
	Name                     string            `json:"name"`
	Output                   string            `json:"output"`
	OutputDetails            DataDetails       `json:"outputDetails"`
	AssignedVariables        map[string]string `json:"assignedVariables,omitempty"`
	AssignedVariablesDetails *DataDetails      `json:"assignedVariablesDetails,omitempty"`
}

type EvaluationFailed struct {
	Error    string `json:"error"`
	Cause    string `json:"cause"`
	Location string `json:"location,omitempty"`
	State    string `json:"state"`
}

type MapStateStarted struct {
	Length int `json:"length"`
}

type MapIteration struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

type MapRunStarted struct {
	MapRunArn string `json:"mapRunArn"`
}

type MapRunRedriven struct {
	MapRunArn    string `json:"mapRunArn"`
	RedriveCount int    `json:"redriveCount"`
}

type TaskCredentials struct {
	RoleArn string `json:"roleArn"`
}

type TaskScheduled struct {
	ResourceType       string           `json:"resourceType"`
	Resource           string           `json:"resource"`
	Region             string           `json:"region"`
	Parameters         string           `json:"parameters"`
	TimeoutInSeconds   *int64           `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds *int64           `json:"heartbeatInSeconds,omitempty"`
	TaskCredentials    *TaskCredentials `json:"taskCredentials,omitempty"`
}

type TaskResource struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
}

type TaskOutput struct {
	ResourceType  string      `json:"resourceType"`
	Resource      string      `json:"resource"`
	Output        string      `json:"output"`
	OutputDetails DataDetails `json:"outputDetails"`
}

type TaskFailure struct {
	ResourceType string  `json:"resourceType"`
	Resource     string  `json:"resource"`
	Error        *string `json:"error,omitempty"`
	Cause        *string `json:"cause,omitempty"`
}

type LambdaScheduled struct {
	Resource         string           `json:"resource"`
	Input            string           `json:"input"`
	InputDetails     DataDetails      `json:"inputDetails"`
	TimeoutInSeconds *int64           `json:"timeoutInSeconds,omitempty"`
	TaskCredentials  *TaskCredentials `json:"taskCredentials,omitempty"`
}

type ActivityScheduled struct {
	Resource           string      `json:"resource"`
	Input              string      `json:"input"`
	InputDetails       DataDetails `json:"inputDetails"`
	TimeoutInSeconds   *int64      `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds *int64      `json:"heartbeatInSeconds,omitempty"`
}

type ActivityStarted struct {
	WorkerName string `json:"workerName,omitempty"`
}

// Time is a timestamp rendered as the AWS JSON protocol renders one: epoch seconds with
// millisecond fraction.
type Time struct{ time.Time }

func (t Time) MarshalJSON() ([]byte, error) {
	return t.appendJSON(nil), nil
}

func (t Time) appendJSON(b []byte) []byte {
	return strconv.AppendFloat(b, float64(t.UnixMilli())/1000, 'f', -1, 64)
}

func (t *Time) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC()
	return nil
}

// Str returns a pointer to s, for the optional string fields.
func Str(s string) *string { return &s }

// AppendDetails appends the JSON of an event's details (the object under DetailsKey), as
// MarshalJSON writes it: the execution logs (package execlog) log the same object.
func AppendDetails(b []byte, details any) ([]byte, error) {
	if details == nil {
		return append(b, '{', '}'), nil
	}
	return appendDetails(b, details)
}
