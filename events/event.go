// Package events delivers execution status change events, in the format in which AWS Step
// Functions sends them to EventBridge (source aws.states, detail-type "Step Functions
// Execution Status Change"), to the destinations a server is configured with: an HTTP
// webhook and EventBridge PutEvents.
//
// Delivery is at least once, from the store's durable outbox (store.Outbox): the runner
// writes an event in the very commit that changes an execution's status (StatusChange
// builds it), and a Deliverer sends what the outbox holds and deletes it once sent. A crash
// between the commit and the delivery leaves the event in the outbox, for the next
// Deliverer; a crash between the delivery and the delete sends it again (its id is the
// same: receivers deduplicate on it).
package events

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/internal/jsontext"
	"github.com/stepwise-run/stepwise/store"
)

// Source and DetailType are the event's source and detail-type, as AWS sends them.
const (
	Source     = "aws.states"
	DetailType = "Step Functions Execution Status Change"
)

// maxPayload is EventBridge's bound on the escaped input and output an event carries
// (248 KB): past it AWS leaves the input out (and the output, when that alone is too
// large), saying so in inputDetails and outputDetails.
const maxPayload = 248 * 1024

// Event is the envelope EventBridge delivers; its members are in AWS's order.
type Event struct {
	Version    string   `json:"version"`
	ID         string   `json:"id"`
	DetailType string   `json:"detail-type"`
	Source     string   `json:"source"`
	Account    string   `json:"account"`
	Time       string   `json:"time"`
	Region     string   `json:"region"`
	Resources  []string `json:"resources"`
	Detail     Detail   `json:"detail"`
}

// Detail is the event's detail: the execution as DescribeExecution shows it, dates in
// milliseconds since the epoch, absent members null.
type Detail struct {
	ExecutionArn           string   `json:"executionArn"`
	StateMachineArn        string   `json:"stateMachineArn"`
	Name                   string   `json:"name"`
	Status                 string   `json:"status"`
	StartDate              int64    `json:"startDate"`
	StopDate               *int64   `json:"stopDate"`
	Input                  *string  `json:"input"`
	Output                 *string  `json:"output"`
	StateMachineVersionArn *string  `json:"stateMachineVersionArn"`
	StateMachineAliasArn   *string  `json:"stateMachineAliasArn"`
	RedriveCount           int      `json:"redriveCount"`
	RedriveDate            *int64   `json:"redriveDate"`
	RedriveStatus          string   `json:"redriveStatus"`
	RedriveStatusReason    *string  `json:"redriveStatusReason"`
	InputDetails           *Details `json:"inputDetails"`
	OutputDetails          *Details `json:"outputDetails"`
	Error                  *string  `json:"error"`
	Cause                  *string  `json:"cause"`
}

// Details says whether the input or output is in the event (false: it was too large).
type Details struct {
	Included bool `json:"included"`
}

// StatusChange builds the event that reports e's status (e as committed), as JSON.
// redriveReason is DescribeExecution's redriveStatusReason for e ("" when it can be
// redriven).
func StatusChange(e *store.Execution, region, account, redriveReason string) string {
	ev := statusEvent(e, region, account, redriveReason, ids.UUID())
	return ev.encode()
}

// Change is the status change that reports e's status (e as committed), to keep in the
// outbox by reference (store.StatusChange), with a new event id; ok is false when the event
// must be kept whole instead, because the row would not give it back: an output on an
// execution that has not succeeded (none has one; a SUCCEEDED one's output never changes).
func Change(e *store.Execution, redriveReason string) (c store.StatusChange, ok bool) {
	if e.Output != nil && e.Status != "SUCCEEDED" {
		return c, false
	}
	return store.StatusChange{
		EventID: ids.UUID(), Status: e.Status, StoppedAt: e.StoppedAt, Error: e.Error, Cause: e.Cause,
		RedriveCount: e.RedriveCount, RedriveDate: e.RedriveDate, RedriveReason: redriveReason,
	}, true
}

// Build builds the event of a status change kept by reference from the execution's stored
// row, as StatusChange would have built it at the commit: the row with the change's status,
// dates, error and cause, and its output only for a SUCCEEDED status. A change kept with
// the RUNNING one before it (store.StatusChange.Started) gives both events, one a line, as
// an outbox row's body then holds them (the retention purge's Freeze; the deliverer sends
// each line as an event).
func Build(c *store.StatusChange, row *store.Execution, region, account string) string {
	return strings.Join(buildAll(c, row, region, account), "\n")
}

