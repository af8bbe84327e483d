package execlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
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

// TestTruncate: an input or output past 248 KB, JSON-escaped, is cut to fit and marked
// truncated, as Step Functions writes it to CloudWatch Logs ("If escaped input or escaped
// output sent to CloudWatch Logs exceeds 248KB, it will be truncated": the developer guide's
// CloudWatch Logs payloads); data within the bound is written whole.
func TestTruncate(t *testing.T) {
	big := strings.Repeat("a", 300_000)
	quotes := strings.Repeat(`"`, 130_000) // 130,000 bytes, 260,000 escaped
	wide := strings.Repeat("é<", 100_000)  // 300,000 bytes, 800,000 escaped
	at := history.Time{Time: time.UnixMilli(1733400000123)}
	for _, c := range []struct {
		name    string
		details any
		data    string // the input or output
		key     string
	}{
		{"ExecutionStarted", &history.ExecutionStarted{Input: big, RoleArn: "arn:role"}, big, "input"},
		{"PassStateEntered", &history.StateEntered{Name: "S", Input: quotes}, quotes, "input"},
		{"LambdaFunctionScheduled", &history.LambdaScheduled{Resource: "arn:fn", Input: wide}, wide, "input"},
		{"ActivityScheduled", &history.ActivityScheduled{Resource: "arn:act", Input: big}, big, "input"},
		{"ExecutionSucceeded", &history.Output{Output: wide}, wide, "output"},
		{"PassStateExited", &history.StateExited{Name: "S", Output: quotes}, quotes, "output"},
		{"TaskSucceeded", &history.TaskOutput{ResourceType: "lambda", Resource: "invoke", Output: big}, big, "output"},
		{"PassStateExited", &history.StateExited{Name: "S", Output: big[:200_000]}, big[:200_000], "output"},
	} {
		line, err := Append(nil, Config{Level: All, IncludeData: true}, "arn:x", 0, history.Event{Type: c.name, ID: 2, Timestamp: at, Details: c.details})
		if err != nil {
			t.Fatal(err)
		}
		var ev struct{ Details map[string]any }
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatal(err)
		}
		got, _ := ev.Details[c.key].(string)
		escaped, _ := json.Marshal(got)
		whole, _ := json.Marshal(c.data)
		wantCut := len(whole)-2 > 248*1024
		cut := ev.Details[c.key+"Details"].(map[string]any)["truncated"]
		switch {
		case !strings.HasPrefix(c.data, got):
			t.Errorf("%s: the %s is not a prefix of the data", c.name, c.key)
		case len(escaped)-2 > 248*1024:
			t.Errorf("%s: the %s takes %d bytes escaped, past 248 KB", c.name, c.key, len(escaped)-2)
		case cut != wantCut || wantCut == (got == c.data):
			t.Errorf("%s: truncated %v, %d of %d bytes kept", c.name, cut, len(got), len(c.data))
		case wantCut && len(escaped)-2 < 248*1024-6:
			t.Errorf("%s: cut to %d bytes escaped, short of the bound", c.name, len(escaped)-2)
		}
		if s, ok := c.details.(*history.StateExited); ok && s.OutputDetails.Truncated {
			t.Errorf("%s: the history event's details were changed", c.name)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for a sink's timer goroutine and the test's reads.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	fail   error
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	if l.fail != nil {
		return 0, l.fail
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) state() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.writes
}

// TestBufferedFileSink: a buffered sink writes the steps gathered over its delay in one
// call, at once past 64 KiB, what is left on Close, and reports a failed timed write at the
// next Write.
func TestBufferedFileSink(t *testing.T) {
	var out lockedBuffer
	s := NewBufferedFileSink(&out, 30*time.Millisecond)
	for i := range 3 {
		if err := s.Write("", []byte(fmt.Sprintf("{\"step\":%d}\n", i))); err != nil {
			t.Fatal(err)
		}
	}
	if text, n := out.state(); text != "" || n != 0 {
		t.Fatalf("written before the delay: %q in %d writes", text, n)
	}
	deadline := time.Now().Add(2 * time.Second)
	for text, _ := out.state(); text == "" && time.Now().Before(deadline); text, _ = out.state() {
		time.Sleep(5 * time.Millisecond)
	}
	if text, n := out.state(); text != "{\"step\":0}\n{\"step\":1}\n{\"step\":2}\n" || n != 1 {
		t.Fatalf("after the delay: %q in %d writes, want the three steps in one", text, n)
	}
	big := bytes.Repeat([]byte("x"), 64<<10)
	if err := s.Write("", big); err != nil {
		t.Fatal(err)
	}
	if text, n := out.state(); len(text) != 33+len(big) || n != 2 {
		t.Fatalf("past 64 KiB: %d bytes in %d writes, want it written at once", len(text), n)
	}
	if err := s.Write("", []byte("{\"last\":true}\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if text, n := out.state(); !strings.HasSuffix(text, "{\"last\":true}\n") || n != 3 {
		t.Fatalf("Close did not write what was left: %d writes", n)
	}
	out.mu.Lock()
	out.fail = errors.New("disk full")
	out.mu.Unlock()
	_ = s.Write("", []byte("{}\n"))
	time.Sleep(100 * time.Millisecond) // the timer's write fails
	if err := s.Write("", []byte("{}\n")); err == nil || err.Error() != "disk full" {
		t.Errorf("the timed write's failure: %v", err)
	}
}
