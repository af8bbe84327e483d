package engine_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
)

// A Distributed Map's children have the limits of their type, as on AWS: an Express child
// times out after five minutes, a Standard child fails on reaching the history quota (its
// own, apart from the parent's). Without them a child that loops through Pass and Choice
// states ran on for as long as its parent, its history growing without end.
func TestChildExecutionLimits(t *testing.T) {
	loop := `"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
		"B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "C"}], "Default": "A"},
		"C": {"Type": "Succeed"}}`
	taskLoop := `"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
		"B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 100}], "Next": "C"},
		"C": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "D"}], "Default": "A"},
		"D": {"Type": "Succeed"}}`
	tests := []struct {
		name, typ, processor, fields string
		// status and error: the execution's; children: each child's status and the type
		// of its last event, in that order; counts: the map run's (succeeded, failed, timed
		// out, aborted, pending).
		status, error string
		children      []string
		counts        [5]int64
		// took: how long after its start each child ended.
		took time.Duration
		// express: the fewest events each Express child that loops records (most not kept):
		// each has its turns (takeTurns).
		express int64
		// redrive: the execution is redriven once the checks are done; the children it runs
		// again must record the redrive.
		redrive bool
	}{
		{name: "express loop, tolerated", typ: "EXPRESS", processor: loop, fields: `"ToleratedFailureCount": 2,`,
			status: "SUCCEEDED", children: []string{"TIMED_OUT ExecutionTimedOut", "TIMED_OUT ExecutionTimedOut"},
			counts: [5]int64{0, 0, 2, 0, 0}, took: 5 * time.Minute, express: 5000},
		{name: "express loop, not tolerated", typ: "EXPRESS", processor: loop,
			status: "FAILED", error: "States.ExceedToleratedFailureThreshold",
			children: []string{"ABORTED ExecutionAborted", "TIMED_OUT ExecutionTimedOut"},
			counts:   [5]int64{0, 0, 1, 1, 0}, took: 5 * time.Minute, redrive: true},
		{name: "express wait past five minutes", typ: "EXPRESS", fields: `"ToleratedFailurePercentage": 100,`,
			processor: `"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 301, "End": true}}`,
			status:    "SUCCEEDED", children: []string{"TIMED_OUT ExecutionTimedOut", "TIMED_OUT ExecutionTimedOut"},
			counts: [5]int64{0, 0, 2, 0, 0}, took: 5 * time.Minute},
		{name: "express wait within five minutes", typ: "EXPRESS",
			processor: `"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 299, "End": true}}`,
			status:    "SUCCEEDED", children: []string{"SUCCEEDED ExecutionSucceeded", "SUCCEEDED ExecutionSucceeded"},
			counts: [5]int64{2, 0, 0, 0, 0}, took: 299 * time.Second},
		{name: "standard wait past five minutes", typ: "STANDARD",
			processor: `"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}`,
			status:    "SUCCEEDED", children: []string{"SUCCEEDED ExecutionSucceeded", "SUCCEEDED ExecutionSucceeded"},
			counts: [5]int64{2, 0, 0, 0, 0}, took: time.Hour},
		{name: "standard loop, tolerated", typ: "STANDARD", processor: loop, fields: `"ToleratedFailureCount": 2,`,
			status: "SUCCEEDED", children: []string{"FAILED ExecutionFailed", "FAILED ExecutionFailed"},
			counts: [5]int64{0, 2, 0, 0, 0}},
		// The first child runs to its end before the second starts: it needs no task or timer.
		{name: "standard loop, not tolerated", typ: "STANDARD", processor: loop,
			status: "FAILED", error: "States.ExceedToleratedFailureThreshold",
			children: []string{"FAILED ExecutionFailed"},
			counts:   [5]int64{0, 1, 0, 0, 1}},
		{name: "standard loop of tasks", typ: "STANDARD", processor: taskLoop, fields: `"ToleratedFailureCount": 2,`,
			status: "SUCCEEDED", children: []string{"FAILED ExecutionFailed", "FAILED ExecutionFailed"},
			counts: [5]int64{0, 2, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := fmt.Sprintf(`{"StartAt": "M", "States": {"M": {"Type": "Map", %s "Label": "L", "End": true,
				"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": %q}, %s}}}}`, tt.fields, tt.typ, tt.processor)
			sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s := &sim{t: t, in: engine.New(sm, fuzzConfig), maxSteps: 1000}
			s.start(startOf(`[1, 2]`))
			s.run() // fails on a timer or task left behind, or on a child still running
			errName := ""
			if s.ex.Error != nil {
				errName = *s.ex.Error
			}
			if string(s.ex.Status) != tt.status || errName != tt.error {
				t.Fatalf("execution %s %s, want %s %s: %s", s.ex.Status, errName, tt.status, tt.error, types(s.events))
			}
			var got []string
			for _, ch := range s.children {
				last := ch.Events[len(ch.Events)-1]
				got = append(got, string(ch.Status)+" "+last.Type)
				// An Express child keeps no events past the quota but its end.
				quota := int64(fuzzConfig.MaxHistoryEvents)
				kept := min(last.ID, quota)
				if ch.LastEventID != last.ID || int64(len(ch.Events)) != kept || ch.Events[kept-2].ID != kept-1 {
					t.Errorf("child %s: %d events, the last %d, LastEventID %d", ch.Name, len(ch.Events), last.ID, ch.LastEventID)
				}
				if tt.typ == "STANDARD" && last.ID > quota || tt.express > 0 && last.ID < tt.express {
					t.Errorf("child %s: %d events, want at most %d (Standard) or at least %d (Express)", ch.Name, last.ID, quota, tt.express)
				}
				switch ch.Status {
				case engine.TimedOut:
					if ch.Error == nil || *ch.Error != "States.Timeout" || last.PreviousEventID != 0 {
						t.Errorf("timed out child: error %v, its last event after %d", ch.Error, last.PreviousEventID)
					}
				case engine.Failed:
					want := fmt.Sprintf("The execution reached the maximum number of history events (%d).", fuzzConfig.MaxHistoryEvents)
					if ch.Error == nil || *ch.Error != "States.Runtime" || ch.Cause == nil || *ch.Cause != want {
						t.Errorf("failed child: %v %v", ch.Error, ch.Cause)
					}
					if last.ID != int64(fuzzConfig.MaxHistoryEvents) || last.PreviousEventID != last.ID-1 {
						t.Errorf("failed child's last event: id %d after %d, want %d", last.ID, last.PreviousEventID, fuzzConfig.MaxHistoryEvents)
					}
				case engine.Succeeded:
				default:
					continue
				}
				if tt.took != 0 && ch.StopDate.Sub(ch.StartDate) != tt.took {
					t.Errorf("child ended %v after its start, want %v", ch.StopDate.Sub(ch.StartDate), tt.took)
				}
			}
			slices.Sort(got)
			if strings.Join(got, ", ") != strings.Join(tt.children, ", ") {
				t.Errorf("children %q, want %q", got, tt.children)
			}
			for _, r := range s.runs {
				c := r.Counts
				if g := [5]int64{c.Succeeded, c.Failed, c.TimedOut, c.Aborted, c.Pending}; g != tt.counts || c.Total != 2 || c.Running != 0 {
					t.Errorf("map run counts %+v, want succeeded, failed, timed out, aborted, pending %v", c, tt.counts)
				}
			}
			if tt.redrive {
				// The failed children run again, and their histories record it, however many
				// events they have not kept.
				if !s.redrive(s.clock.Add(time.Minute)) {
					t.Fatal("not redriven")
				}
				s.run()
				for _, ch := range s.children {
					if !slices.ContainsFunc(ch.Events, func(e history.Event) bool { return e.Type == "ExecutionRedriven" }) {
						t.Errorf("child %s: no ExecutionRedriven in %s", ch.Name, types(ch.Events))
					}
				}
			}
		})
	}
}