// buildAll builds the events of c: the RUNNING one kept with it, if any, then its own.
func buildAll(c *store.StatusChange, row *store.Execution, region, account string) []string {
	if r, ok := c.Started(); ok {
		return []string{buildOne(&r, row, region, account), buildOne(c, row, region, account)}
	}
	return []string{buildOne(c, row, region, account)}
}

// buildOne builds the event of c alone, without the one kept with it.
func buildOne(c *store.StatusChange, row *store.Execution, region, account string) string {
	e := *row
	e.Status, e.StoppedAt, e.Error, e.Cause = c.Status, c.StoppedAt, c.Error, c.Cause
	e.RedriveCount, e.RedriveDate = c.RedriveCount, c.RedriveDate
	if c.Status != "SUCCEEDED" {
		e.Output = nil
	}
	ev := statusEvent(&e, region, account, c.RedriveReason, c.EventID)
	return ev.encode()
}

// statusEvent is the event StatusChange encodes, with the id id.
func statusEvent(e *store.Execution, region, account, redriveReason, id string) Event {
	d := Detail{
		ExecutionArn: e.Arn, StateMachineArn: e.StateMachineArn, Name: e.Name, Status: e.Status,
		StartDate: e.StartedAt.UnixMilli(), RedriveCount: e.RedriveCount, Error: e.Error, Cause: e.Cause,
		StateMachineVersionArn: orNull(e.VersionArn), StateMachineAliasArn: orNull(e.AliasArn),
		RedriveStatus: "REDRIVABLE",
	}
	if e.Status == "TIMED_OUT" {
		// The detail is what DescribeExecution shows, and it gives no error or cause for a
		// timed-out execution (its States.Timeout is in the history's ExecutionTimedOut):
		// timeouts/test_timeouts' test_global_timeout, recorded against AWS.
		d.Error, d.Cause = nil, nil
	}
	when := e.StartedAt
	if e.RedriveDate != nil {
		ms := e.RedriveDate.UnixMilli()
		d.RedriveDate = &ms
		if e.Status == "RUNNING" {
			when = *e.RedriveDate
		}
	}
	if e.StoppedAt != nil && e.Status != "RUNNING" {
		ms := e.StoppedAt.UnixMilli()
		d.StopDate = &ms
		when = *e.StoppedAt
	}
	if redriveReason != "" {
		d.RedriveStatus = "NOT_REDRIVABLE"
		d.RedriveStatusReason = &redriveReason
	}
	in, out := e.Input, e.Output
	inSize, outSize := escapedLen(in), 0
	if out != nil {
		outSize = escapedLen(*out)
		d.OutputDetails = details(outSize <= maxPayload)
		if d.OutputDetails.Included {
			d.Output = out
		} else {
			outSize = 0
		}
	}
	d.InputDetails = details(inSize+outSize <= maxPayload)
	if d.InputDetails.Included {
		d.Input = &in
	}
	return Event{
		Version: "0", ID: id, DetailType: DetailType, Source: Source, Account: account,
		Time: when.UTC().Format(time.RFC3339), Region: region, Resources: []string{e.Arn}, Detail: d,
	}
}

// encode is the event's JSON, written into a buffer sized for it (the members' names and
// fixed values take under 700 bytes; strings grow by a tenth, escaped), which the string
// returned then owns: a buffer too small grew once an event, and copying it into a string
// was another, together two thirds of what an event allocated (BenchmarkBuild).
func (ev *Event) encode() string {
	d := &ev.Detail
	data := len(deref(d.Input)) + len(deref(d.Output)) + len(deref(d.Error)) + len(deref(d.Cause))
	n := 700 + 3*len(d.ExecutionArn) + len(d.StateMachineArn) + len(d.Name) + len(deref(d.StateMachineVersionArn)) +
		len(deref(d.StateMachineAliasArn)) + len(deref(d.RedriveStatusReason)) + len(ev.Account) + len(ev.Region) + data + data/10
	b := ev.appendJSON(make([]byte, 0, n))
	return unsafe.String(unsafe.SliceData(b), len(b)) // b is not written again
}

