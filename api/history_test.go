package api_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestHistoryWithoutExecutionData: GetExecutionHistory with includeExecutionData false leaves
// out of every event's details what Step Functions leaves out of its execution logs without
// execution data (input, output, parameters, assigned variables and their ...Details), and
// keeps the rest (names, resources, errors and causes); absent or true, the data is there.
func TestHistoryWithoutExecutionData(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	run := func(name, def string) *string {
		t.Helper()
		sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(role)})
		if err != nil {
			t.Fatal(err)
		}
		start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"name":"Ada"}`)})
		if err != nil {
			t.Fatal(err)
		}
		waitDone(t, c, start.ExecutionArn)
		return start.ExecutionArn
	}
	arns := []*string{
		run("fails", `{"StartAt":"P","States":{
			"P":{"Type":"Pass","Assign":{"who.$":"$.name"},"Next":"T"},
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"Next":"F"},
			"F":{"Type":"Fail","Error":"Oops","Cause":"on purpose"}}}`),
		run("succeeds", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`),
	}
	// history returns the first event of each type of the executions, by type.
	history := func(include *bool) map[types.HistoryEventType]types.HistoryEvent {
		t.Helper()
		byType := map[types.HistoryEventType]types.HistoryEvent{}
		for _, arn := range arns {
			h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: arn, IncludeExecutionData: include})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range h.Events {
				if _, ok := byType[e.Type]; !ok {
					byType[e.Type] = e
				}
			}
		}
		return byType
	}
	withData, withoutData := history(nil), history(aws.Bool(false))
	if explicit := history(aws.Bool(true)); !reflect.DeepEqual(detailsOf(explicit), detailsOf(withData)) {
		t.Errorf("includeExecutionData true:\n%v\nwant as without it:\n%v", detailsOf(explicit), detailsOf(withData))
	}
	for _, tc := range []struct {
		typ               types.HistoryEventType
		members, withData string // the members of the details without execution data, and the data ones
	}{
		{"ExecutionStarted", "RoleArn", "Input InputDetails"},
		{"PassStateEntered", "Name", "Input InputDetails"},
		{"PassStateExited", "Name", "AssignedVariables AssignedVariablesDetails Output OutputDetails"},
		{"TaskStateEntered", "Name", "Input InputDetails"},
		{"TaskScheduled", "Region Resource ResourceType", "Parameters"},
		{"TaskStarted", "Resource ResourceType", ""},
		{"TaskSucceeded", "Resource ResourceType", "Output OutputDetails"},
		{"TaskStateExited", "Name", "Output OutputDetails"},
		{"FailStateEntered", "Name", "Input InputDetails"},
		{"ExecutionFailed", "Cause Error", ""},
		{"ExecutionSucceeded", "", "Output OutputDetails"}, // an empty object, as the log event's details
	} {
		t.Run(string(tc.typ), func(t *testing.T) {
			full, ok := withData[tc.typ]
			if !ok {
				t.Fatalf("no %s event in the history", tc.typ)
			}
			with, without := details(full), details(withoutData[tc.typ])
			if without == nil {
				t.Fatalf("without execution data: no details member")
			}
			want := strings.Fields(tc.members + " " + tc.withData)
			slices.Sort(want)
			if got := keys(with); !slices.Equal(got, want) {
				t.Errorf("with execution data: members %v, want %v", got, want)
			}
			if got, want := keys(without), strings.Fields(tc.members); !slices.Equal(got, want) {
				t.Errorf("without execution data: members %v, want %v", got, want)
			}
			for k, v := range without {
				if with[k] != v {
					t.Errorf("without execution data: %s = %s, want %s", k, v, with[k])
				}
			}
			if withoutData[tc.typ].Id != full.Id || withoutData[tc.typ].PreviousEventId != full.PreviousEventId {
				t.Errorf("without execution data: id %d previous %d, want %d %d",
					withoutData[tc.typ].Id, withoutData[tc.typ].PreviousEventId, full.Id, full.PreviousEventId)
			}
		})
	}
}

// details returns the members an event's details member has (set, by the SDK's field
// names) with their values printed, or nil when the event has no details member.
func details(e types.HistoryEvent) map[string]string {
	v := reflect.ValueOf(e)
	for i := range v.NumField() {
		f := v.Field(i)
		if !strings.HasSuffix(v.Type().Field(i).Name, "EventDetails") || f.IsNil() {
			continue
		}
		out := map[string]string{}
		d := f.Elem()
		for j := range d.NumField() {
			m := d.Field(j)
			if !d.Type().Field(j).IsExported() || m.IsZero() {
				continue
			}
			if m.Kind() == reflect.Pointer {
				m = m.Elem()
			}
			out[d.Type().Field(j).Name] = fmt.Sprintf("%+v", m.Interface())
		}
		return out
	}
	return nil
}

func detailsOf(byType map[types.HistoryEventType]types.HistoryEvent) map[types.HistoryEventType]map[string]string {
	out := map[types.HistoryEventType]map[string]string{}
	for typ, e := range byType {
		out[typ] = details(e)
	}
	return out
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
