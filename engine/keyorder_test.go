package engine_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
)

// TestKeyOrder: objects keep their keys in order from the input, through templates, paths,
// intrinsics, JSONata, ResultPath, variables, Map and Parallel, to the output and to every
// history event, as AWS keeps them.
func TestKeyOrder(t *testing.T) {
	const in = `{"b":1,"a":{"z":true,"y":null}}`
	for _, tc := range []struct {
		name, states, want string
	}{
		{"Pass passes its input unchanged",
			`"S":{"Type":"Pass","End":true}`,
			in},
		{"a Parameters template in the definition's order, intrinsic functions last",
			`"S":{"Type":"Pass","Parameters":{"z.$":"$.b","y":1,"x.$":"States.JsonToString($)","w.$":"$.a"},"End":true}`,
			`{"z":1,"y":1,"w":{"z":true,"y":null},"x":"{\"b\":1,\"a\":{\"z\":true,\"y\":null}}"}`},
		{"a literal Result",
			`"S":{"Type":"Pass","Result":{"q":1,"p":{"s":2,"r":3}},"End":true}`,
			`{"q":1,"p":{"s":2,"r":3}}`},
		{"ResultPath into an existing key keeps its place",
			`"S":{"Type":"Pass","Result":"r","ResultPath":"$.b","End":true}`,
			`{"b":"r","a":{"z":true,"y":null}}`},
		{"ResultPath to a new key puts it last",
			`"S":{"Type":"Pass","Result":"r","ResultPath":"$.a.c","End":true}`,
			`{"b":1,"a":{"z":true,"y":null,"c":"r"}}`},
		{"a variable keeps its order",
			`"S":{"Type":"Pass","Assign":{"v.$":"$"},"Next":"T"},"T":{"Type":"Pass","Parameters":{"o.$":"$v"},"End":true}`,
			`{"o":` + in + `}`},
		{"Map items and ItemSelector",
			`"S":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
				"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ResultPath":"$.xs","End":true}`,
			`{"xs":[{"v":{"d":1,"c":2},"i":0}]}`},
		{"Parallel branches",
			`"S":{"Type":"Parallel","Branches":[{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}],"End":true}`,
			`[` + in + `]`},
		{"an error output is Error then Cause",
			`"S":{"Type":"Fail","Error":"E","Cause":"C"}`,
			``},
		{"a caught error output",
			`"S":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}],
				"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"T"}],"Next":"T"},"T":{"Type":"Pass","End":true}`,
			`{"b":1,"a":{"z":true,"y":null},"err":{"Error":"E","Cause":"C"}}`},
		{"the Context object in AWS's order",
			`"S":{"Type":"Pass","Parameters":{"k.$":"States.JsonToString($$.State)"},"End":true}`,
			`{"k":"{\"Name\":\"S\",\"EnteredTime\":\"2026-01-02T03:04:05Z\"}"}`}, // a Pass state has no RetryCount
	} {
		t.Run(tc.name, func(t *testing.T) {
			input := in
			if strings.Contains(tc.states, "$.xs") {
				input = `{"xs":[{"d":1,"c":2}]}`
			}
			def := `{"StartAt":"S","States":{` + tc.states + `}}`
			ex, events := execute(t, def, input, nil, engine.Config{})
			if tc.want == "" {
				return
			}
			if ex.Status != engine.Succeeded || ex.Output != tc.want {
				t.Fatalf("%s %s %s, want %s", ex.Status, ex.Output, deref(ex.Cause), tc.want)
			}
			last := events[len(events)-1]
			data, err := json.Marshal(last)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := json.Marshal(tc.want); !bytes.Contains(data, want) {
				t.Errorf("history event %s does not hold the output %s", data, want)
			}
		})
	}
}

// TestKeyOrderJSONata: JSONata objects and functions see and keep the order of the keys.
func TestKeyOrderJSONata(t *testing.T) {
	def := `{"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Output":{
		"z":"{% $keys($states.input) %}",
		"y":"{% $string($states.input) %}",
		"x":"{% {'d': 1, 'c': $states.input.a} %}",
		"w":"{% $states.input.* %}"},"End":true}}}`
	ex, _ := execute(t, def, `{"b":1,"a":2}`, nil, engine.Config{})
	want := `{"z":["b","a"],"y":"{\"b\":1,\"a\":2}","x":{"d":1,"c":2},"w":[1,2]}`
	if ex.Status != engine.Succeeded || ex.Output != want {
		t.Fatalf("%s %s %s, want %s", ex.Status, ex.Output, deref(ex.Cause), want)
	}
}

// TestKeyOrderAfterReload: an execution saved in the middle and loaded again (what a durable
// store does) keeps the order of its input, variables and outputs.
func TestKeyOrderAfterReload(t *testing.T) {
	def := `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Assign":{"v.$":"$.m"},"Parameters":{"n":1,"m.$":"$.o"},"Next":"W"},
		"W":{"Type":"Wait","Seconds":60,"Next":"P"},
		"P":{"Type":"Pass","Parameters":{"in.$":"$","var.$":"$v","ctx.$":"$$.Execution.Input"},"End":true}}}`
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := engine.New(sm, engine.Config{Region: "us-east-1"})
	ex, step := in.Start(engine.Start{ExecutionArn: "arn:x", Input: `{"o":{"b":1,"a":2}}`, Time: t0})
	saved, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var loaded engine.Execution
	dec := json.NewDecoder(bytes.NewReader(saved))
	dec.UseNumber()
	if err := dec.Decode(&loaded); err != nil {
		t.Fatal(err)
	}
	fire := step.Commands[len(step.Commands)-1]
	in.Apply(&loaded, engine.Event{Kind: engine.TimerFired, TimerID: fire.TimerID, Time: fire.At})
	want := `{"in":{"n":1,"m":{"b":1,"a":2}},"var":{"b":1,"a":2},"ctx":{"o":{"b":1,"a":2}}}`
	if loaded.Status != engine.Succeeded || loaded.Output != want {
		t.Fatalf("after reload: %s %s %s, want %s", loaded.Status, loaded.Output, deref(loaded.Cause), want)
	}
}

// TestKeyOrderIntrinsicFieldsLast: AWS writes the fields of a template that an intrinsic
// function computes after its other fields (recorded in test_map_state_legacy_reentrant).
func TestKeyOrderIntrinsicFieldsLast(t *testing.T) {
	def := `{"StartAt":"S","States":{"S":{"Type":"Pass","Parameters":{
		"Iterations.$":"States.MathAdd($.Iterations, -1)","Values.$":"$.Values","c":1,"Len.$":"States.ArrayLength($.Values)"},"End":true}}}`
	ex, _ := execute(t, def, `{"Iterations":3,"Values":[0,1]}`, nil, engine.Config{})
	want := `{"Values":[0,1],"c":1,"Iterations":2,"Len":2}`
	if ex.Status != engine.Succeeded || ex.Output != want {
		t.Fatalf("%s %s %s, want %s", ex.Status, ex.Output, deref(ex.Cause), want)
	}
}
