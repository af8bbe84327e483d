package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/stepwise-run/stepwise/execlog"
	"github.com/stepwise-run/stepwise/store"
)

type expressItem struct {
	ExecutionArn string `json:"executionArn"`
	Name         string `json:"name"`
	// Status is read from the last kept event: "" when it does not say (a level that logs
	// only failures, or an execution still running).
	Status    string `json:"status,omitempty"`
	StartDate epoch  `json:"firstEventDate"`
	StopDate  epoch  `json:"lastEventDate"`
	Events    int    `json:"events"`
	Dropped   int    `json:"dropped,omitempty"`
}

type expressPage struct {
	Executions []expressItem `json:"executions"`
	// Kept says whether this server keeps Express log events at all (serve
	// --express-log-executions).
	Kept bool `json:"kept"`
}

// endStatus is the status an execution's last event reports.
var endStatus = map[string]string{"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED",
	"ExecutionTimedOut": "TIMED_OUT", "ExecutionAborted": "ABORTED"}

// expressName is an Express execution's name, out of arn:...:express:MACHINE:NAME:UUID.
func expressName(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) == 9 {
		return parts[7]
	}
	return arn
}

// expressExecutions lists the Express executions of a state machine whose log events are
// kept, latest first: GET /console/api/express-executions?stateMachineArn=ARN. Under
// --enforce-iam it lists only those the caller may describe.
func (c *Console) expressExecutions(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("stateMachineArn")
	if arn == "" {
		writeJSONError(w, http.StatusBadRequest, "ValidationException", "stateMachineArn is required")
		return
	}
	p, err := c.principal(r)
	if err != nil {
		writeGuardError(w, err)
		return
	}
	page := expressPage{Executions: []expressItem{}, Kept: c.opts.ExpressLogs != nil}
	if c.opts.ExpressLogs == nil {
		writeJSON(w, page)
		return
	}
	list, err := c.opts.ExpressLogs.ListExpressExecutions(r.Context(), execlog.Unqualified(arn), 200)
	if err != nil {
		c.opts.Logger.Error("console: list Express executions", "stateMachine", arn, "err", err)
		writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "An internal error occurred")
		return
	}
	for _, x := range list {
		if c.mayDescribe(p, x.ExecutionArn) != nil {
			continue
		}
		page.Executions = append(page.Executions, expressItem{ExecutionArn: x.ExecutionArn, Name: expressName(x.ExecutionArn),
			Status: endStatus[x.LastType], StartDate: epoch(x.First), StopDate: epoch(x.Last), Events: x.Events, Dropped: x.Dropped})
	}
	writeJSON(w, page)
}

type expressLogsPage struct {
	ExecutionArn    string `json:"executionArn"`
	StateMachineArn string `json:"stateMachineArn,omitempty"`
	// Events are the log events as the execution logs write them; Dropped counts those not
	// kept, past store.MaxExpressLogBytes.
	Events  []json.RawMessage `json:"events"`
	Dropped int               `json:"dropped,omitempty"`
}

// expressLogs returns the kept log events of an Express execution, by id:
// GET /console/api/express-logs?executionArn=ARN. Under --enforce-iam it needs
// states:DescribeExecution on the execution.
func (c *Console) expressLogs(w http.ResponseWriter, r *http.Request) {
	arn, _, ok := c.describable(w, r)
	if !ok {
		return
	}
	var x *store.ExpressExecution
	err := store.ErrNotFound
	if c.opts.ExpressLogs != nil {
		x, err = c.opts.ExpressLogs.GetExpressExecution(r.Context(), arn)
	}
	if errors.Is(err, store.ErrNotFound) {
		writeJSONError(w, http.StatusNotFound, "ExecutionDoesNotExist", "No log events are kept for execution "+arn)
		return
	}
	if err != nil {
		c.opts.Logger.Error("console: Express log events", "execution", arn, "err", err)
		writeJSONError(w, http.StatusInternalServerError, "InternalFailure", "An internal error occurred")
		return
	}
	page := expressLogsPage{ExecutionArn: arn, StateMachineArn: x.StateMachineArn, Dropped: x.Dropped, Events: make([]json.RawMessage, 0, x.Events)}
	for line := range strings.Lines(x.Lines) {
		page.Events = append(page.Events, json.RawMessage(strings.TrimSuffix(line, "\n")))
	}
	writeJSON(w, page)
}
