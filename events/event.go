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
	"encoding/json"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/internal/ids"
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
func StatusChange(e *store.Execution, region, account, redriveReason string) (string, error) {
	d := Detail{
		ExecutionArn: e.Arn, StateMachineArn: e.StateMachineArn, Name: e.Name, Status: e.Status,
		StartDate: e.StartedAt.UnixMilli(), RedriveCount: e.RedriveCount, Error: e.Error, Cause: e.Cause,
		StateMachineVersionArn: orNull(e.VersionArn), StateMachineAliasArn: orNull(e.AliasArn),
		RedriveStatus: "REDRIVABLE",
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
		d.OutputDetails = &Details{Included: outSize <= maxPayload}
		if d.OutputDetails.Included {
			d.Output = out
		} else {
			outSize = 0
		}
	}
	d.InputDetails = &Details{Included: inSize+outSize <= maxPayload}
	if d.InputDetails.Included {
		d.Input = &in
	}
	ev := Event{
		Version: "0", ID: ids.UUID(), DetailType: DetailType, Source: Source, Account: account,
		Time: when.UTC().Format(time.RFC3339), Region: region, Resources: []string{e.Arn}, Detail: d,
	}
	// Not json.Marshal: it would escape <, > and & in the input and output, which AWS sends
	// as they are.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// escapedLen is the length of s as a JSON string, as EventBridge counts it.
func escapedLen(s string) int {
	b, _ := json.Marshal(s)
	return len(b)
}