// appendJSON appends the event as encoding/json writes it with HTML escaping off (AWS sends
// <, > and & as they are), members in the structs' order. Written out by hand: encoding/json
// took 4 to 6 µs an event, a tenth of a one-step execution's commit (TestAppendJSON holds the
// two to the same bytes).
func (ev *Event) appendJSON(b []byte) []byte {
	b = append(b, `{"version":`...)
	b = jsontext.AppendString(b, ev.Version, false)
	b = append(b, `,"id":`...)
	b = jsontext.AppendString(b, ev.ID, false)
	b = append(b, `,"detail-type":`...)
	b = jsontext.AppendString(b, ev.DetailType, false)
	b = append(b, `,"source":`...)
	b = jsontext.AppendString(b, ev.Source, false)
	b = append(b, `,"account":`...)
	b = jsontext.AppendString(b, ev.Account, false)
	b = append(b, `,"time":`...)
	b = jsontext.AppendString(b, ev.Time, false)
	b = append(b, `,"region":`...)
	b = jsontext.AppendString(b, ev.Region, false)
	b = append(b, `,"resources":`...)
	if ev.Resources == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range ev.Resources {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontext.AppendString(b, r, false)
		}
		b = append(b, ']')
	}
	d := &ev.Detail
	b = append(b, `,"detail":{"executionArn":`...)
	b = jsontext.AppendString(b, d.ExecutionArn, false)
	b = append(b, `,"stateMachineArn":`...)
	b = jsontext.AppendString(b, d.StateMachineArn, false)
	b = append(b, `,"name":`...)
	b = jsontext.AppendString(b, d.Name, false)
	b = append(b, `,"status":`...)
	b = jsontext.AppendString(b, d.Status, false)
	b = append(b, `,"startDate":`...)
	b = strconv.AppendInt(b, d.StartDate, 10)
	b = append(b, `,"stopDate":`...)
	b = appendInt(b, d.StopDate)
	b = append(b, `,"input":`...)
	b = appendStringPtr(b, d.Input)
	b = append(b, `,"output":`...)
	b = appendStringPtr(b, d.Output)
	b = append(b, `,"stateMachineVersionArn":`...)
	b = appendStringPtr(b, d.StateMachineVersionArn)
	b = append(b, `,"stateMachineAliasArn":`...)
	b = appendStringPtr(b, d.StateMachineAliasArn)
	b = append(b, `,"redriveCount":`...)
	b = strconv.AppendInt(b, int64(d.RedriveCount), 10)
	b = append(b, `,"redriveDate":`...)
	b = appendInt(b, d.RedriveDate)
	b = append(b, `,"redriveStatus":`...)
	b = jsontext.AppendString(b, d.RedriveStatus, false)
	b = append(b, `,"redriveStatusReason":`...)
	b = appendStringPtr(b, d.RedriveStatusReason)
	b = append(b, `,"inputDetails":`...)
	b = appendDetails(b, d.InputDetails)
	b = append(b, `,"outputDetails":`...)
	b = appendDetails(b, d.OutputDetails)
	b = append(b, `,"error":`...)
	b = appendStringPtr(b, d.Error)
	b = append(b, `,"cause":`...)
	b = appendStringPtr(b, d.Cause)
	return append(b, "}}"...)
}

func appendInt(b []byte, n *int64) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *n, 10)
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return jsontext.AppendString(b, *s, false)
}

func appendDetails(b []byte, d *Details) []byte {
	switch {
	case d == nil:
		return append(b, "null"...)
	case d.Included:
		return append(b, `{"included":true}`...)
	}
	return append(b, `{"included":false}`...)
}

// included and left out are the two Details, shared by the events (encode only reads them).
var included, leftOut = Details{Included: true}, Details{Included: false}

func details(in bool) *Details {
	if in {
		return &included
	}
	return &leftOut
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// escapedLen is the length of s as a JSON string, as EventBridge counts it: as json.Marshal
// writes it, HTML escapes (<, >, & as \u003c…) included.
func escapedLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				n += 6
			} else {
				n += size
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
			n += 2
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			n += 6
		default:
			n++
		}
		i++
	}
	return n
}
