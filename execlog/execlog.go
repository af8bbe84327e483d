// Package execlog writes the execution logs of state machines whose loggingConfiguration
// asks for them: each history event the level includes becomes one log event in the shape
// Step Functions writes to CloudWatch Logs,
//
//	{"id":"3","type":"PassStateExited","details":{...},"previous_event_id":"2",
//	 "event_timestamp":"1733430000123","execution_arn":"arn:...","redrive_count":"0"}
//
// and goes to a Sink: a file or stdout as JSON lines (NewFileSink), or CloudWatch Logs
// (package execlog/cloudwatch). The levels are AWS's: ALL logs every event, ERROR the events
// of a failure (a Fail state entered, a task, map run or execution failed, timed out or
// aborted), FATAL only the execution's own failure; OFF nothing. includeExecutionData false
// drops the input, output, parameters and results from the details and keeps names, errors
// and causes (as recorded against AWS: testdata/recorded.json; the knowledge lives in
// history.AppendDetailsWithoutData, which GetExecutionHistory shares); with it, an input or
// output past 248 KB, escaped, is truncated and marked so, as AWS does (truncate.go).
package execlog

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/internal/jsontext"
)

// Level is a loggingConfiguration level.
type Level int

const (
	Off Level = iota
	Fatal
	Error
	All
)

// ParseLevel reads AWS's level names; anything else is Off.
func ParseLevel(s string) Level {
	switch s {
	case "ALL":
		return All
	case "ERROR":
		return Error
	case "FATAL":
		return Fatal
	}
	return Off
}

// Config is what a state machine's loggingConfiguration asks for.
type Config struct {
	Level       Level
	IncludeData bool
	// LogGroupArn is the first destination's CloudWatch Logs log group ("" when none).
	LogGroupArn string
}

// ParseConfig reads the loggingConfiguration out of a state machine's stored configuration
// (store.StateMachine.Config, `{"loggingConfiguration":{...},...}`); a missing or unreadable
// one is level OFF.
func ParseConfig(raw string) Config {
	if !strings.Contains(raw, "loggingConfiguration") {
		return Config{}
	}
	var c struct {
		Logging *struct {
			Level                string `json:"level"`
			IncludeExecutionData bool   `json:"includeExecutionData"`
			Destinations         []struct {
				CloudWatchLogsLogGroup *struct {
					LogGroupArn string `json:"logGroupArn"`
				} `json:"cloudWatchLogsLogGroup"`
			} `json:"destinations"`
		} `json:"loggingConfiguration"`
	}
	if json.Unmarshal([]byte(raw), &c) != nil || c.Logging == nil {
		return Config{}
	}
	out := Config{Level: ParseLevel(c.Logging.Level), IncludeData: c.Logging.IncludeExecutionData}
	for _, d := range c.Logging.Destinations {
		if d.CloudWatchLogsLogGroup != nil {
			out.LogGroupArn = d.CloudWatchLogsLogGroup.LogGroupArn
			break
		}
	}
	return out
}

// Includes reports whether a level logs an event of the given type.
func (l Level) Includes(eventType string) bool {
	switch l {
	case All:
		return true
	case Error:
		return eventType == "FailStateEntered" || isFailure(eventType)
	case Fatal:
		return eventType == "ExecutionFailed" || eventType == "ExecutionTimedOut" || eventType == "ExecutionAborted"
	}
	return false
}

// isFailure: the event reports something that failed, timed out or was aborted.
func isFailure(t string) bool {
	return strings.HasSuffix(t, "Failed") || strings.HasSuffix(t, "TimedOut") || strings.HasSuffix(t, "Aborted")
}

// Append appends the log event of a history event to b (no newline).
func Append(b []byte, cfg Config, executionArn string, redriveCount int, e history.Event) ([]byte, error) {
	var tb [160]byte
	return appendEvent(b, cfg, appendTail(tb[:0], executionArn, redriveCount), e)
}

// appendTail appends what ends each log event of an execution: its ARN and redrive count,
// the same for all of one step's events, so written once for them (the ARN's escaping was a
// third of the encoding's time).
func appendTail(b []byte, executionArn string, redriveCount int) []byte {
	b = append(b, `","execution_arn":`...)
	b = jsontext.AppendString(b, executionArn, false)
	b = append(b, `,"redrive_count":"`...)
	b = strconv.AppendInt(b, int64(redriveCount), 10)
	return append(b, '"', '}')
}

// appendEvent appends e's log event, ending with tail (appendTail's).
func appendEvent(b []byte, cfg Config, tail []byte, e history.Event) ([]byte, error) {
	b = append(b, `{"id":"`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `","type":`...)
	b = jsontext.AppendString(b, e.Type, false)
	b = append(b, `,"details":`...)
	var err error
	if cfg.IncludeData {
		b, err = history.AppendDetails(b, truncated(e.Details))
	} else {
		b, err = history.AppendDetailsWithoutData(b, e.Details)
	}
	if err != nil {
		return nil, err
	}
	b = append(b, `,"previous_event_id":"`...)
	b = strconv.AppendInt(b, e.PreviousEventID, 10)
	b = append(b, `","event_timestamp":"`...)
	b = strconv.AppendInt(b, e.Timestamp.UnixMilli(), 10)
	return append(b, tail...), nil
}
