package execlog

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
)

// TestRecorded shapes recorded executions' histories into log events at each level, with and
// without execution data, and compares them with the log events AWS wrote.
func TestRecorded(t *testing.T) {
	raw, err := os.ReadFile("testdata/recorded.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Name                 string
			Level                string
			IncludeExecutionData bool
			History              []history.Event
			Logged               []map[string]any
		}
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) != 24 {
		t.Fatalf("%d cases, want 24", len(file.Cases))
	}
	const arn = "arn:aws:states:us-east-1:123456789012:execution:sm:ex"
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			cfg := Config{Level: ParseLevel(c.Level), IncludeData: c.IncludeExecutionData}
			var got []map[string]any
			for _, e := range c.History {
				if !cfg.Level.Includes(e.Type) {
					continue
				}
				line, err := Append(nil, cfg, arn, 0, e)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(line, []byte(`{"id":"`)) {
					t.Errorf("line does not start with id: %s", line)
				}
				var m map[string]any
				if err := json.Unmarshal(line, &m); err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				if m["event_timestamp"] != strconv.FormatInt(e.Timestamp.UnixMilli(), 10) || m["execution_arn"] != arn {
					t.Errorf("timestamp or ARN: %s", line)
				}
				m["event_timestamp"], m["execution_arn"] = "EPOCH_MS", "EXECUTION_ARN"
				got = append(got, m)
			}
			want := c.Logged
			if len(want) == 0 {
				want = nil
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("log events\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// TestKeyOrder: a log event's members come in the order Step Functions writes them.
func TestKeyOrder(t *testing.T) {
	e := history.Event{Type: "ExecutionFailed", ID: 3, PreviousEventID: 2, Timestamp: history.Time{Time: time.UnixMilli(1733400000123)},
		Details: &history.Failure{Error: history.Str("E"), Cause: history.Str("C\u2028<")}}
	got, err := Append(nil, Config{Level: All}, "arn:x", 2, e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"3","type":"ExecutionFailed","details":{"cause":"C\u2028\u003c","error":"E"},"previous_event_id":"2","event_timestamp":"1733400000123","execution_arn":"arn:x","redrive_count":"2"}`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseConfig(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want Config
	}{
		{`{}`, Config{}},
		{``, Config{}},
		{`{"loggingConfiguration":{"level":"OFF","includeExecutionData":false}}`, Config{}},
		{`{"loggingConfiguration":{"level":"ERROR","includeExecutionData":true,"destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"arn:aws:logs:eu-west-1:1:log-group:g:*"}}]}}`,
			Config{Level: Error, IncludeData: true, LogGroupArn: "arn:aws:logs:eu-west-1:1:log-group:g:*"}},
		{`{"loggingConfiguration":{"level":"FATAL"}}`, Config{Level: Fatal}},
		{`{"loggingConfiguration":{"level":"ALL","destinations":[]}}`, Config{Level: All}},
	} {
		if got := ParseConfig(c.raw); got != c.want {
			t.Errorf("ParseConfig(%s) = %+v, want %+v", c.raw, got, c.want)
		}
	}
}

func TestLevels(t *testing.T) {
	for _, c := range []struct {
		typ                   string
		all, err, fatal, none bool
	}{
		{"ExecutionStarted", true, false, false, false},
		{"PassStateEntered", true, false, false, false},
		{"FailStateEntered", true, true, false, false},
		{"TaskFailed", true, true, false, false},
		{"LambdaFunctionTimedOut", true, true, false, false},
		{"MapRunAborted", true, true, false, false},
		{"ExecutionFailed", true, true, true, false},
		{"ExecutionTimedOut", true, true, true, false},
		{"ExecutionAborted", true, true, true, false},
		{"ExecutionSucceeded", true, false, false, false},
	} {
		got := [4]bool{All.Includes(c.typ), Error.Includes(c.typ), Fatal.Includes(c.typ), Off.Includes(c.typ)}
		if want := [4]bool{c.all, c.err, c.fatal, c.none}; got != want {
			t.Errorf("%s: ALL, ERROR, FATAL, OFF include %v, want %v", c.typ, got, want)
		}
	}
}
